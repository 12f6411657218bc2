"""The analyst's tracker of a shop without targets (test_tracking_without_targets.py's flat-commission shop:
date, amount and rep only, four months of history). Before, `Tracker(workbook)` raised "a targets table,
or a year of sales history" and the step notebook 4_tracking.ipynb stopped at its first cell that built
one; now JupyterLab shows the manager's sales-only view — standing, trend, rankings, movers, rep × period
— with the notes an analyst may read and add (audited), and says in both languages how to set a target.

Figures by hand (see test_tracking_without_targets.py): April 15,500 against March's 16,000.40; year to
date 64,500.40 (Li 28,000.40); ranking Wang, Li, Zhao; April's movers Wang −4,000, Zhao +2,500, Li +999.60.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from test_read_only import tree_digest
from test_tracking_without_targets import SALES, write_shop

from salesplan_widgets.paths import templates_dir
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook import open_read_only
from salesplan_widgets.workbook.audit import read_audit
from salesplan_widgets.workbook.feedback import read_feedback
from salesplan_widgets.workbook.scaffold import instantiate_notebook

HOW_TO = {
    "en": (
        "No target is set, so there is no attainment, pace or at-risk list",
        "Attainment needs a target",
        "goal wizard",
        "open 1_goal_setting.ipynb to set the goal, then 2_task_split.ipynb",
    ),
    "zh_CN": (
        "尚未设定目标，因此没有达成率、进度和风险名单",
        "达成率需要目标",
        "目标向导",
        "打开 1_goal_setting.ipynb 设定目标",
    ),
}


def shown(tracker) -> str:
    """The text of every panel the view shows (markup and styles stripped)."""
    panels = [c.value for c in tracker.children if hasattr(c, "value") and isinstance(c.value, str)]
    body = re.sub(r"<(style|svg)\b.*?</\1>", " ", "\n".join(panels), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def hand_ytd(rep: str | None = None) -> float:
    rows = [float(a.replace(",", "")) for _d, a, r in SALES if rep in (None, r)]
    return sum(rows)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_tracker_of_a_shop_without_targets_shows_sales_and_says_how_to_set_a_target(tmp_path, locale):
    folder = write_shop(tmp_path / "shop", locale)
    tracker = Tracker(folder)
    assert tracker.has_targets is False
    assert tracker.period == "2026-04"  # the latest period with sales
    assert tracker.summary["sales"] == pytest.approx(15_500)
    assert tracker.summary["previous"] == pytest.approx(16_000.40)
    assert tracker.summary["ytd"] == pytest.approx(hand_ytd())
    assert tracker.summary["run_rate_year_end"] == pytest.approx(hand_ytd() / 4 * 12)
    assert tracker.standing["rep"].tolist() == ["Wang", "Li", "Zhao"]
    assert tracker.movers["rep"].tolist() == ["Wang", "Zhao", "Li"]
    assert tracker.movers["change"].tolist() == pytest.approx([-4_000, 2_500, 999.60])
    assert tracker.at_risk.empty and "projected_gap" in tracker.at_risk.columns  # nobody behind no target
    text = shown(tracker)
    for words in HOW_TO[locale]:
        assert words in text
    for figure in ("64,500", "193,501", "15,500", "16,000"):
        assert figure in text
    ranking = text[text.index("Rankings" if locale == "en" else "排名") :]
    assert ranking.index("Wang") < ranking.index("Li") < ranking.index("Zhao")
    assert "Traceback" not in text and "Error" not in text
    assert not (folder / "tables" / "targets.csv").exists()  # nothing invented on the way


def test_the_selection_narrows_the_figures_to_a_rep_and_a_period(tmp_path):
    tracker = Tracker(write_shop(tmp_path / "shop"))
    tracker.rep = "Li"
    assert tracker.summary["ytd"] == pytest.approx(hand_ytd("Li"))
    assert tracker.standing["rep"].tolist() == ["Li"]
    assert "Wang" not in shown(tracker).split("Rankings")[1].split("Biggest movers")[0]
    tracker.rep, tracker.period = "", "2026-03"
    assert tracker.summary["sales"] == pytest.approx(16_000.40)
    assert tracker.summary["ytd"] == pytest.approx(10_000 + 6_000 + 12_000 + 5_000 + 16_000.40)
    with pytest.raises(Exception, match="2026-09"):
        tracker.period = "2026-09"  # no sales then
    with pytest.raises(Exception, match="Nobody"):
        tracker.rep = "Nobody"


def test_the_analyst_adds_a_feedback_note_that_is_audited_and_shown(tmp_path):
    folder = write_shop(tmp_path / "shop")
    tracker = Tracker(folder)
    tracker.rep = "Zhao"
    tracker.note_text.value = "Zhao started on 20 April; a first full month in May."
    tracker.add_note()
    assert "salesplan-ok" in tracker.note_message.value
    notes = read_feedback(open_read_only(folder))
    assert notes[["period", "rep", "text"]].astype(str).values.tolist() == [
        ["2026-04", "Zhao", "Zhao started on 20 April; a first full month in May."]
    ]
    audit = read_audit(open_read_only(folder))
    assert len(audit) == 1 and "feedback" in " ".join(map(str, audit.iloc[0].to_dict().values()))
    assert "a first full month in May" in shown(tracker)
    # a blank note is refused with a clear message, and nothing is written
    tracker.note_text.value = "   "
    tracker.add_note()
    assert "salesplan-error" in tracker.note_message.value
    assert len(read_feedback(open_read_only(folder))) == 1


def test_opened_read_only_the_tracker_has_no_writing_controls_and_writes_nothing(tmp_path):
    folder = write_shop(tmp_path / "shop")
    before = tree_digest(folder)
    tracker = Tracker(open_read_only(folder))
    assert tracker.has_targets is False and not tracker.editable
    assert not hasattr(tracker, "note_text") and not hasattr(tracker, "controls")
    tracker.add_note()  # nothing to add, nothing written
    assert "$64,500" in shown(tracker)
    assert tree_digest(folder) == before


def test_a_workbook_with_targets_still_gets_the_full_tracker(tmp_path):
    folder = write_shop(tmp_path / "shop")
    months = pd.period_range("2026-01", "2026-12", freq="M").astype(str)
    targets = pd.DataFrame(
        [(m, rep, 10_000.0) for m in months for rep in ("Wang", "Li", "Zhao")],
        columns=["period", "rep", "target"],
    )
    (folder / "tables").mkdir()
    targets.to_csv(folder / "tables" / "targets.csv", index=False)
    tracker = Tracker(folder)
    assert type(tracker) is Tracker and tracker.has_targets
    assert tracker.summary["target"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_step_notebook_runs_on_a_shop_without_targets(tmp_path, locale):
    folder = write_shop(tmp_path / "shop", locale)
    before = tree_digest(folder)
    instantiate_notebook(templates_dir() / "tracking.ipynb", folder / "4_tracking.ipynb")  # as init does
    out = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(folder / "4_tracking.ipynb"), str(out), cwd=str(folder), progress_bar=False, kernel_name="python3"
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "SalesTracker(" in text  # the tracker cell showed the sales-only view
    # what JupyterLab draws: the widgets' state, saved in the executed notebook
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    drawn = html.unescape(" ".join(str(m["state"].get("value", "")) for m in state.get("state", {}).values()))
    for words in HOW_TO[locale]:
        assert words in drawn
    assert "64,500" in drawn and "Zhao" in drawn
    assert "projected_gap" in text  # the at-risk cell: an empty list, not an error
    assert not (folder / "tables" / "targets.csv").exists()  # nothing invented on the way
    written = {k for k, v in tree_digest(folder).items() if before.get(k) != v}
    assert {Path(k).parts[0] for k in written} <= {"4_tracking.ipynb", ".cache"}, written  # the cube cache
