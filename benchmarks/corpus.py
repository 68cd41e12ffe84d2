"""A realistic corpus of job definitions for benchmarks and fast-path tests.

Each file is one commented YAML job of about 3–4 KB: PDF, Excel and CSV exports, row-level
security tags and parameters of all four types, written the way people write them. About one
file in ten holds one of the common mistakes qslint exists to catch. The corpus is a pure
function of ``count`` and ``seed``, so every run of a benchmark sees the same files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

ACCOUNTS = ("111122223333", "444455556666", "777788889999")
REGIONS = ("eu-west-1",)
MISTAKE_RATE = 0.1

HEADER = """\
# Snapshot job {index}: {title}
# Owner: {team} analytics team. Runs every {schedule}; reviewed in the weekly BI sync.
# Changing FileGroups? Check the dashboard's sheet and visual ids in the console first.
#
# History:
#   - added the Excel workbook for the finance close (ticket BI-{cost_center})
#   - moved the bucket to eu-west-1 with the rest of the data platform
#   - split the CSV exports per table so the loader can run them in parallel
AwsAccountId: "{account}"
DashboardId: {dashboard}
SnapshotJobId: {job}
UserConfiguration:
  AnonymousUsers:
    - RowLevelPermissionTags:   # must match the dataset's tag configuration
        - Key: region
          Value: {region_tag}
        - Key: team
          Value: {team}
        - Key: cost_center
          Value: cc-{cost_center}
SnapshotConfiguration:
  FileGroups:
"""

PDF_GROUP = """\
    # The printable overview for the leadership pack.
    - Files:
        - FormatType: PDF
          SheetSelections:
            - SheetId: sheet-{sheet}
              SelectionScope: ALL_VISUALS
"""

EXCEL_GROUP = """\
    # One workbook, one worksheet per table visual, in this order.
    - Files:
        - FormatType: EXCEL
          SheetSelections:
            - SheetId: sheet-{sheet}
              SelectionScope: SELECTED_VISUALS
              VisualIds:
                - visual-{sheet}-table-1
                - visual-{sheet}-table-2
            - SheetId: sheet-{sheet}-detail
              SelectionScope: SELECTED_VISUALS
              VisualIds:
                - visual-{sheet}-pivot-1
"""

CSV_GROUP = """\
    # Raw rows for the downstream loader ({n} of the job's CSV exports).
    - Files:
        - FormatType: CSV
          SheetSelections:
            - SheetId: sheet-{sheet}
              SelectionScope: SELECTED_VISUALS
              VisualIds:
                - visual-{sheet}-table-{n}
"""

FOOTER = """\
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration:
          BucketName: acme-{team}-snapshots
          BucketPrefix: exports/{team}/{dashboard}/
          BucketRegion: eu-west-1
  Parameters:
    StringParameters:
      - Name: Region
        Values: [{region_tag}]
      - Name: Channel
        Values:
          - online
          - retail
          - partner
      - Name: Segment       # the dashboard's default is all segments
        Values:
          - enterprise
          - mid-market
          - small-business
    IntegerParameters:
      - Name: FiscalYear
        Values: [{year}]
      - Name: TopN
        Values: [25]
    DecimalParameters:
      - Name: MarginThreshold
        Values: [0.{margin}]
    DateTimeParameters:
      - Name: PeriodStart
        Values:
          - {year}-01-01T00:00:00Z
      - Name: PeriodEnd
        Values:
          - {year}-12-31T23:59:59Z
