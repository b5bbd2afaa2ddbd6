"""The `fenpei` command.

    fenpei assign BOOK.xlsx -o OUT.json|OUT.csv|OUT.xlsx [--policy policy.toml] …
    fenpei assign CUSTOMERS.csv --reps REPS.csv -o OUT.json
    fenpei policy init [PATH] [--force]
    fenpei demo [--host H] [--port 8000] [--no-serve] [--reset]
    fenpei serve [--host H] [--port 8000] [--no-worker] [--workers N] [--threads T] [--production]
    fenpei api_token USER [--regenerate | --revoke]
    fenpei <django command> …          (migrate, createsuperuser, db_worker …)

`assign` needs no database: it reads the sheet, runs the engine and writes the result.
`demo` and `serve` are Django management commands (fenpei.web.management.commands), so
they are reached through the Django route below like any other; the epilog lists them.
A user mistake (missing file, sheet or column, bad policy) ends with one line
`fenpei: error: …` and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from fenpei.engine import Policy
    from fenpei.tables.write import Report

EXIT_USAGE = 2
COMMANDS = ("assign", "policy")


class UserError(Exception):
    """A mistake in the command line or its input: reported in one line, exit code 2."""


# ------------------------------------------------------------------------- progress


class ProgressBar:
    """A one-line bar on a terminal; silent when the stream is not a terminal."""

    WIDTH = 30

    def __init__(self, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.stage = ""
        self.shown = -1
        self.started = time.monotonic()

    def __call__(self, stage: str, fraction: float) -> None:
        if not self.enabled:
            return
        percent = int(max(0.0, min(fraction, 1.0)) * 100)
        if stage == self.stage and percent == self.shown:
            return
        self.stage, self.shown = stage, percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r{stage[:14]:<14} [{bar}] {percent:3d}% {elapsed:6.1f}s")
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self.shown >= 0:
            self.stream.write("\r" + " " * (self.WIDTH + 32) + "\r")
            self.stream.flush()
            self.shown = -1


# --------------------------------------------------------------------------- parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--as-of: not a date (YYYY-MM-DD): {text}") from None


EPILOG = """\
web app (a database: fenpei.sqlite3 in this folder, or DATABASE_URL):
  demo     load a demo company (5 teams, 40 reps, 2,000 customers) and serve it;
           run again to just serve it; --reset starts over, --no-serve only loads
  serve    serve the app: pages, static files and the background task worker
           (--host, --port, --no-worker); --workers N / --production: gunicorn
           for a shared server (run `fenpei db_worker` beside it)

Other commands (migrate, createsuperuser, db_worker …) go to Django."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fenpei",
        description="Fenpei (分配): optimal, explainable customer allocation.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(print_help=parser.print_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    assign = sub.add_parser(
        "assign",
        help="allocate the customers of a workbook or CSV pair to reps",
        description="Allocate customers to reps and write the result with reasons.",
    )
    assign.add_argument(
        "book", metavar="BOOK", help="workbook (.xlsx, sheets 客户 and 销售) or customers .csv"
    )
    assign.add_argument(
        "--reps", metavar="FILE", help="reps .csv (or workbook) when BOOK holds only customers"
    )
    assign.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        default="-",
        help="result: .json, .csv or .xlsx (default: JSON on stdout)",
    )
    assign.add_argument(
        "--policy", metavar="FILE", help="policy TOML (default: built-in; see `fenpei policy init`)"
    )
    assign.add_argument(
        "--sheet", help="customer sheet name (default: 客户 / 客户列表 / Customers)"
    )
    assign.add_argument("--reps-sheet", help="rep sheet name (default: 销售 / 销售人员 / Reps)")
    assign.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="date the recency of past deals is measured from (default: today)",
    )
    assign.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="language of reason texts"
    )
    assign.add_argument(
        "--dump-scores",
        metavar="FILE.csv",
        help="write customer_key,rep_key,score for every eligible pair",
    )
    assign.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")

    policy = sub.add_parser("policy", help="policy file tools", description="Policy file tools.")
    policy.set_defaults(print_help=policy.print_help)
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="ACTION")
    init = policy_sub.add_parser(
        "init",
        help="write the default policy with comments",
        description="Write the default policy.",
    )
    init.add_argument("path", nargs="?", default="policy.toml", help="default: policy.toml")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


# --------------------------------------------------------------------------- assign


