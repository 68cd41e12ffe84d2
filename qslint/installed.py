"""Where installed libraries keep the files qslint loads or reads, found as the import system
would find them, without importing them: a run served from the cache imports none."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

PYDANTIC_CORE = "pydantic_core"


def module_file(name: str) -> str | None:
    """The file the module ``name`` is (or would be) loaded from; finding a submodule imports
    its package (``ruamel``, a namespace: nothing to run)."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return getattr(loaded, "__file__", None)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None and spec.has_location else None


def pydantic_core_extension() -> str | None:
    """The file of pydantic-core's extension beside the package's ``__init__`` (the package
    is not imported); None in another layout."""
    package = importlib.util.find_spec(PYDANTIC_CORE)
    for folder in (package and package.submodule_search_locations) or ():
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, f"_pydantic_core{suffix}")  # noqa: PTH118
            if os.path.isfile(path):  # noqa: PTH113
                return path
    return None


def botocore_regions() -> Path | None:
    """botocore's endpoint data (botocore is not imported); None without botocore."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"
