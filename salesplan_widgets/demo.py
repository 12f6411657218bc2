"""The demo company: a complete, realistic workbook generated from a seed (`salesplan demo DIR`).

Huaxin Industrial sells five product lines to a few thousand business accounts through ~40 reps in four
Chinese regions, online, offline and through partners. Three years of daily invoice lines carry a yearly
trend, Spring Festival dip (on the real lunar new year), 618 and Double 11 online peaks, a Q4 push,
reps of different skill, new hires ramping up, one leaver and ~2.5% returns. On top of the history sits a
complete plan for the fiscal year the data ends in, computed by the library's own models from the sales
before that year: a SMART goal (forecast + stretch), its split into monthly targets per rep (tables/
targets.csv), a commission plan, tracking settings, the report and dashboard lists, and the step
notebooks. The same seed always gives byte-identical files (no clock is read). Generation is vectorised
per month and written in row-group chunks, and the plan is computed from the cube DuckDB builds, so
`rows=10M` runs in bounded memory. It only ever writes into a folder that holds no plan yet, each file
atomically, the plan last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import LOCALES, _
from salesplan_widgets.model.allocation import plan_months, split_goal
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.goal import stretch_target, target_for_probability
from salesplan_widgets.model.smart import smart_check
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.schema import Plan
from salesplan_widgets.schema.access import AccessSection, HubUser
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.schema.split import SegmentStrategy, SplitLevel, SplitSection
from salesplan_widgets.schema.tracking import PlannedShock, TrackingSection
from salesplan_widgets.workbook.atomic import atomic_path, atomic_write
from salesplan_widgets.workbook.cube import account_master, build_cube
from salesplan_widgets.workbook.plan import PLAN_FILE, PlanFile, parse_plan
from salesplan_widgets.workbook.scaffold import STEPS, instantiate_notebook
from salesplan_widgets.workbook.workbook import TABLES_DIR

DEFAULT_ROWS = 120_000  # about 2-3 MB of Parquet: small enough to commit
N_REPS = 40
N_NEW_HIRES = 4
N_ACCOUNTS = 2_900  # accounts of the established reps; each new hire also builds their own book
NEW_HIRE_ACCOUNTS = 45
MONTHS = 36
RETURN_RATE = 0.025
RAMP_MONTHS = 6
LINES_GROWTH = 1.035  # yearly growth in order lines ...
PRICE_GROWTH = 1.03  # ... and in prices: ~10% revenue growth a year
ROW_GROUP = 1_000_000
GOAL_STRETCH = 0.06  # the goal: baseline forecast + 6%
SPLIT_UNIT = 100.0  # targets in whole hundreds of CNY
# the goal a board sets: whole millions of CNY (a multiple of SPLIT_UNIT, so the split shares it exactly). A
# forecast's last digits move with statsmodels' and pandas' releases; a goal in millions does not.
GOAL_UNIT = 1_000_000.0
REPORT_TEMPLATES = ("sales_overview", "report_goal", "report_split", "report_incentives", "report_tracking")
DASHBOARDS = ("overview", "tracker", "incentives", "my_targets", "goal")

CHANNELS = ("offline", "online", "partner")
CHANNEL_SHARE = np.array([0.50, 0.28, 0.22])
SEGMENTS = ("A", "B", "C")
SEGMENT_SHARE = (0.15, 0.30)  # top 15% of accounts by value are A, the next 30% B, the rest C


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LABELS = {
    "en": {
        "name": "Huaxin Industrial (demo)",
        "teams": ("East", "North", "South", "West"),
        "territories": ("East China", "North China", "South China", "West China"),
        "products": ("Pumps", "Valves", "Sensors", "Controllers", "Maintenance"),
        "surnames": _words(
            "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo"
        ),
        "given": _words(
            "Wei Min Jing Lei Yang Jie Fang Na Qiang Li Tao Hui Jun Xin Yan Ping Hao Lin Chao Yu Ming Hong Bo Ting"
        ),
        "cities": (
            _words("Shanghai Hangzhou Suzhou Nanjing Ningbo Hefei"),
            _words("Beijing Tianjin Shijiazhuang Jinan Qingdao Taiyuan"),
            _words("Guangzhou Shenzhen Xiamen Fuzhou Dongguan Nanning"),
            _words("Chengdu Chongqing Xi'an Kunming Lanzhou Guiyang"),
        ),
        "brands": _words(
            "Hengda Huaxin Jinlong Tianyu Ruifeng Xinghe Dongfang Boyuan Kaida Shengshi Yongtai Hongyun "
            "Zhongke Lianhe Fuxing Anda Haitian Minsheng Changjiang Jiahe Baoli Xinda Huarun Taihe"
        ),
        "kinds": ("Trading", "Manufacturing", "Technology", "Electric", "Machinery", "Supply Chain")
        + ("Engineering", "Equipment"),
        "account_name": "{city} {brand} {kind}",
        "goal_name": "Grow FY{year} net sales of all teams to {target} CNY",
        "rationale": "The baseline forecast from the sales history to {last} plus a {stretch} stretch: the "
        "new hires reach full capacity and B accounts are cross-sold the next product line.",
        "objective": "Keep double-digit growth and lift our share of industrial automation in China",
        "override": "The stretch is deliberate: the board's growth objective asks more than the trend gives, "
        "and the new hires' ramp and the cross-selling programme are planned to close the gap.",
        "strategies": {
            "A": "Protect and expand key accounts: quarterly business reviews.",
            "B": "Grow share of wallet: cross-sell the next product line.",
            "C": "Serve efficiently online; qualify the promising ones.",
        },
        "milestone": "First half on plan",
        "spif": "Autumn sensor push",
        "reward": "Sales academy place",
        "event": "Team dinner",
        "boards": ("Top attainment", "Top sales", "Top growth", "New accounts won"),
        "badges": ("First to quota", "On a roll", "Star month"),
    },
    "zh_CN": {
        "name": "华信工业（演示）",
        "teams": ("华东", "华北", "华南", "华西"),
        "territories": ("华东区", "华北区", "华南区", "华西区"),
        "products": ("泵", "阀门", "传感器", "控制器", "维保服务"),
        "surnames": tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"),
        "given": tuple("伟敏静磊阳杰芳娜强丽涛慧军欣燕平浩琳超宇明红波婷"),
        "cities": (
            _words("上海 杭州 苏州 南京 宁波 合肥"),
            _words("北京 天津 石家庄 济南 青岛 太原"),
            _words("广州 深圳 厦门 福州 东莞 南宁"),
            _words("成都 重庆 西安 昆明 兰州 贵阳"),
        ),
        "brands": _words(
            "恒达 华信 金龙 天宇 瑞丰 星河 东方 博远 凯达 盛世 永泰 鸿运 中科 联合 复兴 安达 "
            "海天 民生 长江 嘉禾 保利 信达 华润 泰和"
        ),
        "kinds": _words("贸易 制造 科技 电气 机械 供应链 工程 设备"),
        "account_name": "{city}{brand}{kind}",
        "goal_name": "{year}财年全体团队净销售额达到 {target} 元",
        "rationale": "以截至 {last} 的销售历史得出的基线预测，再加 {stretch} 的挑战：新人达到满产能，"
        "并向 B 类客户交叉销售下一条产品线。",
        "objective": "保持两位数增长，提升在中国工业自动化市场的份额",
        "override": "挑战是有意为之：董事会的增长目标高于趋势，新人爬坡和交叉销售计划用来弥补差距。",
        "strategies": {
            "A": "守住并扩大重点客户：每季度业务回顾。",
            "B": "提高钱包份额：交叉销售下一条产品线。",
            "C": "线上高效服务；筛选有潜力的客户。",
        },
        "milestone": "上半年达标",
        "spif": "秋季传感器冲刺",
        "reward": "销售学院培训名额",
        "event": "团队聚餐",
        "boards": ("达成率榜", "销售额榜", "增长榜", "新客户开拓榜"),
        "badges": ("率先达标", "连续达标", "明星月"),
    },
}

# Product lines: list price per unit (CNY) and typical order size (mean extra units per line).
LIST_PRICE = np.array([5200.0, 860.0, 240.0, 3100.0, 1800.0])
UNITS_PER_LINE = np.array([0.6, 3.0, 8.0, 1.0, 0.8])
SEGMENT_UNITS = np.array([3.0, 1.6, 1.0])  # A accounts order more per line ...
SEGMENT_DISCOUNT = np.array([0.12, 0.06, 0.0])  # ... at a better price
# Product mix by segment (rows A, B, C) and by channel (offline, online, partner); multiplied and normalised.
SEGMENT_MIX = np.array(
    [[0.25, 0.20, 0.15, 0.25, 0.15], [0.20, 0.25, 0.25, 0.20, 0.10], [0.10, 0.30, 0.40, 0.12, 0.08]]
)
CHANNEL_MIX = np.array([[1.0, 1.0, 0.8, 1.0, 1.3], [0.5, 1.2, 1.8, 0.6, 0.3], [1.2, 1.0, 0.9, 1.2, 1.0]])
# The first day of the Spring Festival, for the years the holidays package may not name.
LUNAR_NEW_YEAR = {
    y: dt.date.fromisoformat(d)
    for y, d in zip(
        range(2019, 2031),
        _words(
            "2019-02-05 2020-01-25 2021-02-12 2022-02-01 2023-01-22 2024-02-10 2025-01-29 2026-02-17 "
            "2027-02-06 2028-01-26 2029-02-13 2030-02-03"
        ),
        strict=True,
    )
}
# Month of year (Jan..Dec): the Spring Festival dip comes from the daily calendar; Q4 push at year end.
MONTH_SEASON = np.array([0.97, 0.95, 1.05, 1.0, 1.0, 1.04, 0.95, 0.95, 1.05, 0.95, 1.08, 1.25])

SALES_COLUMNS = {
    "date": "order_date",
    "amount": "net_amount",
    "quantity": "qty",
    "rep": "sales_rep",
    "team": "team",
    "territory": "region",
    "segment": "customer_segment",
    "channel": "channel",
    "product": "product_line",
    "account": "customer_id",
}
ACCOUNT_COLUMNS = {
    "account": "account",
    "segment": "segment",
    "rep": "rep",
    "team": "team",
    "territory": "territory",
    "potential": "potential",
}

SALES_SCHEMA = pa.schema(
    [
        ("order_date", pa.date32()),
        ("customer_id", pa.string()),
        ("sales_rep", pa.string()),
        ("team", pa.string()),
        ("region", pa.string()),
        ("customer_segment", pa.string()),
        ("channel", pa.string()),
        ("product_line", pa.string()),
        ("qty", pa.int32()),
        ("unit_price", pa.float64()),
        ("net_amount", pa.float64()),
    ]
)


@dataclass(frozen=True)
class Company:
    """Everyone and everything the transactions are drawn from (the same for any row count)."""

    months: pd.PeriodIndex
    rep_names: np.ndarray  # (reps, 2): surname and given-name index, so every locale names the same people
    rep_team: np.ndarray  # int, team/territory index
    rep_skill: np.ndarray
    rep_hired: np.ndarray  # month index of hire (negative: before the data starts)
    rep_left: np.ndarray  # month index of the last month worked (beyond the data: still employed)
    successor: int  # rep who takes over the leaver's accounts
    leaver: int
    account_ids: np.ndarray
    account_names: np.ndarray
    account_owner: np.ndarray  # rep index
    account_segment: np.ndarray  # 0=A, 1=B, 2=C
    account_value: np.ndarray  # relative yearly value, which decides the segment
    account_channel: np.ndarray  # (accounts, channels) affinity, rows sum to 1
    account_active: np.ndarray  # (accounts, months) buying rate multiplier: 0 before start/after churn, ramp


def last_complete_month(today: dt.date | None = None) -> pd.Period:
    return pd.Period(today or dt.date.today(), freq="M") - 1


def _end_month(end: str | None) -> pd.Period:
    if end is None:
        return last_complete_month()
    try:
        text = str(end).strip()
        if len(text) != 7 or text[4] != "-":
            raise ValueError(text)
        return pd.Period(text, freq="M")
    except ValueError:
        raise SalesplanError(
            _("--end must be a month written YYYY-MM, e.g. 2026-10, not {end!r}.").format(end=end)
        ) from None


def _make_company(rng: np.random.Generator, months: pd.PeriodIndex, labels: dict) -> Company:
    n_teams = len(labels["teams"])
    picks = rng.choice(len(labels["surnames"]) * len(labels["given"]), size=N_REPS, replace=False)
    rep_names = np.stack(np.divmod(picks, len(labels["given"])), axis=1)
    rep_team = np.arange(N_REPS) % n_teams
    rep_skill = np.exp(rng.normal(0.0, 0.3, N_REPS))

    # Reps 0..35 were hired before the data starts; 36..39 are new hires spread over the last two years.
    rep_hired = -rng.integers(3, 96, N_REPS)
    new_hires = np.arange(N_REPS - N_NEW_HIRES, N_REPS)
    rep_hired[new_hires] = np.sort(rng.choice(np.arange(12, MONTHS - 4), size=N_NEW_HIRES, replace=False))
    rep_left = np.full(N_REPS, MONTHS + 1200)
    leaver = int(rng.integers(0, N_REPS - N_NEW_HIRES))
    rep_left[leaver] = MONTHS - 9
    teammates = np.flatnonzero((rep_team == rep_team[leaver]) & (np.arange(N_REPS) < N_REPS - N_NEW_HIRES))
    teammates = teammates[teammates != leaver]
    successor = int(teammates[np.argmax(rep_skill[teammates])])

    # Established accounts, owned by established reps (bigger books for some), and the new hires' books.
    established = np.arange(N_REPS - N_NEW_HIRES)
    book = np.exp(rng.normal(0.0, 0.25, established.size))
    owner = np.concatenate(
        [
            rng.choice(established, size=N_ACCOUNTS, p=book / book.sum()),
            np.repeat(new_hires, NEW_HIRE_ACCOUNTS),
        ]
    )
    n_accounts = owner.size
    value = np.exp(rng.normal(0.0, 1.1, n_accounts))
    rank = np.argsort(np.argsort(-value)) / n_accounts
    segment = np.where(rank < SEGMENT_SHARE[0], 0, np.where(rank < sum(SEGMENT_SHARE), 1, 2))
    # Lines per month grow less than value: big accounts also buy more per line.
    rate = value**0.7 * rep_skill[owner]

    primary = np.where(
        segment == 2,
        rng.choice(3, n_accounts, p=[0.35, 0.45, 0.20]),
        rng.choice(3, n_accounts, p=[0.55, 0.15, 0.30]),
    )
    channel = np.full((n_accounts, 3), 0.125)
    channel[np.arange(n_accounts), primary] = 0.75

    # When each account buys: some are won during the period, some churn, new hires' books start with them.
    start = np.where(rng.random(n_accounts) < 0.08, rng.integers(1, MONTHS, n_accounts), 0)
    stop = np.where(rng.random(n_accounts) < 0.06, rng.integers(6, MONTHS, n_accounts), MONTHS)
    is_new_book = owner >= N_REPS - N_NEW_HIRES
    start = np.where(
        is_new_book, rep_hired[owner] + rng.integers(0, 4, n_accounts) * (rng.random(n_accounts) < 0.6), start
    )
    m = np.arange(MONTHS)[None, :]
    since_hire = m - rep_hired[owner][:, None]
    ramp = np.clip((since_hire + 1) / RAMP_MONTHS, 0.0, 1.0)
    active = ((m >= start[:, None]) & (m < stop[:, None])) * ramp * rate[:, None]

    # Account names: unique within a region (city + brand + kind), ids in one sequence.
    account_names = np.empty(n_accounts, dtype=object)
    team_of_account = rep_team[owner]
    n_combos = len(labels["cities"][0]) * len(labels["brands"]) * len(labels["kinds"])
    for team in range(n_teams):  # four regions, not a loop over rows
        idx = np.flatnonzero(team_of_account == team)
        combo = rng.choice(n_combos, size=idx.size, replace=False)
        city, rest = np.divmod(combo, len(labels["brands"]) * len(labels["kinds"]))
        brand, kind = np.divmod(rest, len(labels["kinds"]))
        account_names[idx] = [
            labels["account_name"].format(
                city=labels["cities"][team][c], brand=labels["brands"][b], kind=labels["kinds"][k]
            )
            for c, b, k in zip(city, brand, kind, strict=True)
        ]
    account_ids = np.array([f"C{i:05d}" for i in range(1, n_accounts + 1)])
    return Company(
        months=months,
        rep_names=rep_names,
        rep_team=rep_team,
        rep_skill=rep_skill,
        rep_hired=rep_hired,
        rep_left=rep_left,
        successor=successor,
        leaver=leaver,
        account_ids=account_ids,
        account_names=account_names,
        account_owner=owner,
        account_segment=segment,
        account_value=value,
        account_channel=channel,
        account_active=active,
    )


def _rep_display_names(company: Company, locale: str) -> np.ndarray:
    labels = LABELS[locale]
    sep = "" if locale == "zh_CN" else " "
    return np.array([labels["surnames"][s] + sep + labels["given"][g] for s, g in company.rep_names])


def _daily_weights(days: pd.DatetimeIndex) -> np.ndarray:
    """Relative order volume per day and channel (days × offline/online/partner), before the trend."""
    import holidays

    years = range(days[0].year, days[-1].year + 1)
    # English names whatever the machine's language, so the lookup below is stable.
    cn = holidays.country_holidays("CN", years=years, language="en_US")
    is_holiday = np.array([d in cn for d in days.date])
    spring = sorted(d for d, name in cn.items() if name == "Chinese New Year (Spring Festival)")
    first_days = {d.year: d for d in reversed(spring)} | {
        y: LUNAR_NEW_YEAR[y] for y in years if y in LUNAR_NEW_YEAR
    }
    lunar_new_year = np.array(sorted(first_days.values()), dtype="datetime64[D]")

    weekday = days.dayofweek.to_numpy()
    weights = np.ones((days.size, 3))
    weights[:, [0, 2]] *= np.where(weekday == 5, 0.3, np.where(weekday == 6, 0.15, 1.0))[:, None]
    weights[:, 1] *= np.where(weekday >= 5, 0.9, 1.0)
    weights[is_holiday] *= np.array([0.15, 0.7, 0.15])

    # Spring Festival: business slows the week before, stops over the holiday, restarts over two weeks.
    stamp = days.to_numpy().astype("datetime64[D]")
    offset = (stamp[:, None] - lunar_new_year[None, :]).astype(int)
    nearest = offset[np.arange(days.size), np.abs(offset).argmin(axis=1)] if lunar_new_year.size else None
    if nearest is not None:
        dip = np.ones(days.size)
        dip = np.where((nearest >= -10) & (nearest < 0), 1.0 - 0.07 * (nearest + 11), dip)
        dip = np.where((nearest >= 0) & (nearest <= 7), 0.1, dip)
        dip = np.where((nearest > 7) & (nearest <= 21), 0.1 + 0.9 * (nearest - 7) / 14, dip)
        weights *= dip[:, None]
        weights[:, 1] *= np.where((nearest >= 0) & (nearest <= 7), 3.0, 1.0)  # online dips less

    month, dom = days.month.to_numpy(), days.day.to_numpy()
    weights *= MONTH_SEASON[month - 1][:, None]
    online = np.ones(days.size)
    online = np.where((month == 6) & (dom <= 18), 1.6, online)
    online = np.where((month == 6) & (dom >= 16) & (dom <= 18), 4.0, online)
    online = np.where((month == 11) & (dom <= 11), 2.0, online)
    online = np.where((month == 11) & (dom == 11), 7.0, online)
    online = np.where((month == 12) & (dom == 12), 2.5, online)
    weights[:, 1] *= online
    # Quarter-end push by the field and partner reps.
    quarter_end = (month % 3 == 0) & (dom > days.days_in_month.to_numpy() - 6)
    weights[:, [0, 2]] *= np.where(quarter_end, 1.35, 1.0)[:, None]
    return weights * CHANNEL_SHARE[None, :]


def _dictionary_column(labels: np.ndarray, codes: np.ndarray) -> pa.Array:
    """A string column from small label set + integer codes, built in Arrow (no Python string per row)."""
    return pc.take(pa.array(labels.astype(str).tolist(), type=pa.string()), pa.array(codes))


def _draw_month(
    rng: np.random.Generator,
    company: Company,
    month: int,
    lines: np.ndarray,
    daily: np.ndarray,
    days: slice,
    years_in: np.ndarray,
) -> dict[str, np.ndarray]:
    """One month's invoice lines (day index, account, channel, product, qty, price, amount), returns included."""
    n_accounts = company.account_ids.size
    parts_day, parts_account, parts_channel = [], [], []
    for c in range(3):
        if lines[c] == 0:
            continue
        p_day = daily[days, c] / daily[days, c].sum()
        p_account = company.account_active[:, month] * company.account_channel[:, c]
        parts_day.append(days.start + rng.choice(days.stop - days.start, size=lines[c], p=p_day))
        parts_account.append(rng.choice(n_accounts, size=lines[c], p=p_account / p_account.sum()))
        parts_channel.append(np.full(lines[c], c, dtype=np.int8))
    day = np.concatenate(parts_day)
    account = np.concatenate(parts_account)
    channel = np.concatenate(parts_channel)
    segment = company.account_segment[account]
    mix = SEGMENT_MIX[:, None, :] * CHANNEL_MIX[None, :, :]
    mix_cum = np.cumsum(mix / mix.sum(axis=2, keepdims=True), axis=2).reshape(9, -1)
    product = (rng.random(day.size)[:, None] > mix_cum[segment * 3 + channel]).sum(axis=1).clip(max=4)
    qty = 1 + rng.poisson(SEGMENT_UNITS[segment] * UNITS_PER_LINE[product])
    discount = SEGMENT_DISCOUNT[segment] - rng.uniform(-0.03, 0.03, day.size)
    price = np.round(LIST_PRICE[product] * (1 - discount) * PRICE_GROWTH ** years_in[day], 2)

    # Returns: a share of lines come back (partly) a few days later, within the same month.
    back = np.flatnonzero(rng.random(day.size) < RETURN_RATE)
    returned = -(1 + (rng.random(back.size) * qty[back]).astype(np.int64))
    return_day = np.minimum(day[back] + rng.integers(2, 20, back.size), days.stop - 1)
    drawn = {
        "day": np.concatenate([day, return_day]),
        "account": np.concatenate([account, account[back]]),
        "channel": np.concatenate([channel, channel[back]]),
        "product": np.concatenate([product, product[back]]),
        "qty": np.concatenate([qty, returned]),
        "price": np.concatenate([price, price[back]]),
    }
    drawn["amount"] = np.round(drawn["qty"] * drawn["price"], 2)
    order = np.argsort(drawn["day"], kind="stable")
    return {name: values[order] for name, values in drawn.items()}


