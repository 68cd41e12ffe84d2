"""The bases of the records a check makes: files, documents, results, findings.

They are plain classes, not dataclasses: Python compiles a dataclass's generated methods when
its module is imported, ~0.5 ms a class of a run's start-up.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

_Record = TypeVar("_Record", bound="Record")
_Frozen = TypeVar("_Frozen", bound="FrozenRecord")


class Record:
    """A record changed in place, whose attributes are its fields, set by its ``__init__``."""

    def replace(self: _Record, **changes: Any) -> _Record:
        """A copy with the fields named in ``changes`` changed, as ``dataclasses.replace``
        makes one: the other fields are the same objects."""
        _check_names(self, changes, vars(self))
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def __repr__(self) -> str:
        return _repr(self, vars(self))


class FrozenRecord:
    """A record that cannot be changed, as a frozen dataclass: its fields, in order, are its
    ``__match_args__`` (and its ``__slots__``), which its ``__init__`` takes in that order
    and sets with ``_set``."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def _set(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"cannot assign to field {name!r}: a {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"cannot delete field {name!r}: a {type(self).__name__} is frozen")

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__match_args__}

    def replace(self: _Frozen, **changes: Any) -> _Frozen:
        """A copy with the fields named in ``changes`` changed, as ``dataclasses.replace``."""
        fields = self._fields()
        _check_names(self, changes, fields)
        return type(self)(**{**fields, **changes})

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        # Pickled (to and from worker processes) and copied through ``__init__``: pickle's
        # own way sets each slot with setattr, which a frozen record refuses.
        return (type(self), tuple(self._fields().values()))

    def __repr__(self) -> str:
        return _repr(self, self._fields())


def _check_names(record: object, changes: dict[str, Any], fields: dict[str, Any]) -> None:
    unknown = changes.keys() - fields.keys()
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {min(unknown)!r}")


def _repr(record: object, fields: dict[str, Any]) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in fields.items())
    return f"{type(record).__name__}({shown})"
