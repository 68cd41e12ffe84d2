"""The language server's parts without a client: debouncing, ranges, completion, hover,
the project index, the rows files kept, placeholders."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from conftest import FAN_OUT, VALID_JOB

from qslint.config import LoadLimits
from qslint.fanout.rows import Rows, rows_from_bytes
from qslint.findings import Mark
from qslint.results import CheckResult
from qslint.runner import RuleSets, lint
from qslint.server.debounce import Debouncer
from qslint.server.documents import DefinitionLinter
from qslint.server.fields import completion_at, hover_text, key_at
from qslint.server.placeholders import FanOutRows, Placeholders, describe
from qslint.server.project import ProjectIndex
from qslint.server.ranges import NodeRanges
from qslint.server.rows import MAX_FILES, RowsFiles
from qslint.settings import Settings


class FakeTimers:
    """A scheduler that runs nothing until the test says time has passed."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[tuple[float, Callable[[], None], FakeTimer]] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer()
        self.timers.append((self.now + delay, callback, timer))
        return timer

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [entry for entry in self.timers if entry[0] <= self.now]
        self.timers = [entry for entry in self.timers if entry[0] > self.now]
        for _, callback, timer in due:
            if not timer.cancelled:
                callback()


class FakeTimer:
    cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def test_a_burst_of_changes_lints_once_after_the_quiet_period():
    timers = FakeTimers()
    debouncer = Debouncer(timers.call_later, 0.3)
    runs: list[int] = []
    for number in range(5):
        debouncer.call("lint", lambda number=number: runs.append(number))
        timers.advance(0.1)
    assert runs == []
    timers.advance(0.3)
    assert runs == [4]
    debouncer.call("lint", lambda: runs.append(5))
    debouncer.cancel("lint")
    timers.advance(1)
    assert runs == [4]


def test_ranges_span_the_node_or_the_rest_of_the_line():
    text = "A: one two\nB: [x, y]\nC:\n  D: 1  # a comment\n"
    ranges = NodeRanges(text, LoadLimits())
    assert ranges.of(Mark(1, 4)) == ((0, 3), (0, 10))  # a plain scalar with a space in it
    assert ranges.of(Mark(2, 4)) == ((1, 3), (1, 9))  # a flow sequence
    assert ranges.of(Mark(4, 3)) == ((3, 2), (3, 3))  # a key, not its mapping
    assert ranges.of(Mark(4, 9)) == ((3, 8), (3, 19))  # a comment: the rest of its line
    broken = NodeRanges("A: [\n", LoadLimits())
    assert broken.of(Mark(1, 4)) == ((0, 3), (0, 4))


def test_hover_finds_keys_in_yaml_and_json():
    assert key_at("a.yaml", VALID_JOB, 11, 12)[-1] == "FormatType"
    assert key_at("a.json", '{"DashboardId": "x"}', 0, 3) == ("DashboardId",)
    assert key_at("a.yaml", VALID_JOB, 11, 1) is None  # indentation
    assert hover_text(("DashboardId",)).startswith("**`DashboardId`** (`str`)")


def test_completion_in_a_list_item_offers_what_the_item_lacks():
    lines = [*VALID_JOB.splitlines()[:15], "              "]
    found = completion_at(lines, 15, 14)
    assert found is not None
    assert found.path == ("SnapshotConfiguration", "FileGroups", "Files", "SheetSelections")
    assert found.words == ("VisualIds",)
    assert completion_at(['{"AwsAccountId": '], 0, 17) is None  # JSON: not completed


