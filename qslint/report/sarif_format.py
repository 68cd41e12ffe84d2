"""SARIF 2.1.0: one run, for GitHub code scanning and other SARIF viewers.

The driver lists the rules that ran, each with its documentation as help (Markdown, and
plain text) and a link to it; every finding is a
result at a physical location whose URI is relative to the repository's top folder
(``%SRCROOT%``: the git work tree holding the configuration, else the configuration's folder),
so that code scanning resolves it wherever qslint ran from. A file outside that folder keeps
an absolute ``file:`` URI. Columns count Unicode code points, as qslint's
positions do. No source text is copied into the log, so no sensitive value can reach it.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from qslint import __version__
from qslint.findings import Finding, Location, Severity, format_json_path
from qslint.report import (
    HOMEPAGE,
    Report,
    internal_error_message,
    not_fixed_message,
    not_run_message,
)
from qslint.report.paths import relative_to, run_root
from qslint.results import REPOSITORY
from qslint.rule import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

Json = dict[str, object]


def _artifact_location(file: str, root: Path) -> Json:
    relative = relative_to(Path(file), root)
    if relative is None:
        return {"uri": Path(file).absolute().as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SOURCE_ROOT}


def _location(location: Location, root: Path) -> Json:
    result: Json = {
        "physicalLocation": {
            "artifactLocation": _artifact_location(location.file, root),
            "region": {"startLine": location.line, "startColumn": location.column},
        }
    }
    if location.path:
        result["properties"] = {"jsonPath": format_json_path(location.path)}
    return result


def _what_it_does(rule: Rule) -> str:
    """The first paragraph under the docstring's ``## What it does``, else the summary."""
    paragraph: list[str] = []
    inside = False
    for line in rule.doc.splitlines():
        if line.startswith("#"):
            if inside:
                break
            inside = line.lstrip("#").strip().lower() == "what it does"
        elif inside and line.strip():
            paragraph.append(line.strip())
        elif inside and paragraph:
            break
    return " ".join(paragraph) or rule.summary


def _plain(markdown: str) -> str:
    """A rule's Markdown documentation as plain text: no heading marks, no code fences."""
    lines = markdown.split("\n")
    kept = (line.lstrip("#").strip() if line.startswith("#") else line for line in lines)
    return "\n".join(line for line in kept if not line.startswith("```"))


def _rule(rule: Rule) -> Json:
    described: Json = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _what_it_does(rule)},
    }
    if rule.help_uri:
        described["helpUri"] = rule.help_uri
    return described | {
        "help": {"text": _plain(rule.documentation), "markdown": rule.documentation},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _result(finding: Finding, rule_index: dict[str, int], root: Path) -> Json:
    result: Json = {"ruleId": finding.code}
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    result |= {
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding.location, root)],
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": number, **_location(related, root)}
            for number, related in enumerate(finding.related)
        ]
    return result


def _invocation(report: Report, rule_index: dict[str, int], root: Path) -> Json:
    """Whether the run succeeded (no rule raised, every fix was written), and the notes the
    findings leave out: the rules that did not run, which the configuration can change, the
    rules that raised and the files --fix could not write."""
    invocation: Json = {
        "executionSuccessful": not report.internal_errors and not report.not_written
    }
    not_run = [
        _notification("warning", not_run_message(code), code, rule_index)
        for code in report.without_region
    ]
    if not_run:
        invocation["toolConfigurationNotifications"] = not_run
    raised = [
        _notification("error", internal_error_message(error), error.code, rule_index)
        | _at_file(error.file, root)
        for error in report.internal_errors
    ]
    raised += [
        _notification("error", not_fixed_message(file, reason), None, rule_index)
        | _at_file(file, root)
        for file, reason in report.not_written
    ]
    if raised:
        invocation["toolExecutionNotifications"] = raised
    return invocation


def _at_file(file: str, root: Path) -> Json:
    """The file a note is about: none for a repository rule's (it reads every file)."""
    if file == REPOSITORY:
        return {}
    return {
        "locations": [{"physicalLocation": {"artifactLocation": _artifact_location(file, root)}}]
    }


def _notification(level: str, text: str, code: str | None, rule_index: dict[str, int]) -> Json:
    notification: Json = {"level": level, "message": {"text": text}}
    if code is not None:
        rule: Json = {"id": code}
        if code in rule_index:
            rule["index"] = rule_index[code]
        notification["associatedRule"] = rule
    return notification


def sarif_log(report: Report) -> Json:
    """The report as a SARIF log object."""
    rule_index = {rule.code: index for index, rule in enumerate(report.rules)}
    root = run_root(report.files, report.root)
    root_uri = root.absolute().as_uri().rstrip("/") + "/"  # a base URI ends with /
    run: Json = {
        "tool": {
            "driver": {
                "name": "qslint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": [_rule(rule) for rule in report.rules],
            }
        },
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": root_uri}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, rule_index, root) for finding in report.findings],
        "invocations": [_invocation(report, rule_index, root)],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2) + "\n"
