"""Compiles :mod:`qslint.model` into ``compiled_model.json``: ``python -m qslint.compile_model``.

The JSON holds, per model, the pydantic-core schema pydantic generates for it (nested models
as references, the value checks of :mod:`qslint.model_parts` by name) and the shape of each
field, so that a run validates with pydantic-core alone and never builds the pydantic models
(:mod:`qslint.compiled_model`). ``tests/test_compiled_model.py`` fails when the file is not
what this writes.
"""

import json
import sys
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pydantic_core
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from qslint import model_parts
from qslint.model import ApiModel, StartDashboardSnapshotJobRequest

COMPILED = Path(__file__).with_name("compiled_model.json")
VALUE_CHECKS = frozenset({model_parts.refuse_null.__name__, model_parts.timestamp_like.__name__})
# What of pydantic's schema says nothing to pydantic-core's validation: identities that differ
# from run to run, and what pydantic's JSON Schema generator keeps for itself.
_LEFT_OUT_KEYS = frozenset({"ref", "metadata", "serialization"})


def compiled() -> dict[str, Any]:
    """What ``compiled_model.json`` holds for today's :mod:`qslint.model`."""
    models: dict[str, Any] = {}
    _add_model(StartDashboardSnapshotJobRequest, models)
    return {
        "generated_by": "python -m qslint.compile_model, from qslint/model.py: do not edit",
        # The schema is pydantic-core's input, whose form may change between its versions.
        "pydantic_core": pydantic_core.__version__,
        "root": StartDashboardSnapshotJobRequest.__name__,
        "models": models,
    }


def _add_model(model: type[BaseModel], models: dict[str, Any]) -> None:
    if model.__name__ in models:
        return
    entry: dict[str, Any] = {}
    models[model.__name__] = entry  # before the fields: a model that holds itself stops here
    entry["fields"] = {
        name: {"shape": _shape(field.annotation, models), "sensitive": _marked_sensitive(field)}
        for name, field in model.model_fields.items()
    }
    entry["schema"] = _portable(model.__pydantic_core_schema__, models, top=model)


def _portable(schema: Any, models: dict[str, Any], top: type[BaseModel] | None = None) -> Any:
    """``schema`` as JSON: nested models as references, value checks by name."""
    if isinstance(schema, dict):
        if schema.get("type") == "model" and schema["cls"] is not top:
            _add_model(schema["cls"], models)
            return {"type": "definition-ref", "schema_ref": schema["cls"].__name__}
        return {
            key: _portable_value(key, value, models)
            for key, value in schema.items()
            if key not in _LEFT_OUT_KEYS
        }
    if isinstance(schema, list | tuple):
        return [_portable(item, models) for item in schema]
    if schema is None or isinstance(schema, str | int | float | bool):
        return schema
    raise TypeError(f"cannot compile {schema!r} into JSON")


def _portable_value(key: str, value: Any, models: dict[str, Any]) -> Any:
    if key == "cls":
        return value.__name__
    if key == "function" and callable(value):
        name = getattr(value, "__func__", value).__name__
        if name not in VALUE_CHECKS:
            raise TypeError(f"{name} is not one of qslint.model_parts' value checks")
        return name
    return _portable(value, models)


def _shape(annotation: Any, models: dict[str, Any]) -> dict[str, Any]:
    """The item type behind ``Annotated``, ``X | None`` and ``list[X]``, as JSON."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated or origin is list:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        elif origin is Literal:
            return {"enum": list(get_args(annotation))}
        elif isinstance(annotation, type) and issubclass(annotation, ApiModel):
            _add_model(annotation, models)
            return {"model": annotation.__name__}
        else:
            return {"type": annotation.__name__}


def _marked_sensitive(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("sensitive"))


def text() -> str:
    return json.dumps(compiled(), indent=1) + "\n"


if __name__ == "__main__":
    COMPILED.write_text(text(), encoding="utf-8")
    sys.stdout.write(f"wrote {COMPILED}\n")
