"""Read and write the plan file (YAML), keeping the analyst's comments and layout so a plan diffs cleanly.

Validation errors name the key path and the YAML line. Saving merges changed sections into the
round-trip document and goes through `atomic.save_checked`, so a save never overwrites a plan that
someone else changed since it was read.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from salesplan_widgets.errors import PlanError, Problem
from salesplan_widgets.i18n import LOCALES, _, get_locale, use_locale
from salesplan_widgets.schema import Plan
from salesplan_widgets.workbook.atomic import content_version, save_checked

PLAN_FILE = "plan.yaml"


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: keeps comments, key order and quoting
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _line_of(doc: Any, loc: tuple) -> int | None:
    """1-based YAML line of the deepest key in `loc` that exists in the document."""
    line, node = None, doc
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def builtin_message(err: dict) -> str:
    """pydantic's own check (type, bound, choice) in the active language; its English text otherwise."""
    messages = {
        "greater_than_equal": _("a number of at least {ge}"),
        "greater_than": _("a number above {gt}"),
        "less_than_equal": _("a number of at most {le}"),
        "less_than": _("a number below {lt}"),
        "float_parsing": _("a number"),
        "float_type": _("a number"),
        "int_parsing": _("a whole number"),
        "int_type": _("a whole number"),
        "int_from_float": _("a whole number"),
        "bool_parsing": _("true or false"),
        "bool_type": _("true or false"),
        "string_type": _("text"),
        "string_pattern_mismatch": _("text in the form {pattern}"),
        "literal_error": _("one of {expected}"),
        "date_parsing": _("a date written YYYY-MM-DD"),
        "date_from_datetime_parsing": _("a date written YYYY-MM-DD"),
        "date_type": _("a date written YYYY-MM-DD"),
        "list_type": _("a list"),
        "dict_type": _("a mapping of keys to values"),
        "model_type": _("a mapping of keys to values"),
        "model_attributes_type": _("a mapping of keys to values"),
    }
    message = messages.get(err["type"])
    if message is None:
        return err["msg"].removeprefix("Value error, ")
    ctx = err.get("ctx") or {}
    return message.format(**{k: f"{v:g}" if isinstance(v, float) else str(v) for k, v in ctx.items()})


# "incentives.measurement: monthly payouts need …" (or "…：" in Chinese): the schema's cross-section rules
_NAMED_KEY = re.compile(r"^([a-z_]+(?:\.[a-z_0-9]+)+)\s*[:：]")


