"""Task sheets: one Excel file per rep (and per team) carrying their targets, milestones and the segment
strategies, with columns for the rep's commit and feedback; and the import of the sheets reps send back.

Export formats for people (frozen header, number formats, widths, the plan's language). Import checks
every returned file before anything is written — wrong rep, edited target cells, non-numeric commits,
missing sheets — and reports each problem with its file, sheet, row and column; then commits go to the
workbook's "commits" table and feedback to its "feedback" table. This is the only module that reads or
writes task-sheet files; it never changes the plan or the targets.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook as ExcelBook
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import LOCALES, _, translator
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.workbook.atomic import atomic_path

SHEETS_DIR = "task_sheets"
HEADER_ROW = 5  # rows 1-3: title, rep and team; row 5: column headings; data below
FIRST_DATA_ROW = HEADER_ROW + 1
REP_CELL, TEAM_CELL = "B2", "B3"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
MAX_PROBLEMS = 50


def _sheet_names(t=_) -> dict[str, str]:
    return {"targets": t("Targets"), "milestones": t("Milestones"), "strategies": t("Strategies")}


def _known_sheet_names(kind: str) -> set[str]:
    """The sheet's name in every language, so a sheet exported in Chinese imports into an English plan."""
    return {_sheet_names(translator(loc))[kind] for loc in LOCALES}


def safe_file_name(name: str) -> str:
    """A file name from a rep or team name: characters Windows and Excel refuse become '_'."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", str(name)).strip(" .")
    return cleaned or "_"


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _style_header(ws, row: int, ncols: int) -> None:
    for col in range(1, ncols + 1):
        cell = ws.cell(row=row, column=col)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _widths(ws, widths: Iterable[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _title_block(ws, title: str, rep_label: str, rep: str, team: str, plan_name: str, t) -> None:
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"], ws[REP_CELL] = rep_label, rep
    ws["A3"], ws[TEAM_CELL] = t("Team"), team
    ws["D2"], ws["E2"] = t("Plan"), plan_name
    ws["D3"], ws["E3"] = t("Exported"), dt.date.today().isoformat()
    for ref in ("A2", "A3", "D2", "D3"):
        ws[ref].font = Font(bold=True)


def _targets_sheet(ws, rows: pd.DataFrame, periods, keys: list[str], key_labels: list[str], locale, t, decimals,
                   with_inputs: bool) -> None:  # fmt: skip
    """Targets by the key columns (segment, channel [, rep]) × month, a total, and the rep's input columns."""
    wide = rows.pivot_table(index=keys, columns="period", values="target", aggfunc="sum", observed=True)
    wide = wide.reindex(columns=periods, fill_value=0.0).fillna(0.0).sort_index()
    headers = [*key_labels, *period_labels(periods, locale), t("Total")]
    if with_inputs:
        headers += [t("Commit"), t("Feedback")]
    for col, text in enumerate(headers, start=1):
        ws.cell(row=HEADER_ROW, column=col, value=text)
    _style_header(ws, HEADER_ROW, len(headers))
    values = wide.to_numpy()
    index = wide.index.to_frame(index=False).astype(str).to_numpy()
    number = _number_format(decimals)
    n_keys, n_months = len(keys), len(periods)
    for i in range(len(wide)):  # openpyxl writes cell by cell; a rep's sheet is a few dozen rows
        r = FIRST_DATA_ROW + i
        for j in range(n_keys):
            ws.cell(row=r, column=j + 1, value=index[i, j])
        for j in range(n_months):
            ws.cell(row=r, column=n_keys + 1 + j, value=float(values[i, j])).number_format = number
        total = ws.cell(row=r, column=n_keys + n_months + 1, value=float(np.round(values[i].sum(), decimals)))
        total.number_format = number
        total.font = Font(bold=True)
        if with_inputs:
            commit = ws.cell(row=r, column=n_keys + n_months + 2)
            commit.number_format = number
            feedback = ws.cell(row=r, column=n_keys + n_months + 3)
            feedback.alignment = Alignment(wrap_text=True, vertical="top")
            for cell in (commit, feedback):
                cell.fill = INPUT_FILL
                cell.protection = Protection(locked=False)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=n_keys + 1)
    _widths(ws, [14] * n_keys + [13] * n_months + [15] + ([15, 48] if with_inputs else []))
    if with_inputs:  # targets are the plan's: only commit and feedback cells can be typed into
        ws.protection.sheet = True
        ws.protection.formatColumns = False


