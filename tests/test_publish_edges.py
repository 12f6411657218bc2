"""The last edges of a scoped extract: each extract credits, pays and claws back from each of its people
exactly what the whole workbook does, and names nobody outside its scope, anywhere in its folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_publish import _two_rep_workbook, closed_january

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import InputError
from salesplan_widgets.model.credit import credit_sales
from salesplan_widgets.workbook.ledger import compute_payments
from salesplan_widgets.workbook.payouts import incentives_of, pay_cube, period_statements
from salesplan_widgets.workbook.publish import RECOGNITION_FILE, publish

EVERYONE = {"Li Na", "Zhao Lei", "Wang Fang", "Chen Jie"}
SCOPES = (("li", {"Li Na"}), ("zhao", {"Zhao Lei"}), ("boss", {"Li Na", "Wang Fang", "Chen Jie"}))


def _credited(workbook) -> dict[tuple[str, str, str], float]:
    """Credit by person, kind (booked, split, overlay, won ...) and month."""
    section = incentives_of(workbook)
    rows = credit_sales(pay_cube(workbook, section), section)
    keys = [rows["rep"].astype(str), rows["credit"], rows["period"].astype(str)]
    return rows.groupby(keys)["actual"].sum().round(6).to_dict()


def _paid(workbook, month: str) -> dict[str, float]:
    reps = period_statements(workbook, month).reps
    return reps.groupby(reps["rep"].astype(str))["payout"].sum().round(6).to_dict()


def _clawed_back(workbook, month: str) -> dict[str, int]:
    """What closing `month` would claw back from each person, in minor units."""
    lines = compute_payments(workbook, month).payments.lines
    rows = lines[(lines["kind"] == "clawback").to_numpy()]
    return rows.groupby(rows["rep"].astype(str))["amount_minor"].sum().to_dict()


def _stored(extract: Path) -> str:
    """Every byte of a published extract's folder, as text, but the company-wide recognition, which the
    plan makes public (each leaderboard's top N, champions)."""
    files = [p for p in extract.rglob("*") if p.is_file() and p != extract / RECOGNITION_FILE]
    return "".join(p.read_bytes().decode("latin-1") for p in files)


def assert_extracts_count_as_the_whole(book, extracts: dict[str, Path], clawback_month: str | None = None):
    """Each scope's extract credits (by kind), pays (January and February) and claws back from each of its
    people what the whole workbook does, its calculator lists only them, and no outside name appears
    anywhere in its folder."""
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    whole = _credited(book)
    whole_paid = {m: _paid(book, m) for m in ("2026-01", "2026-02")}
    whole_back = _clawed_back(book, clawback_month) if clawback_month else {}
    for user, people in SCOPES:
        extract = open_workbook(extracts[user], read_only=True)  # as the user's dashboard kernel opens it
        assert _credited(extract) == {k: v for k, v in whole.items() if k[0] in people}, user
        for month, paid in whole_paid.items():
            assert _paid(extract, month) == {r: v for r, v in paid.items() if r in people}, (user, month)
        if clawback_month:
            mine = {r: v for r, v in whole_back.items() if r in people}
            assert _clawed_back(extract, clawback_month) == mine, user
        assert set(IncentiveCalculator(extract, period="2026-01").reps) <= people, user
        stored = _stored(extracts[user])
        for other in EVERYONE - people:
            assert other not in stored, (user, other)


def test_a_sales_file_naming_a_rep_as_an_extract_names_outsiders_is_refused_with_its_row(tmp_path) -> None:
    """`(others)` is what an extract calls the people it does not name (and credits nothing): a real rep of
    that name would be credited nothing, so the data is refused, with the file, row and column to fix."""
    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team\n2026-01-05,500,Li Na,East\n2026-01-06,300,(others),North\n",
        "  commission: {base_rate: 0.05}\n",
    )
    with pytest.raises(InputError) as raised:
        open_workbook(folder).cube()
    [problem] = raised.value.problems
    assert (problem.column, problem.found, problem.row) == ("rep", "(others)", 3)
    assert problem.file.endswith("sales.csv") and "(others" in problem.expected


def test_a_plan_crediting_a_person_named_as_an_extract_names_outsiders_is_refused(tmp_path) -> None:
    """A split's overlay or a manager named `(others…)` would be credited nothing, as an extract's outsider
    is: `validate` (which `run` refuses with) names each place in plan.yaml; an extract's own plan, which
    names its outsiders so, is not refused for it."""
    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team\n2026-01-05,500,Li Na,East\n2026-01-06,300,Zhao Lei,North\n",
        "  commission: {base_rate: 0.05}\n"
        "  crediting: [{rep: Zhao Lei, shares: {Zhao Lei: 1.0}, overlays: {(others): 1.0}}]\n"
        "  hierarchy: [{manager: (others 2), team: East}]\n",
    )
    problems = [p for p in open_workbook(folder).validate() if "'(others'" in p.expected]
    assert sorted((p.column, p.found) for p in problems) == [
        ("incentives.crediting[0]", "(others)"),
        ("incentives.hierarchy[0].manager", "(others 2)"),
    ]
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(
        plan.replace("{(others): 1.0}", "{Wang Fang: 1.0}").replace(
            "  hierarchy: [{manager: (others 2), team: East}]\n", ""
        ),
        encoding="utf-8",
    )
    li = open_workbook(publish(folder, tmp_path / "state")["li"], read_only=True)
    assert "(others 1)" in (li.path / "plan.yaml").read_text(encoding="utf-8")  # Zhao's split, as li reads it
    assert not [p for p in li.validate() if "'(others'" in p.expected]