def _write_sales(
    target: Path, company: Company, rng: np.random.Generator, n_rows: int, labels: dict, locale: str
) -> np.ndarray:
    """Write the transactions month by month; return each account's net value over the last 12 months."""
    months = company.months
    days = pd.date_range(months[0].start_time, months[-1].end_time.normalize(), freq="D")
    dates = days.to_numpy().astype("datetime64[D]")
    day_month = np.asarray(days.to_period("M").asi8 - months[0].ordinal)
    years_in = np.arange(days.size) / 365.25
    daily = _daily_weights(days) * LINES_GROWTH ** years_in[:, None]

    # Expected lines per month and channel: calendar volume × buying accounts (active, with affinity).
    month_volume = np.stack([np.bincount(day_month, daily[:, c], minlength=MONTHS) for c in range(3)], axis=1)
    expected = month_volume * (company.account_active.T @ company.account_channel)
    lines = np.round(expected / expected.sum() * n_rows / (1 + RETURN_RATE)).astype(np.int64)
    month_start = np.r_[0, np.cumsum(np.bincount(day_month, minlength=MONTHS))]

    rep_labels = _rep_display_names(company, locale)
    team_labels, territory_labels = np.array(labels["teams"]), np.array(labels["territories"])
    trailing = np.zeros(company.account_ids.size)
    writer = pq.ParquetWriter(
        target, SALES_SCHEMA, compression="zstd", compression_level=9, use_dictionary=True
    )
    buffered: list[pa.Table] = []
    try:
        for m in range(MONTHS):  # one month at a time: bounded memory at any row count
            if lines[m].sum() == 0:
                continue
            drawn = _draw_month(
                rng, company, m, lines[m], daily, slice(month_start[m], month_start[m + 1]), years_in
            )
            account = drawn["account"]
            owner = company.account_owner
            if m > company.rep_left[company.leaver]:  # the leaver's accounts have moved on
                owner = np.where(owner == company.leaver, company.successor, owner)
            rep = owner[account]
            team = company.rep_team[rep]
            if m >= MONTHS - 12:
                trailing += np.bincount(account, drawn["amount"], minlength=trailing.size)
            buffered.append(
                pa.table(
                    {
                        "order_date": pa.array(dates[drawn["day"]], type=pa.date32()),
                        "customer_id": _dictionary_column(company.account_ids, account),
                        "sales_rep": _dictionary_column(rep_labels, rep),
                        "team": _dictionary_column(team_labels, team),
                        "region": _dictionary_column(territory_labels, team),
                        "customer_segment": _dictionary_column(
                            np.array(SEGMENTS), company.account_segment[account]
                        ),
                        "channel": _dictionary_column(np.array(CHANNELS), drawn["channel"]),
                        "product_line": _dictionary_column(np.array(labels["products"]), drawn["product"]),
                        "qty": pa.array(drawn["qty"].astype(np.int32)),
                        "unit_price": pa.array(drawn["price"]),
                        "net_amount": pa.array(drawn["amount"]),
                    },
                    schema=SALES_SCHEMA,
                )
            )
            if sum(t.num_rows for t in buffered) >= ROW_GROUP:
                writer.write_table(pa.concat_tables(buffered), row_group_size=ROW_GROUP)
                buffered = []
        if buffered:
            writer.write_table(pa.concat_tables(buffered), row_group_size=ROW_GROUP)
    finally:
        writer.close()
    return trailing


