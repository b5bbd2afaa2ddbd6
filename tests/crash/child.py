"""The process the crash tests kill: it seeds a scratch database, or runs one real
operation there (an import's confirm, a run's apply, a handover's apply) and stops at a
chosen point inside it to be killed.

Run as `python tests/crash/child.py COMMAND ...` with DATABASE_URL naming the scratch
database (never the test database: the parent's test transaction is invisible here).

The stop: the child prints `CRASH-HOOK <where>` on stdout and blocks reading stdin. The
parent, having read that line, knows exactly where the child is (inside the transaction,
after a given write; or just before or after its COMMIT) and sends the signal. The hooks
are installed only in this process: the service code runs unchanged.

Stop points (`--stop`):
  write:K     after the K-th write of the operation: an INSERT / UPDATE / DELETE
              statement, or a whole `rows_insert` (one COPY on PostgreSQL)
  row:K       in the middle of the first bulk insert, once K rows were handed to it (on
              PostgreSQL the COPY is then open on the server with those rows sent)
  commit      every write done, just before the COMMIT
  committed   just after the COMMIT
  none        no stop: run to the end
A stop may be followed by `,rollback`: after the first stop lets go (a signal that
unwinds, as Ctrl-C does), stop again just before the ROLLBACK that unwinding reaches.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

MARK = "CRASH-HOOK"

#: the seed's sizes: an import of many rows, a run and a handover each above the 2,000
#: owner changes from which PostgreSQL writes them by COPY (allocation.services)
IMPORT_ROWS = 6_000
POOL_CUSTOMERS = 2_500
LEAVER_CUSTOMERS = 2_100
REPS = 10  # who stay, besides the leaver
CAPACITY = 1_000
IMPORT_FILE = "crash-import.csv"

HEADERS = ["客户编号", "客户名称", "行业", "地区", "潜在价值", "合作意向", "现负责人"]
REGIONS = ["上海", "江苏", "浙江"]
INDUSTRIES = ["制造业", "零售", "金融", "物流"]
INTENTS = ["高", "中", "低", "未知"]


def _stop(where: str) -> None:
    print(f"{MARK} {where}", flush=True)
    sys.stdin.readline()  # the parent kills us here; a line (or its end) lets us go on


class Hook:
    """Counts the operation's writes and stops at the chosen one."""

    def __init__(self, spec: str) -> None:
        first, *then = spec.split(",")
        kind, _, n = first.partition(":")
        self.kind, self.n = kind, int(n or 0)
        self.at_rollback = then == ["rollback"]
        self.writes = 0
        self.in_rows_insert = False

    def wrote(self, what: str) -> None:
        self.writes += 1
        if self.kind == "write" and self.writes == self.n:
            _stop(f"write {self.n}: {what}")

    def statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"} and not self.in_rows_insert:
            self.wrote(sql[:70])
        return result

    def rows(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for i, row in enumerate(rows, start=1):
            yield row
            if self.kind == "row" and i == self.n:
                self.kind = "done"  # only the first bulk insert that gets this far
                _stop(f"row {i} of a bulk insert")

    @contextmanager
    def installed(self) -> Iterator[None]:
        from django.db import connection, connections  # noqa: PLC0415

        from fenpei import db_rows  # noqa: PLC0415
        from fenpei.allocation import services  # noqa: PLC0415
        from fenpei.customers import import_services  # noqa: PLC0415

        original = db_rows.rows_insert

        def rows_insert(model: Any, rows: Iterable[dict[str, Any]]) -> None:
            self.in_rows_insert = True
            try:
                original(model, self.rows(rows))
            finally:
                self.in_rows_insert = False
            self.wrote(f"rows_insert {model._meta.db_table}")

        wrapper = connections["default"]
        commit = wrapper.commit

        def commit_hooked() -> None:
            if self.kind == "commit":
                _stop("before COMMIT")
            commit()
            if self.kind == "committed":
                _stop("after COMMIT")

        rollback = wrapper.rollback

        def rollback_hooked() -> None:
            if self.at_rollback:
                _stop("before ROLLBACK")
            rollback()

        with ExitStack() as stack:
            stack.enter_context(connection.execute_wrapper(self.statement))
            for module in (services, import_services):
                stack.callback(setattr, module, "rows_insert", original)
                module.rows_insert = rows_insert  # type: ignore[attr-defined]
            stack.callback(setattr, wrapper, "commit", commit)
            wrapper.commit = commit_hooked  # type: ignore[method-assign]
            stack.callback(setattr, wrapper, "rollback", rollback)
            wrapper.rollback = rollback_hooked  # type: ignore[method-assign]
            yield


# --------------------------------------------------------------------------- seed


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(key: str, i: int, owner: str) -> list[object]:
    return [
        key,
        f"{REGIONS[i % 3]}{key}号测试商贸有限公司",
        INDUSTRIES[i % 4],
        REGIONS[i % 3],
        10_000 * (1 + i % 97),
        INTENTS[i % 4],
        owner,
    ]


def seed() -> dict[str, int]:
    """A team of reps; a book already imported (the leaver's customers and a pool);
    then, each left in preview for a test to apply: an import of IMPORT_ROWS new
    customers (half of them with an owner), a run over the pool, and the leaver's
    handover."""
    from django.contrib.auth.models import User  # noqa: PLC0415

    from fenpei.allocation.handover import handover_preview  # noqa: PLC0415
    from fenpei.allocation.models import RunStatus  # noqa: PLC0415
    from fenpei.allocation.services import run_compute, run_create  # noqa: PLC0415
    from fenpei.customers.import_services import import_confirm, import_upload  # noqa: PLC0415
    from fenpei.teams.access import viewer_of  # noqa: PLC0415
    from fenpei.teams.models import Level, Rep, Team  # noqa: PLC0415

    manager = User.objects.create_user("manager", password="crash")
    east = Team.objects.create(name="华东", region="上海", manager=manager)
    common = {"team": east, "regions": REGIONS, "industries": INDUSTRIES}
    leaver = Rep.objects.create(
        key="E01", name="张伟", level=Level.SENIOR, capacity=5_000, **common
    )
    stay = [
        Rep.objects.create(
            key=f"E{n:02d}",
            name=f"销售{n:02d}",
            level=Level(1 + n % 3),
            capacity=CAPACITY,
            **common,
        )
        for n in range(2, REPS + 2)
    ]
    viewer = viewer_of(manager)

    book = [_row(f"B{i:05d}", i, "E01") for i in range(LEAVER_CUSTOMERS)]
    book += [_row(f"P{i:05d}", i, "") for i in range(POOL_CUSTOMERS)]
    done = import_upload(viewer, file_name="book.csv", data=_csv(book), team_id=east.pk)
    import_confirm(viewer, done.pk)

    owners = [r.key for r in stay]
    rows = [
        _row(f"N{i:05d}", i, owners[i % len(owners)] if i % 2 else "") for i in range(IMPORT_ROWS)
    ]
    batch = import_upload(viewer, file_name=IMPORT_FILE, data=_csv(rows), team_id=east.pk)

    run = run_create(viewer, scope="unassigned", team_id=east.pk)
    if run.status != RunStatus.PREVIEW:  # too big for the request: computed here instead
        run_compute(run.pk)
    handover = handover_preview(viewer, leaver.pk)
    if handover.status != RunStatus.PREVIEW:
        run_compute(handover.pk)
    return {"manager": manager.pk, "import": batch.pk, "run": run.pk, "handover": handover.pk}


# ------------------------------------------------------------------------ operate


def operate(operation: str, pk: int, stop: str) -> None:
    from django.contrib.auth.models import User  # noqa: PLC0415

    from fenpei.allocation.routing import import_confirm_routed  # noqa: PLC0415
    from fenpei.allocation.services import run_apply  # noqa: PLC0415
    from fenpei.teams.access import viewer_of  # noqa: PLC0415

    viewer = viewer_of(User.objects.get(username="manager"))
    with Hook(stop).installed():
        if operation == "import":
            import_confirm_routed(viewer, pk)  # what the import page's confirm calls
        else:  # a run or a handover: both are applied by run_apply
            run_apply(viewer, pk)
    print(f"{MARK} finished", flush=True)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fenpei.config.settings")
    if "--sigterm-as-ctrl-c" in argv:
        # as `fenpei serve` does (web.server): SIGTERM unwinds like Ctrl-C
        argv.remove("--sigterm-as-ctrl-c")
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    import django  # noqa: PLC0415

    django.setup()
    command = argv[0]
    if command == "seed":
        import json  # noqa: PLC0415

        print(json.dumps(seed()), flush=True)
    elif command == "operate":
        operate(argv[1], int(argv[2]), argv[3])
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