def _milestones_sheet(ws, rows: pd.DataFrame, keys: list[str], key_labels: list[str], t, decimals) -> None:
    headers = [*key_labels, t("Checkpoint"), t("Due date"), t("Cumulative target"), t("Share of year")]
    for col, text in enumerate(headers, start=1):
        ws.cell(row=1, column=col, value=text)
    _style_header(ws, 1, len(headers))
    data = rows.sort_values([*keys, "number"])
    number = _number_format(decimals)
    n = len(keys)
    for i, rec in enumerate(data.itertuples(index=False), start=2):
        rec = rec._asdict()
        for j, key in enumerate(keys):
            ws.cell(row=i, column=j + 1, value=str(rec[key]))
        ws.cell(row=i, column=n + 1, value=int(rec["number"]))
        ws.cell(row=i, column=n + 2, value=rec["due"]).number_format = "yyyy-mm-dd"
        ws.cell(row=i, column=n + 3, value=float(rec["cumulative_target"])).number_format = number
        ws.cell(row=i, column=n + 4, value=float(rec["share"])).number_format = "0%"
    ws.freeze_panes = "A2"
    _widths(ws, [14] * n + [12, 14, 18, 14])


def _strategies_sheet(ws, strategies: Mapping[str, Mapping[str, object]], t) -> None:
    headers = [t("Segment"), t("Strategy"), t("Growth assumption")]
    for col, text in enumerate(headers, start=1):
        ws.cell(row=1, column=col, value=text)
    _style_header(ws, 1, len(headers))
    for i, (segment, info) in enumerate(sorted(strategies.items()), start=2):
        ws.cell(row=i, column=1, value=str(segment))
        ws.cell(row=i, column=2, value=str(info.get("strategy", ""))).alignment = Alignment(wrap_text=True)
        ws.cell(row=i, column=3, value=float(info.get("growth", 0.0))).number_format = "0.0%"
    ws.freeze_panes = "A2"
    _widths(ws, [14, 70, 18])


def export_task_sheets(
    targets: pd.DataFrame,
    milestones: pd.DataFrame,
    folder: str | Path,
    *,
    strategies: Mapping[str, Mapping[str, object]] | None = None,
    plan_name: str = "",
    locale: str = "en",
    decimals: int = 2,
    team_milestones: pd.DataFrame | None = None,
) -> list[Path]:
    """Write one task sheet per rep (`<folder>/reps/<rep>.xlsx`) and one per team (`<folder>/teams/<team>.xlsx`).

    `targets` is the split's tidy table; `milestones` has rep, number, period, due, cumulative_target, share.
    Each file is written atomically. Returns the paths written, reps first.
    """
    t = translator(locale)
    folder = Path(folder)
    names = _sheet_names(t)
    periods = pd.PeriodIndex(sorted(pd.unique(targets["period"])))
    strategies = strategies or {}
    written: list[Path] = []
    rep_rows = targets.assign(rep=targets["rep"].astype(str), team=targets["team"].astype(str))
    for rep, rows in rep_rows.groupby("rep", sort=True):  # one file per rep is the point of the export
        book = ExcelBook()
        ws = book.active
        ws.title = names["targets"]
        team = str(rows["team"].iloc[0])
        _title_block(ws, t("Task sheet: {rep}").format(rep=rep), t("Rep"), rep, team, plan_name, t)
        _targets_sheet(ws, rows, periods, ["segment", "channel"], [t("Segment"), t("Channel")], locale, t,
                       decimals, with_inputs=True)  # fmt: skip
        rep_milestones = milestones[milestones["rep"].astype(str) == rep]
        _milestones_sheet(book.create_sheet(names["milestones"]), rep_milestones, [], [], t, decimals)
        if strategies:  # no segments, no strategies: no empty sheet
            _strategies_sheet(book.create_sheet(names["strategies"]), strategies, t)
        written.append(_save(book, folder / "reps" / f"{safe_file_name(rep)}.xlsx"))
    for team, rows in rep_rows.groupby("team", sort=True):
        book = ExcelBook()
        ws = book.active
        ws.title = names["targets"]
        _title_block(ws, t("Team task sheet: {team}").format(team=team), t("Team"), team, team, plan_name, t)
        _targets_sheet(ws, rows, periods, ["rep", "segment", "channel"], [t("Rep"), t("Segment"), t("Channel")],
                       locale, t, decimals, with_inputs=False)  # fmt: skip
        team_reps = set(rows["rep"])
        source = milestones[milestones["rep"].astype(str).isin(team_reps)]
        _milestones_sheet(book.create_sheet(names["milestones"]), source, ["rep"], [t("Rep")], t, decimals)
        if strategies:  # no segments, no strategies: no empty sheet
            _strategies_sheet(book.create_sheet(names["strategies"]), strategies, t)
        written.append(_save(book, folder / "teams" / f"{safe_file_name(team)}.xlsx"))
    return written


