"""Wires the check stages together: paths -> sources -> loader -> engine -> result."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from qslint.config import Config, load_config
from qslint.engine import Checker, CheckResult, RuleSet, select_rules
from qslint.loader import LoadProblem, Mark, Sensitivity, SourceFile, load_source
from qslint.model import is_sensitive, sensitive_field_names
from qslint.rule import load_rules
from qslint.sources import FileSelector, discover, display_path

SENSITIVE_VALUES = Sensitivity(sensitive_field_names(), is_sensitive)


def configure(
    cwd: Path,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    region: str | None = None,
) -> tuple[Config, RuleSet]:
    """The configuration in force in ``cwd`` with command-line overrides, and its rules.

    ``select`` replaces the configured selection, ``ignore`` adds to it; the region is the
    given one, else the configured one, else ``AWS_REGION`` or ``AWS_DEFAULT_REGION``.
    Raises ``ConfigError`` and ``RuleLoadError``.
    """
    config = load_config(cwd)
    config = config.with_overrides(
        select=tuple(select) if select is not None else None,
        ignore=config.ignore + tuple(ignore),
    )
    region = (
        region
        or config.region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or None
    )
    return config, select_rules(load_rules(), config, region)


def read_source(path: Path) -> SourceFile:
    """A file's parsed content; a file that cannot be read is a load problem, not a crash."""
    name = display_path(path)
    try:
        if not path.is_file():  # a fifo or device would block, a broken link has nothing
            raise OSError(0, "not a regular file")
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        problem = LoadProblem(f"cannot read file: {reason}", Mark(1, 1))
        return SourceFile(path=name, text="", problems=[problem])
    return load_source(name, raw, sensitivity=SENSITIVE_VALUES)


def lint(
    paths: Sequence[Path],
    config: Config,
    rules: RuleSet,
    *,
    force_exclude: bool = False,
    excerpts: bool = False,
) -> CheckResult:
    """Check every selected file under ``paths`` with ``rules``.

    With ``excerpts``, each finding in a document carries its source line for display.
    """
    selector = FileSelector.from_config(config)
    checker = Checker(rules, config, excerpts=excerpts)
    for path in discover(paths, selector, force_exclude=force_exclude):
        checker.check_source(read_source(path), selector.relative(path))
    return checker.finish()
