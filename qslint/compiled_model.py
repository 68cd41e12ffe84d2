"""The request model as a run checks it: pydantic-core validators and plain classes built from
``compiled_model.json``, which :mod:`qslint.compile_model` generates from :mod:`qslint.model`.

Building the pydantic models costs a run more than checking a file does (importing pydantic
and generating their schemas: ~0.1 s), and every run would build the same thing; so the
schemas pydantic generates are kept as data, and a run hands them to pydantic-core directly.
The classes here have the models' names, fields and iterations; instances are what
validation makes them, read-only, and compare by their values as pydantic's do. Type
checkers see :mod:`qslint.model`'s classes.

The module also answers what the request holds where (:func:`annotation_at` and the like),
from the same data.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from qslint.findings import JsonPath, MissingPart
from qslint.model_parts import RequestParts, refuse_null, timestamp_like
from qslint.pydantic_extension import VERSION, SchemaValidator, ValidationError

if TYPE_CHECKING:
    from qslint.model import StartDashboardSnapshotJobRequest

__all__ = ["ValidationError"]

_VALUE_CHECKS: dict[str, Callable[[object], object]] = {
    check.__name__: check for check in (refuse_null, timestamp_like)
}
_SCALARS: dict[str, type] = {kind.__name__: kind for kind in (str, int, float, bool, datetime)}
ModelT = TypeVar("ModelT", bound="CompiledModel")


class CompiledModel:
    """One mapping of a request, as validation builds it (its fields in the instance dict)."""

    # Set by pydantic-core beside the fields' dict, as on a pydantic model.
    __slots__ = (
        "__dict__",
        "__pydantic_extra__",
        "__pydantic_fields_set__",
        "__pydantic_private__",
    )
    field_names: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[Mapping[str, Any]] = {}  # of the optional fields
    __pydantic_fields_set__: set[str]

    if not TYPE_CHECKING:  # to type checkers, every field is always there, as it is when valid

        def __getattr__(self, name: str) -> Any:
            # Reached only for a name that is not set: of the fields, only in a partial job
            # (qslint.validation), for one whose value is not valid; else a slot not yet set.
            if name in type(self).field_names:
                message = f"`{name}` of this {type(self).__name__} is not valid"
                raise MissingPart(message, name=name, obj=self)
            raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).field_names:
            raise AttributeError(f"{type(self).__name__} is read-only: `{name}` cannot be set")
        object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *self.__dict__.values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"{type(self).__name__}({fields})"


class ReadOnceParts(RequestParts):
    """The iterations of a valid job, each walked once and kept: about ten rules read each,
    and walking them again for every rule cost a job more than validating it.

    A valid job is read-only, so what an iteration yields cannot change. A partial job's
    parts are walked afresh each time, as a rule reads them: one may be missing.
    """

    __slots__ = ()

    def files(self) -> Iterator[tuple[JsonPath, Any]]:
        return iter(self._walked_once("files", RequestParts.files))

    def selections(self) -> Iterator[tuple[JsonPath, Any, Any]]:
        return iter(self._walked_once("selections", RequestParts.selections))

    def parameters(self) -> Iterator[tuple[JsonPath, Any]]:
        return iter(self._walked_once("parameters", RequestParts.parameters))

    def buckets(self) -> Iterator[tuple[JsonPath, Any]]:
        return iter(self._walked_once("buckets", RequestParts.buckets))

    def _walked_once(self, name: str, iteration: Callable[[Any], Iterator[Any]]) -> tuple[Any, ...]:
        try:
            kept: dict[str, tuple[Any, ...]] = self._iterations  # type: ignore[attr-defined]
        except AttributeError:  # the job's first iteration: validation leaves the slot unset
            kept = {}
            object.__setattr__(self, "_iterations", kept)
        found = kept.get(name)
        if found is None:
            found = kept[name] = tuple(iteration(self))
        return found


def load(installed: str = VERSION) -> dict[str, Any]:
    """The compiled models: the shipped file when it was compiled for the ``installed``
    pydantic-core, else compiled now from :mod:`qslint.model` (pydantic's import and schema
    generation, the cost the file saves)."""
    with Path(__file__).with_name("compiled_model.json").open(encoding="utf-8") as file:
        compiled: dict[str, Any] = json.load(file)
    if compiled["pydantic_core"] == installed:
        return compiled
    from qslint.compile_model import compiled as compiled_now

    return compiled_now()


_COMPILED = load()
_MODELS: dict[str, dict[str, Any]] = _COMPILED["models"]


def _optional(field_schema: Mapping[str, Any]) -> bool:
    return field_schema["schema"]["type"] == "default"


def _class(name: str, entry: Mapping[str, Any]) -> type[CompiledModel]:
    fields = entry["schema"]["schema"]["fields"]
    namespace = {
        "__module__": __name__,
        "__qualname__": name,
        "field_names": tuple(entry["fields"]),
        "defaults": {
            field: schema["schema"]["default"]
            for field, schema in fields.items()
            if _optional(schema)
        },
    }
    if name != _COMPILED["root"]:
        return type(name, (CompiledModel,), namespace)
    # Kept beside the fields, out of the values that equality and repr compare.
    namespace["__slots__"] = ("_iterations",)
    return type(name, (ReadOnceParts, CompiledModel), namespace)


CLASSES: dict[str, type[CompiledModel]] = {
    name: _class(name, entry) for name, entry in _MODELS.items()
}
Request: type[StartDashboardSnapshotJobRequest] = CLASSES[_COMPILED["root"]]  # type: ignore[assignment]


def _revived(schema: Any) -> Any:
    """A schema of the JSON with its classes and value checks in place of their names."""
    if isinstance(schema, dict):
        revived = {key: _revived(value) for key, value in schema.items()}
        if revived.get("type") == "model":
            revived["cls"] = CLASSES[schema["cls"]]
        elif isinstance(schema.get("function"), str):
            revived["function"] = _VALUE_CHECKS[schema["function"]]
        return revived
    if isinstance(schema, list):
        return [_revived(item) for item in schema]
    return schema


@functools.cache
def _definitions() -> list[dict[str, Any]]:
    return [{**_revived(entry["schema"]), "ref": name} for name, entry in _MODELS.items()]


def validator(model: type[CompiledModel]) -> SchemaValidator:
    """pydantic-core's validator of ``model``, or of the model it extends."""
    return _validator(next(base for base in model.__mro__ if CLASSES.get(base.__name__) is base))


