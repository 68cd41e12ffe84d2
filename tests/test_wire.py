"""qslint's model of the wire answers as the real libraries do: drift in them fails here.

qslint judges the value the service receives without importing botocore on ``check``'s path,
so :mod:`qslint.wire` restates what botocore's validator and serializer, ruamel.yaml (as the
AWS CLI reads ``--cli-input-yaml``) and PyYAML do. These tests hold each answer against the
library itself, as tests/test_yaml11.py holds QS106's.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from qslint.loader import load_source
from qslint.rule import RuleContext
from qslint.wire import Sent, double_rounds, sent_double, sent_timestamp, service_regex

SERVICE = botocore.session.get_session().get_service_model("quicksight")
OPERATION = SERVICE.operation_model("StartDashboardSnapshotJob")


def request(kind: str, values: list[Any]) -> dict[str, Any]:
    selection = {"SheetId": "summary", "SelectionScope": "ALL_VISUALS"}
    files = [{"FormatType": "PDF", "SheetSelections": [selection]}]
    return {
        "AwsAccountId": "111122223333",
        "DashboardId": "sales",
        "SnapshotJobId": "weekly",
        "SnapshotConfiguration": {
            "FileGroups": [{"Files": files}],
            "Parameters": {kind: [{"Name": "Report", "Values": values}]},
        },
    }


def botocore_sends(kind: str, value: Any) -> Any:
    """The value botocore puts on the wire for one parameter value; None when it refuses."""
    params = request(kind, [value])
    try:
        if ParamValidator().validate(params, OPERATION.input_shape).has_errors():
            return None
    except (RuntimeError, OverflowError):  # an instant past the platform's or datetime's range
        return None
    body = create_serializer(SERVICE.metadata["protocol"]).serialize_to_request(params, OPERATION)
    sent = json.loads(body["body"])["SnapshotConfiguration"]["Parameters"][kind][0]
    return sent["Values"][0]


def sent_instant(value: Any) -> datetime | None:
    seconds = botocore_sends("DateTimeParameters", value)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


# The cases and the edges of each form, with what the wire model must say.
TIMESTAMPS: list[tuple[Any, Sent]] = [
    (20260131, Sent.DATE_DIGITS),
    ("20260131", Sent.DATE_DIGITS),
    ("202601310800", Sent.DATE_DIGITS),
    ("2026", Sent.DATE_DIGITS),
    (1769817600, Sent.EXACT),
    (1769817600.5, Sent.EXACT),
    ("1769817600", Sent.EXACT),
    (1769817600000, Sent.REFUSED),  # milliseconds: past year 9999
    (253402300799, Sent.EXACT),  # the last second of year 9999, in UTC
    (253402300800, Sent.REFUSED),
    (-62135596800, Sent.EXACT),  # the first second of year 1
    (-62135596801, Sent.REFUSED),
    ("01/02/2026", Sent.DAY_MONTH),
    ("01.02.2026", Sent.DAY_MONTH),
    ("01/02/03", Sent.DAY_MONTH),
    ("13/02/2026", Sent.EXACT),
    ("2026/01/02", Sent.EXACT),  # a four-digit year first: the month follows, in any order used
    ("2026.01.02", Sent.EXACT),
    ("2026-1-2", Sent.EXACT),
    ("Jan 31 2026", Sent.EXACT),
    ("31 January 2026 08:00 GMT", Sent.EXACT),
    ("2026-01-31", Sent.EXACT),
    ("2026-01-31T08:00:00Z", Sent.EXACT),
    ("2026-01-31T08:00:00+01:00", Sent.EXACT),
    ("2026-01-31T08:00:00+0100", Sent.EXACT),
    ("2026-01-31 08:00", Sent.EXACT),
    (datetime(2026, 1, 31, 8, 0), Sent.EXACT),
    ("2026-01-31T08:00:00 PST", Sent.ZONE_IGNORED),  # sent as 08:00 UTC, not 16:00 UTC
    ("31 Jan 2026 08:00 CET", Sent.ZONE_IGNORED),
    ("2026-02", Sent.PARTIAL),
    ("08:00", Sent.PARTIAL),
    ("January", Sent.PARTIAL),
    ("next tuesday", Sent.REFUSED),
    ("2026-02-30", Sent.REFUSED),
    ("nan", Sent.REFUSED),
    (1e300, Sent.REFUSED),
    (10**400, Sent.REFUSED),  # past a float: botocore raises OverflowError, sends nothing
    ("0001-01-01T00:00:00+01:00", Sent.REFUSED),  # before year 1 in UTC: OverflowError too
    ("9999-12-31T23:59:59-01:00", Sent.REFUSED),
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), Sent.REFUSED),
    (date(2026, 1, 31), Sent.DATE),
]


# botocore hands an unknown zone name (PST) to dateutil, which warns as it drops it: what the
# serializer does, pinned here; qslint's own reading records the warning (a finding) instead.
BOTOCORE_DROPS_A_ZONE = pytest.mark.filterwarnings("ignore::dateutil.parser.UnknownTimezoneWarning")


@BOTOCORE_DROPS_A_ZONE
@pytest.mark.parametrize(("value", "sent"), TIMESTAMPS, ids=repr)
def test_timestamps_are_sent_as_the_model_says(value: Any, sent: Sent) -> None:
    model = sent_timestamp(value)
    assert model.sent == sent
    if sent in (Sent.REFUSED, Sent.DATE):
        assert sent_instant(value) is None
    if sent in (Sent.EXACT, Sent.DATE_DIGITS, Sent.DAY_MONTH, Sent.ZONE_IGNORED):
        assert sent_instant(value) == model.instant
    if sent == Sent.DATE:  # as text, it is the midnight the model names
        assert sent_instant(value.isoformat()) == model.instant


def test_epoch_looking_numbers_are_sent_in_1970_and_their_fix_is_the_date_they_spell():
    model = sent_timestamp(20260131)
    assert sent_instant(20260131) == model.instant
    assert model.instant is not None and model.instant.date() == date(1970, 8, 23)
    assert model.meant == "2026-01-31"
    assert sent_instant(model.meant) == datetime(2026, 1, 31, tzinfo=UTC)


def test_day_month_ambiguity_is_read_month_first_by_botocore():
    assert sent_instant("01/02/2026") == datetime(2026, 1, 2, tzinfo=UTC)


@BOTOCORE_DROPS_A_ZONE
def test_a_time_zone_botocore_does_not_know_is_dropped_and_the_time_sent_as_utc():
    assert sent_instant("2026-01-31T08:00:00 PST") == datetime(2026, 1, 31, 8, tzinfo=UTC)
    assert sent_instant("2026-01-31T08:00:00 GMT") == datetime(2026, 1, 31, 8, tzinfo=UTC)
    assert sent_timestamp("2026-01-31T08:00:00 GMT").sent == Sent.EXACT


def test_partial_dates_take_the_missing_parts_from_the_day_they_are_sent():
    # botocore's instant keeps what the text gives and fills the rest from today.
    instant = sent_instant("2026-02")
    assert instant is not None and (instant.year, instant.month) == (2026, 2)
    assert sent_instant("08:00") is not None and sent_instant("08:00").hour == 8  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.integers(min_value=-(10**14), max_value=10**14),
        st.from_regex(r"[0-9]{1,14}", fullmatch=True),
        st.from_regex(r"[0-3]?[0-9][/.-][0-3]?[0-9][/.-]([0-9]{2}|[0-9]{4})", fullmatch=True),
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}Z?)?", fullmatch=True),
    )
)
def test_any_value_is_refused_or_sent_as_the_model_says(value: Any) -> None:
    model = sent_timestamp(value)
    instant = sent_instant(value)
    if model.sent == Sent.REFUSED:
        assert instant is None
    elif model.sent != Sent.PARTIAL:
        assert instant == model.instant


@pytest.mark.parametrize(
    "value", [12345678901234567, 2**53 + 1, 0.1, 1.5, 12345678901234567.0, 1e300, 2**53]
)
def test_decimals_are_the_doubles_the_service_reads(value: float) -> None:
    # botocore sends the number as written; the service reads a double from it.
    assert float(botocore_sends("DecimalParameters", value)) == sent_double(value)


@pytest.mark.parametrize(
    ("text", "rounds"),
    [
        ("12345678901234567", True),
        ("9007199254740993", True),
        ("9007199254740992", False),
        ("0.1", False),
        ("1.10", False),
        ("1e3", False),
        ("1.2345678901234567890", True),
        ("0.30000000000000000001", True),
    ],
)
def test_a_decimal_rounds_where_its_double_differs_from_its_text(text: str, rounds: bool) -> None:
    value = load_source("job.yaml", f"a: {text}\n".encode()).documents[0].data["a"]
    assert double_rounds(text, value) is rounds


def service_patterns() -> set[str]:
    found: set[str] = set()
    pending = [OPERATION.input_shape]
    seen: set[str] = set()
    while pending:
        shape = pending.pop()
        if shape.name in seen:
            continue
        seen.add(shape.name)
        if "pattern" in shape.metadata:
            found.add(shape.metadata["pattern"])
        pending += getattr(shape, "members", {}).values()
        if hasattr(shape, "member"):
            pending.append(shape.member)
    return found


@pytest.mark.parametrize("pattern", sorted(service_patterns()))
@pytest.mark.parametrize("text", ["Übersicht", "sales-2026", "ünïcode_ok", "٣", "a b", " ", "x"])
def test_service_patterns_match_as_the_service_does(pattern: str, text: str) -> None:
    # Java and ECMAScript read `\w` and `\d` as ASCII: Python does with re.ASCII.
    assert bool(re.fullmatch(service_regex(pattern), text)) == bool(
        re.fullmatch(pattern, text, re.ASCII)
    )


def test_uebersicht_is_no_resource_id():
    assert re.fullmatch(r"[\w\-]+", "Übersicht")  # Python's Unicode reading, not the service's
    assert not re.fullmatch(service_regex(r"[\w\-]+"), "Übersicht")


def aws_cli_reads(document: str) -> Any:
    """As awscli/customizations/cliinput.py reads --cli-input-yaml: a new reader each time
    (a reused one keeps the YAML version of its last document)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ruamel.yaml's advice on YAML 1.1 floats
        return YAML(typ="safe", pure=True).load(document)