def test_server_without_pygls_says_how_to_install_it():
    probe = (
        "import sys; sys.modules['pygls'] = None\nfrom qslint.cli import main\nmain(['server'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr == "qslint: qslint server needs pygls: pip install 'qslint[server]'\n"


def test_a_call_may_have_its_own_delay_and_says_whether_it_waits():
    timers = FakeTimers()
    debouncer = Debouncer(timers.call_later, 0.3)
    runs: list[str] = []
    debouncer.call("refresh", lambda: runs.append("refresh"), 1.0)
    debouncer.call("lint", lambda: runs.append("lint"))
    timers.advance(0.5)
    assert runs == ["lint"]
    assert debouncer.pending("refresh")
    assert not debouncer.pending("lint")
    timers.advance(0.5)
    assert runs == ["lint", "refresh"]
    assert not debouncer.pending("refresh")


def test_the_project_index_keeps_only_what_the_repository_rules_read(tmp_path):
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    (tmp_path / "a.yaml").write_text(VALID_JOB, encoding="utf-8")
    rule_sets = RuleSets()
    kept = lint([tmp_path], Settings(cwd=tmp_path), rule_sets, keep_compared=True).compared
    index = ProjectIndex()
    index.update(kept, rule_sets.rules)
    (file,) = index.compared()
    (job,) = file.jobs
    assert job.values == {
        "AwsAccountId": "111122223333",
        "DashboardId": "sales-overview",
        "SnapshotJobId": "weekly-sales",
    }
    assert {name for name, _ in job.fields} == set(job.values)
    assert not job.checked
    # A rule that reads whole jobs keeps them whole.
    whole = [rule._replace(reads=None) for rule in rule_sets.rules]
    index.update(kept, whole)
    assert index.compared()[0].jobs[0].values == kept[0].jobs[0].values


def test_a_rows_file_is_parsed_once_per_text_the_editor_or_the_disk_holds(tmp_path):
    file = tmp_path / "tenants.csv"
    file.write_text("tenant\nacme\n", encoding="utf-8")
    held: dict[str, str] = {}
    rows_files = RowsFiles(held.get)
    limits = LoadLimits()
    first = rows_files.rows(str(file), "tenants.csv", limits)
    assert isinstance(first, Rows)
    assert [row.cells["tenant"].value for row in first.rows] == ["acme"]
    assert rows_files.rows(str(file), "tenants.csv", limits) is first  # not read again
    file.write_text("tenant\nacme\nglobex\n", encoding="utf-8")
    on_disk = rows_files.rows(str(file), "tenants.csv", limits)
    assert isinstance(on_disk, Rows)
    assert len(on_disk.rows) == 2
    held[str(file)] = "tenant\ninitech\n"  # the editor's text, not saved
    edited = rows_files.rows(str(file), "tenants.csv", limits)
    assert isinstance(edited, Rows)
    assert [row.cells["tenant"].value for row in edited.rows] == ["initech"]
    assert rows_files.rows(str(file), "tenants.csv", limits) is edited
    file.unlink()
    del held[str(file)]
    assert rows_files.rows(str(file), "tenants.csv", limits) == (
        "rows file `tenants.csv`: cannot read file: No such file or directory"
    )


def test_the_rows_files_kept_are_bounded_the_least_recently_asked_for_dropped(tmp_path):
    rows_files = RowsFiles(lambda path: None)
    limits = LoadLimits()
    names = [str(tmp_path / f"rows-{number}.csv") for number in range(MAX_FILES + 1)]
    for name in names:
        Path(name).write_text("tenant\nacme\n", encoding="utf-8")
    parsed = [rows_files.rows(name, "rows.csv", limits) for name in names[:MAX_FILES]]
    assert rows_files.rows(names[0], "rows.csv", limits) is parsed[0]  # now the most recent
    rows_files.rows(names[MAX_FILES], "rows.csv", limits)  # one more than kept: drops names[1]
    assert rows_files.rows(names[0], "rows.csv", limits) is parsed[0]
    assert rows_files.rows(names[1], "rows.csv", limits) is not parsed[1]


INLINE_TEMPLATE = """\
x-qslint:
  for-each:
    - {tenant: acme, tenant_id: t-1}
    - {tenant: 'glo`bex', tenant_id: t-2}
    - {tenant_id: t-3}
SnapshotJobId: >-
  weekly-${tenant}
  -${tenant_id}
UserConfiguration:
  AnonymousUsers:
    - RowLevelPermissionTags: [{Key: tenant_id, Value: "${tenant_id}"}]
"""


def test_hover_on_inline_rows_in_a_folded_value_and_on_a_rows_file_elsewhere(tmp_path):
    placeholders = Placeholders(RowsFiles(lambda path: None), lambda path: LoadLimits())
    path = str(tmp_path / "weekly.yaml")
    tenant = placeholders.hover(path, INLINE_TEMPLATE, 6, 12)
    assert tenant is not None
    assert tenant.range == ((6, 9), (6, 18))  # on the folded value's second line
    assert tenant.markdown == (
        "**`${tenant}`**: column `tenant` of the inline rows, filled by 2 of 3 rows\n\n"
        "Values: `acme`, ``glo`bex``"  # a backtick in a value does not end its code span
    )
    tenant_id = placeholders.hover(path, INLINE_TEMPLATE, 7, 4)
    assert tenant_id is not None
    assert "filled by 3 rows\n\nIt fills a value the service marks sensitive" in (
        tenant_id.markdown
    )
    assert placeholders.hover(path, INLINE_TEMPLATE, 2, 20) is None  # a row, no placeholder
    elsewhere = INLINE_TEMPLATE.replace("for-each:\n", "for-each: ../tenants.csv\n", 1)
    elsewhere = "\n".join(line for line in elsewhere.splitlines() if "    - {" not in line)
    hover = placeholders.hover(path, elsewhere, 3, 12)
    assert hover is not None
    assert hover.markdown == (
        "**`${tenant}`**: `for-each` names a file beside this one or below it, not `../tenants.csv`"
    )


def test_a_keystroke_checks_the_open_definitions_and_the_templates_of_an_open_rows_file(
    tmp_path, monkeypatch
):
    """Never the whole workspace: another YAML file open beside (a workflow) changes nothing,
    and an open rows file brings the templates that read it, as the index knows them."""
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    (tmp_path / "weekly.yaml").write_text(FAN_OUT, encoding="utf-8")
    (tmp_path / "tenants.csv").write_text("tenant,tenant_id\nacme,t-1\n", encoding="utf-8")
    for number in range(3):
        job = VALID_JOB.replace("weekly-sales", f"job-{number}")
        (tmp_path / f"job-{number}.yaml").write_text(job, encoding="utf-8")
    workflow = "name: ci\non: [push]\njobs:\n  lint: {runs-on: ubuntu-latest}\n"
    (tmp_path / "ci.yaml").write_text(workflow, encoding="utf-8")
    linted: list[list[str]] = []

    def recording(paths: Sequence[Path], *args: object, **kwargs: object) -> CheckResult:
        linted.append(sorted(str(path) for path in paths))
        return lint(paths, *args, **kwargs)

    linter = DefinitionLinter([tmp_path])
    linter.refresh()
    monkeypatch.setattr("qslint.server.documents.lint", recording)
    edited = str(tmp_path / "job-0.yaml")
    opened = {edited: (tmp_path / "job-0.yaml").read_text(), str(tmp_path / "ci.yaml"): workflow}
    assert linter.lint(opened).findings == {edited: []}
    assert linted == [[edited]]

    rows = str(tmp_path / "tenants.csv")
    result = linter.lint({**opened, rows: "tenant,tenant_id\nacme,t-1\nglobex corp,t-2\n"})
    assert linted[-1] == [edited, str(tmp_path / "weekly.yaml")]
    assert [finding.code for finding in result.findings[rows]] == ["QS105"]

    (tmp_path / "weekly.yaml").unlink()  # a checkout, before the refresh it causes
    assert linter.lint({**opened, rows: "tenant,tenant_id\n"}).findings == {edited: []}


def test_a_hover_shows_a_rows_value_as_the_placeholder_writes_it():
    raw = b"- {tenant: acme, live: true}\n- {tenant: globex, live: false}\n"
    rows = rows_from_bytes("tenants.yaml", raw, LoadLimits())
    assert isinstance(rows, Rows)
    text = describe("live", FanOutRows("tenants.yaml", rows, None, frozenset()))
    assert text.endswith("Values: `true`, `false`")
