"""``qslint rules``, ``qslint rule CODE`` and ``qslint schema``: what the rules and the
request model document."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from qslint.cli.options import UsageError, debug_option
from qslint.rule import Rule, RuleLoadError, load_rules


def _load_rules() -> list[Rule]:
    try:
        return load_rules()
    except RuleLoadError as error:
        raise UsageError(str(error)) from error


@click.command("rules")
@click.option(
    "--output-format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="A line per rule, a JSON list, or the README's Markdown table.",
)
@debug_option
def list_rules(output_format: str) -> None:
    """List every rule: code, default severity, summary."""
    rules = _load_rules()
    if output_format == "json":
        import json

        entries = [
            {
                "code": r.code,
                "name": r.name,
                "severity": str(r.severity),
                "fixable": r.fixable,
                "summary": r.summary,
            }
            for r in rules
        ]
        click.echo(json.dumps(entries, indent=2))
    elif output_format == "markdown":
        click.echo(rules_markdown(rules), nl=False)
    else:
        for rule in rules:
            fixable = "  (fixable)" if rule.fixable else ""
            click.echo(f"{rule.code}  {rule.severity:<7}  {rule.summary}{fixable}")


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_markdown(rules: Sequence[Rule]) -> str:
    """The README's rule table."""
    lines = ["| Code | Severity | Fix | Summary |", "| --- | --- | --- | --- |"]
    # Each row is anchored by its code: a rule's help link (SARIF's helpUri) points there.
    lines += [
        f'| <a id="{r.code.lower()}"></a>{r.code} | {r.severity} | {"yes" if r.fixable else ""} '
        f"| {_escape_cell(r.summary)} |"
        for r in rules
    ]
    return "\n".join(lines) + "\n"


@click.command("rule")
@click.argument("code_or_name", metavar="CODE|NAME")
@debug_option
def show_rule(code_or_name: str) -> None:
    """Print the documentation of a rule, by code (QS201) or name (pdf-selects-all-visuals)."""
    wanted = code_or_name.strip()
    rules = _load_rules()
    for rule in rules:
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            click.echo(rule.documentation)
            return
    import difflib

    close = difflib.get_close_matches(wanted.lower(), [rule.name for rule in rules], n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(f"there is no rule {code_or_name!r}; {hint}`qslint rules` lists them")


@click.command("schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file (atomically) instead of standard output.",
)
@click.option(
    "--draft",
    type=click.Choice(["2020-12", "07"]),
    default="2020-12",
    show_default=True,
    help="The JSON Schema dialect.",
)
@debug_option
def schema(output: Path | None, draft: str) -> None:
    """Print a JSON Schema of a job definition file, for editors and check-jsonschema."""
    import json

    from qslint.files import write_atomically
    from qslint.schema import job_definition_schema

    text = json.dumps(job_definition_schema(draft), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomically(output, text)
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}") from error