def test_each_outside_reps_own_split_applies_only_to_that_reps_returns_in_an_extract(tmp_path) -> None:
    """Zhao Lei's sales are split half to Li Na, Wang Fang's a fifth to her. Both return a deal in
    February: Li gives back half of Zhao's and a fifth of Wang's, in her extract as in the whole workbook
    (not half of both, as when both were one `(others)` and Zhao's rule came first)."""
    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,deal\n"
        "2026-01-05,1000,Li Na,East,L-1\n"
        "2026-01-06,2000,Zhao Lei,North,Z-1\n"
        "2026-01-07,4000,Wang Fang,East,W-1\n"
        "2026-02-03,-2000,Zhao Lei,North,Z-1\n"
        "2026-02-04,-4000,Wang Fang,East,W-1\n",
        "  commission: {base_rate: 0.05}\n  clawback: {window_days: 60}\n  crediting:\n"
        "  - {rep: Zhao Lei, shares: {Zhao Lei: 0.5, Li Na: 0.5}}\n"
        "  - {rep: Wang Fang, shares: {Wang Fang: 0.8, Li Na: 0.2}}\n"
        "  hierarchy: [{manager: Chen Jie, team: East, override_rate: 0.01}]\n",
    )
    book = closed_january(folder)
    assert _clawed_back(book, "2026-02")["Li Na"] == -(5_000 + 4_000)  # 5% of 1,000 and of 800, in cents
    assert_extracts_count_as_the_whole(book, publish(book, tmp_path / "state"), "2026-02")


@pytest.mark.parametrize("overlay", [False, True], ids=["instead", "overlay"])
def test_a_sale_split_back_to_its_booker_by_the_outside_winners_split_is_in_the_bookers_extract(
    tmp_path, overlay: bool
) -> None:
    """Zhao Lei won ACME in January; Li Na books 700 on it ten days later, which the whole workbook credits
    to Zhao (instead of Li, or beside her), whose own split gives Li half back. Li's extract credits and
    pays her that half, and claws it back when the deal returns in February. Li won Beta; Zhao's 600 there
    are hers (instead of his), or beside him, when his split still gives her half of what he keeps."""
    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,account,deal\n"
        "2026-01-05,500,Zhao Lei,North,ACME,D-1\n"
        "2026-01-15,700,Li Na,East,ACME,D-2\n"
        "2026-01-16,300,Li Na,East,Beta,D-3\n"
        "2026-01-17,600,Zhao Lei,North,Beta,D-4\n"
        "2026-02-03,-700,Li Na,East,ACME,D-2\n",
        "  commission: {base_rate: 0.05}\n  clawback: {window_days: 60}\n"
        f"  account_winner: {{months: 6, overlay: {str(overlay).lower()}}}\n"
        "  crediting: [{rep: Zhao Lei, shares: {Zhao Lei: 0.5, Li Na: 0.5}}]\n"
        "  hierarchy: [{manager: Chen Jie, team: East, override_rate: 0.01}]\n",
    )
    book = closed_january(folder)
    whole = _credited(book)
    if not overlay:
        assert whole[("Li Na", "split", "2026-01")] == 250.0 + 350.0  # half of Zhao's, half of ACME's 700
        assert whole[("Li Na", "won", "2026-01")] == 600.0
    else:
        assert whole[("Li Na", "split", "2026-01")] == 250.0 + 300.0  # half of Zhao's ACME and Beta
        assert whole[("Li Na", "won_overlay", "2026-01")] == 600.0
    assert_extracts_count_as_the_whole(book, publish(book, tmp_path / "state"), "2026-02")


def test_a_segments_rate_applies_to_a_share_of_an_outside_reps_sale_in_an_extract(tmp_path) -> None:
    """Segment A pays 10% instead of 5%. Zhao Lei's A sales are split half to Li Na (and Beta's credited
    to her beside him as an overlay): her extract pays her shares at A's rate, as the whole workbook does."""
    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,segment,account\n"
        "2026-01-05,1000,Li Na,East,B,Gamma\n"
        "2026-01-06,2000,Zhao Lei,North,A,ACME\n"
        "2026-01-07,400,Zhao Lei,North,A,Beta\n"
        "2026-02-03,800,Zhao Lei,North,B,ACME\n",
        "  commission: {base_rate: 0.05, overrides: [{segment: A, rate: 0.10}]}\n  crediting:\n"
        "  - {account: Beta, shares: {Zhao Lei: 1.0}, overlays: {Li Na: 1.0}}\n"
        "  - {rep: Zhao Lei, shares: {Zhao Lei: 0.5, Li Na: 0.5}}\n",
    )
    book = open_workbook(folder)
    assert _paid(book, "2026-01")["Li Na"] == pytest.approx(1000 * 0.05 + 1000 * 0.10 + 400 * 0.10)
    assert_extracts_count_as_the_whole(book, publish(book, tmp_path / "state"))
