"""QS301–QS307: where the snapshot files are written."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qslint.findings import Severity, first_refused
from qslint.rule import (
    Fix,
    RuleContext,
    Violation,
    closest,
    did_you_mean,
    job_rule,
    replace_value,
)
from qslint.settings import known_regions
from qslint.wire import escape_note, unrendered_placeholder

if TYPE_CHECKING:
    from qslint.model import StartDashboardSnapshotJobRequest as Job

BUCKET_CHARACTERS = re.compile(r"^[a-z0-9.-]+$")
BUCKET_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")  # those it allows
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# A bucket of S3's account regional namespace: `prefix-<account id>-<region>-an`.
# Compiled (and cached by `re`) on first use: only a run with a region needs it.
ACCOUNT_REGIONAL_BUCKET = r"^.+-[0-9]{12}-(?P<region>[a-z0-9-]+?)-an$"
# A bucket's virtual-hosted endpoint, as a host name or a URL: `acme.s3.eu-west-1.amazonaws.com`.
VIRTUAL_HOSTED_ENDPOINT = re.compile(
    r"^(?:https?://)?(?P<bucket>[^/]+?)\.s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?"
    r"\.amazonaws\.com(?:\.cn)?(?P<key>/.*)?$",
    re.DOTALL,
)
# Extensions of the files a snapshot or a report is (the service names its files itself).
FILE_EXTENSIONS = frozenset({"pdf", "csv", "xlsx", "xls", "zip", "json", "txt", "gz", "html"})
# `s3://bucket/key` or a bucket ARN (`arn:aws:s3:::bucket/key`, in any partition).
S3_REFERENCE = re.compile(
    r"^(?:(?i:s3)://|(?P<arn>arn:[a-z-]+:s3:::))(?P<bucket>[^/]*)(?P<key>.*)$", re.DOTALL
)


def _is_known_region(region: str) -> bool:
    regions = known_regions()
    return not regions or region in regions


@job_rule("QS301", "The bucket is not in the region the job is submitted in", regional=True)
def bucket_in_submission_region(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `BucketRegion` that differs from the region the file's jobs are submitted in
    (`--region`, else `region` in the file's configuration, else `AWS_REGION`, else
    `AWS_DEFAULT_REGION`, else the AWS profile's region). It does not run when no region is
    known (`check` warns that it did not), and is silent when QS304 already reports the
    region.

    ## Why is this bad?
    The bucket must be in the region of the StartDashboardSnapshotJob call; the job fails
    after it was accepted.

    A bucket of S3's account regional namespace carries its region in its name
    (`reports-111122223333-us-west-2-an`): that region is compared too.

    ## Example
    ```yaml
    BucketRegion: us-east-1   # jobs are submitted in eu-west-1
    ```

    ## Fix
    Write to a bucket in the submission region, or submit the job in the bucket's region.
    """
    if context.region is None:
        return
    for path, bucket in job.buckets():
        region = bucket.BucketRegion
        named = re.match(ACCOUNT_REGIONAL_BUCKET, bucket.BucketName)
        if region != context.region and _is_known_region(region):
            yield Violation(
                f"bucket region `{region}` differs from the region jobs are submitted in "
                f"(`{context.region}`); the bucket must be in the same region",
                path=(*path, "BucketRegion"),
            )
        elif named and named["region"] != context.region and _is_known_region(named["region"]):
            yield Violation(
                f"bucket `{bucket.BucketName}` is in the account regional namespace of "
                f"`{named['region']}`, not of the region jobs are submitted in "
                f"(`{context.region}`); the bucket must be in the same region",
                path=(*path, "BucketName"),
            )


