"""QS901: qslint's own comments, checked once every other rule has run."""

from __future__ import annotations

from collections.abc import Iterator

from qslint.findings import Mark
from qslint.rule import (
    Fix,
    RuleContext,
    Severity,
    SuppressionUse,
    Violation,
    replace_text,
    suppressions_rule,
)


@suppressions_rule(
    "QS901", "A suppression comment suppresses nothing", severity=Severity.WARNING, fixable=True
)
def unused_suppression(use: SuppressionUse, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `# qslint: ignore[...]` comment that suppresses no finding on its line, or
    the codes of one that suppress none: the problem was fixed, the code is misspelt, or
    the comment sits on another line than the finding. A comment is not judged by a run
    where a rule it names could not run: one that was not selected, a cross-check without
    dashboards, QS301 without a region. Nor is a comment, even a bare `# qslint: ignore`,
    that covers a rule another run of the project judges otherwise: QS301 where the region
    is not the configuration's own (none is known, or it comes from `--region` or the
    machine's environment), a rule the configuration selects and the command line's
    `--select` or `--ignore` drops. A bare comment is judged without dashboards: a comment
    for a cross-check names its code.

    ## Why is this bad?
    A stale suppression hides the next problem of that kind on its line without anyone
    noticing, and tells readers about a problem that is no longer there.

    ## Example
    ```yaml
              BucketPrefix: sales/weekly   # qslint: ignore[QS305]
    ```

    ## Fix
    Remove the comment, or the codes in it that suppress nothing (`qslint check --fix`
    does).
    """
    for suppression in use.suppressions:
        suppressed = use.used.get(suppression.line, frozenset())
        where = Mark(suppression.line, suppression.column)
        if suppression.codes is None:
            if not suppressed and not use.idle:
                yield Violation(
                    "`# qslint: ignore` suppresses nothing on this line",
                    mark=where,
                    fix=Fix("remove the comment", (replace_text(*suppression.removal, ""),)),
                )
            continue
        unused = [
            prefix
            for prefix in suppression.codes
            if not any(code.startswith(prefix) for code in suppressed) and _judged(prefix, use)
        ]
        if not unused:
            continue
        names = ", ".join(f"`{code}`" for code in unused)
        kept = [code for code in suppression.codes if code not in unused]
        if kept and suppression.codes_span is not None:
            edit = replace_text(*suppression.codes_span, ", ".join(kept))
            fix = Fix(f"drop {names} from the comment", (edit,))
        else:
            fix = Fix("remove the comment", (replace_text(*suppression.removal, ""),))
        yield Violation(
            f"suppression of {names} suppresses nothing on this line", mark=where, fix=fix
        )


def _judged(prefix: str, use: SuppressionUse) -> bool:
    """Whether a rule of ``prefix`` could have reported here: a misspelt code always is; one
    whose rules are not selected, or lack the dashboards or the region they read, is not."""
    if not any(code.startswith(prefix) for code in use.known):
        return True
    if any(code.startswith(prefix) for code in use.idle):
        return False
    return any(code.startswith(prefix) for code in use.judged)