@functools.cache
def _validator(model: type[CompiledModel]) -> SchemaValidator:
    """The validator of a compiled model, built on first use, once."""
    return SchemaValidator(
        {
            "type": "definitions",
            "schema": {"type": "definition-ref", "schema_ref": model.__name__},
            "definitions": _definitions(),
        }
    )


def validate(model: type[ModelT], data: Any) -> ModelT:
    """``data`` as an instance of ``model``; raises :class:`ValidationError`."""
    instance: ModelT = validator(model).validate_python(data)
    return instance


def empty(model: type[ModelT]) -> ModelT:
    """An instance of ``model`` with its optional fields at their defaults and its required
    ones unset, as pydantic's ``model_construct()`` makes it."""
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", dict(model.defaults))
    object.__setattr__(instance, "__pydantic_fields_set__", set())
    object.__setattr__(instance, "__pydantic_extra__", None)
    return instance


def validate_field(instance: CompiledModel, name: str, value: Any) -> None:
    """Sets the field ``name`` of ``instance`` to ``value`` as validation would make it;
    raises :class:`ValidationError` and leaves the field as it was when it is not valid."""
    validator(type(instance)).validate_assignment(instance, name, value)


def values_set(value: Any) -> Any:
    """``value`` as plain data, each model with the fields its input set (pydantic's
    ``model_dump(exclude_unset=True)``)."""
    if isinstance(value, CompiledModel):
        return {
            name: values_set(field)
            for name, field in value.__dict__.items()
            if name in value.__pydantic_fields_set__
        }
    if isinstance(value, list):
        return [values_set(item) for item in value]
    return value


def _shape(shape: Mapping[str, Any]) -> Any:
    if "model" in shape:
        return CLASSES[shape["model"]]
    if "enum" in shape:
        return Literal.__getitem__(tuple(shape["enum"]))
    return _SCALARS[shape["type"]]


def _fields_along(path: JsonPath) -> list[Mapping[str, Any] | None]:
    """The request's field for each name of ``path`` (list indexes step into items), ending
    with ``None`` where the path leaves the request."""
    fields: list[Mapping[str, Any] | None] = []
    shape: Mapping[str, Any] | None = {"model": _COMPILED["root"]}
    for part in path:
        if isinstance(part, int):
            continue
        field = _MODELS[shape["model"]]["fields"].get(part) if shape and "model" in shape else None
        fields.append(field)
        if field is None:
            return fields
        shape = field["shape"]
    return fields


def annotation_at(path: JsonPath) -> Any:
    """The type of the value at ``path`` in a request (list indexes step into items).

    A model class for a mapping, a ``Literal`` for an enum, ``str`` for a string; ``None``
    where the path leaves the request model.
    """
    fields = _fields_along(path)
    if not fields:
        return Request
    last = fields[-1]
    return None if last is None else _shape(last["shape"])


def model_at(path: JsonPath) -> type[CompiledModel] | None:
    """The model of the mapping at ``path`` (of each item, for a list of mappings); ``None``
    where the value is not a mapping."""
    shape = annotation_at(path)
    return shape if isinstance(shape, type) and issubclass(shape, CompiledModel) else None


def field_names_at(path: JsonPath) -> list[str]:
    """The fields the mapping at ``path`` may hold; empty when it is not a mapping."""
    model = model_at(path)
    return list(model.field_names) if model else []


def enum_values_at(path: JsonPath) -> tuple[str, ...]:
    """The allowed values of the enum at ``path``; empty when it is not an enum."""
    fields = _fields_along(path)
    last = fields[-1] if fields else None
    return tuple(last["shape"].get("enum", ())) if last else ()


@functools.cache
def _is_sensitive_shape(shape_path: tuple[str, ...]) -> bool:
    return any(field is not None and field["sensitive"] for field in _fields_along(shape_path))


def sensitive_field_names() -> frozenset[str]:
    """The names of every field the service model marks sensitive, at any depth."""
    return frozenset(
        name
        for entry in _MODELS.values()
        for name, field in entry["fields"].items()
        if field["sensitive"]
    )


def is_sensitive(path: JsonPath) -> bool:
    """Whether the value at ``path`` lies in a field the service model marks sensitive."""
    return _is_sensitive_shape(tuple(part for part in path if isinstance(part, str)))
