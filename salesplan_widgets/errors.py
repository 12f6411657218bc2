"""The project's error hierarchy, so callers and the CLI turn any failure into one clear message.

Every error a user can cause derives from `SalesplanError`. Input problems carry the file, row and column,
what was expected and what to do, and render in the active language. Nothing here touches storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from salesplan_widgets.i18n import _, get_locale, translator


class SalesplanError(Exception):
    """Base of every error salesplan raises on purpose; its text is meant for the user."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is, what was expected, what to do."""

    file: str
    expected: str
    fix: str = ""
    row: int | None = None
    column: str | None = None
    found: str | None = None
    locale: str | None = field(default=None, compare=False)  # render in this language (a plan's own)
    # the same problem in many rows, said once: how many rows, and the first runs of them (first, last)
    count: int | None = None
    row_ranges: tuple[tuple[int, int], ...] = ()

    def __str__(self) -> str:
        _ = translator(self.locale or get_locale())
        where = [self.file]
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.count is not None:
            runs = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in self.row_ranges)
            shown = sum(b - a + 1 for a, b in self.row_ranges)
            where.append(
                _("{count} rows: {rows}").format(
                    count=self.count, rows=runs + (" …" if shown < self.count else "")
                )
                if runs
                else _("{count} rows").format(count=self.count)
            )
        if self.column is not None:
            where.append(_("column '{column}'").format(column=self.column))
        # the punctuation between the parts is translated too: Chinese text takes full-width marks
        location = _(", ").join(where)
        text = _("{location}: expected {expected}").format(location=location, expected=self.expected)
        if self.found is not None:
            text += _(", found {found!r}").format(found=self.found)
        if self.fix:
            text = _("{problem}. Fix: {fix}").format(problem=text, fix=self.fix)
        return text


class InputError(SalesplanError):
    """Bad input data or plan text: one or more located problems, reported together."""

    def __init__(self, problems: Problem | list[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]


class PlanError(InputError):
    """The plan file is invalid: unknown key, wrong type, inconsistent rule."""


class ConflictError(SalesplanError):
    """A save was refused because the file changed since it was read (two editors, one plan)."""


class RunError(SalesplanError):
    """A period run failed: which template, which cell, and why."""

    def __init__(self, template: str, message: str, cell: int | None = None, notebook: str | None = None):
        self.template, self.cell, self.notebook = template, cell, notebook
        where = (
            template if cell is None else _("{template}, cell {cell}").format(template=template, cell=cell)
        )
        text = _("Period run failed in {where}: {message}").format(where=where, message=message)
        if notebook:
            text += "\n" + _("The failed notebook is kept at {path}").format(path=notebook)
        super().__init__(text)


class ReadOnlyError(SalesplanError):
    """A write was asked of a workbook opened read-only (a served dashboard, a viewer's kernel)."""
