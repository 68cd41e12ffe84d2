"""Messages read as a person would write them: a count agrees with its noun."""

from __future__ import annotations

import json

import pytest
from conftest import VALID_JOB

from qslint.config import LoadLimits
from qslint.findings import plural
from qslint.loader import load_source


def messages(run_qslint, write, text: str, *args: str) -> list[str]:
    write("job.yaml", text)
    result = run_qslint("check", "--output-format", "json", *args, "job.yaml")
    return [finding["message"] for finding in json.loads(result.stdout)]


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 items"), (1, "1 item"), (2, "2 items"), (5, "5 items")]
)
def test_plural_agrees_with_the_count(count, expected):
    assert plural(count, "item") == expected


def test_plural_takes_an_irregular_form():
    assert (plural(1, "entry", "entries"), plural(3, "entry", "entries")) == (
        "1 entry",
        "3 entries",
    )


@pytest.mark.parametrize(
    ("written", "instead", "expected"),
    [
        (
            "          Value: EMEA\n",
            "          Value: EMEA\n    - RowLevelPermissionTags:\n        - {Key: b, Value: c}\n",
            "`AnonymousUsers` holds at most 1 item, not 2",
        ),
        ("SheetId: summary", 'SheetId: ""', "`SheetId` must be at least 1 character long"),
        (
            "    - RowLevelPermissionTags:\n        - Key: region\n          Value: EMEA\n",
            "    - RowLevelPermissionTags: []\n",
            "`RowLevelPermissionTags` needs at least 1 item",
        ),
    ],
    ids=["at-most-one-item", "at-least-one-character", "at-least-one-item"],
)
def test_a_service_limit_of_one_is_singular(run_qslint, write, written, instead, expected):
    assert messages(run_qslint, write, VALID_JOB.replace(written, instead)) == [expected]


def test_a_configured_limit_of_one_file_group_is_singular(run_qslint, write):
    write(".qslint.toml", "[options.QS207]\nmax-file-groups = 1\n")
    two_groups = VALID_JOB.replace(
        "  DestinationConfiguration:",
        "    - Files:\n"
        "        - FormatType: CSV\n"
        "          SheetSelections:\n"
        "            - {SheetId: summary, SelectionScope: SELECTED_VISUALS, VisualIds: [t]}\n"
        "  DestinationConfiguration:",
    )
    assert messages(run_qslint, write, two_groups) == [
        "a job holds at most 1 file group, not 2; split it into two jobs"
    ]


@pytest.mark.parametrize(
    ("limits", "text", "expected"),
    [
        (LoadLimits(max_nodes=1), b"A: 1\n", "more than 1 value (aliases included)"),
        (LoadLimits(max_depth=1), b"A: {B: {C: 1}}\n", "nesting deeper than 1 level;"),
        (LoadLimits(max_documents=1), b"A: 1\n---\nB: 1\n", "more than 1 YAML document in"),
    ],
)
def test_load_limits_of_one_are_singular(limits, text, expected):
    source = load_source("job.yaml", text, limits)
    assert expected in source.problems[0].message
