"""Customer segmentation: ABC classes by cumulative value share, and a value × potential grid.

ABC ranks accounts by value (sales in the basis window) and gives class A to the accounts that make up the
first 80% of value, B to the next 15%, C to the rest (thresholds from the plan). The grid splits accounts
at the median of value and of headroom (potential − value; growth × value where no potential is known)
into grow / keep / develop / maintain. Pure: DataFrames in and out, never files or widgets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _

ABC = ("A", "B", "C")
GRID = ("grow", "keep", "develop", "maintain")


def account_growth(recent: pd.DataFrame, prior: pd.DataFrame) -> pd.DataFrame:
    """Each account's value (its recent sales) and growth on the period before: recent / prior − 1.

    `recent` and `prior` hold account and actual; an account with no prior sales has growth 0 (a new
    account is classed by its value alone).
    """
    before = prior.set_index("account")["actual"].reindex(recent["account"]).to_numpy()
    known = np.nan_to_num(before) > 0
    return pd.DataFrame(
        {
            "account": recent["account"].to_numpy(),
            "value": recent["actual"].to_numpy(),
            "growth": np.where(known, recent["actual"].to_numpy() / np.where(known, before, 1) - 1, 0.0),
        }
    )


def abc_classes(accounts: pd.DataFrame, thresholds: Sequence[float] = (80, 15, 5)) -> pd.DataFrame:
    """Accounts with `value_share`, `cumulative_share` and `abc`.

    Sorted by value, largest first (ties by account): an account is A while the share of value before it is
    under the A threshold, so the account that crosses the line is still A; B likewise up to A + B.
    Accounts with no positive value are C.
    """
    a_pct, b_pct, c_pct = (float(t) for t in thresholds)
    if min(a_pct, b_pct, c_pct) < 0 or abs(a_pct + b_pct + c_pct - 100) > 1e-9:
        raise InputError(
            Problem(
                "split.thresholds",
                _("three shares in percent adding up to 100, e.g. 80/15/5"),
                found="/".join(f"{t:g}" for t in (a_pct, b_pct, c_pct)),
            )
        )
    out = accounts.sort_values(["value", "account"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    value = out["value"].to_numpy(np.float64).clip(0, None)
    total = value.sum()
    share = value / total if total > 0 else np.zeros(len(value))
    before = np.cumsum(share) - share
    out["value_share"] = share
    out["cumulative_share"] = before + share
    cls = np.where(before * 100 < a_pct - 1e-9, "A", np.where(before * 100 < a_pct + b_pct - 1e-9, "B", "C"))
    out["abc"] = np.where(value > 0, cls, "C")
    return out


def value_potential_grid(accounts: pd.DataFrame, split_at: float = 0.5) -> pd.DataFrame:
    """Accounts with `headroom` and `grid`: high/low value × high/low headroom at the `split_at` quantile.

    grow = high value, high headroom; keep = high value, low headroom; develop = low value, high headroom;
    maintain = low value, low headroom. Headroom is potential − value where `potential` is known, else
    value × `growth` (e.g. last year's growth rate), never below zero.
    """
    out = accounts.copy()
    value = out["value"].to_numpy(np.float64).clip(0, None)
    potential = out["potential"].to_numpy(np.float64) if "potential" in out else np.full(len(out), np.nan)
    growth = out["growth"].to_numpy(np.float64) if "growth" in out else np.zeros(len(out))
    headroom = np.where(np.isnan(potential), value * np.nan_to_num(growth), potential - value)
    out["headroom"] = np.clip(headroom, 0, None)
    high_value = value > np.quantile(value, split_at) if len(out) else np.zeros(0, bool)
    high_room = (
        out["headroom"].to_numpy() > np.quantile(out["headroom"], split_at) if len(out) else high_value
    )
    out["grid"] = np.select(
        [high_value & high_room, high_value & ~high_room, ~high_value & high_room],
        ["grow", "keep", "develop"],
        "maintain",
    )
    return out


def segment_accounts(
    history: pd.DataFrame,
    potential: pd.DataFrame | None = None,
    thresholds: Sequence[float] = (80, 15, 5),
    basis_months: int = 12,
) -> pd.DataFrame:
    """ABC class and grid cell for each account from account-level history (account, period, actual) and an
    optional account master (account, potential). Value is the last `basis_months` months of sales; growth
    is that over the months before, where the master has no potential.
    """
    end = history["period"].max()
    recent = history["period"] > end - basis_months
    prior = (history["period"] <= end - basis_months) & (history["period"] > end - 2 * basis_months)
    value = history[recent].groupby("account", observed=True)["actual"].sum()
    before = history[prior].groupby("account", observed=True)["actual"].sum()
    accounts = pd.DataFrame({"account": value.index.astype(str), "value": value.to_numpy()})
    before = before.reindex(value.index).to_numpy()
    accounts["growth"] = np.where(before > 0, value.to_numpy() / np.where(before > 0, before, 1) - 1, 0.0)
    if potential is not None and "potential" in potential:
        known = potential.assign(account=potential["account"].astype(str))[["account", "potential"]]
        accounts = accounts.merge(known.drop_duplicates("account"), on="account", how="left")
    classes = abc_classes(accounts, thresholds)
    return value_potential_grid(classes)


def segment_summary(accounts: pd.DataFrame, by: str = "abc") -> pd.DataFrame:
    """Accounts, value and share of value per class (A/B/C or grid cell), in class order."""
    order = ABC if by == "abc" else GRID
    out = accounts.groupby(by, observed=True).agg(accounts=("account", "size"), value=("value", "sum"))
    out = out.reindex([c for c in order if c in out.index])
    total = out["value"].sum()
    out["share"] = out["value"] / total if total else 0.0
    return out.rename_axis("segment").reset_index()
