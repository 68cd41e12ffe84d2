"""`qslint schema`: the JSON Schema editors and check-jsonschema validate definition files with.

The schema is checked the way it is used: against its metaschema, against every example as
a YAML language server reads it (dates and timestamps stay text), against the broken
examples of QS101-QS105, and once with the real check-jsonschema program.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor

from qslint.cli import cli
from qslint.model import StartDashboardSnapshotJobRequest
from qslint.schema import job_definition_schema, plain_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
VALID_EXAMPLES = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

# The broken examples a schema can see, with the one error each must give: (keyword, path).
SCHEMA_LEVEL_BROKEN = {
    "misspelt-field.yaml": (
        "additionalProperties",
        ["SnapshotConfiguration", "Parameters"],
    ),  # QS101
    "missing-dashboard-id.yaml": ("required", []),  # QS102
    "unquoted-account-id.yaml": ("type", ["AwsAccountId"]),  # QS103
    "format-type-typo.yaml": (
        "enum",
        ["SnapshotConfiguration", "FileGroups", 0, "Files", 0, "FormatType"],
    ),  # QS104
    "dashboard-id-space.yaml": ("pattern", ["DashboardId"]),  # QS105
}


class _TimestampsAsText(SafeConstructor):
    """YAML dates and timestamps as their text, as a YAML language server validates them."""


_TimestampsAsText.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def documents(path: Path) -> list[Any]:
    """Every document of a definition file, as an editor hands it to a schema validator."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(text)]
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _TimestampsAsText
    return list(yaml.load_all(text))


# jsonschema checks "date-time" only with an optional package installed; say it here instead.
FORMATS = FormatChecker()
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # and the date exists
    return RFC3339.fullmatch(value) is not None


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return job_definition_schema()


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FORMATS)


def errors(validator: Draft202012Validator, document: Any) -> list[tuple[str, list[Any]]]:
    return [(e.validator, list(e.absolute_path)) for e in validator.iter_errors(document)]


def _parent(document: Any, path: list[Any]) -> tuple[Any, Any]:
    """The mapping or list holding the value at ``path``, and its key there."""
    *parents, last = path
    for part in parents:
        document = document[part]
    return document, last


@pytest.fixture
def job() -> dict[str, Any]:
    """A valid job that uses every optional part, to be broken one place at a time."""
    (document,) = documents(EXAMPLES / "weekly-sales-pdf.yaml")
    return copy.deepcopy(document)


def test_the_schema_is_valid_under_its_metaschema(schema):
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Amazon QuickSight StartDashboardSnapshotJob definition (qslint)"


def test_draft_07_is_the_same_schema_in_the_older_dialect(schema):
    older = job_definition_schema("07")
    Draft7Validator.check_schema(older)
    assert older["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in older
    assert older["definitions"].keys() == schema["$defs"].keys()
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(older))
    assert refs
    assert all(ref.startswith("#/definitions/") for ref in refs)
    # Draft-07 ignores keywords beside "$ref": a description rides along in an allOf.
    user = older["properties"]["UserConfiguration"]
    assert user["allOf"] == [{"$ref": "#/definitions/SnapshotUserConfiguration"}]
    assert user["description"]
    validator = Draft7Validator(older, format_checker=FORMATS)
    for path in VALID_EXAMPLES:
        for document in documents(path):
            assert list(validator.iter_errors(document)) == [], path.name


@pytest.mark.parametrize("path", VALID_EXAMPLES, ids=lambda path: path.name)
def test_every_valid_example_validates(validator, path):
    for document in documents(path):
        assert errors(validator, document) == []


@pytest.mark.parametrize("name", SCHEMA_LEVEL_BROKEN)
def test_schema_level_broken_examples_are_rejected_where_qslint_points(validator, name):
    (document,) = documents(EXAMPLES / "broken" / name)
    assert errors(validator, document) == [SCHEMA_LEVEL_BROKEN[name]]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["UserConfiguration"], None),
        (["SnapshotConfiguration", "DestinationConfiguration"], None),
        (["SnapshotConfiguration", "Parameters", "StringParameters"], None),
        (["SnapshotConfiguration", "FileGroups", 0, "Files"], None),
    ],
)
def test_an_optional_field_set_to_null_is_rejected_as_the_model_does(validator, job, path, value):
    parent, last = _parent(job, path)
    parent[last] = value
    assert errors(validator, job) == [("type", path)]
    with pytest.raises(ValidationError, match="should not be null"):
        StartDashboardSnapshotJobRequest.model_validate(job)


