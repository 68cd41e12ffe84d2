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
import sys
from types import ModuleType
from typing import TYPE_CHECKING

from qslint.installed import PYDANTIC_CORE, pydantic_core_extension

_EXTENSION = f"{PYDANTIC_CORE}._pydantic_core"


def _extension() -> ModuleType:
    loaded = sys.modules.get(_EXTENSION)
    if loaded is not None:
        return loaded
    path = pydantic_core_extension()
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
    _core = _extension()
    SchemaValidator = _core.SchemaValidator
    ValidationError = _core.ValidationError
    PydanticCustomError = _core.PydanticCustomError
    VERSION = _core.__version__
