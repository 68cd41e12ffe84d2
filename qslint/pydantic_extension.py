"""pydantic-core's compiled extension, loaded without the package's Python modules.

``import pydantic_core`` also imports ``pydantic_core.core_schema``: hundreds of TypedDicts
for building schemas, whose string annotations typing compiles one by one (~85M
instructions, a sixth of a one-file check). A check builds no schema (compiled_model.json
holds them), so it loads the extension alone, under the name the package gives it: the
package, imported later (pydantic-core imports it itself to describe a validation error),
finds it there. Where the extension is not a file beside the package's ``__init__`` (another
layout, a zipped install), the package is imported as usual.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING

__all__ = ["VERSION", "PydanticCustomError", "SchemaValidator", "ValidationError", "extension_file"]

_PACKAGE = "pydantic_core"
_EXTENSION = f"{_PACKAGE}._pydantic_core"


def extension_file() -> str | None:
    """The file of pydantic-core's extension beside the package's ``__init__``, found (the
    package is not imported); None in another layout."""
    package = importlib.util.find_spec(_PACKAGE)
    for folder in (package and package.submodule_search_locations) or ():
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, f"_pydantic_core{suffix}")  # noqa: PTH118
            if os.path.isfile(path):  # noqa: PTH113
                return path
    return None


def _extension() -> ModuleType:
    loaded = sys.modules.get(_EXTENSION)
    if loaded is not None:
        return loaded
    path = extension_file()
    if path is not None:
        loader = importlib.machinery.ExtensionFileLoader(_EXTENSION, path)
        spec = importlib.util.spec_from_file_location(_EXTENSION, path, loader=loader)
        if spec is not None:
            sys.modules[_EXTENSION] = module = importlib.util.module_from_spec(spec)
            try:
                loader.exec_module(module)
            except ImportError:
                del sys.modules[_EXTENSION]
            else:
                return module
    return importlib.import_module(_EXTENSION)


if TYPE_CHECKING:
    from pydantic_core import PydanticCustomError, SchemaValidator, ValidationError

    VERSION: str
else:

    def __getattr__(name: str) -> object:
        # The extension is loaded when one of its names is first asked for (the import
        # system asks for others, such as `__path__`): the cache's key finds its file
        # (extension_file) without loading it.
        if name not in _LOADED_NAMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        core = _extension()
        globals().update(
            SchemaValidator=core.SchemaValidator,
            ValidationError=core.ValidationError,
            PydanticCustomError=core.PydanticCustomError,
            VERSION=core.__version__,
        )
        return globals()[name]


_LOADED_NAMES = frozenset({"SchemaValidator", "ValidationError", "PydanticCustomError", "VERSION"})