def _problems(exc: ValidationError, doc: Any, file: str) -> list[Problem]:
    """One located problem per validation error, in the active language (parse_plan sets the plan's)."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        key = ".".join(str(p) for p in loc) or _("(top level)")
        if err["type"] == "extra_forbidden":
            expected = _("no key '{key}' (not part of the plan format)").format(key=key)
            fix = _("remove it or correct its spelling; see docs/plan.schema.json for the allowed keys")
        elif err["type"] == "missing":
            expected = _("the key '{key}'").format(key=key)
            fix = _("add it; see docs/plan.schema.json")
        else:
            message = builtin_message(err)
            expected = _("'{key}': {message}").format(key=key, message=message)
            if not loc and (named := _NAMED_KEY.match(message)):  # a plan-wide rule names the key it is about
                loc = tuple(int(part) if part.isdigit() else part for part in named[1].split("."))
                key, expected = named[1], message
            fix = _("correct the value of '{key}'").format(key=key)
        value = err.get("input")
        found = repr(value)[:60] if isinstance(value, str | int | float | bool) else None
        problems.append(
            Problem(
                file=file,
                row=_line_of(doc, loc),
                column=key,
                expected=expected,
                fix=fix,
                found=found,
                locale=get_locale(),
            )
        )
    return problems


def parse_plan(text: str, file: str = PLAN_FILE) -> tuple[Plan, Any]:
    """Validate plan text; return the model and the round-trip document. Raises PlanError."""
    try:
        doc = _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PlanError(
            Problem(
                file=file,
                row=mark.line + 1 if mark else None,
                expected=_("valid YAML"),
                found=str(getattr(exc, "problem", exc)),
                fix=_("check indentation and quoting on that line"),
            )
        ) from None
    if not isinstance(doc, dict):
        raise PlanError(
            Problem(
                file=file,
                expected=_("a YAML mapping of plan sections"),
                fix=_("start from `salesplan init` or workbooks/demo/plan.yaml"),
            )
        )
    # The plan's errors are in the plan's language: validators' messages are made during validation.
    locale = doc.get("locale") if doc.get("locale") in LOCALES else get_locale()
    with use_locale(locale):
        try:
            plan = Plan.model_validate(_plain(doc))
        except ValidationError as exc:
            raise PlanError(_problems(exc, doc, file)) from None
    return plan, doc


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts/lists (pydantic wants plain data)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _merge(doc: Any, data: Any) -> Any:
    """Write `data` into the round-trip `doc`, keeping comments on keys and items that survive.

    Lists are merged item by item rather than replaced: ruamel hangs the comment lines that follow a
    value on that value's node, so replacing a flow list such as `dashboards: [overview]` with a plain
    (block) list would print the comment block below the key and above its items, inside the list.
    """
    if isinstance(doc, CommentedMap) and isinstance(data, dict):
        for key in [k for k in doc if k not in data]:
            del doc[key]
        for key, value in data.items():
            doc[key] = _merge(doc[key], value) if key in doc else value
        return doc
    if isinstance(doc, CommentedSeq) and isinstance(data, list):
        for index, value in enumerate(data[: len(doc)]):
            doc[index] = _merge(doc[index], value)
        del doc[len(data) :]
        doc.extend(data[len(doc) :])
        return doc
    return data


@dataclass
class PlanFile:
    """A plan as read from disk: the validated model, its YAML document, and the version it was read at."""

    path: Path
    plan: Plan
    version: str | None
    _doc: Any = field(repr=False, default=None)

    @classmethod
    def read(cls, path: Path) -> PlanFile:
        path = Path(path)
        if not path.exists():
            raise PlanError(
                Problem(
                    file=str(path),
                    expected=_("a plan file"),
                    fix=_("create one with `salesplan init DIR` or point to the workbook folder"),
                )
            )
        raw = path.read_bytes()
        plan, doc = parse_plan(raw.decode("utf-8"), file=str(path))
        return cls(path=path, plan=plan, version=content_version(raw), _doc=doc)

    def save(self, plan: Plan | None = None, **sections: BaseModel | dict | None) -> str:
        """Save `plan` (or this plan with some sections replaced) if the file is unchanged since read."""
        data = _plan_data(plan or self.plan)
        for name, section in sections.items():
            if section is None:
                data.pop(name, None)
            else:
                data[name] = _data(section) if isinstance(section, BaseModel) else section
        try:  # a save never writes a plan that would not load again
            new = Plan.model_validate(data)
        except ValidationError as exc:
            raise PlanError(_problems(exc, self._doc, str(self.path))) from None
        doc = _merge(self._doc if self._doc is not None else CommentedMap(), _plan_data(new))
        buf = io.StringIO()
        _yaml().dump(doc, buf)
        self.version = save_checked(self.path, buf.getvalue(), self.version)
        self.plan, self._doc = new, doc
        return self.version


def _plan_data(plan: Plan) -> dict:
    """A plan as its file should hold it: a calendar country the plan did not name (its currency's) is left
    out, so that it keeps following the currency."""
    data = _data(plan)
    if plan.calendar.country_from != "plan":
        data.get("calendar", {}).pop("country", None)
    return data


def _data(model: BaseModel) -> dict:
    """A model as plain YAML-ready data (dates as ISO text), leaving out unset optional sections."""
    return json.loads(model.model_dump_json(exclude_none=True))


def json_schema() -> dict:
    """The published JSON Schema of the plan file (docs/plan.schema.json)."""
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "salesplan plan file"
    return schema
