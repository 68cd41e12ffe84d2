"""Wires the check stages together: paths -> sources -> loader -> engine -> result."""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from qslint.cache import CACHE_FOLDER, ResultCache, run_digest
from qslint.cache_key import fingerprint
from qslint.checking import (
    Checked,
    FileToCheck,
    check_file,
    check_files,
    rows_as_rows,
    source_reader,
)
from qslint.config import Config, ConfigError
from qslint.engine import Checker, RuleSet, keyed_reads, related_jobs
from qslint.results import REPOSITORY, CheckResult, FileResult
from qslint.rows_templates import rows_named
from qslint.rule import Rule, load_rules
from qslint.selection import select_rules
from qslint.settings import Settings
from qslint.sources import Candidate, discover, each_once, rest_of_projects

if TYPE_CHECKING:
    from qslint.clock import Clock
    from qslint.dashboards.index import Dashboards


class RuleSets:
    """The rules of each configuration of a run, selected once per configuration.

    ``select_rules`` raises ``ConfigError`` for what a configuration names wrongly; the rules
    cross-check jobs with the dashboards of ``remote`` (fetched from QuickSight), else of the
    configuration's ``dashboards`` folder, if any.
    """

    def __init__(
        self,
        rules: Sequence[Rule] | None = None,
        *,
        remote: bool = False,
        dashboards: Dashboards | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.rules = list(load_rules() if rules is None else rules)
        self._remote = remote
        self._clock = clock  # what retries of remote calls wait on
        self._dashboards = dashboards  # given whole (tests, plugins): used as they are
        self._made: dict[int, RuleSet] = {}

    def check_config(self, config: Config) -> None:
        """Raise ``ConfigError`` for what ``config`` names wrongly, before any file is read."""
        self._select(config, None)

    def for_config(self, config: Config, files: Sequence[Candidate]) -> RuleSet:
        """The rules ``config`` selects, for ``files`` (whose dashboards ``--remote`` fetches)."""
        made = self._made.get(id(config))
        if made is None:
            made = self._made[id(config)] = self._select(config, files)
        return made

    def _select(self, config: Config, files: Sequence[Candidate] | None) -> RuleSet:
        """The rules of ``config``, cross-checking with the dashboards of ``files`` unless
        None; ``ConfigError`` for what it names wrongly, its region included."""
        if config.region_problem:
            raise ConfigError(config.region_problem)
        dashboards = None if files is None else self._known(config, files)
        return select_rules(self.rules, config, config.region, dashboards)

    def _known(self, config: Config, files: Sequence[Candidate]) -> Dashboards | None:
        if self._dashboards is not None:
            return self._dashboards
        if not self._remote and config.dashboards is None:
            return None
        # Cross-checking, and what it imports, only when asked for.
        from qslint.dashboards.source import load_dashboards

        remote = [file.path for file in files] if self._remote else None
        return load_dashboards(config, remote, self._clock)


def lint(
    paths: Sequence[Path],
    settings: Settings,
    rule_sets: RuleSets,
    *,
    force_exclude: bool = False,
    excerpts: bool = False,
    use_cache: bool = False,
    whole_jobs: bool = True,
    workers: int | None = None,
    overlay: Mapping[str, bytes] | None = None,
    whole_projects: bool = True,
    compared: Sequence[FileResult] | None = None,
    keep_compared: bool = False,
    rows_as_templates: bool = False,
) -> CheckResult:
    """Check every selected file under ``paths``, each with the rules of its configuration.

    The repository rules compare these files with every definition of their projects (the
    files a walk from each configuration's folder selects for that configuration): a file named
    alone, as the pre-commit hook names the staged ones, is still compared with the others.
    Without ``whole_projects`` they compare the files of ``paths`` only (for folders of cases
    that are each a project of their own, such as test fixtures).

    With ``rows_as_templates`` (``qslint check``, the hook), a rows file among ``paths`` is
    checked as the templates that read it (see :mod:`qslint.rows_templates`).

    ``overlay`` holds the bytes of files as an editor or standard input has them, by
    absolute path: they are checked instead of what is on disk (if anything), and their
    results never enter the cache.

    A caller that keeps the project between runs (the language server, between two edits)
    asks a run for it with ``keep_compared``: the result's ``compared`` holds every file of
    the run and of the rest of its projects, with its jobs, as compared with. Given back as
    ``compared``, the projects are not walked: the repository rules compare the run's files
    with those results (less the run's own files), and their findings are not cached.

    With ``excerpts``, each finding in a document carries its source line for display. With
    ``use_cache``, files whose bytes have not changed since a run with the same settings are
    not checked again (see :mod:`qslint.cache`). With ``use_cache`` or without ``whole_jobs``
    (a caller that wants findings, not jobs), the result's jobs hold only what the repository
    rules read, when they all declare it. Files are checked in ``workers`` processes
    (default: one per available core when there are many files); the result is the same,
    in the same order, as a serial run.
    """
    overlay = overlay or {}
    templates: list[Path] = []
    if rows_as_templates:
        paths, templates = rows_named(paths, settings, overlay)
    discovered = discover(paths, settings, force_exclude=force_exclude, in_memory=overlay)
    found = discovered.candidates
    if templates:
        found += discover(templates, settings, force_exclude=True, in_memory=overlay).candidates
    # A file named twice (a link to it, a second path) is checked once, by a name that is no
    # link where it has one: otherwise it is its own duplicate (QS601) and its fixes are
    # applied twice.
    candidates = each_once(found)
    groups: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(id(candidate.config), []).append(candidate)
    slim = use_cache or not whole_jobs
    runs = [_Group.of(files, rule_sets, excerpts, use_cache, slim) for files in groups.values()]
    walk = whole_projects and compared is None
    others = rest_of_projects(paths, candidates, settings, overlay) if walk else []
    own = {candidate.shown for candidate in candidates}
    kept = [file for file in compared or () if file.path not in own]
    result = _check(runs, candidates, others, workers, overlay, kept, keep_compared=keep_compared)
    result.skipped = discovered.skipped
    ran = {rule.code: rule for group in runs for rule in group.rules.rules}
    result.rules = [ran[code] for code in sorted(ran)]
    return result


class _Group(NamedTuple):
    """The files of one configuration, the checker of its rules and its cache."""

    config: Config
    rules: RuleSet
    checker: Checker
    cache: ResultCache | None

    @classmethod
    def of(
        cls,
        files: Sequence[Candidate],
        rule_sets: RuleSets,
        excerpts: bool,
        use_cache: bool,
        slim: bool,
    ) -> _Group:
        """With ``slim``, jobs hold only what the repository rules read (all a cache keeps)."""
        config = files[0].config
        rules = rule_sets.for_config(config, files)
        checker = Checker(rules, config, excerpts=excerpts, indexed=slim)
        cache = None
        if use_cache:
            key = fingerprint(config, rules, excerpts=excerpts)
            folder = config.root / CACHE_FOLDER
            cache = ResultCache(folder, key, reads=checker.reads, region=config.region)
        return cls(config, rules, checker, cache)


def _check(
    groups: Sequence[_Group],
    candidates: Sequence[Candidate],
    others: Sequence[Candidate],
    workers: int | None,
    overlay: Mapping[str, bytes],
    compared: Sequence[FileResult] = (),
    *,
    keep_compared: bool = False,
) -> CheckResult:
    """The run's result: cached results where they hold, checked ones elsewhere.

    A file whose status is what its cache knows is not read; one whose bytes are is not
    parsed. The repository rules of each configuration see every job of the run, of
    ``others`` (the rest of the projects, checked or served from the cache only for their
    jobs) and of ``compared``, and report on the jobs of that configuration's files in the run.
    """
    index_of = {id(group.config): index for index, group in enumerate(groups)}
    checkers = [group.checker for group in groups]
    everything = [*candidates, *others]
    numbers = [index_of[id(candidate.config)] for candidate in everything]  # each one's group
    keyed = None if keep_compared or compared else keyed_reads([g.rules for g in groups])
    results, run, pending = _known(groups, everything, numbers, len(candidates), overlay, keyed)
    checked = check_files(checkers, [file for _, file, _ in pending], workers)
    fresh = _take_checked(pending, checked, checkers, everything, results, run)
    rows = rows_as_rows(results)
    del pending, checked  # held through the repository rules, where a large run peaks

    def with_jobs() -> list[FileResult]:
        if keyed is not None:
            return _related(groups, everything, numbers, results, fresh, len(candidates), keyed)
        return _every(groups, everything, numbers, results, fresh, len(candidates))

    every = with_jobs() if keep_compared else None  # else made when needed
    repository = FileResult(path=REPOSITORY)
    # A fan-out's jobs come from its rows file too, which the run's digest does not cover.
    fan_out = any(file is not None and file.rows_files for file in results)
    reusable = not compared and not fan_out and any(group.cache for group in groups)
    key = run_digest(run) if reusable else ""
    for group in groups:
        # Findings are reused only when every file of the run is the same as in the run
        # that computed them.
        found = group.cache.get_repository(key) if group.cache and key else None
        if found is None:
            every = with_jobs() if every is None else every
            own = {
                file.path
                for file, candidate in zip(every, candidates, strict=False)
                if candidate.config is group.config
            }
            reader = functools.cache(source_reader(group.checker.limits, overlay))
            found = group.checker.check_repository([*every, *compared], own, reader)
            if group.cache and key:
                group.cache.put_repository(key, found)
        repository.findings += found.findings
        repository.internal_errors += found.internal_errors
        repository.suppressed |= found.suppressed
        if group.cache:
            group.cache.save()
    # Whether a comment suppressed anything is known once every rule has run.
    used = repository.suppressed.union(*(file.suppressed for file in results if file))
    files = [  # the run's own files; the others were compared with, never reported
        checkers[number].check_suppressions(file, used)
        for number, file in zip(numbers, results[: len(candidates)], strict=False)
        if file is not None  # never: an own file was checked or cached
    ]
    result = _finished(files, candidates, repository)
    result.without_region = _without_region(groups, numbers, files, rows)
    result.digests = {shown: digest for shown, digest, own in run if own and digest}
    result.compared = _all_compared(every, len(candidates)) if keep_compared else []
    return result


def _without_region(
    groups: Sequence[_Group],
    numbers: Sequence[int],
    files: Sequence[FileResult],
    rows: Collection[int],
) -> list[str]:
    """The selected rules that need a region and did not run on a definition of the run (of
    ``files``, each of the group of its number, less the ``rows`` files) whose configuration
    knows none, and that does not ignore them: silent, they would seem to have passed."""
    idle: set[str] = set()
    for index, (number, file) in enumerate(zip(numbers, files, strict=False)):
        group = groups[number]
        if group.config.region is None and index not in rows and not file.something_else:
            idle.update(
                rule.code
                for rule in group.rules.rules
                if rule.regional and not rule.code.startswith(file.ignored)
            )
    return sorted(idle)


_Pending = tuple[int, FileToCheck, ResultCache | None]  # a file to check, and its cache


def _known(
    groups: Sequence[_Group],
    everything: Sequence[Candidate],
    numbers: Sequence[int],
    checked: int,
    overlay: Mapping[str, bytes],
    keyed: Sequence[str] | None,
) -> tuple[list[FileResult | None], list[tuple[str, bytes, bool]], list[_Pending]]:
    """What the caches know of ``everything`` (the first ``checked`` are the run's own, the
    rest compared only): each file's result, each one's path, digest and whether the run
    checks it, and the files still to read (their digests are empty until then).

    When the repository rules are ``keyed`` (see :func:`qslint.engine.keyed_reads`), an
    unchanged file the run only compares with is its digest alone, and None for a result:
    the few jobs related to the run's own come later, straight from the index.
    """
    results: list[FileResult | None] = []
    run: list[tuple[str, bytes, bool]] = []
    pending: list[_Pending] = []
    served = (
        _served_by_index(groups, everything, numbers, checked, overlay)
        if keyed is not None
        else [None] * len(everything)
    )
    for candidate, number, indexed in zip(everything, numbers, served, strict=True):
        if indexed is not None:  # most of a project, in a one-file run: kept short
            results.append(None)
            run.append((candidate.shown, indexed, False))
            continue
        held = overlay.get(os.path.abspath(candidate.path)) if overlay else None  # noqa: PTH100
        cache = groups[number].cache if held is None else None
        own = len(run) < checked
        known = cache.unchanged(candidate.shown, candidate.status) if cache else None
        digest, result = known or (b"", None)
        if result is None:
            file = _to_check(candidate, number, held, overlay)
            known_digest = cache.digest(candidate.shown) if cache else b""
            pending.append((len(results), file._replace(known=known_digest), cache))
        results.append(result)
        run.append((candidate.shown, digest, own))
    return results, run, pending


def _served_by_index(
    groups: Sequence[_Group],
    everything: Sequence[Candidate],
    numbers: Sequence[int],
    checked: int,
    overlay: Mapping[str, bytes],
) -> list[bytes | None]:
    """For each of ``everything``, the digest its group's index serves it by, else None:
    a file the run compares with (past the first ``checked``), unchanged, not in ``overlay``."""
    served: list[bytes | None] = [None] * len(everything)
    picked_by_group: dict[int, list[int]] = {}
    for index in range(checked, len(everything)):
        picked_by_group.setdefault(numbers[index], []).append(index)
    for number, picked in picked_by_group.items():
        cache = groups[number].cache
        files = [everything[i] for i in picked]
        # A file an editor holds has no status on disk: never served.
        held = [bool(overlay) and os.path.abspath(f.path) in overlay for f in files]  # noqa: PTH100
        statuses = [None if on_hold else f.status for f, on_hold in zip(files, held, strict=True)]
        digests = cache.indexed([f.shown for f in files], statuses) if cache else ()
        for index, digest in zip(picked, digests, strict=False):
            served[index] = digest
    return served


def _take_checked(
    pending: Sequence[_Pending],
    checked: Sequence[Checked],
    checkers: Sequence[Checker],
    everything: Sequence[Candidate],
    results: list[FileResult | None],
    run: list[tuple[str, bytes, bool]],
) -> set[int]:
    """Put what was checked in ``results`` and its digest in ``run``, and in the caches;
    the indexes of the files checked (not found unchanged in a cache)."""
    fresh = set()
    for (index, file, cache), (digest, checked_result) in zip(pending, checked, strict=True):
        shown, _, own = run[index]
        run[index] = (shown, digest, own)
        status = everything[index].status
        if checked_result is None and cache:  # the bytes the cache knows: its status is kept
            results[index] = cache.get(shown, digest, status)
        if results[index] is None:  # checked, or a cache entry in doubt: checked here
            result = (
                checked_result
                or check_file(checkers[file.checker], file._replace(known=b"")).result
            )
            assert result is not None, "a file known to no cache is checked"
            results[index] = result
            fresh.add(index)
            if cache and digest and not result.rows_files:
                cache.put(digest, status, result)
    return fresh


def _finished(
    files: Sequence[FileResult], candidates: Sequence[Candidate], repository: FileResult
) -> CheckResult:
    """The run's result: a file that is clearly something else is reported only where it
    was named on purpose."""
    passed_over = [
        file.something_else and not candidate.named
        for file, candidate in zip(files, candidates, strict=True)
    ]
    result = Checker.finish(
        [file for file, other in zip(files, passed_over, strict=True) if not other], repository
    )
    result.other_files = [
        file.path for file, other in zip(files, passed_over, strict=True) if other
    ]
    return result


def _all_compared(every: Sequence[FileResult] | None, checked: int) -> list[FileResult]:
    """``every`` as a later run compares with it: the run's own files (the first
    ``checked``) compared only too."""
    if every is None:
        return []
    return [*map(_compared_only, every[:checked]), *every[checked:]]


def _every(
    groups: Sequence[_Group],
    everything: Sequence[Candidate],
    numbers: Sequence[int],
    files: Sequence[FileResult | None],
    fresh: Collection[int],
    checked: int,
) -> list[FileResult]:
    """Every file of a run with its jobs (``fresh`` ones have theirs): the first ``checked``
    are the run's own, the rest compared only; a file with no result (one a project index
    serves, see :func:`_related`) is left out."""
    every = [
        file
        if index in fresh
        else _with_jobs(groups[numbers[index]], everything[index], numbers[index], file)
        for index, file in enumerate(files)
        if file is not None
    ]
    every[checked:] = map(_compared_only, every[checked:])
    return every


def _related(
    groups: Sequence[_Group],
    everything: Sequence[Candidate],
    numbers: Sequence[int],
    results: Sequence[FileResult | None],
    fresh: Collection[int],
    checked: int,
    reads: Sequence[str],
) -> list[FileResult]:
    """What keyed repository rules compare: as :func:`_every` makes them, the run's own
    files (the first ``checked``) and the others it read; of the unchanged others (None in
    ``results``), only the jobs related to the run's own, from each group's index."""
    every = _every(groups, everything, numbers, results, fresh, checked)
    indexed: dict[int, set[str]] = {}  # by group, the files its index serves
    for index, file in enumerate(results):
        if file is None:
            indexed.setdefault(numbers[index], set()).add(everything[index].shown)
    if not indexed:  # nothing served from an index: no keys to compare with
        return every
    own = [
        [job.values.get(name) for name in reads] for file in every[:checked] for job in file.jobs
    ]
    related = related_jobs([group.rules for group in groups], reads, own)
    for number, paths in indexed.items():
        cache = groups[number].cache
        assert cache is not None, "only a cache serves a file from its index"
        every += [
            FileResult(path, jobs=jobs) for path, jobs in cache.related(paths, related, own).items()
        ]
    return every


def _compared_only(result: FileResult) -> FileResult:
    """A file of the project that the run does not check: its jobs, for comparison."""
    return result.replace(jobs=[job._replace(checked=False) for job in result.jobs])


def _to_check(
    candidate: Candidate,
    checker: int,
    held: bytes | None = None,
    overlay: Mapping[str, bytes] | None = None,
) -> FileToCheck:
    """The file to check: ``held`` (an editor's or standard input's bytes), else the disk's."""
    path, relative = candidate.shown, candidate.relative
    return FileToCheck(path, relative, candidate.path, checker, held, overlay=overlay or {})


def _with_jobs(group: _Group, candidate: Candidate, number: int, result: FileResult) -> FileResult:
    """A cached result with its jobs, from the cache or, if it lost them, from the file
    (``number`` is the group's, for the task)."""
    cache, checker = group.cache, group.checker
    jobs = cache.jobs(result.path) if cache else None
    if jobs is None:
        checked = check_file(checker, _to_check(candidate, number)).result
        assert checked is not None, "a file known to no cache is checked"
        return checked
    return result.replace(jobs=jobs)
