"""JUnit XML for CI test reporters: one test case per file checked, a failure per problem.

A file with no error or warning passes; each error or warning is a ``<failure>`` whose type
is the rule code and whose text is ``path:line:col: CODE [severity] message``. Infos do not
fail a test. The suite's ``failures`` counts failed test cases (files), not ``<failure>``
elements, so ``tests - failures`` is the number of clean files, as reporters compute it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from qslint.findings import Finding, Severity
from qslint.report import Report

FAILING = (Severity.ERROR, Severity.WARNING)
# Characters XML 1.0 cannot carry at all, even escaped (a JSON string may hold them).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _failure(testcase: ET.Element, finding: Finding) -> None:
    failure = ET.SubElement(
        testcase, "failure", type=finding.code, message=_xml_text(finding.message)
    )
    failure.text = _xml_text(
        f"{finding.location}: {finding.code} [{finding.severity}] {finding.message}"
    )


def junit_tree(report: Report) -> ET.Element:
    by_file: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        if finding.severity in FAILING:
            by_file[finding.location.file].append(finding)
    files = list(dict.fromkeys([*report.files, *by_file]))  # findings name only checked files
    counts = {
        "tests": str(len(files)),
        "failures": str(sum(1 for file in files if by_file[file])),
        "errors": "0",
        "skipped": "0",
    }
    suites = ET.Element("testsuites", name="qslint", **counts)
    suite = ET.SubElement(suites, "testsuite", name="qslint", **counts)
    for file in files:
        testcase = ET.SubElement(suite, "testcase", classname="qslint", name=_xml_text(file))
        for finding in by_file[file]:
            _failure(testcase, finding)
    return suites


def render(report: Report) -> str:
    tree = junit_tree(report)
    ET.indent(tree)
    return ET.tostring(tree, encoding="unicode", xml_declaration=True) + "\n"
