"""A document against the request model: its schema errors, and the job the rules check.

A valid document is its :class:`~qslint.model.StartDashboardSnapshotJobRequest`, validated
once, as it always was. A document with schema errors is still a job in all its other parts,
and :func:`partial_job` builds those parts as validation would have, for the job rules:

- a mapping with an invalid value somewhere inside is an instance of its model holding its
  valid fields (each validated by the model, as whole validation would) and, for the
  mappings and lists of mappings below it that have errors of their own, partial instances;
- a field whose own value is invalid (a wrong type, a bad enum value, a broken constraint,
  an invalid item in a list of scalars) is left out: an optional one reads as absent, a
  required one raises :class:`~qslint.model.MissingPart` when read;
- an item of a list of mappings that is not a mapping is an empty instance in its place, so
  that every index stays the file's; the items of a list that is only too long are kept.

Only the bad field is left out, not the selection, file or group that holds it: a PDF
selection with a malformed `SheetId` is still checked for its `SelectionScope`. A rule that
reads a field a partial item lacks cannot check that item, and only that item:
:meth:`PartialJob.check_valid_parts` runs it again with the item left out of the iterations
rules use (``files()``, ``selections()``, ``parameters()``, ``buckets()``), keeping what every
run found.

pydantic checks a list's length before its items, so the items of a list that is too long
are validated one by one here: their problems are found in the same run as the length.

The module imports pydantic-core (:mod:`qslint.compiled_model`): the engine imports it with
the first document to check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from qslint.compiled_model import (
    CompiledModel,
    Request,
    ValidationError,
    empty,
    model_at,
    validate,
    validate_field,
)
from qslint.findings import JsonPath, MissingPart, closest
from qslint.loader.documents import LoadProblem
from qslint.model_parts import RequestParts
from qslint.rule import SchemaError

if TYPE_CHECKING:
    from qslint.loader import Document, SourceFile
    from qslint.model import (
        Parameter,
        S3BucketConfiguration,
        SnapshotFile,
        SnapshotFileSheetSelection,
        StartDashboardSnapshotJobRequest,
    )

ModelT = TypeVar("ModelT", bound=CompiledModel)
EntryT = TypeVar("EntryT", bound=tuple[Any, ...])  # (path, item) from a job's iterations
FoundT = TypeVar("FoundT")
_LEFT_OUT = object()  # what of an invalid field's value a partial instance keeps: nothing
# How often one rule is run again on one job, each time without one more item it could not
# read, before every partial item is left out at once: a file of a thousand broken items
# costs a dozen runs of a rule, not a thousand.
_RUNS_ITEM_BY_ITEM = 12


_FIELDS = Request.field_names
_REQUEST_FIELDS = frozenset(name.lower() for name in _FIELDS)


# A key longer than this is no misspelling of a field (the longest has 21 characters); a
# document is compared by this many keys at most, so that a hostile one stays cheap.
_LONGEST_MISSPELLING = 64
_KEYS_COMPARED = 256


class Unrelated(NamedTuple):
    """The documents of a file that are no job definition at all, and the problems they are."""

    indexes: frozenset[int]
    problems: list[LoadProblem]
    something_else: bool  # the whole file: read without a problem, and no document is a job


def names_a_request_field(keys: Iterable[object]) -> bool:
    """Whether a mapping's keys name one of the request's top-level fields, in any letter case
    or misspelt as closely as QS101 suggests a field for (`dashbordId`, `dashboard_id`)."""
    names = [str(key) for key in keys]
    if any(name.lower() in _REQUEST_FIELDS for name in names):
        return True
    near = (name for name in names[:_KEYS_COMPARED] if len(name) <= _LONGEST_MISSPELLING)
    return any(closest(name, _FIELDS) for name in near)


def unrelated_documents(source: SourceFile) -> Unrelated:
    """The documents of ``source`` that share no top-level field with the request.

    Such a document is something else (a compose file, a workflow, a manifest): one problem,
    not a missing field for each of the request's. A job with misspelt or camelCase names
    still shares them, and gets its suggestions. A file of such documents only is one
    problem, at its first; read whole, it is ``something_else``, which a walk, the
    pre-commit hook and the language server pass over (the one rule for such files).
    """
    documents = source.documents
    indexes = [
        index
        for index, document in enumerate(documents)
        if not names_a_request_field(document.data)
    ]
    reason = f"none of its top-level fields is one of the request's ({', '.join(_FIELDS)})"
    if indexes and len(indexes) == len(documents):
        whole = LoadProblem(f"not a snapshot job definition: {reason}", documents[0].start)
        return Unrelated(frozenset(indexes), [whole], something_else=not source.problems)
    message = f"this document is not a snapshot job definition: {reason}"
    problems = [LoadProblem(message, documents[index].start) for index in indexes]
    return Unrelated(frozenset(indexes), problems, something_else=False)


def validate_document(document: Document) -> StartDashboardSnapshotJobRequest | list[SchemaError]:
    """The document's job, or every schema error in it (those behind a list's length too)."""
    try:
        return validate(Request, document.data)
    except ValidationError as error:
        errors = schema_errors(error)
    pending = list(errors)
    while pending:
        found = _errors_in_items(pending.pop())
        errors += found
        pending += found
    return errors


def schema_errors(error: ValidationError, at: JsonPath = ()) -> list[SchemaError]:
    """pydantic's errors, reduced to what rules need, with paths from ``at`` on."""
    return [
        SchemaError(
            type=detail["type"],
            path=(*at, *detail["loc"]),
            input=detail.get("input"),
            context=detail.get("ctx", {}),
        )
        for detail in error.errors(include_url=False)
    ]


