"""Whether a workbook still holds the sample rows `salesplan init` wrote, and the notice that says so.

init's sample rows validate like real data, so without a mark a newcomer's dashboards and reports would
present three invented invoice lines as the company's sales. The sample reps' names are the mark:
`validate` warns and every report page and dashboard shows the notice until no sample rep is left in the
sales data. Reads the cube only; never writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from salesplan_widgets.errors import Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.workbook import Workbook

# Sample rows show the file's shape. Their reps are named as samples, in both languages, so that validate,
# every report page and every dashboard can say "sample data" until the analyst's own history replaces them.
SAMPLE_REPS = {
    "en": ("Sample rep 1", "Sample rep 2"),
    "zh_CN": ("示例代表1", "示例代表2"),
}
_SAMPLE_ACCOUNTS = {"en": ("Sample customer 1", "Sample customer 2"), "zh_CN": ("示例客户1", "示例客户2")}


def sample_rows(locale: str) -> tuple[tuple[str, ...], ...]:
    """init's three sample invoice lines (a sale, its partial return, another sale), in `locale`."""
    (rep1, rep2), (account1, account2) = SAMPLE_REPS[locale], _SAMPLE_ACCOUNTS[locale]
    return (
        ("2026-01-05", "12800.00", rep1, "East", "East", "A", "offline", "Industrial", account1, "4"),
        ("2026-01-07", "-1500.00", rep1, "East", "East", "A", "offline", "Industrial", account1, "-1"),
        ("2026-01-09", "3200.00", rep2, "North", "North", "B", "online", "Consumer", account2, "8"),
    )


def sample_reps_in(reps: Iterable[str]) -> list[str]:
    """Which of init's sample reps (either language) are among `reps`; empty once real data replaced them."""
    samples = {rep for names in SAMPLE_REPS.values() for rep in names}
    return sorted(samples & {str(rep) for rep in reps})


def sample_reps(workbook: Workbook) -> list[str]:
    """The sample reps still in the workbook's sales data."""
    return sample_reps_in(workbook.cube()["rep"].unique())


def sample_data_notice(workbook: Workbook) -> str:
    """The sentence every page shows while sample rows remain; empty when the data is all real."""
    reps = sample_reps(workbook)
    if not reps:
        return ""
    return _(
        "Sample data: the sales data still holds the sample rows that salesplan init wrote (reps {reps}). "
        "These figures are not real until your own sales history replaces them in {path}."
    ).format(reps=", ".join(reps), path=workbook.plan.sources.sales.path)


def sample_data_warnings(workbook: Workbook) -> list[Problem]:
    """`validate`'s warning while sample rows remain (empty when none)."""
    reps = sample_reps(workbook)
    if not reps:
        return []
    return [
        Problem(
            file=workbook.plan.sources.sales.path,
            column=workbook.plan.sources.sales.columns["rep"],
            expected=_(
                "your own sales history; the rows of {reps} are the samples salesplan init wrote"
            ).format(reps=", ".join(reps)),
            fix=_("replace the sample rows with your sales history (or delete them)"),
            found=", ".join(reps),
        )
    ]