def _load_policy(path: str | None) -> Policy:
    from fenpei.engine import PolicyError, default_policy, policy_from_toml  # noqa: PLC0415

    if path is None:
        return default_policy()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"policy file not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read policy file {file}: {_one_line(exc)}") from None
    try:
        return policy_from_toml(text)
    except PolicyError as exc:
        raise UserError(f"bad policy file {file}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _output_kind(output: str) -> str:
    if output == "-":
        return ".json"
    suffix = Path(output).suffix.lower()
    if suffix not in (".json", ".csv", ".xlsx"):
        raise UserError(f"output {output}: use a .json, .csv or .xlsx file name")
    return suffix


def _check_writable(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path()
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist")


def cmd_assign(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    # A run allocates millions of small objects and frees them at exit: the cycle collector
    # would only rescan them over and over (seconds at a million customers).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _assign(args, stdout, stderr)
    finally:
        if enabled:
            gc.enable()


def _assign(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from fenpei.engine import allocate  # noqa: PLC0415 (keep `fenpei --help` fast)
    from fenpei.engine.duplicates import (  # noqa: PLC0415
        duplicate_groups,
        group_dict,
        stand_ins,
    )
    from fenpei.tables import InputError, read_book  # noqa: PLC0415
    from fenpei.tables.write import (  # noqa: PLC0415
        Report,
        json_bytes,
        write_json_stream,
        write_output,
        write_scores,
    )

    _output_kind(args.output)
    output = None if args.output == "-" else Path(args.output)
    scores_path = Path(args.dump_scores) if args.dump_scores else None
    for target in (output, scores_path):
        if target is not None:
            _check_writable(target)
    policy = _load_policy(args.policy)
    as_of = _date(args.as_of) if args.as_of else date.today()
    bar = ProgressBar(stderr, enabled=False if args.quiet else None)
    started = time.monotonic()

    bar("read", 0.0)
    try:
        book = read_book(
            args.book, args.reps, sheet=args.sheet, reps_sheet=args.reps_sheet, lang=args.lang
        )
    except InputError as exc:
        raise UserError(str(exc)) from None
    bar("read", 1.0)
    # Rows of one real customer are allocated as one (one owner, counted once against
    # capacity), so duplicates are found before the engine runs.
    bar("duplicates", 0.0)
    rep_names = {r.key: r.name for r in book.reps}
    customers = book.customers
    groups = duplicate_groups(
        customers.keys,
        customers.names,
        book.credit_codes,
        book.phones,
        owners=[rep_names.get(o, o) for o in customers.owner],
        lang=args.lang,
    )
    customers.same_as = stand_ins(len(customers), groups)
    duplicates = [group_dict(g, customers.keys) for g in groups]
    problem, allocation = allocate(customers, book.reps, policy, as_of=as_of, progress=bar)
    report = Report.build(
        book,
        problem,
        allocation,
        policy,
        duplicates,
        lang=args.lang,
        progress=bar,
        sources=(args.book, args.reps),
    )
    bar("write", 0.0)
    try:
        if output is None:
            binary = getattr(stdout, "buffer", None)
            if binary is not None:
                stdout.flush()
                write_json_stream(binary, report)
                binary.flush()
            else:
                stdout.write(json_bytes(report).decode())
        else:
            write_output(output, report)
        pairs = 0
        if scores_path is not None:
            bar("scores", 0.0)
            rep_keys = [r.key for r in book.reps]
            pairs = write_scores(scores_path, book.customers.keys, rep_keys, problem.pairs())
    except OSError as exc:
        raise UserError(f"cannot write output: {_one_line(exc)}") from None
    bar("write", 1.0)
    bar.clear()
    if not args.quiet:
        elapsed = time.monotonic() - started
        _summary(stderr, report, output=output, scores=scores_path, pairs=pairs, seconds=elapsed)
    return 0


def _summary(
    stderr: TextIO,
    report: Report,
    *,
    output: Path | None,
    scores: Path | None,
    pairs: int,
    seconds: float,
) -> None:
    n = len(report.book.customers)
    lines = [
        f"customers {n:,} · assigned {len(report.assigned):,} · "
        f"unassigned {len(report.unassigned):,} · errors {len(report.book.errors):,} · "
        f"duplicate groups {len(report.duplicates):,}",
        f"objective {report.allocation.objective:,.4f} · reps {len(report.book.reps):,} · "
        f"{seconds:.1f}s",
        f"written: {output if output is not None else '(stdout)'}",
    ]
    if scores is not None:
        lines.append(f"scores: {scores} ({pairs:,} eligible pairs)")
    stderr.write("".join(f"fenpei: {line}\n" for line in lines))


# --------------------------------------------------------------------------- policy


def cmd_policy_init(args: argparse.Namespace, stderr: TextIO) -> int:
    from fenpei.engine import DEFAULT_POLICY_TOML  # noqa: PLC0415

    path = Path(args.path)
    if path.exists() and not args.force:
        raise UserError(f"{path} already exists; use --force to overwrite it")
    _check_writable(path)
    try:
        path.write_text(DEFAULT_POLICY_TOML, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {_one_line(exc)}") from None
    stderr.write(f"fenpei: wrote {path}\n")
    return 0


# --------------------------------------------------------------------------- django


def run_django(argv: Sequence[str]) -> int:
    """Any other command goes to Django's management (migrate, runserver …)."""
    from fenpei.config import SETTINGS_MODULE  # noqa: PLC0415

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if argv and argv[0] == "demo":
        # The demo serves http://127.0.0.1 on this machine: no TLS to insist on (settings
        # turn the HTTPS protections on whenever debug is off, unless told otherwise).
        os.environ.setdefault("FENPEI_HTTPS", "0")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    execute_from_command_line(["fenpei", *argv])
    return 0


# ----------------------------------------------------------------------------- main


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Entry point of the `fenpei` console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if args_list and not args_list[0].startswith("-") and args_list[0] not in COMMANDS:
        return run_django(args_list)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse has printed usage and its message
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "assign":
            return cmd_assign(args, out, err)
        if args.command == "policy" and args.policy_command == "init":
            return cmd_policy_init(args, err)
        args.print_help(err)  # no command, or `policy` without an action
        return EXIT_USAGE
    except UserError as exc:
        err.write(f"fenpei: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("\nfenpei: interrupted\n")
        return 130
    except BrokenPipeError:  # `fenpei assign … | head`: the reader left, nothing to report
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (silence the flush at exit)
        return 141


if __name__ == "__main__":
    sys.exit(main())
