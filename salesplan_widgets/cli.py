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

    path = init_workbook(Path(args.directory), locale=args.locale, currency=args.currency, name=args.name)
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

    try:
        problems = open_workbook(args.workbook).validate()
    except InputError as exc:  # the plan itself is invalid: its problems are the report
        problems = exc.problems
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    if problems:
        print(_("{n} problem(s) found.").format(n=len(problems)), file=sys.stderr)
        return 1
    print(_("Plan and data are valid."))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from salesplan_widgets.run import run_period

    report = run_period(Path(args.workbook), args.period, templates=args.template or None)
    print(_("Period report written to {path}").format(path=report))
    return 0


def _cmd_payouts(args: argparse.Namespace) -> int:
    from salesplan_widgets.workbook.payouts import write_payouts

    for path in write_payouts(Path(args.workbook), args.period):
        print(_("Payout statements written to {path}").format(path=path))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from salesplan_widgets.serve import serve

    return serve(Path(args.workbook), port=args.port, host=args.host, open_browser=args.open)


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
    p.add_argument("--locale", choices=["en", "zh_CN"], default="en")
    p.add_argument("--currency", default="CNY")
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
    p.add_argument("--period", required=True, help=_("the period to report, e.g. 2026-10"))
    p.add_argument("--template", action="append", help=_("run only this template (repeatable)"))
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("payouts", help=_("write the period's payout statements (CSV and Excel)"))
    p.add_argument("workbook")
    p.add_argument("--period", required=True, help=_("the period to pay, e.g. 2026-10"))
    p.set_defaults(func=_cmd_payouts)

    p = sub.add_parser("serve", help=_("publish the dashboards read-only with Voila"))
    p.add_argument("workbook")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--open", action="store_true", help=_("open a browser"))
    p.set_defaults(func=_cmd_serve)

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