@job_rule("QS302", "At most one S3 destination")
def single_destination(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports more than one entry in `DestinationConfiguration.S3Destinations`.

    ## Why is this bad?
    The API takes at most one S3 destination per job and refuses the request.

    ## Example
    Two entries under `S3Destinations`.

    ## Fix
    Keep one destination; copy the files elsewhere with an S3 replication rule if needed.
    """
    destination = job.SnapshotConfiguration.DestinationConfiguration
    destinations = (destination and destination.S3Destinations) or []
    if len(destinations) > 1:
        yield Violation(
            f"a job writes to at most one S3 destination, not {len(destinations)}",
            path=("SnapshotConfiguration", "DestinationConfiguration", "S3Destinations", 1),
        )


def bucket_name_problem(name: str) -> str | None:
    """Which S3 bucket naming rule ``name`` breaks, if any."""
    problem = None
    if not 3 <= len(name) <= 63:
        problem = f"must be 3 to 63 characters long, not {len(name)}"
    elif not BUCKET_CHARACTERS.match(name):
        problem = "may hold only lowercase letters, digits, dots and hyphens"
        refused = first_refused(name, BUCKET_NAME_CHARACTERS)
        problem += f"; {refused}" if refused else ""
    elif not (name[0].isalnum() and name[-1].isalnum()):
        problem = "must begin and end with a letter or digit"
    elif ".." in name:
        problem = "must not hold two adjacent dots"
    elif _is_ip_address(name):
        problem = "must not be formatted as an IP address"
    elif name.startswith(RESERVED_PREFIXES):
        problem = "must not start with a reserved prefix (" + ", ".join(RESERVED_PREFIXES) + ")"
    elif name.endswith(RESERVED_SUFFIXES):
        problem = "must not end with a reserved suffix (" + ", ".join(RESERVED_SUFFIXES) + ")"
    return problem


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


@job_rule("QS303", "The bucket name breaks the S3 naming rules", fixable=True)
def bucket_name_valid(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `BucketName` that no S3 bucket can have: not 3–63 characters, characters
    other than lowercase letters, digits, dots and hyphens, not starting and ending with a
    letter or digit, two adjacent dots, an IP address, or a reserved prefix or suffix. A
    bucket written as an `s3://` URL, an S3 ARN or its virtual-hosted endpoint
    (`acme.s3.eu-west-1.amazonaws.com`, a valid bucket name too) is named as such, with the
    bare name to write instead.

    ## Why is this bad?
    No such bucket exists, so the job fails when it writes its files.

    ## Example
    ```yaml
    BucketName: s3://acme-reports/weekly
    ```

    ## Fix
    Use the exact name of the existing bucket, and put any path in `BucketPrefix`:
    `BucketName: acme-reports` with `BucketPrefix: weekly`. A URL, ARN or endpoint without a
    path is fixed by `--fix`.
    """
    for path, bucket in job.buckets():
        at = (*path, "BucketName")
        written = _bucket_reference(bucket.BucketName)
        if written is None:
            problem = bucket_name_problem(bucket.BucketName)
            if problem:
                yield Violation(f"bucket name {problem}", path=at)
            continue
        kind, name, key = written
        message = f"`BucketName` takes the bare bucket name, not {kind}: write `{name}`"
        fix = None
        if key and key != bucket.BucketPrefix.strip("/"):
            message += f" and move `{key}` into `BucketPrefix`"
        elif bucket_name_problem(name) is None:
            fix = Fix(f"write the bare bucket name `{name}`", (replace_value(at, name),))
        yield Violation(message, path=at, fix=fix)


def _bucket_reference(written: str) -> tuple[str, str, str] | None:
    """``(what it is, bucket name, key)`` of a bucket written as an S3 URL, an ARN or its
    virtual-hosted endpoint."""
    match = S3_REFERENCE.match(written)
    if match is not None:
        kind = "an S3 ARN" if match["arn"] else "an `s3://` URL"
        return kind, match["bucket"], match["key"].strip("/")
    match = VIRTUAL_HOSTED_ENDPOINT.match(written)
    if match is not None:
        return "its virtual-hosted endpoint", match["bucket"], (match["key"] or "").strip("/")
    return None


@job_rule("QS304", "BucketRegion is not a known AWS region")
def bucket_region_known(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `BucketRegion` that is not a region in botocore's endpoint data, and suggests
    the nearest known one.

    ## Why is this bad?
    A misspelt region (`eu-west1`, `EU-WEST-1`) fails the job after it was accepted.

    ## Example
    ```yaml
    BucketRegion: eu-west1
    ```

    ## Fix
    Use the region code exactly: `eu-west-1`.
    """
    for path, bucket in job.buckets():
        region = bucket.BucketRegion
        if not _is_known_region(region):
            hint = did_you_mean(closest(region, sorted(known_regions())))
            yield Violation(
                f"`{region}` is not a known AWS region{hint}", path=(*path, "BucketRegion")
            )


@job_rule(
    "QS305",
    "BucketPrefix starts with `/`, or holds `//`, `..` or `\\`",
    severity=Severity.WARNING,
    fixable=True,
)
def bucket_prefix_clean(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `BucketPrefix` that starts with `/`, holds an empty segment (`//`), a `..`
    segment, or a backslash.

    ## Why is this bad?
    S3 keys are not paths: a leading `/` or `//` makes a folder with an empty name, `..` is
    kept literally, and so is `\\` (a Windows path's separator makes no folder), so the files
    land somewhere nobody looks.

    ## Example
    ```yaml
    BucketPrefix: /reports//weekly
    ```

    ## Fix
    Write the prefix with `/` between folders, without a leading slash or empty segments:
    `reports/weekly`.
    """
    for path, bucket in job.buckets():
        prefix = bucket.BucketPrefix
        problems = []
        if "\\" in prefix:
            problems.append("holds `\\` where `/` separates folders")
            prefix = prefix.replace("\\", "/")
        if prefix.startswith("/"):
            problems.append("starts with `/`")
        if "//" in prefix:
            problems.append("holds an empty segment `//`")
        if ".." in prefix.split("/"):
            problems.append("holds a `..` segment")
        if not problems:
            continue
        at = (*path, "BucketPrefix")
        cleaned = re.sub(r"/{2,}", "/", prefix).lstrip("/")
        fixable = cleaned and cleaned != bucket.BucketPrefix
        yield Violation(
            f"bucket prefix {' and '.join(problems)}: S3 keeps them literally",
            path=at,
            fix=Fix(
                ("write `/` for `\\`, " if "\\" in bucket.BucketPrefix else "")
                + "strip the leading `/` and empty segments",
                (replace_value(at, cleaned),),
            )
            if fixable
            else None,
        )


@job_rule("QS306", "BucketPrefix holds an unrendered template placeholder")
def bucket_prefix_placeholder(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `BucketPrefix` that holds a template placeholder nothing rendered:
    `${RUN_DATE}`, `{{ date }}`, `{% ... %}`, `<%= ... %>`, `$(date)`.

    ## Why is this bad?
    The service takes the prefix as it is: every run writes under a folder literally named
    `${RUN_DATE}`, and the files a downstream job looks for are never there.

    ## Example
    ```yaml
    BucketPrefix: exports/${RUN_DATE}/
    ```

    ## Fix
    Render the template before `check` and `apply` (or let the pipeline write the value),
    or write a fixed prefix: the service adds a folder per job run itself. In a fan-out
    template, `$${X}` writes the literal `${X}` on purpose, and is not reported.
    """
    for path, bucket in job.buckets():
        at = (*path, "BucketPrefix")
        placeholder = unrendered_placeholder(bucket.BucketPrefix, context.literals(at))
        if placeholder:
            yield Violation(
                f"bucket prefix holds the unrendered placeholder `{placeholder}`: the service "
                f"writes under its literal text{escape_note(placeholder)}",
                path=at,
            )


@job_rule("QS307", "BucketPrefix names a file", severity=Severity.WARNING)
def bucket_prefix_names_a_file(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `BucketPrefix` whose last segment is a file name (`reports/weekly.pdf`): it
    ends in the extension of a file a snapshot or report is (`.pdf`, `.csv`, `.xlsx`, ...).

    ## Why is this bad?
    The prefix is a folder: the service names the files it writes under it, so the export
    lands in a folder called `weekly.pdf`, not in a file of that name.

    ## Example
    ```yaml
    BucketPrefix: reports/weekly.pdf
    ```

    ## Fix
    Give the folder only: `reports/weekly/`.
    """
    for path, bucket in job.buckets():
        last = bucket.BucketPrefix.rstrip("/").rpartition("/")[2]
        stem, dot, extension = last.rpartition(".")
        if stem and dot and extension.lower() in FILE_EXTENSIONS:
            yield Violation(
                f"bucket prefix ends in the file name `{last}`, but the service names the "
                "files: they land in a folder of that name; give the folder only",
                path=(*path, "BucketPrefix"),
            )
