"""The records a check makes are plain classes and named tuples, not dataclasses (start-up:
tests/test_startup.py); to the code and the plugins that use them, they behave as the frozen
and mutable dataclasses they were."""

from __future__ import annotations

import copy
import pickle

import pytest

from qslint.findings import Finding, Fix, Location, Mark, Severity
from qslint.loader.documents import Document, SourceFile
from qslint.results import FileResult
from qslint.rule import CheckedJob, CurrentDocument, RuleContext

WHERE = Location("a.yaml", 3, 5, ("A",))


def finding(**changes: object) -> Finding:
    return Finding("QS101", Severity.ERROR, "unknown field", WHERE).replace(**changes)


def test_a_finding_is_equal_to_another_whatever_its_excerpt_and_fixes():
    fixed = finding(excerpt="A: 1", fix=Fix("drop it", ()), unapplied_fix="a row's value")
    assert fixed == finding()
    assert hash(fixed) == hash(finding())
    assert list(dict.fromkeys([finding(), fixed])) == [finding()]
    assert finding(message="another") != finding()
    assert finding(related=(WHERE,)) != finding()


def test_a_finding_is_frozen():
    with pytest.raises(AttributeError, match="frozen"):
        finding().message = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del finding().message  # type: ignore[misc]


def test_a_finding_crosses_processes_and_copies_whole():
    fixed = finding(excerpt="A: 1", fix=Fix("drop it", ()))
    for twin in (pickle.loads(pickle.dumps(fixed)), copy.copy(fixed), copy.deepcopy(fixed)):
        assert repr(twin) == repr(fixed)
        assert (twin.excerpt, twin.fix) == (fixed.excerpt, fixed.fix)


def test_a_finding_shows_its_fields_in_order():
    assert repr(finding()) == (
        "Finding(code='QS101', severity=<Severity.ERROR: 'error'>, message='unknown field', "
        "location=Location(file='a.yaml', line=3, column=5, path=('A',)), related=(), "
        "excerpt=None, fix=None, unapplied_fix=None)"
    )
    match finding():
        case Finding(code, severity):
            assert (code, severity) == ("QS101", Severity.ERROR)


@pytest.mark.parametrize(
    "record",
    [
        finding(),
        RuleContext("eu-west-1", {}),
        FileResult("a.yaml"),
        SourceFile("a.yaml", "A: 1\n"),
        Document({"A": 1}, Mark(1, 1)),
    ],
)
def test_a_misspelt_field_is_refused_as_dataclasses_replace_refuses_it(record):
    with pytest.raises(TypeError, match="no field 'findigns'"):
        record.replace(findigns=[])


def test_a_replaced_mutable_record_shares_what_it_does_not_change():
    result = FileResult("a.yaml", findings=[finding()])
    other = result.replace(jobs=[])
    assert other.findings is result.findings
    other.path = "b.yaml"
    assert result.path == "a.yaml"


def test_rule_contexts_compare_without_the_document_being_checked():
    assert RuleContext("eu-west-1", {"max": 1}) == RuleContext("eu-west-1", {"max": 1})
    assert RuleContext("eu-west-1", {}) != RuleContext("us-east-1", {})
    shared = CurrentDocument()
    assert RuleContext(None, {}, current=shared).current is shared
    assert RuleContext(None, {}).current is not RuleContext(None, {}).current
    with pytest.raises(AttributeError, match="frozen"):
        RuleContext(None, {}).region = "eu-west-1"  # type: ignore[misc]


def test_a_checked_job_made_without_positions_pickles_and_copies():
    job = CheckedJob(b"", "a.yaml", 0, Mark(1, 1))
    assert pickle.loads(pickle.dumps(job)) == job
    assert copy.deepcopy(job) == job
    assert job.locate(("A",)) == Location("a.yaml", 1, 1, ("A",))
