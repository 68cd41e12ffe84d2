"""The compiled request model (what a run validates with) against the pydantic models it is
compiled from: the same data, the same errors, the same answers about shapes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from qslint import compile_model, compiled_model, model
from qslint.compiled_model import (
    CLASSES,
    Request,
    annotation_at,
    empty,
    enum_values_at,
    field_names_at,
    is_sensitive,
    sensitive_field_names,
    validate,
    validate_field,
    values_set,
)
from qslint.findings import JsonPath, MissingPart
from qslint.loader import load_source
from qslint.model_parts import PARAMETER_KINDS

ROOT = Path(__file__).resolve().parents[1]
DEFINITIONS = sorted(
    path
    for folder in ("tests/fixtures", "examples")
    for path in (ROOT / folder).rglob("*")
    if path.suffix in (".yaml", ".yml", ".json")
)
PYDANTIC_MODELS: dict[str, type[BaseModel]] = {
    name: value
    for name, value in vars(model).items()
    if isinstance(value, type) and issubclass(value, model.ApiModel) and value is not model.ApiModel
}


def test_the_compiled_file_is_what_the_models_compile_to():
    stored = (ROOT / "qslint" / "compiled_model.json").read_text(encoding="utf-8")
    assert stored == compile_model.text(), "run `python -m qslint.compile_model`"


def test_another_pydantic_core_compiles_the_models_anew():
    stored = json.loads((ROOT / "qslint" / "compiled_model.json").read_text(encoding="utf-8"))
    assert compiled_model.load("0.0.0") == stored  # compiled now, for the installed version
    assert compiled_model.load() == stored


def test_every_model_is_compiled_under_its_name():
    assert set(CLASSES) == set(PYDANTIC_MODELS)
    for name, compiled in CLASSES.items():
        assert compiled.field_names == tuple(PYDANTIC_MODELS[name].model_fields)


def test_parameter_kinds_are_the_fields_of_parameters():
    assert tuple(model.Parameters.model_fields) == PARAMETER_KINDS


def outcome(validated: Any) -> Any:
    """What validation made of some data, comparable across both implementations."""
    if isinstance(validated, ValidationError):
        return [(e["type"], e["loc"], e["msg"], repr(e.get("input"))) for e in validated.errors()]
    if isinstance(validated, BaseModel):
        return validated.model_dump(exclude_unset=True)
    return values_set(validated)


def both(name: str, data: Any) -> tuple[Any, Any]:
    """What pydantic and the compiled model make of ``data`` as the model ``name``."""
    results = []
    for check in (
        lambda: PYDANTIC_MODELS[name].model_validate(data),
        lambda: validate(CLASSES[name], data),
    ):
        try:
            results.append(outcome(check()))
        except ValidationError as error:
            results.append(outcome(error))
    return results[0], results[1]


def parts(data: Any, path: JsonPath = ()) -> list[tuple[JsonPath, Any]]:
    """Every mapping in ``data`` with its path (each a part some model validates alone)."""
    found: list[tuple[JsonPath, Any]] = []
    if isinstance(data, dict):
        found.append((path, data))
        for key, value in data.items():
            found += parts(value, (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found += parts(item, (*path, index))
    return found


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_fixture_validates_alike(path: Path):
    source = load_source(str(path), path.read_bytes())
    for document in source.documents:
        pydantic_says, compiled_says = both("StartDashboardSnapshotJobRequest", document.data)
        assert compiled_says == pydantic_says
        for at, data in parts(document.data):
            shape = compiled_model.model_at(at)
            if shape is not None:
                assert both(shape.__name__, data)[1] == both(shape.__name__, data)[0], at


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("SessionTag", {"Key": None, "Value": "v"}),
        ("SessionTag", {"Key": "k", "Value": "v", "Extra": 1}),
        ("SessionTag", {"Key": 1, "Value": ""}),
        ("SnapshotFile", {"SheetSelections": [], "FormatType": "Pdf"}),
        ("SnapshotFile", {"SheetSelections": "x", "FormatType": "PDF"}),
        ("IntegerParameter", {"Name": " ", "Values": ["1", 2.0, True]}),
        ("DateTimeParameter", {"Name": "d", "Values": [True, "2026-01-01", 0, None]}),
        ("Parameters", {"StringParameters": [{"Name": "s", "Values": ["a"]}] * 101}),
        ("S3BucketConfiguration", []),
    ],
)
def test_bad_data_gives_the_same_errors(name: str, data: Any):
    pydantic_says, compiled_says = both(name, data)
    assert isinstance(compiled_says, list) and compiled_says
    assert compiled_says == pydantic_says


def every_path() -> list[JsonPath]:
    """The path of every field of the request, through lists' first items."""
    paths: list[JsonPath] = []
    pending: list[tuple[JsonPath, type[BaseModel]]] = [((), model.StartDashboardSnapshotJobRequest)]
    while pending:
        at, shape = pending.pop()
        for name in shape.model_fields:
            paths.append((*at, name))
            below = compiled_model.model_at((*at, name))
            if below is not None:
                pending.append(((*at, name, 0), PYDANTIC_MODELS[below.__name__]))
    return paths