def _save(book: ExcelBook, path: Path) -> Path:
    with atomic_path(path, suffix=".xlsx") as tmp:
        book.save(tmp)
    return path


# -- import ----------------------------------------------------------------------------------------------
def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return bool(np.isfinite(value))
    return False


def _parse_commit(value: object) -> float | None:
    """A commit cell's number: numbers as typed, or text like '1,200,000' / '1 200 000'; None when not a number."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
        try:
            number = float(text)
        except ValueError:
            return None
        return number if np.isfinite(number) else None
    return None


def read_task_sheet(
    path: str | Path, targets: pd.DataFrame, unit: float = 0.01, expected_rep: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Check one returned rep sheet against the targets it was exported from.

    Returns the rep's commits (rep, segment, channel, commit), feedback (rep, segment, channel, text) and
    every problem found (empty when the sheet is clean).
    """
    path = Path(path)
    file = path.name
    empty = (
        pd.DataFrame(columns=["rep", "segment", "channel", "commit"]),
        pd.DataFrame(columns=["rep", "segment", "channel", "text"]),
    )
    try:
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        return *empty, [Problem(file, _("an Excel task sheet (.xlsx)"), found=type(exc).__name__,
                                fix=_("send back the file you received, saved as .xlsx"))]  # fmt: skip
    sheet_name = next((n for n in book.sheetnames if n in _known_sheet_names("targets")), None)
    if sheet_name is None:
        return *empty, [Problem(file, _("a sheet named '{name}'").format(name=_sheet_names()["targets"]),
                                found=", ".join(book.sheetnames),
                                fix=_("do not rename or delete the Targets sheet"))]  # fmt: skip
    ws = book[sheet_name]
    where = f"{file} [{sheet_name}]"
    rep = str(ws[REP_CELL].value or "").strip()
    reps = set(targets["rep"].astype(str))
    if rep not in reps or (expected_rep is not None and rep != expected_rep):
        expected = expected_rep if expected_rep is not None else _("a rep in the plan's targets")
        return *empty, [Problem(where, str(expected), row=2, column="B", found=rep,
                                fix=_("import the sheet exported for this rep, with the rep's name unchanged"))]  # fmt: skip
    mine = targets[targets["rep"].astype(str) == rep]
    periods = pd.PeriodIndex(sorted(pd.unique(targets["period"])))
    wide = mine.pivot_table(index=["segment", "channel"], columns="period", values="target", aggfunc="sum",
                            observed=True).reindex(columns=periods, fill_value=0.0).fillna(0.0).sort_index()  # fmt: skip
    n_months = len(periods)
    commit_col, feedback_col = 2 + n_months + 2, 2 + n_months + 3
    problems: list[Problem] = []
    commits, feedback = [], []
    tolerance = unit / 2
    for i, ((segment, channel), expected_row) in enumerate(wide.iterrows()):
        r = FIRST_DATA_ROW + i
        labels = (str(ws.cell(row=r, column=1).value or ""), str(ws.cell(row=r, column=2).value or ""))
        if labels != (str(segment), str(channel)):
            problems.append(Problem(where, f"{segment} / {channel}", row=r, column="A:B", found=" / ".join(labels),
                                    fix=_("do not sort, insert or delete rows; re-export if needed")))  # fmt: skip
            continue
        for j in range(n_months):
            cell = ws.cell(row=r, column=3 + j)
            want = float(expected_row.iloc[j])
            if not (_is_number(cell.value) and abs(float(cell.value) - want) <= tolerance):
                problems.append(Problem(where, _("the target {value} unchanged").format(value=f"{want:,.2f}"),
                                        row=r, column=get_column_letter(3 + j), found=str(cell.value),
                                        fix=_("targets are set by the plan: write your view in Commit or Feedback")))  # fmt: skip
        raw_commit = ws.cell(row=r, column=commit_col).value
        if raw_commit not in (None, ""):
            number = _parse_commit(raw_commit)
            if number is None or number < 0:
                problems.append(Problem(where, _("a commit as a number of zero or more"), row=r,
                                        column=get_column_letter(commit_col), found=str(raw_commit),
                                        fix=_("type digits only, e.g. 1200000")))  # fmt: skip
            else:
                commits.append((rep, str(segment), str(channel), number))
        text = ws.cell(row=r, column=feedback_col).value
        if text not in (None, "") and str(text).strip():
            feedback.append((rep, str(segment), str(channel), str(text).strip()))
        if len(problems) >= MAX_PROBLEMS:
            break
    return (
        pd.DataFrame(commits, columns=["rep", "segment", "channel", "commit"]),
        pd.DataFrame(feedback, columns=["rep", "segment", "channel", "text"]),
        problems,
    )


