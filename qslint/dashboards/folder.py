"""Offline: the dashboards of a folder of ``describe-dashboard-definition`` outputs.

Every ``*.json``, ``*.yaml`` and ``*.yml`` below the folder is read, at any depth: each is
the output of ``aws quicksight describe-dashboard-definition`` (a top-level ``DashboardId``
and ``Definition``) or of ``aws quicksight describe-data-set`` (a top-level ``DataSet``,
which gives QS708 the row-level security tag keys it checks). ``qslint dashboards pull``
writes such a folder. A file that is neither is a one-line error naming it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from qslint.config import DEFINITION_SUFFIXES
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
from qslint.sources import display_path


def _parse(path: Path, raw: bytes) -> Any:
    try:
        if path.suffix == ".json":
            return json.loads(raw)
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            return YAML(typ="safe").load(raw)
        except YAMLError as error:
            raise ValueError(str(error).splitlines()[0]) from error
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise DashboardSourceError(f"{display_path(path)}: cannot parse: {error}") from error


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise DashboardSourceError(f"{display_path(path)}: {error.strerror}") from error


def load_folder(folder: Path) -> Dashboards:
    """The dashboards defined under ``folder``, or :class:`DashboardSourceError`."""
    if not folder.is_dir():
        raise DashboardSourceError(f"dashboards folder {display_path(folder)} does not exist")
    digest = hashlib.sha256()
    dashboards: dict[str, Path] = {}
    definitions: list[Dashboard] = []
    tag_keys: dict[str, frozenset[str]] = {}
    for path in sorted(
        p for p in folder.rglob("*") if p.suffix in DEFINITION_SUFFIXES and p.is_file()
    ):
        raw = _read(path)
        digest.update(f"{path.relative_to(folder).as_posix()}\0{len(raw)}\0".encode() + raw)
        answer = _parse(path, raw)
        try:
            if not isinstance(answer, dict):
                raise DefinitionError("not a mapping")
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