def _accounts_table(
    company: Company, rng: np.random.Generator, trailing: np.ndarray, labels: dict, locale: str
) -> pd.DataFrame:
    """The account master: current owner, segment and potential (estimated yearly value incl. headroom)."""
    owner = company.account_owner.copy()
    owner[owner == company.leaver] = company.successor
    buying = trailing > 0
    per_value = trailing[buying].sum() / max(company.account_value[buying].sum(), 1e-9)
    yearly = np.where(buying, trailing, company.account_value * per_value)
    headroom = np.exp(rng.normal(0.45, 0.25, yearly.size))
    potential = np.maximum(np.round(yearly * headroom, -2), 1000.0)
    return pd.DataFrame(
        {
            "account": company.account_ids,
            "account_name": company.account_names,
            "segment": np.array(SEGMENTS)[company.account_segment],
            "potential": potential.astype(np.int64),
            "rep": _rep_display_names(company, locale)[owner],
            "team": np.array(labels["teams"])[company.rep_team[owner]],
            "territory": np.array(labels["territories"])[company.rep_team[owner]],
        }
    )


def _reps_table(company: Company, labels: dict, locale: str) -> pd.DataFrame:
    """Who sells: team, region, the month each rep was hired, and the leaver's last month."""
    first = company.months[0]
    hired = [str(first + int(h)) for h in company.rep_hired]
    left = ["" if x >= MONTHS else str(first + int(x)) for x in company.rep_left]
    return pd.DataFrame(
        {
            "rep": _rep_display_names(company, locale),
            "team": np.array(labels["teams"])[company.rep_team],
            "territory": np.array(labels["territories"])[company.rep_team],
            "hired": hired,
            "left": left,
        }
    )


