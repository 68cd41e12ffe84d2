"""QS502 and QS503: a job takes one of the request's two user shapes.

Anonymous users (embedded snapshots) are named under ``UserConfiguration.AnonymousUsers``;
registered-user snapshots, started with identity-enhanced credentials, leave
``UserConfiguration`` out. QS502's ``identity-enhanced`` option says which one an account runs.
"""

from __future__ import annotations

import json

import pytest
from conftest import VALID_JOB

ANONYMOUS_USER = (
    "UserConfiguration:\n"
    "  AnonymousUsers:\n"
    "    - RowLevelPermissionTags:\n"
    "        - Key: region\n"
    "          Value: EMEA\n"
)
NO_USER_CONFIGURATION = VALID_JOB.replace(ANONYMOUS_USER, "")
EMPTY_USER_CONFIGURATION = VALID_JOB.replace(ANONYMOUS_USER, "UserConfiguration: {}\n")
IDENTITY_ENHANCED = "[options.QS502]\nidentity-enhanced = true\n"


def findings(run_qslint, write, job: str, config: str = "") -> list[tuple[str, int, str]]:
    write("job.yaml", job)
    if config:
        write(".qslint.toml", config)
    result = run_qslint("check", "--output-format", "json", "job.yaml")
    return [(f["code"], f["line"], f["message"]) for f in json.loads(result.stdout)]


def test_the_fixtures_are_the_shapes_they_claim():
    assert ANONYMOUS_USER in VALID_JOB
    assert "UserConfiguration" not in NO_USER_CONFIGURATION


def test_a_missing_user_configuration_explains_both_shapes(run_qslint, write):
    ((code, line, message),) = findings(run_qslint, write, NO_USER_CONFIGURATION)
    assert (code, line) == ("QS502", 1)
    assert "`UserConfiguration.AnonymousUsers`" in message
    assert "identity-enhanced credentials, leave `UserConfiguration` out" in message


def test_identity_enhanced_accounts_pass_without_user_configuration(run_qslint, write):
    assert findings(run_qslint, write, NO_USER_CONFIGURATION, IDENTITY_ENHANCED) == []


def test_identity_enhanced_accounts_are_told_to_remove_the_anonymous_user(run_qslint, write):
    ((code, line, message),) = findings(run_qslint, write, VALID_JOB, IDENTITY_ENHANCED)
    assert (code, line) == ("QS502", 4)
    assert "must leave it out; remove it" in message


@pytest.mark.parametrize("config", ["", IDENTITY_ENHANCED], ids=["anonymous", "identity"])
def test_an_empty_user_configuration_is_one_qs503_in_either_mode(run_qslint, write, config):
    ((code, line, message),) = findings(run_qslint, write, EMPTY_USER_CONFIGURATION, config)
    assert (code, line) == ("QS503", 4)
    assert "holds no `AnonymousUsers`" in message


def test_qs502_documents_its_option(run_qslint):
    text = run_qslint("rule", "QS502").stdout
    assert "- `identity-enhanced` (default False)" in text
