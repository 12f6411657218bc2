"""Manual adjustment lines: an amount a person decided to pay or recover, with its reason and approver.

Entered for an open period (`salesplan payouts --adjust`, kept in the workbook's ledger folder until that
period closes), each becomes one ledger line of kind `manual` in that period, beside the plan's commission
and outside the draw and holdback rules: the reason and the approver travel with the line into the ledger,
the statements and the exports. Pure: frames in, frames out; minor units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.ledger_lines import ledger_lines, no_lines

MANUAL = "manual"
ADJUSTMENT_COLUMNS = ["id", "period", "rep", "amount", "reason", "approver", "by", "at"]


def manual_rule(reason: str, approver: str) -> str:
    """A manual line's statement text in the active language."""
    return _("Manual adjustment: {reason} (approved by {approver})").format(reason=reason, approver=approver)


def manual_lines(
    adjustments: pd.DataFrame, period: pd.Period, teams: pd.Series, currency: str
) -> pd.DataFrame:
    """The open period's manual adjustments as ledger lines (`adjustments`: ADJUSTMENT_COLUMNS)."""
    if adjustments is None or adjustments.empty:
        return no_lines()
    chosen = adjustments[adjustments["period"].astype(str) == str(pd.Period(period, "M"))]
    if chosen.empty:
        return no_lines()
    scale = 10 ** minor_unit(currency)
    reps = chosen["rep"].astype(str)
    return ledger_lines(
        MANUAL,
        period=period,
        rep=reps.to_numpy(),
        team=teams.reindex(reps).fillna("all").astype(str).to_numpy(),
        rule=[manual_rule(r, a) for r, a in zip(chosen["reason"], chosen["approver"], strict=True)],
        amount_minor=np.round(chosen["amount"].to_numpy(dtype=float) * scale),
        cause=MANUAL,
        note=chosen["reason"].astype(str).to_numpy(),
        approver=chosen["approver"].astype(str).to_numpy(),
    )