def test_two_anonymous_users_are_rejected(validator, job):
    users = job["UserConfiguration"]["AnonymousUsers"]
    users.append(copy.deepcopy(users[0]))
    assert errors(validator, job) == [("maxItems", ["UserConfiguration", "AnonymousUsers"])]


SELECTION = ["SnapshotConfiguration", "FileGroups", 0, "Files", 0, "SheetSelections"]


@pytest.mark.parametrize(
    ("path", "count", "keyword"),
    [
        # The limits a rule owns, at the service model's bounds (QS207 itself says 6 groups).
        (["SnapshotConfiguration", "FileGroups"], 8, "maxItems"),
        (["SnapshotConfiguration", "FileGroups", 0, "Files"], 2, "maxItems"),
        (["SnapshotConfiguration", "FileGroups", 0, "Files"], 0, "minItems"),
        (SELECTION, 6, "maxItems"),
        ([*SELECTION, 0, "VisualIds"], 6, "maxItems"),
        ([*SELECTION, 0, "VisualIds"], 0, "minItems"),
        (["SnapshotConfiguration", "DestinationConfiguration", "S3Destinations"], 2, "maxItems"),
    ],
)
def test_limits_a_rule_owns_are_in_the_schema_too(validator, job, path, count, keyword):
    parent, last = _parent(job, path)
    item = parent[last][0] if parent.get(last) else "visual-id"
    parent[last] = [copy.deepcopy(item) for _ in range(count)]
    assert (keyword, path) in errors(validator, job)


def test_seven_file_groups_pass_the_schema_and_are_left_to_qs207(validator):
    (document,) = documents(EXAMPLES / "broken" / "seven-file-groups.yaml")
    assert errors(validator, document) == []


@pytest.mark.parametrize("value", ["2026-01-05", "2026-01-05T00:00:00Z", 1767571200, 1.5])
def test_datetime_values_take_dates_timestamps_and_epoch_numbers(validator, job, value):
    job["SnapshotConfiguration"]["Parameters"]["DateTimeParameters"][0]["Values"] = [value]
    assert errors(validator, job) == []


@pytest.mark.parametrize("value", ["next tuesday", "2026-02-31", True])
def test_datetime_values_refuse_what_is_no_date(validator, job, value):
    job["SnapshotConfiguration"]["Parameters"]["DateTimeParameters"][0]["Values"] = [value]
    values = ["SnapshotConfiguration", "Parameters", "DateTimeParameters", 0, "Values", 0]
    assert errors(validator, job) == [("anyOf", values)]


def test_top_level_fields_are_described_in_plain_text(schema):
    for name, member in schema["properties"].items():
        assert member.get("description"), name
    assert schema["properties"]["DashboardId"]["description"] == (
        "The ID of the dashboard that you want to start a snapshot job for."
    )


def test_every_field_and_object_is_described_without_html(schema):
    described = [schema, *schema["$defs"].values()]
    described += [member for shape in described for member in shape["properties"].values()]
    for item in described:
        assert item.get("description"), item
        assert not re.search(r"</?[a-z]+[ >]", item["description"]), item["description"]


def test_no_field_offers_null_a_default_or_a_title_that_only_repeats_its_name(schema):
    text = json.dumps(schema)
    assert '"null"' not in text
    assert '"default"' not in text
    assert '"sensitive"' not in text
    for shape in [schema, *schema["$defs"].values()]:
        assert shape["additionalProperties"] is False
        assert all("title" not in member for member in shape["properties"].values())


def test_a_description_that_says_null_says_to_leave_the_field_out(schema):
    description = schema["properties"]["UserConfiguration"]["description"]
    assert "set the UserConfiguration request attribute to null" in description
    assert description.endswith("leave the field out instead: boto3 refuses an explicit null.")


