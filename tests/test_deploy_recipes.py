"""The deploy recipes as the README shows them: their script steps run in a temporary git
repository with a simulated push, against the emulator (real boto3 over HTTP), and the
Markdown summary they write to the job's page."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from applying import git, job_yaml, submitted_names
from clocks import FastClock
from ruamel.yaml import YAML

from qslint import __version__
from qslint.emulator.server import Emulator

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "examples" / "deploy"
DEPLOY = RECIPES / ".github" / "workflows" / "deploy-snapshots.yml"
SCHEDULED = RECIPES / ".github" / "workflows" / "scheduled-snapshots.yml"
GITLAB = RECIPES / ".gitlab-ci.yml"
BASH = shutil.which("bash") or "bash"
STEP_SECONDS = 120  # a step that takes longer is stuck: fail, do not hang the suite


def _load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture
def ci_environment(runner: Path, fast_clock: FastClock, emulator: Emulator) -> dict[str, str]:
    """What every CI step sees: credentials as the role gives them, QuickSight at the
    emulator, and a ``qslint`` that runs on the test's clock."""
    shims = runner / "bin"
    shims.mkdir()
    shim = shims / "qslint"
    shim.write_text(f'#!/bin/sh\nexec {shlex.join(fast_clock.command())} "$@"\n')
    shim.chmod(0o755)
    environment = dict(os.environ)
    environment |= {
        "PATH": os.pathsep.join([str(shims), str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PIP_NO_INDEX": "1",  # installing qslint finds it installed here; never the network
        "AWS_ACCESS_KEY_ID": "emulator",  # ahead of the web identity in boto3's chain
        "AWS_SECRET_ACCESS_KEY": "emulator",
        "AWS_ENDPOINT_URL_QUICKSIGHT": emulator.url,
        "TMPDIR": str(runner),
    }
    return environment


def _run(script: str, repository: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BASH, "-e", "-c", script],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=STEP_SECONDS,
        check=False,
    )


def _github_steps(
    workflow: dict,
    repository: Path,
    runner: Path,
    environment: dict[str, str],
    event: tuple[str, dict],
) -> list[subprocess.CompletedProcess]:
    """The workflow's ``run:`` steps as the runner runs them (``bash -e``), with the event,
    the step summary and the variables configure-aws-credentials sets."""
    steps = workflow["jobs"]["apply"]["steps"]
    (credentials,) = [s for s in steps if s.get("uses", "").startswith("aws-actions/")]
    event_path = runner / "event.json"
    event_name, payload = event
    event_path.write_text(json.dumps(payload))
    env = dict(environment)
    env |= {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_STEP_SUMMARY": str(runner / "step-summary.md"),
        "RUNNER_TEMP": str(runner),
        "AWS_REGION": credentials["with"]["aws-region"],
    }
    scripts = [step for step in steps if "run" in step]
    assert all("shell" not in step and "if" not in step for step in scripts)  # run as here
    return [_run(step["run"], repository, env) for step in scripts]


def _uploaded(workflow: dict, runner: Path) -> Path:
    """The file the workflow's artifact step uploads, on this runner."""
    steps = workflow["jobs"]["apply"]["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload["if"] == "always()"  # a failed export's report is the one most needed
    return Path(upload["with"]["path"].replace("${{ runner.temp }}", str(runner)))


def _edit(repository: Path, name: str) -> None:
    (repository / "jobs" / f"{name}.yaml").write_text(job_yaml(name, prefix="edited"))
    git("commit", "-q", "-am", f"edit {name}")


def test_every_recipe_installs_this_qslint_pinned():
    """A CI recipe that installs whatever qslint is newest changes its gate, and what its
    deploy submits, on a release day; each pins this checkout's version."""
    texts = [ROOT / "README.md", *(p for p in RECIPES.rglob("*") if p.suffix in (".yml", ".yaml"))]
    # By name, from the package index: not this checkout (`.`), the editor's extra, nor a
    # commit (`qslint @ git+...`).
    by_name = re.compile(r"""pip install (?:-\S+ )*["']?qslint(?![\[\w-]| @)""")
    installs = [
        line.strip()
        for path in texts
        for line in path.read_text(encoding="utf-8").splitlines()
        if by_name.search(line)
    ]
    assert len(installs) >= 6, installs  # the README's recipes and the deploy examples
    assert [line for line in installs if f'"qslint=={__version__}"' not in line] == []


def test_the_github_deploy_workflow_is_a_push_deploy_with_a_role_and_one_run_at_a_time():
    workflow = _load(DEPLOY)
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    assert workflow["permissions"]["id-token"] == "write"
    assert workflow["concurrency"] == {"group": "deploy-snapshots", "cancel-in-progress": False}
    steps = workflow["jobs"]["apply"]["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses == [
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "aws-actions/configure-aws-credentials@v4",
        "actions/upload-artifact@v4",
    ]
    assert steps[0]["with"]["fetch-depth"] == 0  # the push's previous head is in the clone
    assert steps[2]["with"]["role-to-assume"].startswith("arn:aws:iam::")
    scheduled = _load(SCHEDULED)
    assert "schedule" in scheduled["on"]
    assert scheduled["concurrency"]["group"] == workflow["concurrency"]["group"]


@pytest.mark.parametrize(
    ("recipe", "schema"),
    [
        (DEPLOY, "vendor.github-workflows"),
        (SCHEDULED, "vendor.github-workflows"),
        (GITLAB, "vendor.gitlab-ci"),
    ],
)
def test_the_recipes_are_valid_for_their_platform(recipe, schema):
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--builtin-schema", schema, str(recipe)],
        capture_output=True,
        text=True,
        timeout=STEP_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_github_deploy_exports_the_one_definition_a_push_changed(
    repository, runner, ci_environment, emulator
):
    before = git("rev-parse", "HEAD").strip()
    _edit(repository, "job-07")
    event = ("push", {"before": before, "repository": {"default_branch": "main"}})
    workflow = _load(DEPLOY)

    install, deploy = _github_steps(workflow, repository, runner, ci_environment, event)

    assert install.returncode == 0, install.stderr
    assert deploy.returncode == 0, deploy.stderr
    assert submitted_names(emulator) == {"job-07": 1}
    assert f"Compared with {before}: the push's previous head" in deploy.stderr
    report = json.loads(_uploaded(workflow, runner).read_text())
    assert [job["name"] for job in report["jobs"]] == ["job-07"]
    summary = (runner / "step-summary.md").read_text()
    rows = [line for line in summary.splitlines() if line.startswith("| jobs/")]
    (job_id,) = [job.job_id for job in emulator.service.jobs()]
    (row,) = rows
    assert re.fullmatch(
        rf"\| jobs/job-07\.yaml \(job-07\) \| {job_id} \| completed \| \d+\.\ds \| "
        r"s3://acme-reports/… \(1 file\) \|",
        row,
    ), row


def test_the_scheduled_workflow_exports_everything_once_a_day(
    repository, runner, ci_environment, emulator
):
    workflow = _load(SCHEDULED)
    event = ("schedule", {"repository": {"default_branch": "main"}})

    _, export = _github_steps(workflow, repository, runner, ci_environment, event)
    assert export.returncode == 0, export.stderr
    assert "Compared with nothing: every selected job (--all)." in export.stderr
    assert submitted_names(emulator) == dict.fromkeys((f"job-{n:02d}" for n in range(30)), 1)

    _, again = _github_steps(workflow, repository, runner, ci_environment, event)
    assert again.returncode == 0, again.stderr
    assert len(emulator.service.jobs()) == 30  # the same day's key: followed, not exported


def _gitlab_job(name: str) -> tuple[dict[str, str], str, list]:
    """A job of the GitLab recipe with its ``extends`` merged: variables, script, rules."""
    recipe = _load(GITLAB)
    job = recipe[name]
    base = recipe[job["extends"]]
    variables = {k: str(v) for k, v in {**base["variables"], **job.get("variables", {})}.items()}
    script = "\n".join([*base["before_script"], *job["script"]])
    return variables, script, job["rules"]


def test_the_gitlab_deploy_exports_the_one_definition_a_push_changed(
    repository, ci_environment, emulator
):
    variables, script, rules = _gitlab_job("deploy-snapshots")
    assert rules == [
        {"if": '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'}
    ]
    assert variables["GIT_DEPTH"] == "0"
    before = git("rev-parse", "HEAD").strip()
    _edit(repository, "job-21")
    environment = ci_environment | variables
    environment |= {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_BEFORE_SHA": before,
        "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main",
        "AWS_ID_TOKEN": "a-token-sts-would-take",
    }

    done = _run(script, repository, environment)

    assert done.returncode == 0, done.stderr
    assert submitted_names(emulator) == {"job-21": 1}
    report = json.loads((repository / "qslint-report.json").read_text())
    assert [job["name"] for job in report["jobs"]] == ["job-21"]


def test_the_gitlab_schedule_exports_everything(repository, ci_environment, emulator):
    variables, script, rules = _gitlab_job("scheduled-snapshots")
    assert rules == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    environment = ci_environment | variables
    environment |= {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "schedule",
        "CI_COMMIT_BEFORE_SHA": "0" * 40,
    }

    done = _run(script, repository, environment)

    assert done.returncode == 0, done.stderr
    assert len(submitted_names(emulator)) == 30


def _readme_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```yaml\n(.*?)^```$", readme, flags=re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("recipe", [DEPLOY, SCHEDULED, GITLAB], ids=lambda path: path.name)
def test_the_readme_quotes_each_recipe_byte_for_byte(recipe):
    assert recipe.read_text(encoding="utf-8") in _readme_blocks()
