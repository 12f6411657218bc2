"""The `salesplan` command: one entry point for analysts, schedulers and servers.

Each sub-command is a thin shell over a library function. Every SalesplanError becomes one clear
message on stderr and a non-zero exit code here, in one place; a traceback means a bug.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from salesplan_widgets.errors import InputError, SalesplanError
from salesplan_widgets.i18n import _


def _cmd_init(args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook.scaffold import init_workbook

    path = init_workbook(
        Path(args.directory), locale=args.locale, currency=args.currency, country=args.country, name=args.name
    )
    print(
        _("New workbook in {path}: put your sales history in data/, then open 0_start.ipynb.").format(
            path=path
        )
    )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from salesplan_widgets.demo import create_demo

    path = create_demo(
        Path(args.directory),
        seed=args.seed,
        end=args.end,
        rows=args.rows,
        locale=args.locale,
        grain=args.grain,
    )
    print(_("Demo workbook written to {path}").format(path=path))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook import open_workbook
    from salesplan_widgets.workbook.plan_warnings import plan_warnings

    warnings = []
    try:
        workbook = open_workbook(args.workbook)
        problems = workbook.validate()
        if not problems and workbook.plan.access is not None:  # are the teams and reps it names in the data?
            from salesplan_widgets.workbook.publish import access_problems

            problems = access_problems(workbook.plan, workbook.cube(), str(workbook.path / "plan.yaml"))
        if not problems:  # warnings about the plan need clean data (the cube, the targets)
            warnings = plan_warnings(workbook)
    except InputError as exc:  # the plan itself is invalid: its problems are the report
        problems = exc.problems
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    for warning in warnings:
        print(_("- warning: {problem}").format(problem=warning), file=sys.stderr)
    if problems:
        print(_("{n} problem(s) found.").format(n=len(problems)), file=sys.stderr)
        return 1
    if warnings:
        print(
            _("{n} warning(s): the plan is valid, but check these.").format(n=len(warnings)), file=sys.stderr
        )
    print(_("Plan and data are valid."))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from salesplan_widgets.run import run_period

    report = run_period(Path(args.workbook), args.period, templates=args.template or None, announce=print)
    print(_("Period report written to {path}").format(path=report))
    return 0


def _cmd_payouts(args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook.ledger import (
        approve_and_publish,
        close_and_publish,
        closing_summary,
        prepare_and_publish,
    )
    from salesplan_widgets.workbook.workbook import open_workbook

    workbook = open_workbook(Path(args.workbook))  # the workbook's language for every message below
    _refuse_a_week_or_quarter(workbook, args.period)
    if getattr(args, "adjust", None):
        return _adjust(workbook, args)
    if args.approve or args.close:  # the same step as approve_payments / close_period from a notebook
        step = (approve_and_publish if args.approve else close_and_publish)(workbook, args.period)
        print(closing_summary(step.row))
        if args.close and step.files:
            print(
                _("{n} statement files written under {path}").format(
                    n=len(step.files), path=step.files[0].parent.parent
                )
            )
        return _published(step)
    step = prepare_and_publish(workbook, args.period)  # the same step as write_payouts from a notebook
    for path in step.files[:2]:
        print(_("Payout statements written to {path}").format(path=path))
    closing = _closing_month(workbook, args.period)
    if closing != args.period.strip():  # a month inside a quarter or year: approved when the window ends
        print(_("Prepared {period} so far; it does not end a measurement period, so finance approves at its "
                "end with: salesplan payouts {workbook} --period {closing} --approve").format(
            period=args.period.strip(), workbook=args.workbook, closing=closing))  # fmt: skip
        return _published(step)
    print(_("Prepared; finance approves with: salesplan payouts {workbook} --period {period} --approve").format(
        workbook=args.workbook, period=args.period))  # fmt: skip
    return _published(step)


def _closing_month(workbook, period: str) -> str:
    """The month whose approval pays `period`: itself, or the end of the quarter or year it lies in."""
    import pandas as pd

    from salesplan_widgets.model.measurement import ends_a_pay_period, next_pay_period
    from salesplan_widgets.workbook.payouts import incentives_of

    month, section = pd.Period(period.strip(), "M"), incentives_of(workbook)
    start = workbook.plan.calendar.fiscal_year_start
    return str(month if ends_a_pay_period(section, month, start) else next_pay_period(section, month, start))


def _refuse_a_week_or_quarter(workbook, period: str | None) -> None:
    """A --period that `run` reads as a week or quarter names the month that pays it (payouts are monthly)."""
    from salesplan_widgets.errors import SalesplanError
    from salesplan_widgets.model.calendar import FiscalCalendar
    from salesplan_widgets.model.period_choice import pay_month_hint

    hint = pay_month_hint(FiscalCalendar.of(workbook.plan.calendar), period) if period else None
    if hint:
        raise SalesplanError(hint)


def _amount(text: str) -> float:
    from salesplan_widgets.errors import InputError, Problem

    try:
        return float(text)
    except ValueError:
        raise InputError(
            Problem(
                file="--adjust",
                column="amount",
                expected=_("a number, e.g. 500 or -120.50"),
                found=text,
                fix=_("write the amount as a plain number"),
            )
        ) from None


def _adjust(workbook, args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook.adjustments import add_adjustment

    rep, amount = args.adjust
    value = _amount(amount)
    row = add_adjustment(workbook, args.period, rep, value, args.reason or "", args.approver or "")
    print(_("Manual adjustment {id} recorded for {rep} in {period}: {amount}; prepare the period again.").format(
        id=row["id"], rep=rep, period=row["period"], amount=amount))  # fmt: skip
    return 0


def _cmd_dispute(args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook.disputes import answer_inquiry, log_inquiry, read_disputes
    from salesplan_widgets.workbook.workbook import open_workbook

    workbook = open_workbook(Path(args.workbook))
    if args.answer:
        adjust = None if args.adjust is None else _amount(args.adjust)
        row = answer_inquiry(workbook, args.answer, args.text or "", adjust, args.approver or "", args.period)
        print(_("Answer to inquiry {id} recorded.").format(id=row["id"]))
        if row["adjustment"]:
            print(
                _("Manual adjustment {id} entered; it is paid when its period closes.").format(
                    id=row["adjustment"]
                )
            )
        return 0
    if args.question is not None:
        row = log_inquiry(workbook, args.period or "", args.rep or "", args.line or 0, args.question)
        print(_("Inquiry {id} logged against line {line} of {rep}'s statement for {period}.").format(**row))
        return 0
    print(read_disputes(workbook).to_csv(index=False), end="")
    return 0


def _published(step) -> int:
    """Say where a ledger step's payouts now show: the report indexes that link them, the hub's users."""
    from salesplan_widgets.workbook.ledger import stale_extracts_message

    for index in step.indexes:
        print(_("Report index updated: {path}").format(path=index))
    if step.stale_extracts is not None:
        print(stale_extracts_message(step.stale_extracts), file=sys.stderr)
        return 1
    if step.extracts:
        print(_("Statements published to {n} hub user(s).").format(n=len(step.extracts)))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from salesplan_widgets.serve import serve

    return serve(
        Path(args.workbook),
        port=args.port,
        host=args.host,
        open_browser=args.open,
        max_kernels=args.max_kernels,
        pool_size=args.pool_size,
    )


def _cmd_publish(args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook import open_workbook
    from salesplan_widgets.workbook.inbox import import_inbox
    from salesplan_widgets.workbook.publish import publish, state_dir

    book = open_workbook(args.workbook)
    state = Path(args.state) if args.state else state_dir(book)
    imported = import_inbox(book, state)
    print(
        _(
            "Imported from signed-in users: {notes} note(s), {commits} commit(s), {disputes} dispute(s)."
        ).format(notes=imported.notes, commits=imported.commits, disputes=imported.disputes)
    )
    for problem in imported.refused:
        print(_("Refused: {problem}").format(problem=problem), file=sys.stderr)
    for user, path in publish(book, state).items():
        print(_("Extract for {user} written to {path}").format(user=user, path=path))
    return 0


def _cmd_hub(args: argparse.Namespace) -> int:
    from salesplan_widgets.hub.app import HubSettings, run_hub

    settings = HubSettings(
        host=args.host,
        port=args.port,
        hub_port=args.hub_port,
        proxy_api_port=args.proxy_api_port,
        extra_config=Path(args.config) if args.config else None,
    )
    return run_hub(Path(args.workbook), Path(args.state) if args.state else None, settings)


def _cmd_schema(args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook.plan import json_schema

    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesplan", description=_("Set sales targets and run them through the year.")
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help=_("create a new workbook"))
    p.add_argument("directory")
    p.add_argument(
        "--locale",
        choices=["en", "zh_CN"],
        default="en",
        help=_("language of the plan, labels and reports (default: %(default)s)"),
    )
    p.add_argument(
        "--currency", help=_("ISO 4217 currency code (default: USD for --locale en, CNY for zh_CN)")
    )
    p.add_argument(
        "--country",
        help=_(
            "ISO country code whose public holidays decide working days (default: US for en, CN for zh_CN)"
        ),
    )
    p.add_argument("--name", help=_("company or plan name (default: the folder's name)"))
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("demo", help=_("write the demo company's workbook"))
    p.add_argument("directory")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--end", help=_("last month of data, e.g. 2026-10 (default: last complete month)"))
    p.add_argument("--rows", type=int, help=_("approximate number of transactions (for benchmarks)"))
    p.add_argument("--locale", choices=["en", "zh_CN"], default="en")
    p.add_argument(
        "--grain",
        choices=["month", "week", "quarter", "4-4-5", "4-5-4", "5-4-4"],
        default="month",
        help=_("the plan's calendar grain (default: month)"),
    )
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("validate", help=_("check the plan and every data source"))
    p.add_argument("workbook")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("run", help=_("produce the period report"))
    p.add_argument("workbook")
    p.add_argument(
        "--period",
        required=True,
        help=_(
            "the period to report, e.g. 2026-10; a workbook planned by week runs the month's last week "
            "(weeks count in the month of their Thursday), a retail (4-4-5 …) one the last week of the "
            "month's retail period, a quarterly one the quarter holding it, and the run says which it chose; "
            "name one period exactly with 2026-W44, a week's first day or 2027Q1"
        ),
    )
    p.add_argument("--template", action="append", help=_("run only this template (repeatable)"))
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("payouts", help=_("write the period's payout statements (CSV and Excel)"))
    p.add_argument("workbook")
    p.add_argument("--period", required=True, help=_("the period to pay, e.g. 2026-10"))
    step = p.add_mutually_exclusive_group()
    step.add_argument("--approve", action="store_true", help=_("finance: approve the prepared figures"))
    step.add_argument("--close", action="store_true", help=_("record the approved payments in the ledger"))
    step.add_argument("--adjust", nargs=2, metavar=("REP", "AMOUNT"),
                      help=_("record a manual adjustment for the period (negative recovers)"))  # fmt: skip
    p.add_argument("--reason", help=_("why the manual adjustment is paid or recovered"))
    p.add_argument("--approver", help=_("who approved the manual adjustment"))
    p.set_defaults(func=_cmd_payouts)

    p = sub.add_parser("close", help=_("record the period's approved payments in the ledger"))
    p.add_argument("workbook")
    p.add_argument("--period", required=True, help=_("the period to close, e.g. 2026-10"))
    p.set_defaults(func=_cmd_payouts, approve=False, close=True)

    p = sub.add_parser("dispute", help=_("log a rep's inquiry about a statement line, or answer one"))
    p.add_argument("workbook")
    p.add_argument("--period", help=_("the statement's period, e.g. 2026-10"))
    p.add_argument("--rep", help=_("the rep whose statement it is"))
    p.add_argument("--line", type=int, help=_("the statement line asked about (1 = the first)"))
    p.add_argument("--question", help=_("what the rep asks"))
    p.add_argument("--answer", metavar="ID", help=_("answer the inquiry with this id"))
    p.add_argument("--text", help=_("the answer"))
    p.add_argument("--adjust", help=_("a resulting manual adjustment (negative recovers)"))
    p.add_argument("--approver", help=_("who approved the manual adjustment"))
    p.add_argument("--list", action="store_true", help=_("list every inquiry and answer (the default)"))
    p.set_defaults(func=_cmd_dispute)

    p = sub.add_parser("serve", help=_("publish the dashboards read-only with Voila"))
    p.add_argument("workbook")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument(
        "--host", default="127.0.0.1", help=_("a loopback address only; to share, use `salesplan hub`")
    )
    p.add_argument("--open", action="store_true", help=_("open a browser"))
    p.add_argument(
        "--max-kernels",
        type=int,
        help=_("most dashboard pages open at once (default: what memory and CPU cores allow)"),
    )
    p.add_argument(
        "--pool-size",
        type=int,
        help=_(
            "kernels of the first dashboard started ahead of viewers (default: the cap, within a quarter "
            "of available memory; 0: none)"
        ),
    )
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("publish", help=_("write each hub user's scoped extract of the workbook"))
    p.add_argument("workbook")
    p.add_argument(
        "--state", help=_("the hub's state folder (default: /var/lib/salesplan/<workbook>-<hash>)")
    )
    p.set_defaults(func=_cmd_publish)

    p = sub.add_parser(
        "hub", help=_("serve the workbook to an organisation: sign-in, roles and scopes (JupyterHub)")
    )
    p.add_argument("workbook")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--hub-port", type=int, default=8081, help=_("the hub's internal port (127.0.0.1)"))
    p.add_argument("--proxy-api-port", type=int, default=8001, help=_("the proxy's API port (127.0.0.1)"))
    p.add_argument(
        "--state", help=_("the hub's state folder (default: /var/lib/salesplan/<workbook>-<hash>)")
    )
    p.add_argument(
        "--config", help=_("extra JupyterHub config, e.g. an OAuth authenticator (docs/serving.md)")
    )
    p.set_defaults(func=_cmd_hub)

    p = sub.add_parser("schema", help=_("print the plan file's JSON Schema"))
    p.set_defaults(func=_cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SalesplanError as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
