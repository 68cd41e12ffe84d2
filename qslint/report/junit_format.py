"""JUnit XML for CI test reporters: a test suite per file checked, a test case per problem.

Reporters keep one ``<failure>`` per test case (Jenkins drops the others; the Ant JUnit schema
allows one), so each error or warning is a failing test case of its own, named by its rule
code like ruff's, with the ``file`` and ``line`` attributes reporters link to. Its failure's
type is the code and its text ``path:line:col: CODE [severity] message``. A file without
errors or warnings is one passing test case; infos fail nothing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from qslint.findings import Finding, Severity
from qslint.report import Report

FAILING = (Severity.ERROR, Severity.WARNING)
CLEAN = "no problems"  # the name of a clean file's one test case
# Characters XML 1.0 cannot carry at all, even escaped (a JSON string may hold them).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _counts(tests: int, failures: int) -> dict[str, str]:
    return {"tests": str(tests), "failures": str(failures), "errors": "0", "skipped": "0"}


def _testcase(suite: ET.Element, file: str, finding: Finding | None) -> None:
    where = {"classname": file, "file": file}
    if finding is None:
        ET.SubElement(suite, "testcase", name=CLEAN, **where)
        return
    location = finding.location
    testcase = ET.SubElement(suite, "testcase", name=finding.code, line=str(location.line), **where)
    failure = ET.SubElement(
        testcase, "failure", type=finding.code, message=_xml_text(finding.message)
    )
    failure.text = _xml_text(f"{location}: {finding.code} [{finding.severity}] {finding.message}")


def junit_tree(report: Report) -> ET.Element:
    by_file: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        if finding.severity in FAILING:
            by_file[finding.location.file].append(finding)
    files = list(dict.fromkeys([*report.files, *by_file]))  # findings name only checked files
    failures = sum(len(found) for found in by_file.values())
    clean = sum(1 for file in files if not by_file[file])
    suites = ET.Element("testsuites", name="qslint", **_counts(failures + clean, failures))
    for file in files:
        found = by_file[file]
        name = _xml_text(file)
        suite = ET.SubElement(
            suites, "testsuite", name=name, **_counts(len(found) or 1, len(found))
        )
        for finding in found or [None]:
            _testcase(suite, name, finding)
    return suites


def render(report: Report) -> str:
    tree = junit_tree(report)
    ET.indent(tree)
    return ET.tostring(tree, encoding="unicode", xml_declaration=True) + "\n"
