"""The GitHub Action: its structure, and its script steps run in a temporary repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from conftest import VALID_JOB
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
BASH = shutil.which("bash") or "bash"
INPUT = re.compile(r"^\$\{\{ inputs\.([\w-]+) \}\}$")


def _action() -> dict:
    return YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_is_a_composite_with_documented_inputs():
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "args", "sarif", "python-version"}
    assert all(spec["description"] for spec in action["inputs"].values())
    steps = action["runs"]["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses == ["actions/setup-python@v5", "github/codeql-action/upload-sarif@v3"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], "inputs reach scripts through env, never inline"
    (upload,) = [step for step in steps if step.get("uses", "").startswith("github/codeql")]
    assert upload["if"] == "inputs.sarif == 'true'"


def _run_steps(repository: Path, runner: Path, inputs: dict[str, str]) -> list:
    """Run the action's script steps as the runner would, in order; each step's result."""
    action = _action()
    given = {name: spec["default"] for name, spec in action["inputs"].items()} | inputs
    github_path = runner / "github_path"
    github_path.touch()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    environment |= {
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(runner),
        "GITHUB_PATH": str(github_path),
    }
    # The dependencies come from this test's environment, not from the network: the new
    # virtual environment sees this one's packages, and pip builds only qslint itself.
    environment["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    results = []
    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        condition = step.get("if")
        if condition is not None:
            name, expected = re.fullmatch(r"inputs\.([\w-]+) == '(\w+)'", condition).groups()
            if given[name] != expected:
                continue
        env = dict(environment)
        for key, value in step.get("env", {}).items():
            match = INPUT.match(value)
            env[key] = given[match[1]] if match else value
        added = github_path.read_text(encoding="utf-8").split()
        path = [*reversed(added), str(Path(sys.executable).parent), os.environ["PATH"]]
        env["PATH"] = os.pathsep.join(path)
        results.append(
            subprocess.run(
                [BASH, "-e", "-c", step["run"]],
                cwd=repository,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        )
    return results


def test_action_scripts_install_qslint_annotate_and_write_sarif(tmp_path):
    repository = tmp_path / "repository"
    (repository / "snapshots").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    (repository / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    broken = VALID_JOB.replace("FormatType: PDF", "FormatType: Pdf")
    (repository / "snapshots" / "weekly.yaml").write_text(broken, encoding="utf-8")
    runner = tmp_path / "runner"
    runner.mkdir()
    install, sarif, annotate = _run_steps(
        repository, runner, {"sarif": "true", "paths": "snapshots"}
    )
    assert install.returncode == 0, install.stderr
    assert (runner / "qslint" / "bin" / "qslint").is_file()
    assert sarif.returncode == 0, sarif.stderr
    assert '"ruleId": "QS104"' in (repository / "qslint.sarif").read_text(encoding="utf-8")
    assert annotate.returncode == 1
    assert annotate.stdout.startswith("::error file=")
    assert "title=QS104::" in annotate.stdout


def test_the_readme_snippet_pins_a_commit_of_this_repository_with_its_inputs():
    """``uses: qslint/qslint@REF`` as the README writes it: REF is a full commit SHA (there
    are no release tags yet) of this repository, whose action takes the inputs it passes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (snippet,) = [
        block.split("```", 1)[0]
        for block in readme.split("```yaml\n")[1:]
        if "uses: qslint/qslint@" in block.split("```", 1)[0]
    ]
    step = next(
        step
        for step in YAML(typ="safe").load(snippet)["jobs"]["qslint"]["steps"]
        if step["uses"].startswith("qslint/qslint@")
    )
    ref = step["uses"].split("@", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{40}", ref), ref
    pinned = subprocess.run(
        ["git", "show", f"{ref}:action.yml"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert pinned.returncode == 0, pinned.stderr
    inputs = YAML(typ="safe").load(pinned.stdout)["inputs"]
    assert set(step["with"]) <= set(inputs)