def pydantic_field(path: JsonPath) -> Any:
    shape: Any = model.StartDashboardSnapshotJobRequest
    field = None
    for part in path:
        if isinstance(part, int):
            continue
        field = shape.model_fields[part]
        shape = compile_model._shape(field.annotation, {})
        shape = PYDANTIC_MODELS.get(shape.get("model", ""))
    return field


@pytest.mark.parametrize("path", every_path(), ids=lambda path: ".".join(map(str, path)))
def test_shapes_and_sensitivity_are_the_models(path: JsonPath):
    field = pydantic_field(path)
    shape = compile_model._shape(field.annotation, {})
    found = annotation_at(path)
    if "model" in shape:
        assert found is CLASSES[shape["model"]]
        assert field_names_at(path) == list(PYDANTIC_MODELS[shape["model"]].model_fields)
    elif "enum" in shape:
        assert enum_values_at(path) == tuple(shape["enum"])
    else:
        assert found.__name__ == shape["type"]
        assert field_names_at(path) == [] and enum_values_at(path) == ()
    marked = bool((field.json_schema_extra or {}).get("sensitive"))  # type: ignore[union-attr]
    assert is_sensitive(path) == (marked or is_sensitive(path[:-1]))
    assert (path[-1] in sensitive_field_names()) == marked


def test_a_path_outside_the_request_has_no_shape():
    assert annotation_at(("Nope",)) is None
    assert annotation_at(("AwsAccountId", "deeper")) is None
    assert field_names_at(("SnapshotConfiguration", "Nope")) == []
    assert annotation_at(()) is Request


def test_instances_are_read_only_and_compare_by_their_values():
    data = json.loads((ROOT / "examples" / "marketing-pdf.json").read_text())
    job, again = validate(Request, data), validate(Request, data)
    assert job == again and job is not again
    tag = validate(CLASSES["SessionTag"], {"Key": "k", "Value": "v"})
    assert hash(tag) == hash(validate(CLASSES["SessionTag"], {"Key": "k", "Value": "v"}))
    assert tag != validate(CLASSES["SessionTag"], {"Key": "k", "Value": "w"})
    with pytest.raises(AttributeError, match="read-only"):
        job.DashboardId = "other"
    assert values_set(job) == model.StartDashboardSnapshotJobRequest.model_validate(
        data
    ).model_dump(exclude_unset=True)


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_jobs_iterations_are_the_models_and_leave_its_values_alone(path: Path):
    source = load_source(str(path), path.read_bytes())
    for document in source.documents:
        try:
            job = validate(Request, document.data)
        except ValidationError:
            continue
        fresh = validate(Request, document.data)
        pydantic_job = model.StartDashboardSnapshotJobRequest.model_validate(document.data)
        for name in ("files", "selections", "parameters", "buckets"):
            for _ in range(2):  # walked, then kept
                entries = getattr(job, name)()
                assert iter(entries) is entries  # an iterator, as the models' are
                expected = list(getattr(pydantic_job, name)())
                assert [(e[0], *map(values_set, e[1:])) for e in entries] == [
                    (e[0], *(item.model_dump(exclude_unset=True) for item in e[1:]))
                    for e in expected
                ]
            walked, kept = list(getattr(job, name)()), list(getattr(job, name)())
            assert all(entry is again for entry, again in zip(walked, kept, strict=True))
        assert job == fresh and repr(job) == repr(fresh)


def test_an_empty_instance_holds_defaults_and_its_required_fields_are_missing_parts():
    tag = empty(CLASSES["SnapshotAnonymousUser"])
    assert tag.RowLevelPermissionTags is None
    selection = empty(CLASSES["SnapshotFileSheetSelection"])
    with pytest.raises(MissingPart) as missing:
        selection.SheetId  # noqa: B018 - the read is the test
    assert missing.value.obj is selection and missing.value.name == "SheetId"


def test_a_field_is_validated_in_place_and_left_as_it_was_when_invalid():
    selection = empty(CLASSES["SnapshotFileSheetSelection"])
    validate_field(selection, "SelectionScope", "ALL_VISUALS")
    assert selection.SelectionScope == "ALL_VISUALS"
    with pytest.raises(ValidationError) as error:
        validate_field(selection, "SelectionScope", "SOME")
    assert [e["type"] for e in error.value.errors()] == ["literal_error"]
    assert selection.SelectionScope == "ALL_VISUALS"


def test_the_extension_loaded_alone_is_the_one_the_package_imports_later():
    """A check loads pydantic-core's extension without its package; pydantic, imported
    afterwards in the same process (``qslint schema``, a compile), gets the same classes."""
    probe = textwrap.dedent(
        """
        import sys
        from qslint import pydantic_extension
        assert "pydantic_core" not in sys.modules
        import pydantic_core
        assert pydantic_core.SchemaValidator is pydantic_extension.SchemaValidator
        assert pydantic_core.ValidationError is pydantic_extension.ValidationError
        assert pydantic_core.__version__ == pydantic_extension.VERSION
        validator = pydantic_extension.SchemaValidator({"type": "int"})
        try:
            validator.validate_python("x")
        except pydantic_core.ValidationError as error:
            print(error.errors()[0]["type"])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[1],  # this checkout's qslint
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "int_parsing\n", "")
