"""Which rules a configuration runs, with what severity and options; or a
:class:`~qslint.config.ConfigError` naming what it gets wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qslint.config import Config, ConfigError
from qslint.engine import RuleSet, SelectedRule, code_prefix
from qslint.rule import CurrentDocument, Rule, RuleContext, Scope, fields_read

if TYPE_CHECKING:
    from qslint.dashboards.index import Dashboards


def is_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff's resolution: the longest matching selector wins; on a tie, ``ignore`` does."""
    select = [code_prefix(s) for s in select] or [""]
    selectors = [(len(prefix), True) for prefix in select if code.startswith(prefix)]
    selectors += [(len(p), False) for p in map(code_prefix, ignore) if code.startswith(p)]
    if not selectors:
        return False
    longest = max(length for length, _ in selectors)
    return all(on for length, on in selectors if length == longest)


def select_rules(
    rules: Sequence[Rule],
    config: Config,
    region: str | None,
    dashboards: Dashboards | None = None,
) -> RuleSet:
    """The configured rules, or a :class:`ConfigError` naming what does not exist.

    ``dashboards`` are those the jobs are cross-checked with (QS7xx), if any.
    """
    codes = {rule.code for rule in rules}
    _check_selectors(codes, config)
    current = CurrentDocument()
    by_scope: dict[Scope, list[SelectedRule]] = {}
    for rule in rules:
        if not is_selected(rule.code, config.select, config.ignore):
            continue
        options = _rule_options(rule, config.options.get(rule.code, {}), config)
        selected = SelectedRule(
            rule=rule,
            severity=config.severity.get(rule.code, rule.severity),
            context=RuleContext(region, options, dashboards, current=current),
        )
        by_scope.setdefault(rule.scope, []).append(selected)
    groups = {scope: tuple(group) for scope, group in by_scope.items()}
    # Of the rules the configuration selects, those another run of the project judges
    # otherwise, so that a suppression that covers one is not judged (rule.SuppressionUse.idle):
    # those this command line drops, and the regional ones when the region is not the
    # configuration's own.
    own = config.own_selection or (config.select, config.ignore)
    judged_alike = {s.rule.code for group in groups.values() for s in group}
    if config.region_from_outside:
        judged_alike -= {rule.code for rule in rules if rule.regional}
    idle = {code for code in codes if is_selected(code, *own)} - judged_alike
    return RuleSet(groups, current, frozenset(codes), fields_read(rules), frozenset(idle))


def _where(config: Config, key: str) -> str:
    """How an error names the configuration file and key it is about."""
    return f"{config.file}: `{key}`" if config.file else f"`{key}`"


def _check_selectors(codes: set[str], config: Config) -> None:
    named = [
        *(("select", s) for s in config.select),
        *(("ignore", s) for s in config.ignore),
        *(
            (f'per-file-ignores."{pattern}"', s)
            for pattern, selectors in config.per_file_ignores.items()
            for s in selectors
        ),
    ]
    for key, selector in named:
        if selector != "ALL" and not any(code.startswith(selector) for code in codes):
            raise ConfigError(f"{_where(config, key)}: {selector!r} matches no rule")
    for key, table in (("severity", config.severity), ("options", config.options)):
        for code in table:
            if code not in codes:
                raise ConfigError(f"{_where(config, f'{key}.{code}')}: there is no rule {code}")


def _rule_options(rule: Rule, given: Mapping[str, Any], config: Config) -> dict[str, Any]:
    declared = {option.name: option for option in rule.options}
    for name, value in given.items():
        option = declared.get(name)
        where = _where(config, f"options.{rule.code}.{name}")
        if option is None:
            known = ", ".join(declared) or "none"
            raise ConfigError(f"{where}: {rule.code} has no such option (its options: {known})")
        if type(value) is not type(option.default):
            kind = type(option.default).__name__
            raise ConfigError(f"{where} must be of type {kind}")
        if isinstance(value, int) and not isinstance(value, bool) and value < option.minimum:
            raise ConfigError(f"{where} must be at least {option.minimum} (not {value})")
    return {option.name: given.get(option.name, option.default) for option in rule.options}
