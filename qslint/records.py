"""The base of the records a check makes and changes in place: files, documents, results.

They are plain classes, not dataclasses: Python compiles a dataclass's generated methods when
its module is imported, ~0.5 ms a class of a run's start-up.
"""

from __future__ import annotations

from typing import Any, TypeVar

_Record = TypeVar("_Record", bound="Record")


class Record:
    """A record whose attributes are its fields, set by its ``__init__``."""

    def replace(self: _Record, **changes: Any) -> _Record:
        """A copy with the fields named in ``changes`` changed, as ``dataclasses.replace``
        makes one: the other fields are the same objects."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({fields})"