def _plan_text(name: str, locale: str, start: dt.date, end: dt.date, grain: str = "month") -> str:
    sales = "\n".join(f"      {k}: {v}" for k, v in SALES_COLUMNS.items())
    accounts = "\n".join(f"      {k}: {v}" for k, v in ACCOUNT_COLUMNS.items())
    return f"""\
# The demo company, generated by `salesplan demo`: three years of invoice lines, 40 reps in four regions.
# Every key is described in docs/plan.schema.json.
name: "{name}"
currency: CNY
locale: {locale}
calendar:
  grain: {grain}
  fiscal_year_start: 1
  start: {start.isoformat()}
  end: {end.isoformat()}
  country: CN
sources:
  sales:      # one row per invoice line; returns are negative quantities and amounts
    path: data/sales.parquet
    columns:  # our name: the column's name in the file
{sales}
  accounts:   # account master: name, segment, potential (estimated yearly value), current owner
    path: data/accounts.csv
    columns:
{accounts}
reports:
  templates: [{", ".join(REPORT_TEMPLATES)}]
  dashboards: [{", ".join(DASHBOARDS)}]
"""


# -- the plan: goal, split, incentives and tracking, computed by the library's own models ------------------
def _goal_section(
    cube: pd.DataFrame, year: int, labels: dict, unit: float, calendar: FiscalCalendar
) -> GoalSection:
    """FY `year`'s goal: the baseline forecast from the history before the year plus a stretch, as the goal
    wizard would set it (SMART-checked; an explicit override reason where the stretch is not 'achievable')."""
    periods = calendar.year_periods(year)
    first, last = periods[0], periods[-1]
    history = cube[cube["period"] < first]
    settings = GoalSection()
    forecast = baseline_forecast(history, first, last, last_actual=first - 1, level=settings.interval_level)
    quarters = calendar.fiscal_quarters(periods)
    review = [periods[np.argmax(quarters == q)] for q in (2, 3, 4)]  # the first period of each later quarter
    proposal = stretch_target(forecast, GOAL_STRETCH)
    target = float(round(proposal.total / unit) * unit)  # a round figure the split can share out exactly
    goal = settings.model_copy(
        update={
            "name": labels["goal_name"].format(year=year, target=f"{target:,.0f}"),
            "metric": "revenue",
            "start": first.start_time.date(),
            "end": last.end_time.date(),
            "review_dates": [p.start_time.date() for p in review],
            "method": "stretch",
            "stretch": GOAL_STRETCH,
            "target": target,
            "baseline": round(forecast.total, 2),
            "probability": round(proposal.probability, 4),
            "rationale": labels["rationale"].format(last=first - 1, stretch=f"{GOAL_STRETCH:.0%}"),
            "business_objective": labels["objective"],
        }
    )
    check = smart_check(
        goal,
        history,
        probability=proposal.probability,
        stretch=proposal.stretch,
        target_at_threshold=target_for_probability(forecast, goal.probability_threshold),
    )
    if not check.passed:
        goal = goal.model_copy(update={"override_reason": labels["override"]})
    return GoalSection.model_validate(goal.model_dump())


