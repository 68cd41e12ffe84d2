"""The pre-commit hook (``.pre-commit-hooks.yaml``), run by the real ``pre-commit`` in real repos.

pre-commit installs the hook as it does for users: it clones a git repository holding this
project and ``pip install``s it (from PyPI) into a virtualenv of its own. That repository is a
snapshot of this checkout's working tree, committed in a temporary folder: ``pre-commit
try-repo`` on the checkout itself commits only *tracked* changes into its shadow repository,
so a file not yet added to git (the manifest itself, a new module) would be missing from the
hook it installs.

``try-repo`` always installs into a store of its own in a temporary folder (it ignores
``PRE_COMMIT_HOME``), so only the first test uses it; the others name the snapshot in a
``.pre-commit-config.yaml``, as a user does, and share one ``PRE_COMMIT_HOME`` per test module:
the hook's environment is built once there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FAN_OUT, GITHUB_WORKFLOW

CHECKOUT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
TIMEOUT = 600  # seconds; a cold hook environment takes a few seconds to a minute to build

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None, reason="git is not on PATH; the pre-commit hook needs git"
)

GOOD_DEFINITION = """\
# Weekly sales PDF for the EMEA North sales team.
AwsAccountId: '111122223333'
DashboardId: sales-overview-2024
SnapshotJobId: weekly-sales-pdf-2026-w01
UserConfiguration:
  AnonymousUsers:
    - RowLevelPermissionTags:
        - Key: region
          Value: emea-north
        - Key: team
          Value: field-sales
SnapshotConfiguration:
  FileGroups:
    - Files:
        - FormatType: PDF
          SheetSelections:
            - SheetId: sheet-summary
              SelectionScope: ALL_VISUALS
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration:
          BucketName: acme-bi-snapshots-eu
          BucketPrefix: sales/weekly/
          BucketRegion: eu-west-1
  Parameters:
    StringParameters:
      - Name: SalesChannel
        Values:
          - online
          - retail
    DateTimeParameters:
      - Name: PeriodStart
        Values:
          - 2025-12-29T00:00:00Z
"""

# QS201: a PDF exports whole sheets, so SELECTED_VISUALS with VisualIds is refused.
BAD_DEFINITION = """\
AwsAccountId: '111122223333'
DashboardId: sales-overview-2024
SnapshotJobId: top-customers-pdf
UserConfiguration:
  AnonymousUsers:
    - RowLevelPermissionTags:
        - Key: region
          Value: emea-north
SnapshotConfiguration:
  FileGroups:
    - Files:
        - FormatType: PDF
          SheetSelections:
            - SheetId: sheet-summary
              SelectionScope: SELECTED_VISUALS
              VisualIds:
                - visual-top-customers
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration:
          BucketName: acme-bi-snapshots-eu
          BucketPrefix: sales/top-customers/
          BucketRegion: eu-west-1
"""

# Variables that would point git at another repository (set while git runs a hook), make
# pre-commit skip the hook or run it serially (PRE_COMMIT_NO_CONCURRENCY), reuse another
# store (PRE_COMMIT_HOME), import qslint from somewhere else than the hook's own environment
# (PYTHONPATH, PYTHONHOME, VIRTUAL_ENV), break pip inside a virtualenv, or pick a region.
_GIT_VARIABLES_KEPT = {
    "GIT_EXEC_PATH",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSL_CAINFO",
    "GIT_SSL_NO_VERIFY",
    "GIT_ASKPASS",
    "GIT_HTTP_PROXY_AUTHMETHOD",
    "GIT_ALLOW_PROTOCOL",
}
_VARIABLES_DROPPED = {
    "SKIP",
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "PIP_USER",
    "PIP_TARGET",
    "PIP_PREFIX",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
}


def _is_kept(name: str) -> bool:
    if name.startswith("PRE_COMMIT") or name in _VARIABLES_DROPPED:
        return False
    return not name.startswith("GIT_") or name in _GIT_VARIABLES_KEPT


@dataclass(frozen=True)
class HookRepo:
    path: Path
    rev: str


@dataclass(frozen=True)
class HookRun:
    returncode: int
    output: str


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, f"git {' '.join(args)} failed:\n{completed.stderr}"
    return completed.stdout


def _init_repo(path: Path, env: dict[str, str]) -> None:
    _git(path, env, "init", "--quiet")
    _git(path, env, "config", "user.name", "qslint tests")
    _git(path, env, "config", "user.email", "tests@qslint.invalid")
    _git(path, env, "config", "commit.gpgsign", "false")


@pytest.fixture(scope="module")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment pre-commit runs in, with a ``PRE_COMMIT_HOME`` of this module's own."""
    if not PRE_COMMIT.is_file():
        pytest.fail(
            f"pre-commit is not installed next to {sys.executable}; it is a test dependency: "
            "pip install -e '.[test]'"
        )
    env = {name: value for name, value in os.environ.items() if _is_kept(name)}
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    return env


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, hook_env: dict[str, str]) -> HookRepo:
    """A one-commit git repository holding this checkout's working tree, ignored files aside."""
    listing = _git(
        CHECKOUT, hook_env, "ls-files", "-z", "--cached", "--others", "--exclude-standard"
    )
    snapshot = tmp_path_factory.mktemp("qslint-hook-repo")
    for name in filter(None, listing.split("\0")):
        source = CHECKOUT / name
        if source.is_file() or source.is_symlink():  # a tracked file may have been deleted
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    _init_repo(snapshot, hook_env)
    _git(snapshot, hook_env, "add", "--all")
    _git(snapshot, hook_env, "commit", "--quiet", "--no-verify", "-m", "qslint snapshot")
    return HookRepo(snapshot, _git(snapshot, hook_env, "rev-parse", "HEAD").strip())