def test_plain_text_keeps_paragraphs_bullets_notes_and_links():
    documentation = (
        "<p>Request <code>CSV</code>, or:</p> <ul> <li> <p>1 PDF</p> </li> "
        "<li> <p>5 CSVs</p> </li> </ul> <note> <p>Needs an add-on.</p> </note> "
        '<p>See <a href="https://example.com/rls">Using RLS</a>in the <i>Guide</i>.</p>'
    )
    assert plain_text(documentation) == (
        "Request CSV, or:\n\n- 1 PDF\n- 5 CSVs\n\nNote: Needs an add-on.\n\n"
        "See Using RLS (https://example.com/rls) in the Guide."
    )


def test_qslint_schema_prints_the_schema(schema):
    result = CliRunner().invoke(cli, ["schema"], catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == schema


def test_qslint_schema_output_writes_the_file_whole(tmp_path, schema):
    target = tmp_path / "qslint.schema.json"
    target.write_text("an older schema", encoding="utf-8")
    result = CliRunner().invoke(cli, ["schema", "--output", str(target)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8")) == schema
    assert [path.name for path in tmp_path.iterdir()] == ["qslint.schema.json"]
    fresh = tmp_path / "new.json"
    result = CliRunner().invoke(cli, ["schema", "--draft", "07", "--output", str(fresh)])
    assert result.exit_code == 0
    assert json.loads(fresh.read_text(encoding="utf-8"))["$schema"].endswith("draft-07/schema#")
    umask = os.umask(0o022)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's owner-only 0o600


def test_qslint_schema_output_to_a_missing_folder_is_one_line_and_exit_2(tmp_path):
    target = tmp_path / "missing" / "schema.json"
    result = CliRunner().invoke(cli, ["schema", "--output", str(target)])
    assert result.exit_code == 2
    assert result.stderr == f"qslint: cannot write {target}: No such file or directory\n"


def test_importing_the_model_does_not_import_botocore():
    completed = subprocess.run(
        [sys.executable, "-c", "import sys, qslint.model; print('botocore' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout == "False\n"


def test_check_jsonschema_validates_the_examples_with_qslint_schema_output(tmp_path):
    if not CHECK_JSONSCHEMA.is_file():
        pytest.fail(
            f"check-jsonschema is not installed next to {sys.executable}; it is a test "
            "dependency: pip install -e '.[test]'"
        )
    schema_file = tmp_path / "qslint.schema.json"
    subprocess.run(
        [sys.executable, "-m", "qslint", "schema", "--output", str(schema_file)], check=True
    )

    def check(*paths: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CHECK_JSONSCHEMA), "--schemafile", str(schema_file), *map(str, paths)],
            capture_output=True,
            text=True,
            check=False,
        )

    # check-jsonschema reads one document per YAML file (python-jsonschema/check-jsonschema#222),
    # so the two-document stream is validated above, document by document, and not here.
    single_documents = [path for path in VALID_EXAMPLES if path.name != "two-jobs.yaml"]
    valid = check(*single_documents)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    broken = check(*(EXAMPLES / "broken" / name for name in SCHEMA_LEVEL_BROKEN))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    for name in SCHEMA_LEVEL_BROKEN:
        assert f"broken/{name}::$" in broken.stdout
    not_a_date = check(EXAMPLES / "broken" / "datetime-not-a-date.yaml")
    assert not_a_date.returncode == 1
    assert "'next tuesday' is not valid under any of the given schemas" in not_a_date.stdout


def test_the_fan_out_key_is_known_and_its_settings_checked(validator, job):
    assert errors(validator, {"x-qslint": {"for-each": "tenants.csv"}, **job}) == []
    inline = {"for-each": [{"tenant": "acme", "top": 10}], "row-name": "tenant"}
    assert errors(validator, {"x-qslint": inline, **job}) == []
    assert errors(validator, {"x-qslint": {"for-each": 3}, **job}) == [
        ("oneOf", ["x-qslint", "for-each"])
    ]
    assert errors(validator, {"x-qslint": {"rows": "tenants.csv"}, **job}) == [
        ("required", ["x-qslint"]),
        ("additionalProperties", ["x-qslint"]),
    ]
