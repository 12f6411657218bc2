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

MANUAL = "manual"
ADJUSTMENT_COLUMNS = ["id", "period", "rep", "amount", "reason", "approver", "by", "at"]


def manual_rule(reason: str, approver: str) -> str:
    """A manual line's statement text in the active language."""
    return _("Manual adjustment: {reason} (approved by {approver})").format(reason=reason, approver=approver)


def manual_lines(
    adjustments: pd.DataFrame, period: pd.Period, teams: pd.Series, currency: str
) -> pd.DataFrame:
    """The open period's manual adjustments as ledger lines (`adjustments`: ADJUSTMENT_COLUMNS)."""
    from salesplan_widgets.model.ledger import COLUMNS

    if adjustments is None or adjustments.empty:
        return pd.DataFrame(columns=COLUMNS)
    chosen = adjustments[adjustments["period"].astype(str) == str(pd.Period(period, "M"))]
    if chosen.empty:
        return pd.DataFrame(columns=COLUMNS)
    scale = 10 ** minor_unit(currency)
    reps = chosen["rep"].astype(str)
    return pd.DataFrame(
        {
            "period": period,
            "for_period": period,
            "rep": reps.to_numpy(),
            "team": teams.reindex(reps).fillna("all").astype(str).to_numpy(),
            "plan": "",
            "kind": MANUAL,
            "component": MANUAL,
            "rule": [manual_rule(r, a) for r, a in zip(chosen["reason"], chosen["approver"], strict=True)],
            "base": np.nan,
            "rate": np.nan,
            "reference": np.nan,
            "amount_minor": np.round(chosen["amount"].to_numpy(dtype=float) * scale).astype(np.int64),
            "cause": MANUAL,
            "sales": 0.0,
            "quota": 0.0,
            "plan_version": "",
            "deal": "",
            "note": chosen["reason"].astype(str).to_numpy(),
            "approver": chosen["approver"].astype(str).to_numpy(),
        }
    )[COLUMNS].reset_index(drop=True)