def _split_section(
    cube: pd.DataFrame, goal: GoalSection, roster: pd.DataFrame, potential: pd.DataFrame, labels: dict
) -> tuple[SplitSection, pd.DataFrame]:
    """Split the goal segment → channel → team → rep → month on the history before the year; return the
    section and the targets table (period, rep, team, territory, segment, channel, target) that the
    tracker and the incentives read."""
    first = pd.Period(goal.start + dt.timedelta(days=3), freq="M")  # a weekly year may start in December
    section = SplitSection(
        goal=goal.target,
        start=str(first),
        months=12,
        levels=[
            SplitLevel(dimension="segment", method="potential"),
            SplitLevel(dimension="channel", method="historical", params={"months": 12}),
            SplitLevel(dimension="team", method="historical", params={"months": 12}),
            # one quota per head within a team, ramped for new hires and ending for the leaver: a rep's
            # own short history (a new hire's first months) would otherwise set a tiny quota
            SplitLevel(dimension="rep", method="capacity", params={"base": "equal"}),
            SplitLevel(dimension="period", method="seasonality", params={"by": ["channel"]}),
        ],
        unit=SPLIT_UNIT,
        ramp_months=RAMP_MONTHS,
        strategies={
            k: SegmentStrategy(strategy=labels["strategies"][k], growth=v.growth)
            for k, v in SplitSection().strategies.items()
        },
        milestones="quarter",
    )
    periods = plan_months(cube, section.start, section.months)  # the calendar's: 12 months, 52/53 weeks
    split = split_goal(
        section.goal,
        section.levels_for_model(),
        cube[cube["period"] < periods[0]],
        periods,
        unit=section.unit,
        potential=potential,
        roster=roster,
        basis_months=section.basis_months,
        ramp_months=section.ramp_months,
    )
    targets = split.targets
    text = [c for c in targets.columns if c not in ("period", "target")]
    return section, targets.assign(**{c: targets[c].astype(str) for c in text})