def _errors_in_items(error: SchemaError) -> list[SchemaError]:
    """The errors in the items of a list of mappings that is too long, item by item."""
    model = model_at(error.path)
    if error.type != "too_long" or model is None or not isinstance(error.input, list):
        return []
    found: list[SchemaError] = []
    for index, item in enumerate(error.input):
        try:
            validate(model, item)
        except ValidationError as item_error:
            found += schema_errors(item_error, (*error.path, index))
    return found


class PartialJob(Request):  # type: ignore[valid-type,misc]
    """The valid parts of a job that has schema errors (see the module docstring)."""

    __slots__ = ("_left_out", "_paths")
    _paths: dict[int, JsonPath]  # of each partial part
    _left_out: set[JsonPath]  # items a rule could not read

    def check_valid_parts(
        self, check: Callable[[PartialJob], Iterable[FoundT]], found: list[FoundT]
    ) -> None:
        """Adds to ``found`` what ``check`` finds in the valid parts of the job.

        Each time ``check`` reads a field that a partial item lacks, it is run again without
        that item; what every run found is kept, once. A field missing outside any item (the
        job's `DashboardId`) ends the check: the rule cannot check this job.
        """
        self._left_out = set()
        seen: dict[FoundT, None] = {}
        for run in range(_RUNS_ITEM_BY_ITEM + 1):
            if run == _RUNS_ITEM_BY_ITEM:
                self._left_out.update(filter(None, map(_item_of, self._paths.values())))
            found_now: list[FoundT] = []
            try:
                found_now.extend(check(self))
            except MissingPart as missing:
                unreadable = self._paths.get(id(missing.obj))
                more = unreadable is not None and self._leave_out(unreadable)
            else:
                more = False
            for item in found_now:
                if item not in seen:
                    seen[item] = None
                    found.append(item)
            if not more:
                return

    def _leave_out(self, path: JsonPath) -> bool:
        """Leaves out the nearest list item at or above ``path`` not yet left out, if any."""
        while (item := _item_of(path)) is not None:
            if item not in self._left_out:
                self._left_out.add(item)
                return True
            path = item[:-1]
        return False

    def files(self) -> Iterator[tuple[JsonPath, SnapshotFile]]:
        return self._kept(RequestParts.files(self))

    def selections(self) -> Iterator[tuple[JsonPath, SnapshotFile, SnapshotFileSheetSelection]]:
        return self._kept(RequestParts.selections(self))

    def parameters(self) -> Iterator[tuple[JsonPath, Parameter]]:
        return self._kept(RequestParts.parameters(self))

    def buckets(self) -> Iterator[tuple[JsonPath, S3BucketConfiguration]]:
        destination = self.SnapshotConfiguration.DestinationConfiguration
        at = ("SnapshotConfiguration", "DestinationConfiguration", "S3Destinations")
        for i, s3 in enumerate((destination and destination.S3Destinations) or ()):
            # Skipped before it is read: its BucketConfiguration may be what is missing.
            if (*at, i) not in self._left_out:
                yield (*at, i, "BucketConfiguration"), s3.BucketConfiguration

    def _kept(self, entries: Iterator[EntryT]) -> Iterator[EntryT]:
        """The ``(path, item, ...)`` entries in no item that is left out."""
        left_out = self._left_out
        if not left_out:
            return entries
        return (
            entry
            for entry in entries
            if not any(
                entry[0][:end] in left_out
                for end, part in enumerate(entry[0], 1)
                if isinstance(part, int)
            )
        )


