"""The shape of a ledger line, shared by the commission ledger and the rules that settle cash beside it
(draws, holdbacks, clawbacks, manual adjustments): each rule sets only the columns it means, the rest are
blank, so a new kind of line cannot drift from the journal's columns. Pure."""

from __future__ import annotations

import numpy as np
import pandas as pd

# `period` is when the line is paid, `for_period` the period it belongs to.
COLUMNS = [
    "period",
    "for_period",
    "rep",
    "team",
    "plan",
    "kind",
    "component",
    "rule",
    "base",
    "rate",
    "reference",
    "amount_minor",
    "cause",
    "sales",
    "quota",
    "plan_version",
    "deal",  # the deal a clawback recovers ('' on every other line)
    "note",  # a manual adjustment's reason
    "approver",  # who approved a manual adjustment
]
TEXT_COLUMNS = ("deal", "note", "approver")  # blank on lines that do not use them
BLANK = {
    "plan": "",
    "base": np.nan,
    "rate": np.nan,
    "reference": np.nan,
    "cause": "",
    "sales": 0.0,
    "quota": 0.0,
    "plan_version": "",
    "deal": "",
    "note": "",
    "approver": "",
}


def ledger_lines(kind: str, *, period: pd.Period, rep, amount_minor, **columns) -> pd.DataFrame:
    """Lines of one `kind` (their component too) paid in `period`, one per `rep`; `for_period` defaults to
    `period`, every column not given is blank."""
    frame = pd.DataFrame(
        {
            **BLANK,
            "period": period,
            "for_period": period,
            "kind": kind,
            "component": kind,
            **columns,
            "rep": rep,
            "amount_minor": np.asarray(amount_minor, dtype=np.int64),
        }
    )
    return frame[COLUMNS].reset_index(drop=True)


def no_lines() -> pd.DataFrame:
    """An empty frame of ledger lines."""
    return pd.DataFrame(columns=COLUMNS)