def _incentives_section(year: int, labels: dict) -> IncentivesSection:
    """A realistic commission plan: ~3% base, richer on key accounts, marginal tiers with an accelerator
    above quota, a 50% threshold, a cap, quarterly year-to-date true-up, a milestone bonus, one SPIF."""
    boards, badges = labels["boards"], labels["badges"]
    return IncentivesSection.model_validate(
        {
            "measurement": "quarterly",
            "cumulative": True,
            "negative": "carry_forward",
            "commission": {
                "base_rate": 0.03,
                "overrides": [{"segment": "A", "rate": 0.035}, {"channel": "partner", "rate": 0.02}],
                "tiers": {
                    "basis": "attainment",
                    "mode": "marginal",
                    "bands": [
                        {"at_least": 0.0, "below": 0.8, "rate": 0.025},
                        {"at_least": 0.8, "below": 1.0, "rate": 0.03},
                        {"at_least": 1.0, "below": 1.2, "rate": 0.04},
                        {"at_least": 1.2, "below": 1.5, "rate": 0.05},
                        {"at_least": 1.5, "rate": 0.02},
                    ],
                },
                "accelerators": [{"at_least": 1.0, "multiplier": 1.25}],
                "threshold": 0.5,
                "caps": {"attainment": 2.0, "payout": 150_000},
            },
            "milestones": [{"name": labels["milestone"], "by": f"{year}-06", "bonus": 5_000}],
            "spifs": [
                {
                    "name": labels["spif"],
                    "product": labels["products"][2],
                    "rate": 0.01,
                    "start": f"{year}-09",
                    "end": f"{year}-10",
                }
            ],
            "rewards": [
                {"name": labels["reward"], "kind": "training", "cost": 6_000, "at_least": 1.2},
                {"name": labels["event"], "kind": "event", "cost": 800, "at_least": 1.0},
            ],
            "recognition": {
                "leaderboards": [
                    {"name": boards[0], "metric": "attainment", "top": 10},
                    {"name": boards[1], "metric": "sales", "top": 10},
                    {"name": boards[2], "metric": "growth", "top": 5},
                    {"name": boards[3], "metric": "ytd_new_accounts", "top": 5},
                ],
                "badges": [
                    {"name": badges[0], "rule": "first_to_quota"},
                    {"name": badges[1], "rule": "streak", "level": 1.0, "months": 3},
                    {"name": badges[2], "rule": "attainment", "level": 1.3},
                ],
            },
        }
    )


