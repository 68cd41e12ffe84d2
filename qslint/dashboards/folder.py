"""Offline: the dashboards of a folder of ``describe-dashboard-definition`` outputs.

Every ``*.json``, ``*.yaml`` and ``*.yml`` below the folder is read, at any depth: each is
the output of ``aws quicksight describe-dashboard-definition`` (a top-level ``DashboardId``
and ``Definition``) or of ``aws quicksight describe-data-set`` (a top-level ``DataSet``,
which gives QS708 the row-level security tag keys it checks). ``qslint dashboards pull``
writes such a folder. A file that is neither is a one-line error naming it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from qslint.config import DEFINITION_SUFFIXES, LoadLimits
from qslint.dashboards import DashboardSourceError
from qslint.dashboards.index import (
    ANY_ACCOUNT,
    Dashboard,
    Dashboards,
    DefinitionError,
    dashboard_from_answer,
    tag_keys_from_answer,
    with_tag_keys,
)
from qslint.files import read_bytes
from qslint.sources import display_path


def _read(path: Path, limits: LoadLimits) -> bytes:
    raw, unreadable = read_bytes(os.fspath(path), limits.max_file_size)
    if raw is None:
        raise DashboardSourceError(f"{display_path(path)}: {unreadable}")
    return raw


def _parse(path: Path, raw: bytes, limits: LoadLimits) -> list[dict[str, Any]]:
    """The mappings a file holds, read as job definitions are: with the run's limits."""
    # The loader (and ruamel.yaml) is imported with the first definition read.
    from qslint.loader import load_source

    name = display_path(path)
    source = load_source(name, raw, limits)
    if source.problems:
        problem = source.problems[0]
        line, column = problem.mark
        raise DashboardSourceError(f"{name}:{line}:{column}: cannot parse: {problem.message}")
    return [document.data for document in source.documents]


def load_folder(folder: Path, limits: LoadLimits, *, named: str = "") -> Dashboards:
    """The dashboards defined under ``folder``, or :class:`DashboardSourceError`.

    Files are read within ``limits``, the run's, as job definitions are. ``named`` says
    where the folder was named (``FILE: `dashboards`: ``), for the error of a missing one.
    """
    if not folder.is_dir():
        where = display_path(folder)
        raise DashboardSourceError(f"{named or 'dashboards '}folder {where} does not exist")
    digest = hashlib.sha256()
    dashboards: dict[str, Path] = {}
    definitions: list[Dashboard] = []
    tag_keys: dict[str, frozenset[str]] = {}
    for path in sorted(
        p for p in folder.rglob("*") if p.suffix in DEFINITION_SUFFIXES and p.is_file()
    ):
        raw = _read(path, limits)
        digest.update(f"{path.relative_to(folder).as_posix()}\0{len(raw)}\0".encode() + raw)
        answers = _parse(path, raw, limits)
        try:
            if len(answers) != 1:
                raise DefinitionError(f"{len(answers)} YAML documents, not one")
            answer = answers[0]
            if "DataSet" in answer:
                data_set, keys = tag_keys_from_answer(answer)
                tag_keys[data_set] = keys
                continue
            dashboard = dashboard_from_answer(answer)
        except DefinitionError as error:
            raise DashboardSourceError(
                f"{display_path(path)}: not a describe-dashboard-definition or "
                f"describe-data-set output ({error})"
            ) from error
        other = dashboards.setdefault(dashboard.id, path)
        if other is not path:
            raise DashboardSourceError(
                f"{display_path(path)}: dashboard `{dashboard.id}` is also defined in "
                f"{display_path(other)}"
            )
        definitions.append(dashboard)
    return Dashboards(
        found={(ANY_ACCOUNT, d.id): d for d in with_tag_keys(definitions, tag_keys)},
        origin=f"{display_path(folder)}/",
        digest=digest.hexdigest(),
    )