def import_task_sheets(
    workbook,
    paths: Iterable[str | Path],
    *,
    reps: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Import returned rep sheets into the workbook's "commits" and "feedback" tables, all or nothing.

    `reps`, when given, lists the reps whose sheets are expected: a missing one is an error. A rep's new
    commits replace their old ones; feedback is appended (source "task sheet"). Returns (commits, feedback)
    as imported.
    """
    targets = workbook.read_table("targets")
    if targets is None:
        raise InputError(Problem(str(workbook.table_path("targets")), _("the targets table"),
                                 fix=_("save a split in the task splitter before importing task sheets")))  # fmt: skip
    unit = _plan_unit(workbook)
    paths = [Path(p) for p in paths]
    problems: list[Problem] = []
    all_commits, all_feedback, seen = [], [], {}
    for path in paths:
        commits, feedback, found = read_task_sheet(path, targets, unit)
        problems += found
        rep = commits["rep"].iloc[0] if len(commits) else feedback["rep"].iloc[0] if len(feedback) else None
        if rep is None and not found:
            rep = _rep_of(path)
        if rep is not None and rep in seen:
            problems.append(Problem(path.name, _("one sheet per rep"), row=2, column="B", found=rep,
                                    fix=_("{other} is also this rep's sheet: import only one").format(other=seen[rep])))  # fmt: skip
        if rep is not None:
            seen[rep] = path.name
        all_commits.append(commits)
        all_feedback.append(feedback)
    if reps is not None:
        missing = sorted(set(map(str, reps)) - set(seen))
        for rep in missing:
            problems.append(Problem(f"{safe_file_name(rep)}.xlsx", _("a returned task sheet for {rep}").format(rep=rep),
                                    fix=_("collect the sheet from the rep, or leave them out of this import")))  # fmt: skip
    if problems:
        raise InputError(problems)
    commits = pd.concat(all_commits, ignore_index=True) if all_commits else pd.DataFrame()
    feedback = pd.concat(all_feedback, ignore_index=True) if all_feedback else pd.DataFrame()
    _store(workbook, commits, feedback, targets, today or dt.date.today())
    return commits, feedback


def import_uploaded_sheets(
    workbook, files: Iterable[tuple[str, bytes]], **options
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`import_task_sheets` for sheets received as bytes (a browser upload), all or nothing.

    Each file is put in a temporary folder under the name it was sent with, so every problem names the
    file the rep sent; nothing of the upload stays on disk.
    """
    files = list(files)
    if not files:
        raise InputError(Problem(_("(no file)"), _("one or more returned task sheets (.xlsx)"),
                                 fix=_("choose the files the reps sent back, then import")))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="salesplan-upload-") as folder:
        paths = []
        for i, (name, content) in enumerate(files):
            path = Path(folder) / str(i) / safe_file_name(Path(name).name)
            path.parent.mkdir()
            path.write_bytes(bytes(content))
            paths.append(path)
        return import_task_sheets(workbook, paths, **options)


def _rep_of(path: Path) -> str | None:
    try:
        book = load_workbook(path, read_only=True)
        name = next(n for n in book.sheetnames if n in _known_sheet_names("targets"))
        return str(book[name][REP_CELL].value or "") or None
    except Exception:  # the sheet's problems were reported already
        return None


def _plan_unit(workbook) -> float:
    from salesplan_widgets.i18n import minor_unit

    split = getattr(workbook.plan, "split", None)
    if split is not None and split.unit:
        return float(split.unit)
    return 10.0 ** -minor_unit(workbook.currency)


def _store(
    workbook, commits: pd.DataFrame, feedback: pd.DataFrame, targets: pd.DataFrame, today: dt.date
) -> None:
    """Replace the importing reps' commits; append their feedback, dated today, to the feedback log."""
    if len(commits):
        old = workbook.read_table("commits")
        reps = set(commits["rep"])
        keep = old[~old["rep"].astype(str).isin(reps)] if old is not None else None
        table = pd.concat([keep, commits], ignore_index=True) if keep is not None else commits
        workbook.write_table("commits", table)
    if len(feedback):
        calendar = FiscalCalendar.of(workbook.plan.calendar)  # the feedback log is by month
        first_period = str(calendar.months_of([pd.PeriodIndex(targets["period"]).min()])[0])
        rows = pd.DataFrame(
            {
                "period": first_period,
                "rep": feedback["rep"],
                "author": feedback["rep"],
                "source": "task sheet",
                "date": today.isoformat(),
                "text": feedback["segment"] + " / " + feedback["channel"] + ": " + feedback["text"],
            }
        )
        old = workbook.read_table("feedback", periods=False)  # the notes' months as written
        if old is not None:
            rows = pd.concat([old, rows], ignore_index=True)
        workbook.write_table("feedback", rows)