def _tracking_section(shock_from: str) -> TrackingSection:
    """Flag reps projected below 90% of the year's plan; pace the year against the Chinese calendar; expect
    a price war in segment C from the month after the data (the tracking notebook previews it on quotas)."""
    return TrackingSection(
        at_risk_threshold=0.9,
        ahead_threshold=1.0,
        country="CN",
        pace_window="year",
        leaderboard_size=10,
        market_shocks=[
            PlannedShock(factor=0.9, start=shock_from, segment="C", reason="price war in segment C")
        ],
    )


def _access_section(roster: pd.DataFrame, labels: dict) -> AccessSection:
    """Who signs in to `salesplan hub`: an analyst, finance, the first team's manager and two reps of two
    teams (each the first current rep of their team by name)."""
    current = roster[roster["left"].fillna("").eq("")].sort_values("rep")
    first, second = (current.loc[current["team"] == team, "rep"].iloc[0] for team in labels["teams"][:2])
    return AccessSection(
        users={
            "ana": HubUser(role="analyst"),
            "fei": HubUser(role="finance"),
            "mia": HubUser(role="manager", teams=[labels["teams"][0]]),
            "rex": HubUser(role="rep", rep=first),
            "rob": HubUser(role="rep", rep=second),
        }
    )


def _write_plan(
    directory: Path, plan: Plan, doc, roster: pd.DataFrame, labels: dict, last: pd.Period
) -> None:
    """Compute the plan's sections from the cube (built in DuckDB, so 10M rows stay out of pandas), write
    the targets table and the step notebooks, then the plan file itself, last."""
    cube = build_cube(plan.sources.sales, directory, plan.calendar)
    potential = account_master(plan.sources.accounts, directory)
    calendar = FiscalCalendar.of(plan.calendar)
    year = calendar.fiscal_year(calendar.period(last.end_time))  # the fiscal year the data ends in
    goal = _goal_section(cube, year, labels, GOAL_UNIT, calendar)
    split, targets = _split_section(cube, goal, roster, potential, labels)
    with atomic_path(directory / TABLES_DIR / "targets.csv") as tmp:  # as Workbook.write_table writes it
        targets.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    source = templates_dir()
    for template, notebook in STEPS:
        if (source / f"{template}.ipynb").exists():
            instantiate_notebook(source / f"{template}.ipynb", directory / f"{notebook}.ipynb")
    PlanFile(path=directory / PLAN_FILE, plan=plan, version=None, _doc=doc).save(
        goal=goal,
        split=split,
        incentives=_incentives_section(year, labels),
        tracking=_tracking_section(str(last + 1)),
        access=_access_section(roster, labels),
    )