"""

MISTAKES: tuple[Callable[[str], str], ...] = (
    lambda text: text.replace("SelectionScope: ALL_VISUALS", "SelectionScope: SELECTED_VISUALS", 1),
    lambda text: text.replace("FormatType: CSV", "FormatType: Csv", 1),
    lambda text: text.replace("BucketRegion: eu-west-1", "BucketRegion: us-east-1", 1),
    lambda text: text.replace("SnapshotJobId:", "SnapshotJobID:", 1),
    lambda text: text.replace('AwsAccountId: "', "AwsAccountId: ", 1).replace('"\n', "\n", 1),
    lambda text: text.replace("BucketPrefix: exports", "BucketPrefix: /exports", 1),
    lambda text: text.replace("- Name: TopN", "- Name: Region", 1),
)


def job_definition(index: int, rng: random.Random) -> str:
    """One job; the same ``index`` and generator state give the same text."""
    team = rng.choice(("sales", "finance", "ops", "marketing", "support"))
    fields = {
        "index": index,
        "title": f"{team} dashboard export",
        "team": team,
        "schedule": rng.choice(("Monday 06:00 UTC", "day at 05:30 UTC", "month end")),
        "account": rng.choice(ACCOUNTS),
        "dashboard": f"{team}-dashboard-{index % 97}",
        "job": f"{team}-export-{index}",
        "region_tag": rng.choice(("EMEA", "APAC", "AMER")),
        "cost_center": rng.randrange(100, 999),
        "year": rng.choice((2025, 2026)),
        "margin": rng.randrange(5, 35),
    }
    groups = [PDF_GROUP.format(sheet="summary")]
    if rng.random() < 0.6:
        groups.append(EXCEL_GROUP.format(sheet="finance"))
    groups += [CSV_GROUP.format(sheet=f"detail-{n}", n=n) for n in range(1, rng.randrange(2, 5))]
    text = HEADER.format(**fields) + "".join(groups) + FOOTER.format(**fields)
    if rng.random() < MISTAKE_RATE:
        text = rng.choice(MISTAKES)(text)
    return text


def write_corpus(folder: Path, count: int, seed: int = 2026) -> list[Path]:
    """Write ``count`` job files into ``folder`` (in subfolders of 100) and return them."""
    rng = random.Random(seed)
    paths = []
    for index in range(count):
        path = folder / f"team-{index // 100:03d}" / f"job-{index:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(job_definition(index, rng), encoding="utf-8")
        paths.append(path)
    return paths


FAN_OUT_TEMPLATE = """\
x-qslint:
  for-each: tenants.csv
  row-name: tenant
AwsAccountId: "111122223333"
DashboardId: sales-overview
SnapshotJobId: weekly-sales-${tenant}
UserConfiguration:
  AnonymousUsers:
    - RowLevelPermissionTags:
        - {Key: tenant_id, Value: "${tenant_id}"}
SnapshotConfiguration:
  FileGroups:
    - Files:
        - FormatType: PDF
          SheetSelections:
            - {SheetId: summary, SelectionScope: ALL_VISUALS}
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration:
          BucketName: acme-reports
          BucketPrefix: tenants/${tenant}/weekly
          BucketRegion: eu-west-1
  Parameters:
    IntegerParameters:
      - {Name: TopN, Values: ["${top}"]}
"""


def _tenants(rows: int) -> list[dict[str, str]]:
    return [
        {"tenant": f"tenant-{n:04d}", "tenant_id": f"t-{n}", "top": str(10 + n % 5)}
        for n in range(rows)
    ]


def write_fan_out(folder: Path, rows: int) -> None:
    """One template over a ``rows``-row CSV in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "weekly.yaml").write_text(FAN_OUT_TEMPLATE)
    lines = ["tenant,tenant_id,top", *(",".join(row.values()) for row in _tenants(rows))]
    (folder / "tenants.csv").write_text("\n".join(lines) + "\n")


def write_fan_out_copies(folder: Path, rows: int) -> None:
    """The same jobs as ``write_fan_out``'s, one plain file each (in subfolders of 100)."""
    body = FAN_OUT_TEMPLATE.split("AwsAccountId", 1)[1]
    for number, row in enumerate(_tenants(rows)):
        text = "AwsAccountId" + body.replace('"${top}"', row["top"])
        for column, value in row.items():
            text = text.replace("${" + column + "}", value)
        path = folder / f"team-{number // 100:03d}" / f"{row['tenant']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
