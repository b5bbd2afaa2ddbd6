"""Importing 100,000 customers into PostgreSQL through the import services.

    uv run python benchmarks/import_load.py                    # 100k rows (~2 min)
    uv run python benchmarks/import_load.py --customers 20000 --reps 200

1. builds (or reuses, in benchmarks/data/) a tidy customer workbook with read_report.py's
   `write_tidy` from a synthetic.py instance: sheet 客户 with 14 columns (客户编号, 客户名称,
   行业, 地区, 潜在价值, 合作意向, 产品需求, 联系人, 联系电话, 历史交易额, 交易次数, 最近交易日期,
   现负责人, 统一社会信用代码) and sheet 销售 with the reps (~10 % of the customers name a
   current owner among them);
2. (re)creates the database `--db` (default fenpei_bench_import) and loads the demo company
   (2,000 customers, logins); the import runs as `admin` into team 华东;
3. in this process (Django set up on that database, no HTTP): `import_upload(viewer,
   file_name=…, data=…, team_id=…)` (read + match + plan: what the preview page shows),
   then `import_confirm(viewer, batch_id)` (reads and plans again, then writes reps,
   customers, assignments), timing each; then checks the rows are there;
4. drops the database (unless --keep-db).

End to end = upload + confirm, the two requests a manager's browser makes (the preview
page renders from the batch's stored summary). Not measured: HTTP upload of the file
(a ~5 MB POST on localhost) and template rendering.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load as common

DATA = Path(__file__).resolve().parent / "data"


def workbook(n: int, n_reps: int, regenerate: bool) -> Path:
    import read_report  # noqa: PLC0415
    import synthetic  # noqa: PLC0415

    path = DATA / f"import-{n}x{n_reps}-v{read_report.VERSION}.xlsx"
    if path.exists() and not regenerate:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    common.log(f"generating a {n:,}-customer workbook …")
    inst = synthetic.make_instance(n, n_reps)
    read_report.write_tidy(inst, read_report.Columns(inst), path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", default="fenpei_bench_import")
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=200, help="reps in the workbook's rep sheet")
    ap.add_argument("--regenerate", action="store_true", help="write the workbook again")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument(
        "--profile", action="store_true", help="print the top of a cProfile of the confirm"
    )
    ap.add_argument("--target-s", type=float, default=20.0)
    ap.add_argument(
        "--apply-run",
        action="store_true",
        help="then allocate the imported customers left without an owner in one run "
        "(computed in process) and time applying it: the 'apply a run of 100k' bulk path",
    )
    args = ap.parse_args()

    common.header(f"Import of {args.customers:,} customers (PostgreSQL, import services)")
    path = workbook(args.customers, args.reps, args.regenerate)
    data = path.read_bytes()
    common.log(f"creating database {args.db} and loading the demo company …")
    common.db_create(args.db)
    try:
        common.fenpei(args.db, "demo", "--no-serve")
        os.environ.update(common.db_env(args.db))
        import django  # noqa: PLC0415

        django.setup()
        from django.contrib.auth import get_user_model  # noqa: PLC0415
        from django.utils import translation  # noqa: PLC0415

        from fenpei.customers.import_services import import_confirm, import_upload  # noqa: PLC0415
        from fenpei.customers.models import Customer  # noqa: PLC0415
        from fenpei.teams.access import viewer_of  # noqa: PLC0415
        from fenpei.teams.models import Rep, Team  # noqa: PLC0415

        translation.activate("zh-hans")
        viewer = viewer_of(get_user_model().objects.get(username="admin"))
        team_id = Team.objects.get(name="华东").pk
        before = Customer.objects.count()
        reps_before = Rep.objects.count()
        common.log("import_upload …")
        t0 = time.perf_counter()
        batch = import_upload(viewer, file_name=path.name, data=data, team_id=team_id)
        t_upload = time.perf_counter() - t0
        summary = batch.summary
        common.log(f"upload {t_upload:.1f} s; import_confirm …")
        profiler = cProfile.Profile() if args.profile else None
        t1 = time.perf_counter()
        if profiler:
            profiler.enable()
        batch = import_confirm(viewer, batch.pk)
        if profiler:
            profiler.disable()
        t_confirm = time.perf_counter() - t1
        common.log(f"confirm {t_confirm:.1f} s")
        after = Customer.objects.count()
        owned = Customer.objects.filter(owner__isnull=False).count()
        reps_after = Rep.objects.count()
        status = batch.status
        errors = len(batch.errors)
        run_figures = _run_apply(viewer, batch.pk) if args.apply_run else None
    finally:
        if not args.keep_db:
            from django.db import connections  # noqa: PLC0415

            connections.close_all()
            common.db_drop(args.db)

    total = t_upload + t_confirm
    size_mb = len(data) / 1e6
    print(
        f"Workbook: `{path.relative_to(common.ROOT)}`, {size_mb:.1f} MB, {args.customers:,} customer rows, "
        f"{args.reps:,} reps; imported as admin into team 华东 of the demo company "
        f"(2,000 customers before), in-process through the services (no HTTP).\n"
    )
    common.table(
        ["step", "seconds", "rows/s"],
        [
            [
                "import_upload (read + match + plan = preview)",
                f"{t_upload:.1f}",
                f"{args.customers / t_upload:,.0f}",
            ],
            [
                "import_confirm (read + plan again + write)",
                f"{t_confirm:.1f}",
                f"{args.customers / t_confirm:,.0f}",
            ],
            ["end to end (upload + confirm)", f"{total:.1f}", f"{args.customers / total:,.0f}"],
        ],
    )
    print(
        f"Result: batch {status}; customers {before:,} → {after:,} (+{after - before:,}); "
        f"reps {reps_before:,} → {reps_after:,}; customers with an owner now {owned:,}; "
        f"cell errors listed {errors:,}; plan summary new={summary.get('new')}, "
        f"updated={summary.get('updated')}, conflicts={summary.get('conflicts')}.\n"
    )
    print(f"- End to end: {common.verdict(total, args.target_s, at_most=True, unit='s')}")
    if run_figures is not None:
        n, t_compute, t_apply, applied = run_figures
        print(
            f"\nThen one run over the {n:,} imported customers without an owner (the reps in "
            f"the workbook carry its capacities): compute {t_compute:.1f} s (engine and "
            f"reasons, in process), **apply {t_apply:.1f} s** for {applied:,} assignments "
            f"(end the old assignments, write the new ones, set the owners, audit events)."
        )
    print(flush=True)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print("```\n" + out.getvalue().strip() + "\n```")


def _run_apply(viewer: object, batch_id: int) -> tuple[int, float, float, int]:
    """One selection run over the batch's customers still without an owner: compute it
    in this process (not the background task), then apply it; returns (customers,
    compute s, apply s, assignments applied)."""
    from django.conf import settings  # noqa: PLC0415

    from fenpei.allocation.models import RunScope  # noqa: PLC0415
    from fenpei.allocation.services import run_apply, run_compute, run_create  # noqa: PLC0415
    from fenpei.customers.models import Customer  # noqa: PLC0415

    unowned = list(
        Customer.objects.filter(owner__isnull=True, team__name="华东").values_list("pk", flat=True)
    )
    settings.FENPEI_BACKGROUND_RUN_SIZE = len(unowned) + 1  # compute right here
    common.log(f"run over {len(unowned):,} customers: compute …")
    t0 = time.perf_counter()
    run = run_create(viewer, scope=RunScope.SELECTION, customer_ids=unowned)  # type: ignore[arg-type]
    t_compute = time.perf_counter() - t0
    if run.status != "preview":
        run_compute(run.pk)
        t_compute = time.perf_counter() - t0
    common.log(f"compute {t_compute:.1f} s; apply …")
    t1 = time.perf_counter()
    applied = run_apply(viewer, run.pk)  # type: ignore[arg-type]
    t_apply = time.perf_counter() - t1
    common.log(f"apply {t_apply:.1f} s ({applied:,} assignments)")
    return len(unowned), t_compute, t_apply, applied


if __name__ == "__main__":
    main()