def _item_of(path: JsonPath) -> JsonPath | None:
    """The path of the nearest list item at or above ``path``; ``None`` outside any list."""
    for end in range(len(path), 0, -1):
        if isinstance(path[end - 1], int):
            return path[:end]
    return None


def partial_job(data: Mapping[str, Any]) -> PartialJob:
    """The valid parts of the job ``data`` (a mapping with schema errors) as a model."""
    paths: dict[int, JsonPath] = {}
    job = _partial_instance(PartialJob, data, (), paths)
    job._paths = paths
    job._left_out = set()
    return job


def _partial_instance(
    model: type[ModelT], data: Mapping[str, Any], path: JsonPath, paths: dict[int, JsonPath]
) -> ModelT:
    instance = empty(model)  # optional fields at their defaults, required ones unset
    paths[id(instance)] = path
    for name in model.field_names:
        if name not in data:
            continue
        try:
            validate_field(instance, name, data[name])  # the model's own validation, in place
        except ValidationError as error:
            kept = _valid_parts(data[name], error, (*path, name), paths)
            if kept is not _LEFT_OUT:
                instance.__dict__[name] = kept
    return instance


def _valid_parts(
    value: Any, error: ValidationError, path: JsonPath, paths: dict[int, JsonPath]
) -> Any:
    """What of a field's invalid ``value`` is well formed, or ``_LEFT_OUT``."""
    model = model_at(path)
    if model is None:
        return _LEFT_OUT
    at_field = {
        detail["type"] for detail in error.errors(include_url=False) if len(detail["loc"]) == 1
    }
    if isinstance(value, dict) and not at_field:
        return _partial_instance(_part_class(model), value, path, paths)
    if isinstance(value, list) and at_field <= {"too_long"}:
        return [_item(model, item, (*path, index), paths) for index, item in enumerate(value)]
    return _LEFT_OUT


def _item(model: type[ModelT], item: Any, path: JsonPath, paths: dict[int, JsonPath]) -> ModelT:
    if isinstance(item, dict):
        try:
            return validate(model, item)
        except ValidationError:
            return _partial_instance(_part_class(model), item, path, paths)
    instance = empty(_part_class(model))
    paths[id(instance)] = path
    return instance


@functools.cache
def _part_class(model: type[ModelT]) -> type[ModelT]:
    """The class of ``model``'s partial parts: they hold the valid fields only, so they never
    compare equal to a whole part (of another class), which may hold what they left out."""
    namespace = {"__slots__": (), "__module__": __name__, "__qualname__": model.__name__}
    return type(model.__name__, (model,), namespace)
