"""The history's leaver rate does not overreact to a short history: leavers are counted per rep-month of
exposure (a leaver's months only until they left) × 12, and the rate is not estimated at all until the
history is long enough (`MIN_LEAVER_MONTHS`, `MIN_LEAVER_REP_MONTHS`), the calculator saying in both
languages which rate it used and from how many months and reps. A rate typed in (`leavers_per_year`) still
overrides it. Figures worked out by hand in the docstrings.
"""

from __future__ import annotations

import pandas as pd
import pytest
from closed_workbooks import write_workbook

from salesplan_widgets.model.simulation import leaver_estimate, leaver_rate, rule_history
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator


def cube(reps: int, months: pd.PeriodIndex) -> pd.DataFrame:
    """A pay cube of `reps` reps (R0, R1 …) each selling 1,000 in every month of `months`."""
    return pd.DataFrame(
        [(m, f"R{r}", 1000.0) for m in months for r in range(reps)], columns=["period", "rep", "actual"]
    )


def section(left: dict[str, str]) -> IncentivesSection:
    return IncentivesSection.model_validate(
        {"commission": {"base_rate": 0.05}, "relief": [{"rep": r, "left": d} for r, d in left.items()]}
    )


def test_one_leaver_among_three_reps_in_two_months_is_not_read_as_everyone_leaving():
    """R0 leaves on 10 February, two months into a history of three reps: 1 ÷ 3 × 12 ÷ 2 read as 200% a
    year, capped at 100%, and the simulation had everyone leave. Five rep-months (R0's two, the others'
    four) say too little: the rate is not estimated (0), though what was seen (1 per 5 rep-months, 240% a
    year, capped) is kept for the calculator to say."""
    history = cube(3, pd.period_range("2026-01", "2026-02", freq="M"))
    plan = section({"R0": "2026-02-10"})
    found = leaver_estimate(history, plan)
    assert (found.leavers, found.reps, found.months, found.rep_months) == (1, 3, 2, 6.0)
    assert not found.estimated and found.rate == 0.0 and found.observed == 1.0
    rules = rule_history(history, pd.Index(["R0", "R1", "R2"]), plan)
    assert rules.leaver_rate == leaver_rate(history, plan) == 0.0 and rules.monthly_leaving == 0.0


def test_a_rate_typed_in_still_overrides_a_history_too_short_to_say():
    history = cube(3, pd.period_range("2026-01", "2026-02", freq="M"))
    rules = rule_history(history, pd.Index(["R0"]), section({"R0": "2026-02-10"}), leavers_per_year=0.3)
    assert rules.leaver_rate == 0.3


def test_a_leaver_counts_only_the_months_until_they_left():
    """Eight reps for six months, R0 leaving in March: 7 × 6 + 3 = 45 rep-months, 12 ÷ 45 = 26.7% a year
    (the plain 1 ÷ 8 × 12 ÷ 6 = 25% counted R0's three months after leaving as months he might have left
    in). A rep who first sold in April (a hire) counts from April: 3 more rep-months, 12 ÷ 48 = 25%."""
    months = pd.period_range("2026-01", "2026-06", freq="M")
    history = cube(8, months)
    plan = section({"R0": "2026-03-20"})
    found = leaver_estimate(history, plan)
    assert found.estimated and found.rep_months == 45.0
    assert found.rate == pytest.approx(12 / 45)
    hire = pd.DataFrame({"period": months[3:], "rep": "New", "actual": 500.0})
    assert leaver_rate(pd.concat([history, hire]), plan) == pytest.approx(12 / 48)


def test_a_long_history_gives_the_plain_ratio_closely_with_a_narrower_interval():
    """Forty reps over twelve months, one leaving at the end of each quarter (March, June, September and
    December): 36 × 12 + 3 + 6 + 9 + 12 = 462 rep-months, 4 × 12 ÷ 462 = 10.4% a year, the plain 4 ÷ 40
    = 10% within 4%. The exact Poisson 90% interval (statsmodels) holds the rate and is narrower than that
    of a team a quarter the size with one leaver over the same year."""
    months = pd.period_range("2026-01", "2026-12", freq="M")
    plan = section({"R0": "2026-03-31", "R1": "2026-06-30", "R2": "2026-09-30", "R3": "2026-12-31"})
    found = leaver_estimate(cube(40, months), plan)
    assert found.rep_months == 462.0 and found.rate == pytest.approx(48 / 462)
    assert found.rate == pytest.approx(4 / 40, rel=0.04)
    assert found.low < found.rate < found.high
    small = leaver_estimate(cube(10, months), section({"R0": "2026-12-31"}))
    assert small.rate == pytest.approx(12 / 120)
    assert found.high - found.low < small.high - small.low


PLAN = """\
name: Leaving Co
currency: CNY
locale: LOCALE
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, deal: deal}
incentives:
  measurement: monthly
  commission: {base_rate: 0.05}
  relief: [{rep: R0, left: LEFT}]
"""


def calculator(folder, locale: str, months: int, left: str) -> IncentiveCalculator:
    """Three reps selling 1,000 a month from January for `months` months, R0 leaving on `left`."""
    sales = [(f"2026-{m:02d}-15", 1000, f"R{r}", f"D{m}{r}") for m in range(1, months + 1) for r in range(3)]
    plan = PLAN.replace("LOCALE", locale).replace("LEFT", left)
    wb = write_workbook(folder, plan, sales, pd.Index(["R0", "R1", "R2"]))
    calc = IncentiveCalculator(wb, period=f"2026-{months:02d}", rep="R1")
    calc.simulate(draws=50)
    return calc


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en", "Leavers: not estimated: 2 months of sales history with 3 reps (6 rep-months, 1 left)"),
     ("zh_CN", "离职率：未估算：2 个月、3 名销售代表的销售历史（6 人·月，1 人离职）")],
)  # fmt: skip
def test_the_calculator_says_the_history_is_too_short_to_estimate_the_leaver_rate(tmp_path, locale, said):
    """…and, with a rate typed in, that it is the one set, not "the history gives 0%"."""
    calc = calculator(tmp_path / "wb", locale, 2, "2026-02-10")
    assert calc.history_leaver_rate() == 0.0 and calc.leaver_rate_control.value == 0.0
    assert said in calc.simulation_panel.value
    calc.leavers_per_year = 0.2  # typed: the table on show reruns
    typed = {"en": "Leavers: 20.0% of reps a year, as set above (the history is too short to estimate one)",
             "zh_CN": "离职率：每年 20.0% 的销售代表，按上方设定（历史数据太短，无法估算）"}  # fmt: skip
    assert typed[locale] in calc.simulation_panel.value


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en", "Leavers: 33.3% of reps a year, from the plan&#x27;s relief dates over 12 months of sales history: "
            "1 of 3 reps left in 36 rep-months (90% interval "),
     ("zh_CN", "离职率：每年 33.3% 的销售代表，依据方案中的离职（relief）日期与 12 个月的销售历史计算："
               "3 名销售代表中有 1 人离职，共 36 人·月（90% 区间 ")],
)  # fmt: skip
def test_the_calculator_says_which_leaver_rate_it_used_and_from_how_many_months_and_reps(
    tmp_path, locale, said
):
    """R0 leaves in December, a year into three reps' history: 2 × 12 + 12 = 36 rep-months (just enough),
    12 ÷ 36 = 33.3%."""
    calc = calculator(tmp_path / "wb", locale, 12, "2026-12-20")
    assert calc.history_leaver_rate() == pytest.approx(12 / 36)
    assert said in calc.simulation_panel.value
