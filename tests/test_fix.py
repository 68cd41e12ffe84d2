"""--fix and --diff: minimal, idempotent, atomic edits that leave every other byte alone."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import VALID_JOB, exit_and_findings

from qslint import files
from qslint.config import LoadLimits
from qslint.files import write_atomically
from qslint.findings import Fix, replace_value
from qslint.fix import apply_fixes

ROOT = Path(__file__).resolve().parents[1]
PDF_BLOCK = VALID_JOB.replace(
    "              SelectionScope: ALL_VISUALS\n",
    "              SelectionScope: SELECTED_VISUALS   # keep this comment\n"
    "              VisualIds:\n"
    "                - top-customers\n"
    "                - top-products\n",
)


def fixed(run_qslint, write, tmp_path, name: str, text: str) -> str:
    write(name, text)
    run_qslint("check", "--fix")
    return (tmp_path / name).read_text(encoding="utf-8")


def test_qs201_block_style(run_qslint, write, tmp_path):
    after = fixed(run_qslint, write, tmp_path, "weekly.yaml", PDF_BLOCK)
    assert after == VALID_JOB.replace(
        "SelectionScope: ALL_VISUALS\n", "SelectionScope: ALL_VISUALS   # keep this comment\n"
    )


def test_qs201_flow_style(run_qslint, write, tmp_path):
    selection = "{SheetId: summary, SelectionScope: SELECTED_VISUALS, VisualIds: [a,b]}"
    flow = VALID_JOB.replace(
        "- SheetId: summary\n              SelectionScope: ALL_VISUALS\n", f"- {selection}\n"
    )
    after = fixed(run_qslint, write, tmp_path, "weekly.yaml", flow)
    assert after == flow.replace(selection, "{SheetId: summary, SelectionScope: ALL_VISUALS}")


def test_qs201_json_keeps_its_indentation(run_qslint, write, tmp_path):
    before = textwrap.dedent(
        """\
        {
            "AwsAccountId": "111122223333",
            "DashboardId": "sales",
            "SnapshotJobId": "weekly",
            "UserConfiguration": {"AnonymousUsers": [{"RowLevelPermissionTags": [{"Key": "r",
                "Value": "v"}]}]},
            "SnapshotConfiguration": {
                "FileGroups": [
                    {
                        "Files": [
                            {
                                "FormatType": "PDF",
                                "SheetSelections": [
                                    {
                                        "VisualIds": ["top"],
                                        "SheetId": "summary",
                                        "SelectionScope": "SELECTED_VISUALS"
                                    }
                                ]
                            }
                        ]
                    }
                ]
            }
        }
        """
    )
    after = fixed(run_qslint, write, tmp_path, "weekly.json", before)
    expected = "".join(line for line in before.splitlines(True) if "VisualIds" not in line)
    assert after == expected.replace('"SELECTED_VISUALS"', '"ALL_VISUALS"')
    assert exit_and_findings(run_qslint) == (0, [])


def test_qs104_case_only(run_qslint, write, tmp_path):
    typo = VALID_JOB.replace("FormatType: PDF", "FormatType: Pdf").replace(
        "SelectionScope: ALL_VISUALS", "SelectionScope: all_visuals"
    )
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", typo) == VALID_JOB


def test_qs104_no_fix_when_not_just_case(run_qslint, write, tmp_path):
    typo = VALID_JOB.replace("FormatType: PDF", "FormatType: PFD")
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", typo) == typo


def test_qs103_quotes_a_12_digit_account(run_qslint, write, tmp_path):
    bare = VALID_JOB.replace('"111122223333"', "111122223333")
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", bare) == VALID_JOB


def test_qs103_no_fix_when_leading_zeros_are_lost(run_qslint, write, tmp_path):
    bare = VALID_JOB.replace('"111122223333"', "011122223333")
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", bare) == bare
    result = run_qslint("check")
    assert "dropped its leading zeros: no autofix" in result.stdout


def test_qs210_drops_the_repeated_visual(run_qslint, write, tmp_path):
    csv = VALID_JOB.replace("FormatType: PDF", "FormatType: CSV").replace(
        "SelectionScope: ALL_VISUALS",
        "SelectionScope: SELECTED_VISUALS\n              VisualIds: [orders, orders]",
    )
    after = fixed(run_qslint, write, tmp_path, "orders.yaml", csv)
    assert after == csv.replace("[orders, orders]", "[orders]")


@pytest.mark.parametrize(
    "written",
    [
        "s3://acme-reports",
        "arn:aws:s3:::acme-reports/sales/weekly",
        "acme-reports.s3.eu-west-1.amazonaws.com",
        "https://acme-reports.s3.amazonaws.com/sales/weekly/",
    ],
)
def test_qs303_writes_the_bare_bucket_name(run_qslint, write, tmp_path, written):
    url = VALID_JOB.replace("BucketName: acme-reports", f"BucketName: {written}")
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", url) == VALID_JOB


def test_qs303_leaves_a_path_for_the_user_to_move(run_qslint, write, tmp_path):
    url = VALID_JOB.replace("BucketName: acme-reports", "BucketName: s3://acme-reports/other")
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", url) == url


def test_qs106_quotes_what_yaml_1_1_reads_as_another_type(run_qslint, write, tmp_path):
    plain = VALID_JOB + (
        "  Parameters:\n"
        "    StringParameters:\n"
        "      - Name: Country\n"
        "        Values: [NO, SE]   # Norway, Sweden\n"
        "      - Name: Cutoff\n"
        "        Values:\n"
        "          - 12:30\n"
    )
    after = fixed(run_qslint, write, tmp_path, "nordics.yaml", plain)
    assert after == plain.replace("[NO, SE]", '["NO", SE]').replace("- 12:30", '- "12:30"')


def test_qs106_quotes_an_unquoted_date_and_qs406_writes_the_date_digits_spell(
    run_qslint, write, tmp_path
):
    dated = VALID_JOB + (
        "  Parameters:\n"
        "    DateTimeParameters:\n"
        "      - Name: PeriodStart\n"
        "        Values: [2026-01-31, 20260201]\n"
    )
    after = fixed(run_qslint, write, tmp_path, "dated.yaml", dated)
    assert after == dated.replace("[2026-01-31, 20260201]", '["2026-01-31", "2026-02-01"]')


def test_qs305_writes_slashes_for_backslashes(run_qslint, write, tmp_path):
    windows = VALID_JOB.replace("sales/weekly", "sales\\weekly")
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", windows) == VALID_JOB


def test_qs305_strips_slashes(run_qslint, write, tmp_path):
    slashed = VALID_JOB.replace("sales/weekly", "/sales//weekly/")
    after = fixed(run_qslint, write, tmp_path, "weekly.yaml", slashed)
    assert after == VALID_JOB.replace("sales/weekly", "sales/weekly/")


def test_fix_keeps_bom_and_crlf(run_qslint, tmp_path):
    text = "\ufeff" + VALID_JOB.replace("FormatType: PDF", "FormatType: pdf").replace("\n", "\r\n")
    (tmp_path / "weekly.yaml").write_bytes(text.encode("utf-8"))
    run_qslint("check", "--fix")
    expected = "\ufeff" + VALID_JOB.replace("\n", "\r\n")
    assert (tmp_path / "weekly.yaml").read_bytes() == expected.encode("utf-8")


def test_shared_anchor_is_not_edited(run_qslint, write, tmp_path):
    anchored = VALID_JOB.replace("FormatType: PDF", "FormatType: &format pdf") + "Extra: *format\n"
    assert fixed(run_qslint, write, tmp_path, "weekly.yaml", anchored) == anchored


def test_fix_is_idempotent_and_reports_what_it_fixed(run_qslint, write, tmp_path):
    write("weekly.yaml", PDF_BLOCK.replace("sales/weekly", "/sales/weekly"))
    first = run_qslint("check", "--fix")
    assert first.exit_code == 0
    assert first.stdout.splitlines() == ["Fixed 2 problems.", "All checks passed (1 file checked)."]
    once = (tmp_path / "weekly.yaml").read_bytes()
    second = run_qslint("check", "--fix")
    assert second.stdout == "All checks passed (1 file checked).\n"
    assert (tmp_path / "weekly.yaml").read_bytes() == once


def test_diff_prints_and_changes_nothing(run_qslint, write, tmp_path):
    write("weekly.yaml", VALID_JOB.replace("sales/weekly", "/sales/weekly"))
    result = run_qslint("check", "--diff")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "--- a/weekly.yaml",
        "+++ b/weekly.yaml",
        "@@ -17,5 +17,5 @@",
        "     S3Destinations:",
        "       - BucketConfiguration:",
        "           BucketName: acme-reports",
        "-          BucketPrefix: /sales/weekly",
        "+          BucketPrefix: sales/weekly",
        "           BucketRegion: eu-west-1",
    ]
    assert (tmp_path / "weekly.yaml").read_text() == VALID_JOB.replace("sales/", "/sales/")
    write("weekly.yaml", VALID_JOB)
    assert run_qslint("check", "--diff").exit_code == 0


def test_fix_round_trips_the_shipped_examples(run_qslint, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n')
    before = {p: p.read_text() for p in (tmp_path / "examples").rglob("*") if p.is_file()}
    run_qslint("check", "--fix")
    changed = {
        p.relative_to(tmp_path).as_posix(): sorted(
            set(text.splitlines()) ^ set(p.read_text().splitlines())
        )
        for p, text in before.items()
        if p.read_text() != text
    }
    assert changed == {
        "examples/broken/bucket-prefix-leading-slash.yaml": [
            "          BucketPrefix: /support/daily/",
            "          BucketPrefix: support/daily/",
        ],
        "examples/broken/format-type-typo.yaml": [
            "        - FormatType: PDF",
            "        - FormatType: Pdf",
        ],
        "examples/broken/pdf-selected-visuals.yaml": [
            "                - visual-top-customers",
            "              SelectionScope: ALL_VISUALS",
            "              SelectionScope: SELECTED_VISUALS",
            "              VisualIds:",
        ],
        "examples/broken/unquoted-account-id.yaml": [
            'AwsAccountId: "111122223333"',
            "AwsAccountId: 111122223333",
        ],
    }


def test_a_failed_write_leaves_the_original_intact(tmp_path, monkeypatch):
    target = tmp_path / "weekly.yaml"
    target.write_text("original\n")

    def fail(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", fail)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, "changed\n")
    assert target.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["weekly.yaml"]


def test_a_temporary_file_is_new_private_and_never_a_link_followed(tmp_path, monkeypatch):
    monkeypatch.setattr(files.os, "urandom", lambda count: b"\x00" * count)  # names agree
    planted = tmp_path / "elsewhere"
    (tmp_path / "cache.000000000000.tmp").symlink_to(planted)
    with pytest.raises(FileExistsError):  # every name it tries is taken: it gives up
        files.create_temporary(tmp_path, "cache.")
    assert not planted.exists()
    monkeypatch.undo()
    handle, first = files.create_temporary(tmp_path, "cache.")
    os.close(handle)
    handle, second = files.create_temporary(tmp_path, "cache.")
    os.close(handle)
    assert first != second
    assert [first.stat().st_mode & 0o777, first.name.startswith("cache.")] == [0o600, True]


def test_fix_writes_through_a_symbolic_link(run_qslint, write, tmp_path):
    target = write("shared/weekly.yaml", PDF_BLOCK)
    link = tmp_path / "jobs" / "weekly.yaml"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "shared" / "weekly.yaml")
    run_qslint("check", "--fix", "jobs/weekly.yaml")
    assert link.is_symlink()
    assert link.readlink() == Path("..") / "shared" / "weekly.yaml"
    assert "ALL_VISUALS   # keep this comment" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["weekly.yaml"]  # no temp left


def test_an_atomic_write_keeps_the_link_and_the_target_mode(tmp_path):
    target = tmp_path / "target.yaml"
    target.write_text("original\n")
    target.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to("target.yaml")
    write_atomically(link, "changed\n")
    assert (link.is_symlink(), target.read_text(), target.stat().st_mode & 0o777) == (
        True,
        "changed\n",
        0o640,
    )


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        # A line separator libyaml counts as a line break: offsets come from the marks.
        ("A: 1\u2028B: x\nC: y\n", "A: 1\u2028B: x\nC: z\n"),
        ("A: 1\rB: x\rC: y\r", "A: 1\rB: x\rC: z\r"),  # old Mac line ends
        # YAML 1.2 that libyaml refuses: composed as the loader composes it.
        ("A: [2026-01-05T00:00:00Z]\nC: y\n", "A: [2026-01-05T00:00:00Z]\nC: z\n"),
    ],
)
def test_fixes_land_where_the_loader_put_the_node(text: str, fixed: str) -> None:
    replace = Fix("replace C", (replace_value(("C",), "z"),))
    assert apply_fixes(text, [replace], LoadLimits(), json_file=False) == (fixed, 1)


@pytest.mark.parametrize(
    ("value", "written"),
    [("NO", '"NO"'), ("on", '"on"'), ("1e3", '"1e3"'), ("2026-01-01", '"2026-01-01"'), ("y", "y")],
)
def test_a_replaced_value_is_quoted_unless_every_reader_reads_it_as_that_string(value, written):
    replace = Fix("replace C", (replace_value(("C",), value),))
    assert apply_fixes("C: x\n", [replace], LoadLimits(), json_file=False) == (f"C: {written}\n", 1)
