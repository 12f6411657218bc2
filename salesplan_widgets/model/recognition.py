"""Public recognition: leaderboards on any metric, badges with rules, and the period's champions.

Works on a per-rep metrics table (rep, team, attainment, sales, growth, payout, new accounts … any column
a plan names) and on the monthly attainment history for badges. Pure pandas: no files, no widgets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.model.commission import attainment
from salesplan_widgets.model.statements import fiscal_year_first
from salesplan_widgets.schema.incentives import Badge, Leaderboard


def monthly_attainment(
    cube: pd.DataFrame, quotas: pd.DataFrame, period: pd.Period | str, fiscal_year_start: int = 1
) -> pd.DataFrame:
    """Per rep and month of the fiscal year to `period`: sales, quota, attainment and year-to-date attainment."""
    period = pd.Period(period, "M")
    first = fiscal_year_first(period, fiscal_year_start)
    keys = ["period", "rep"]
    sales = cube[(cube["period"] >= first) & (cube["period"] <= period)].groupby(keys)["actual"].sum()
    quota = quotas[(quotas["period"] >= first) & (quotas["period"] <= period)].groupby(keys)["target"].sum()
    table = pd.concat([sales.rename("sales"), quota.rename("quota")], axis=1).fillna(0.0).reset_index()
    table = table.sort_values(["rep", "period"], kind="stable").reset_index(drop=True)
    cum = table.groupby("rep")[["sales", "quota"]].cumsum()
    table["attainment"] = attainment(table["sales"].to_numpy(), table["quota"].to_numpy())
    table["ytd_attainment"] = attainment(cum["sales"].to_numpy(), cum["quota"].to_numpy())
    return table


NEW_ACCOUNT_METRICS: frozenset[str] = frozenset({"new_accounts", "ytd_new_accounts"})


def needs_new_accounts(boards: list[Leaderboard]) -> bool:
    """Whether any board ranks on accounts won, so callers read that table only when it is used."""
    return any(board.metric in NEW_ACCOUNT_METRICS for board in boards)


def rep_metrics(
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    period: pd.Period | str,
    fiscal_year_start: int = 1,
    new_accounts: pd.DataFrame | None = None,
):
    """The period's metrics per rep: sales, quota, attainment, YTD attainment, growth on the same month last year.

    With `new_accounts` (period, rep, new_accounts: the accounts each rep won, see the workbook's
    `new_accounts`), also the accounts won this period and in the fiscal year to it (0 for a rep who won none).
    """
    period = pd.Period(period, "M")
    months = monthly_attainment(cube, quotas, period, fiscal_year_start)
    now = months[months["period"] == period].drop(columns="period")
    last_year = cube[cube["period"] == period - 12].groupby("rep")["actual"].sum().rename("last_year")
    teams = cube.sort_values("period").drop_duplicates("rep", keep="last").set_index("rep")["team"]
    out = now.merge(last_year, left_on="rep", right_index=True, how="left")
    out["growth"] = out["sales"] / out["last_year"].where(out["last_year"] > 0) - 1
    out["team"] = out["rep"].map(teams).fillna("all")
    out = out.drop(columns="last_year")
    if new_accounts is not None:
        first = fiscal_year_first(period, fiscal_year_start)
        year = new_accounts[(new_accounts["period"] >= first) & (new_accounts["period"] <= period)]
        this = year[year["period"] == period].groupby("rep")["new_accounts"].sum()
        ytd = year.groupby("rep")["new_accounts"].sum()
        out["new_accounts"] = out["rep"].map(this).fillna(0).astype("int64")
        out["ytd_new_accounts"] = out["rep"].map(ytd).fillna(0).astype("int64")
    return out.reset_index(drop=True)


def leaderboard(metrics: pd.DataFrame, board: Leaderboard) -> pd.DataFrame:
    """The top reps on the board's metric (ties share a rank); reps without a value are left off."""
    if board.metric not in metrics.columns:
        raise KeyError(board.metric)
    ranked = metrics.dropna(subset=[board.metric]).sort_values([board.metric, "rep"], ascending=[False, True])
    ranked = ranked.assign(
        rank=ranked[board.metric].rank(method="min", ascending=False).astype(int), value=ranked[board.metric]
    )
    return ranked[ranked["rank"] <= board.top][["rank", "rep", "team", "value"]].reset_index(drop=True)


def badges(history: pd.DataFrame, rules: list[Badge], period: pd.Period | str) -> pd.DataFrame:
    """Badges earned by `period` from the monthly attainment history (see `monthly_attainment`)."""
    period = pd.Period(period, "M")
    history = history[history["period"] <= period].sort_values(["rep", "period"], kind="stable")
    rows = []
    for rule in rules:  # over the plan's few badge rules
        if rule.rule == "attainment":
            won = history[(history["period"] == period) & (history["attainment"] >= rule.level)]["rep"]
        elif rule.rule == "streak":
            hit = (history["attainment"] >= rule.level).astype(int)
            window = hit.groupby(history["rep"]).rolling(rule.months, min_periods=rule.months).sum()
            streak = history.assign(run=window.reset_index(level=0, drop=True))
            won = streak[(streak["period"] == period) & (streak["run"] >= rule.months)]["rep"]
        else:  # first_to_quota: the earliest month at the level year to date; ties go to the higher attainment
            reached = history[history["ytd_attainment"] >= rule.level]
            firsts = reached.drop_duplicates("rep", keep="first")
            if firsts.empty:
                won = pd.Series([], dtype=object)
            else:
                earliest = firsts[firsts["period"] == firsts["period"].min()]
                won = earliest.sort_values(["ytd_attainment", "rep"], ascending=[False, True])["rep"].head(1)
        rows.append(pd.DataFrame({"badge": rule.name, "rep": np.asarray(won)}))
    if not rows:
        return pd.DataFrame(columns=["badge", "rep"])
    return pd.concat(rows, ignore_index=True)


def champions(metrics: pd.DataFrame, boards: list[Leaderboard]) -> pd.DataFrame:
    """The period's champion of each leaderboard (first place; several on a tie)."""
    frames = [
        leaderboard(metrics, board).query("rank == 1").assign(board=board.name)
        for board in boards
        if board.metric in metrics.columns
    ]
    if not frames:
        return pd.DataFrame(columns=["board", "rep", "team", "value"])
    return pd.concat(frames, ignore_index=True)[["board", "rep", "team", "value"]]