def create_demo(
    directory: str | Path,
    *,
    seed: int = 7,
    end: str | None = None,
    rows: int | None = None,
    locale: str = "en",
    grain: str = "month",
) -> Path:
    """Write the demo company's workbook into `directory` (which must not hold a plan yet); return it.

    `end` is the last month of data (YYYY-MM, default the last complete month); `rows` scales the number
    of invoice lines (same reps, accounts and period) for benchmarks; `grain` is the plan's calendar grain
    (month, week, quarter, 4-4-5 ...): the same sales, planned and tracked per period of that grain.
    """
    directory = Path(directory)
    if (directory / PLAN_FILE).exists():
        raise SalesplanError(
            _("{path} already holds a workbook; nothing was changed. Choose another folder.").format(
                path=directory
            )
        )
    if locale not in LOCALES:
        raise SalesplanError(_("Unknown locale {locale!r}: use en or zh_CN.").format(locale=locale))
    if rows is not None and rows < 1_000:
        raise SalesplanError(_("--rows must be at least 1000, not {rows}.").format(rows=rows))
    last = _end_month(end)
    months = pd.period_range(last - (MONTHS - 1), last, freq="M")
    start, stop = months[0].start_time.date(), months[-1].end_time.date()
    labels = LABELS[locale]
    text = _plan_text(labels["name"], locale, start, stop, grain)
    plan, doc = parse_plan(text)  # the plan must be valid before anything is written

    company_seed, sales_seed, account_seed = np.random.SeedSequence(seed).spawn(3)
    company = _make_company(np.random.default_rng(company_seed), months, labels)
    data = directory / "data"
    with atomic_path(data / "sales.parquet", suffix=".parquet") as tmp:
        trailing = _write_sales(
            tmp, company, np.random.default_rng(sales_seed), rows or DEFAULT_ROWS, labels, locale
        )
    accounts = _accounts_table(company, np.random.default_rng(account_seed), trailing, labels, locale)
    atomic_write(data / "accounts.csv", accounts.to_csv(index=False, lineterminator="\n"))
    roster = _reps_table(company, labels, locale)
    atomic_write(data / "reps.csv", roster.to_csv(index=False, lineterminator="\n"))
    _write_plan(directory, plan, doc, roster, labels, last)  # the plan last: complete, or nothing
    return directory
