"""Every option says what it does, and the README's Usage block names exactly the options of
each command, as ``--help`` does."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from qslint.cli import cli
from qslint.cli.options import DEBUG_OPTION_HELP

ROOT = Path(__file__).resolve().parents[1]
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def commands() -> dict[str, click.Command]:
    """Every command by its full name (``dashboards pull``), lazy ones included."""
    found: dict[str, click.Command] = {}
    context = click.Context(cli)

    def visit(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                visit(command, f"{prefix}{name} ")
            else:
                found[f"{prefix}{name}"] = command

    visit(cli, "")
    return found


COMMANDS = commands()


def long_options(command: click.Command) -> set[str]:
    names = {
        name
        for parameter in command.params
        if isinstance(parameter, click.Option)
        for name in (*parameter.opts, *parameter.secondary_opts)
    }
    return {name for name in names if name.startswith("--")}


def readme_usage() -> dict[str, set[str]]:
    """The options the README's Usage block names, by command: a line ``qslint NAME …``
    starts a command's part, and the indented lines below it continue it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Usage\n", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    usage: dict[str, set[str]] = {}
    current: set[str] = set()
    for line in block.splitlines():
        options = line
        if line.startswith("qslint "):
            words = line.split()[1:]
            name = next(" ".join(words[:n]) for n in (2, 1) if " ".join(words[:n]) in COMMANDS)
            current = usage.setdefault(name, set())
            options = line.removeprefix(f"qslint {name}")
        current.update(OPTION.findall(options))
    return usage


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help_text(name):
    bare = [
        parameter.opts[0]
        for parameter in COMMANDS[name].params
        if isinstance(parameter, click.Option) and not parameter.help
    ]
    assert bare == []


def test_the_readme_shows_every_command():
    assert sorted(readme_usage()) == sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_readme_names_the_options_help_does(name):
    written = readme_usage().get(name, set())
    actual = long_options(COMMANDS[name]) - {"--help", "--debug"}  # every command's
    assert (sorted(written - actual), sorted(actual - written)) == ([], []), (
        "README Usage block: (options it names that the command lacks, options it leaves out)"
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_debug(name):
    (debug,) = [p for p in COMMANDS[name].params if "--debug" in getattr(p, "opts", ())]
    assert debug.help == DEBUG_OPTION_HELP


def test_the_readme_says_every_command_takes_debug():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = readme.split("## Usage\n", 1)[1].split("\n## ", 1)[0]
    assert "Every command takes `--help`, and `--debug`:" in usage