@pytest.fixture
def repo(tmp_path: Path, hook_env: dict[str, str]) -> Path:
    """A user's repository: git, a ``.qslint.toml`` for eu-west-1, nothing staged yet."""
    _init_repo(tmp_path, hook_env)
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    _git(tmp_path, hook_env, "add", ".qslint.toml")
    return tmp_path


AddFile = Callable[[str, str], None]


@pytest.fixture
def add(repo: Path, hook_env: dict[str, str]) -> AddFile:
    """Write a file into the repository and stage it (``--all-files`` runs on git's files)."""

    def add_file(name: str, text: str) -> None:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        _git(repo, hook_env, "add", name)

    return add_file


def _pre_commit(repo: Path, env: dict[str, str], *args: str) -> HookRun:
    completed = subprocess.run(
        [str(PRE_COMMIT), *args, "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return HookRun(completed.returncode, completed.stdout + completed.stderr)


@pytest.fixture
def try_repo(repo: Path, hook_repo: HookRepo, hook_env: dict[str, str]) -> Callable[[], HookRun]:
    """``pre-commit try-repo <qslint> qslint --all-files`` in the user's repository."""
    return lambda: _pre_commit(
        repo, hook_env, "try-repo", str(hook_repo.path), "qslint", "--all-files"
    )


def _use_the_hook(add: AddFile, hook_repo: HookRepo) -> None:
    """qslint in the repository's ``.pre-commit-config.yaml``, itself a staged YAML file that
    pre-commit passes to the hook."""
    add(
        ".pre-commit-config.yaml",
        f"""\
        repos:
          - repo: {hook_repo.path}
            rev: {hook_repo.rev}
            hooks:
              - id: qslint
        """,
    )


@pytest.fixture
def run_hook(
    repo: Path, hook_repo: HookRepo, hook_env: dict[str, str], add: AddFile
) -> Callable[[], HookRun]:
    """``pre-commit run qslint --all-files`` with qslint in ``.pre-commit-config.yaml``."""
    _use_the_hook(add, hook_repo)
    return lambda: _pre_commit(repo, hook_env, "run", "qslint", "--all-files", "--verbose")


@pytest.fixture
def commit_hook(
    repo: Path, hook_repo: HookRepo, hook_env: dict[str, str], add: AddFile
) -> Callable[[], HookRun]:
    """``pre-commit run qslint`` as ``git commit`` runs it: on the staged files only."""
    _use_the_hook(add, hook_repo)
    return lambda: _pre_commit(repo, hook_env, "run", "qslint", "--verbose")


def test_try_repo_passes_a_good_definition_and_fails_a_bad_one(
    try_repo: Callable[[], HookRun], add: AddFile
) -> None:
    add("snapshots/weekly-sales.yaml", GOOD_DEFINITION)

    passed = try_repo()
    assert passed.returncode == 0, passed.output
    assert "qslint" in passed.output
    assert "Passed" in passed.output

    add("snapshots/top-customers.yaml", BAD_DEFINITION)

    failed = try_repo()
    assert failed.returncode == 1, failed.output
    assert "Failed" in failed.output
    assert "snapshots/top-customers.yaml:15:" in failed.output
    assert "QS201" in failed.output
    assert "snapshots/weekly-sales.yaml" not in failed.output


def test_workflows_and_the_pre_commit_config_are_not_linted(
    run_hook: Callable[[], HookRun], add: AddFile
) -> None:
    add("snapshots/weekly-sales.yaml", GOOD_DEFINITION)
    add(".github/workflows/ci.yml", GITHUB_WORKFLOW)

    result = run_hook()

    assert result.returncode == 0, result.output
    assert "1 file checked" in result.output
    assert "ci.yml" not in result.output
    assert ".pre-commit-config.yaml" not in result.output


def test_a_compose_file_and_a_workflow_beside_a_definition_pass_without_files_patterns(
    commit_hook: Callable[[], HookRun], add: AddFile
) -> None:
    """No ``files:`` and no ``include``: what is clearly no definition is passed over, by its
    fields, wherever it lies; the definition beside them is still the hook's."""
    add("docker-compose.yml", "services:\n  web: {image: nginx}\nvolumes: {}\n")
    add("ci/nightly.yml", GITHUB_WORKFLOW)
    add("snapshots/weekly-sales.yaml", GOOD_DEFINITION)

    passed = commit_hook()
    assert passed.returncode == 0, passed.output
    assert "1 file checked; 2 other YAML/JSON files skipped" in passed.output

    add("snapshots/weekly-sales.yaml", BAD_DEFINITION)
    failed = commit_hook()
    assert failed.returncode == 1, failed.output
    assert "snapshots/weekly-sales.yaml:15:" in failed.output and "QS201" in failed.output
    assert "docker-compose.yml" not in failed.output and "nightly.yml" not in failed.output


def test_include_keeps_other_yaml_files_out_of_the_hook(
    repo: Path, run_hook: Callable[[], HookRun], add: AddFile
) -> None:
    """pre-commit passes every staged YAML file; ``--force-exclude`` applies ``include``."""
    (repo / ".qslint.toml").write_text(
        'region = "eu-west-1"\ninclude = ["snapshots/**/*.yaml"]\n', encoding="utf-8"
    )
    add("snapshots/emea/weekly-sales.yaml", GOOD_DEFINITION)
    add("other.yaml", BAD_DEFINITION)  # would be QS201 if it were linted

    passed = run_hook()
    assert passed.returncode == 0, passed.output
    assert "1 file checked" in passed.output
    assert "other.yaml" not in passed.output

    add("snapshots/emea/top-customers.yaml", BAD_DEFINITION)

    failed = run_hook()
    assert failed.returncode == 1, failed.output
    assert "snapshots/emea/top-customers.yaml:15:" in failed.output
    assert "QS201" in failed.output
    assert "other.yaml" not in failed.output


def test_every_file_goes_to_one_process(run_hook: Callable[[], HookRun], add: AddFile) -> None:
    """``require_serial``: QS601 compares files with each other.

    Without it pre-commit splits 8 files into chunks of 4 on a machine with more than one CPU,
    and each qslint process would find only the copies in its own chunk (3 + 3, not 7).
    """
    for week in range(1, 9):
        add(f"snapshots/copy-{week}.yaml", GOOD_DEFINITION)

    result = run_hook()

    assert result.returncode == 1, result.output
    assert result.output.count("QS601") == 7, result.output


def test_a_staged_copy_of_a_committed_job_fails_the_hook(
    repo: Path, hook_env: dict[str, str], commit_hook: Callable[[], HookRun], add: AddFile
) -> None:
    """pre-commit passes only the staged files; QS601 compares them with the whole project."""
    add("snapshots/weekly-sales.yaml", GOOD_DEFINITION)
    add("snapshots/other.yaml", BAD_DEFINITION.replace("top-customers-pdf", "older-pdf"))
    _git(repo, hook_env, "commit", "--quiet", "--no-verify", "-m", "the jobs so far")

    add("snapshots/weekly-sales-copy.yaml", GOOD_DEFINITION)
    failed = commit_hook()
    assert failed.returncode == 1, failed.output
    assert "snapshots/weekly-sales-copy.yaml:4:16: QS601" in failed.output
    assert "also defined at snapshots/weekly-sales.yaml:4:16" in failed.output
    assert "1 file checked" in failed.output
    assert "other.yaml" not in failed.output  # committed, unchanged: compared, not reported

    _git(repo, hook_env, "rm", "--quiet", "--cached", "snapshots/weekly-sales-copy.yaml")
    (repo / "snapshots/weekly-sales-copy.yaml").unlink()
    add("snapshots/weekly-sales.yaml", GOOD_DEFINITION.replace("sales/weekly/", "sales/w/"))
    passed = commit_hook()
    assert passed.returncode == 0, passed.output
    assert "1 file checked" in passed.output


def readme_block(first_line: str) -> str:
    """The README's fenced YAML block that starts with ``first_line``."""
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in readme.split("```yaml\n")[1:]]
    (block,) = [block for block in blocks if block.startswith(first_line + "\n")]
    return block


PINNED_REV = re.compile(r"^\s+rev: ([0-9a-f]{40})  # ", re.MULTILINE)


def test_the_readme_snippet_works_as_written(
    repo: Path, hook_env: dict[str, str], add: AddFile
) -> None:
    """The README's ``.pre-commit-config.yaml``, its repository URL pointed at this one: the
    commit it pins is in this repository's history, and its hook runs."""
    snippet = readme_block("# .pre-commit-config.yaml")
    pinned = PINNED_REV.search(snippet)
    assert pinned, "the README pins a full commit SHA (there are no release tags yet)"
    # The hook as this checkout defines it (the files it takes: CSV rows too), not an older one.
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{pinned[1]}^{{commit}}"], cwd=CHECKOUT, check=False
    )
    assert known.returncode == 0, "the README pins a commit this clone lacks (shallow? rebased?)"
    hooks_then = _git(CHECKOUT, hook_env, "show", f"{pinned[1]}:.pre-commit-hooks.yaml")
    hooks_now = (CHECKOUT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert _hook_lines(hooks_then) == _hook_lines(hooks_now), "pin a newer commit in the README"
    add(
        ".pre-commit-config.yaml",
        snippet.replace("https://github.com/qslint/qslint", str(CHECKOUT)),
    )
    add("snapshots/weekly-sales.yaml", GOOD_DEFINITION)

    passed = _pre_commit(repo, hook_env, "run", "--all-files")
    assert passed.returncode == 0, passed.output
    assert "qslint" in passed.output and "Passed" in passed.output

    add("snapshots/top-customers.yaml", BAD_DEFINITION)
    failed = _pre_commit(repo, hook_env, "run", "--all-files")
    assert failed.returncode == 1, failed.output
    assert "snapshots/top-customers.yaml:15:" in failed.output
    assert "QS201" in failed.output


def _hook_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_a_staged_rows_file_alone_is_checked_with_its_templates(
    repo: Path, hook_env: dict[str, str], commit_hook: Callable[[], HookRun], add: AddFile
) -> None:
    """A commit that changes only a fan-out's rows (a CSV) is gated as its templates are,
    findings at the template included; a CSV no template reads is none of qslint's business."""
    add("snapshots/weekly.yaml", FAN_OUT)
    add("snapshots/tenants.csv", "tenant,tenant_id\nacme,t-1\n")
    add("reports/export.csv", 'name,"value: with a colon"\n"a, b",1\n')
    _git(repo, hook_env, "commit", "--quiet", "--no-verify", "-m", "a fan-out")

    add("snapshots/tenants.csv", "tenant,tenant_id\nacme,t-1\nglobex corp,t-2\n")
    failed = commit_hook()
    assert failed.returncode == 1, failed.output
    assert "snapshots/tenants.csv:3:1: QS105" in failed.output

    add("snapshots/tenants.csv", "tenant\nacme\n")  # a column the template reads, deleted
    failed = commit_hook()
    assert failed.returncode == 1, failed.output
    assert "snapshots/weekly.yaml:9:36: QS111" in failed.output

    add("snapshots/tenants.csv", "tenant,tenant_id\nacme,t-1\nglobex,t-2\n")
    add("reports/export.csv", 'name,"value: with a colon"\n"a, b",2\n')
    passed = commit_hook()
    assert passed.returncode == 0, passed.output
    assert "All checks passed (1 file checked)." in passed.output  # the template alone
    _git(repo, hook_env, "commit", "--quiet", "--no-verify", "-m", "globex")

    # A row whose job is another file's: QS601, though no definition was staged.
    by_hand = GOOD_DEFINITION.replace("sales-overview-2024", "sales-overview")
    add(
        "snapshots/initech.yaml",
        by_hand.replace("weekly-sales-pdf-2026-w01", "weekly-sales-initech"),
    )
    _git(repo, hook_env, "commit", "--quiet", "--no-verify", "-m", "initech, by hand")
    add("snapshots/tenants.csv", "tenant,tenant_id\nacme,t-1\nglobex,t-2\ninitech,t-3\n")
    duplicated = commit_hook()
    assert duplicated.returncode == 1, duplicated.output
    assert duplicated.output.count("QS601") == 1, duplicated.output