def same(a: Any, b: Any) -> bool:
    """The same type and value (NaN being the same as NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize(
    "text", ["NO", "on", "y", "012", "12:30", "0o12", "1e3", "2026-01-31", "~", "0x1F", "1_000"]
)
def test_under_a_yaml_1_1_directive_qslint_reads_as_the_aws_cli(text: str) -> None:
    document = f"%YAML 1.1\n---\na: {text}\n"
    cli = aws_cli_reads(document)["a"]
    ours = load_source("job.yaml", document.encode()).documents[0].data["a"]
    assert (type(ours), ours) == (type(cli), cli)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789_:.-+ eExXbBoOnNyYtTfFaAlLsSuUrRiI~", min_size=1, max_size=12))
@example("-_")  # the AWS CLI's reader fails with an IndexError; qslint reports QS100
def test_under_a_yaml_1_1_directive_any_plain_scalar_reads_as_the_aws_cli_reads_it(text: str):
    document = f"%YAML 1.1\n---\na: {text}\n"
    try:
        cli = aws_cli_reads(document)
    except (YAMLError, ValueError, IndexError):
        return  # no plain scalar, or one the AWS CLI refuses or fails on
    if not isinstance(cli, dict) or set(cli) != {"a"}:
        return
    source = load_source("job.yaml", document.encode())
    assert not source.problems, text
    ours = source.documents[0].data["a"]
    assert same(ours, cli["a"]), text


@pytest.mark.parametrize("text", ["NO", "on", "012", "12:30"])
def test_under_the_directive_the_aws_cli_reads_as_pyyaml_does(text: str) -> None:
    document = f"%YAML 1.1\n---\na: {text}\n"
    assert aws_cli_reads(document)["a"] == yaml.safe_load(document)["a"]


def test_the_aws_clis_yaml_1_1_is_not_pyyamls():
    # ruamel.yaml reads `1e3` as a number under YAML 1.1 too; PyYAML as a string.
    document = "%YAML 1.1\n---\na: 1e3\n"
    assert (aws_cli_reads(document)["a"], yaml.safe_load(document)["a"]) == (1000.0, "1e3")


@pytest.mark.parametrize("text", ["NO", "012", "2026-01-31", "1e3"])
def test_without_a_directive_qslint_reads_as_the_aws_cli(text: str) -> None:
    document = f"a: {text}\n"
    cli = aws_cli_reads(document)["a"]
    ours = load_source("job.yaml", document.encode()).documents[0].data["a"]
    assert (type(ours), ours) == (type(cli), cli)


def test_an_unquoted_date_is_a_date_the_aws_cli_and_pyyaml_hand_botocore_which_refuses_it():
    document = "a: 2026-01-31\n"
    for read in (aws_cli_reads(document)["a"], yaml.safe_load(document)["a"]):
        assert type(read) is date
        assert sent_instant(read) is None
    assert sent_timestamp(date(2026, 1, 31)).sent == Sent.DATE


def test_json_readers_refuse_a_byte_order_mark():
    text = "\ufeff" + json.dumps(request("StringParameters", ["x"]))
    with pytest.raises(json.JSONDecodeError, match="BOM"):
        json.loads(text)


@pytest.mark.parametrize(("name", "reported"), [("job.json", True), ("job.yaml", False)])
def test_a_bom_is_reported_in_json_only(name: str, reported: bool) -> None:
    # YAML readers, the AWS CLI's included, skip a BOM; JSON readers refuse it.
    from qslint_rules.schema import json_byte_order_mark

    text = json.dumps(request("StringParameters", ["x"]))
    source = load_source(name, codecs.BOM_UTF8 + text.encode())
    assert not source.problems and source.text == text
    assert aws_cli_reads("\ufeff" + text) == json.loads(text)
    context = RuleContext(region=None, options={})
    assert bool(list(json_byte_order_mark.check(source, context))) is reported
