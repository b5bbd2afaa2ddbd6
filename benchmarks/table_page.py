"""The allocation table page (GET /customers/) with 1,000,000 customers in PostgreSQL.

    uv run python benchmarks/table_page.py                     # load 1M (~3-5 min) + measure
    uv run python benchmarks/table_page.py --reuse-db          # measure an already loaded --db
    uv run python benchmarks/table_page.py --customers 100000 --requests 50

1. (re)creates the database `--db` (default fenpei_bench), loads the demo company into it
   (`fenpei demo --no-serve`: 5 teams, 40 reps, logins manager / admin), deletes the demo's
   own customers and COPYs `--customers` generated ones straight into customers_customer
   (psycopg COPY). Rows are derived as the app does: name_key and phone_key with
   fenpei.engine.duplicates.normalise_names / phone_keys (the bulk forms of the functions
   customer_derive calls), initials with customer_derive's name_initials applied to each
   part of the composed name (pinyin initials are per character, so the concatenation is
   the same), priority and tier with the engine's priority_parts / priority_of / tier_of
   under the active policy (what customers_rescore does). ~90 % have an owner (a demo rep,
   team = the rep's team), the rest are in a team pool or the unrouted pool. No
   Assignment rows are written: the table page does not read them.
2. starts `.venv/bin/fenpei serve --workers N` and logs in over HTTP (GET /login/ for the
   CSRF token, POST the form, keep the session cookie) as `manager` (team 华东, ~¼ of the
   customers plus the unrouted pool) and as `admin` (all of them);
3. for each view (default sort, tier=A, a name search, a pinyin-initials search, page
   200, sort by value) sends `--requests` GETs one at a time (latency of a lone user),
   then the default view with `--concurrency` clients at once; prints p50/p95/p99;
4. stops the server (the database is kept: loading it again takes minutes; --drop-db);
5. in process (Django's test client, no HTTP): one page per view and user with the
   queries it ran, their SQL time and the slowest one, and EXPLAIN ANALYZE of the default
   page's row query as manager: where the time goes.

`--reuse-db` first applies any new migrations to the loaded database (`fenpei migrate`),
so a schema change (an index) is measured without loading again. The load ends with
VACUUM ANALYZE: the state autovacuum keeps a live table in (visibility map set, so
index-only scans are possible; statistics current).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load as common

VIEWS = (
    ("default (-priority)", "/customers/"),
    ("tier=A", "/customers/?tier=A"),
    ("search q=华通 (name)", "/customers/?q=" + urllib.parse.quote("华通")),
    ("search q=htkj (initials)", "/customers/?q=htkj"),
    ("page 200", "/customers/?page=200"),
    ("sort by value", "/customers/?sort=-value"),
)

CITIES = (
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "重庆",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "宁波",
    "合肥",
    "福州",
    "厦门",
    "济南",
)
BRAND_CHARS = "华通宏达信远恒泰天成金瑞安盛鼎新中联博创锦业卓越永和嘉汇德润明阳海川凯晨众合"
CORES = (
    "科技",
    "贸易",
    "实业",
    "制造",
    "物流",
    "医药",
    "建设",
    "电子",
    "软件",
    "食品",
    "能源",
    "教育",
    "餐饮",
    "零售",
    "咨询",
)
SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司")
STAGES = ("lead", "following", "won", "lost")


# ------------------------------------------------------------------------- load


def _django(db: str) -> None:
    os.environ.update(common.db_env(db))
    import django  # noqa: PLC0415

    django.setup()


def load(db: str, n: int, seed: int) -> dict[str, float]:
    """Demo company + `n` generated customers COPYed in. Returns timings."""
    import numpy as np  # noqa: PLC0415

    t0 = time.perf_counter()
    common.log(f"creating database {db} and loading the demo company …")
    common.db_create(db)
    common.fenpei(db, "demo", "--no-serve")
    t_demo = time.perf_counter() - t0
    _django(db)
    from django.db import connection  # noqa: PLC0415

    from fenpei.allocation.selectors import policy_active, policy_engine  # noqa: PLC0415
    from fenpei.customers.services import name_initials  # noqa: PLC0415
    from fenpei.engine import CustomerTable  # noqa: PLC0415
    from fenpei.engine.duplicates import normalise_names, phone_keys  # noqa: PLC0415
    from fenpei.engine.model import TIERS  # noqa: PLC0415
    from fenpei.engine.scoring import priority_of, priority_parts, tier_of  # noqa: PLC0415
    from fenpei.teams.models import Rep, Team  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    reps = list(Rep.objects.order_by("pk").values("pk", "team_id", "regions"))
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    policy = policy_engine(policy_active())
    as_of = date.today()
    with connection.cursor() as cur:
        # The demo's own 2,000 customers go: the table is all generated rows.
        cur.execute(
            "TRUNCATE allocation_runitem, allocation_assignment, customers_customer CASCADE"
        )
    common.log(f"generating {n:,} customers …")
    t1 = time.perf_counter()
    city = rng.integers(0, len(CITIES), n)
    b1 = rng.integers(0, len(BRAND_CHARS), n)
    b2 = rng.integers(0, len(BRAND_CHARS), n)
    core = rng.integers(0, len(CORES), n)
    suf = rng.integers(0, len(SUFFIXES), n)
    parts = [CITIES, BRAND_CHARS, BRAND_CHARS, CORES, SUFFIXES]
    initials_of = [[name_initials(p) for p in group] for group in parts]
    idx = [city.tolist(), b1.tolist(), b2.tolist(), core.tolist(), suf.tolist()]
    names = ["".join(parts[k][idx[k][i]] for k in range(5)) for i in range(n)]
    initials = ["".join(initials_of[k][idx[k][i]] for k in range(5)) for i in range(n)]
    name_keys = normalise_names(names)
    phones = [f"1{3 + i % 7}{(i * 7919 + 12345) % 10**9:09d}" for i in range(n)]
    pkeys = phone_keys(phones)
    value = np.round(rng.lognormal(12.5, 1.2, n), -2).clip(0, 10**12)
    intent = rng.integers(0, 4, n)
    deal_count = rng.poisson(1.2, n)
    deal_amount = np.where(deal_count > 0, np.round(rng.lognormal(11, 1.0, n), -2), 0)
    last_days = rng.integers(1, 1500, n)
    last_deal = [
        as_of - timedelta(days=int(d)) if c > 0 else None
        for d, c in zip(last_days.tolist(), deal_count.tolist(), strict=True)
    ]
    is_new = deal_count == 0
    keys = [f"C{i:07d}" for i in range(n)]
    table = CustomerTable.from_columns(
        keys=keys,
        names=names,
        potential_value=value.tolist(),
        intent=intent.tolist(),
        deal_count=deal_count.tolist(),
        deal_amount=deal_amount.tolist(),
        last_deal=last_deal,
        is_new=is_new.tolist(),
    )
    priority = priority_of(priority_parts(table, policy, as_of))
    tier = [TIERS[int(t)] for t in tier_of(priority, policy).tolist()]
    owner_pick = rng.integers(0, len(reps), n)
    kind = rng.random(n)  # < 0.90 owned, < 0.95 team pool, else unrouted pool
    team_pick = rng.integers(0, len(teams), n)
    stage = rng.choice(len(STAGES), n, p=[0.5, 0.3, 0.12, 0.08])
    t_gen = time.perf_counter() - t1
    common.log(f"generated in {t_gen:.1f} s; COPY …")
    t2 = time.perf_counter()
    cols = (
        "key, name, name_key, initials, credit_code, industry, region, city, address, "
        "potential_value, intent, products, contact, phone, phone_key, email, deal_count, "
        "deal_amount, last_deal, is_new, stage, locked, owned_since, priority, tier, "
        "created_at, updated_at, owner_id, team_id, next_step"
    )
    from django.utils import timezone  # noqa: PLC0415

    now = timezone.now()
    industries = (
        "制造业",
        "互联网",
        "医疗",
        "能源",
        "物流",
        "教育",
        "零售",
        "餐饮",
        "金融",
        "建筑",
    )
    raw = connection.connection  # the psycopg connection under Django's
    with raw.cursor() as cur, cur.copy(f"COPY customers_customer ({cols}) FROM STDIN") as copy:
        for i in range(n):
            k = kind[i]
            rep = reps[owner_pick[i]]
            owner = rep["pk"] if k < 0.90 else None
            team = rep["team_id"] if k < 0.90 else (teams[team_pick[i]] if k < 0.95 else None)
            regions = rep["regions"] or ["上海"]
            copy.write_row(
                (
                    keys[i],
                    names[i],
                    name_keys[i],
                    initials[i][:200],
                    f"91{i:016d}",
                    industries[core[i] % len(industries)],
                    regions[i % len(regions)],
                    "",
                    "",
                    value[i],
                    int(intent[i]),
                    "[]",
                    "",
                    phones[i],
                    pkeys[i],
                    "",
                    int(deal_count[i]),
                    deal_amount[i],
                    last_deal[i],
                    bool(is_new[i]),
                    STAGES[stage[i]],
                    False,
                    now if owner else None,
                    float(priority[i]),
                    tier[i],
                    now,
                    now,
                    owner,
                    team,
                    "",  # next_step: NOT NULL without a database default
                )
            )
    raw.commit()
    t_copy = time.perf_counter() - t2
    common.log(f"COPY in {t_copy:.1f} s; VACUUM ANALYZE …")
    t3 = time.perf_counter()
    raw.autocommit = True  # VACUUM cannot run inside a transaction
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    connection.close()
    return {
        "demo": t_demo,
        "generate": t_gen,
        "copy": t_copy,
        "vacuum analyze": time.perf_counter() - t3,
    }


# -------------------------------------------------------------------- session


class Session:
    """One logged-in browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body, h)
            resp = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body, h)
            resp = self.conn.getresponse()
        data = resp.read()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                k, _, v = value.split(";", 1)[0].partition("=")
                self.cookies[k.strip()] = v.strip()
        return resp.status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or m is None:
            raise RuntimeError(f"no login form ({status})")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": m.group(1).decode(),
                "username": username,
                "password": password,
                "next": "/customers/",
            }
        )
        status, _ = self.request(
            "POST",
            "/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed ({status})")


def get_ok(s: Session, path: str) -> bool:
    status, body = s.request("GET", path)
    return status == 200 and b"<table" in body


def measure(port: int, user: str, password: str, path: str, n: int) -> common.Stats:
    s = Session(port)
    s.login(user, password)
    get_ok(s, path)  # warm this worker's caches and connection
    stats = common.Stats()
    for _ in range(n):
        t0 = time.perf_counter()
        ok = get_ok(s, path)
        stats.add(time.perf_counter() - t0, ok)
    return stats


def measure_concurrent(
    port: int, user: str, password: str, path: str, *, clients: int, seconds: float
) -> tuple[common.Stats, float]:
    sessions = []
    for _ in range(clients):
        s = Session(port)
        s.login(user, password)
        sessions.append(s)
    import threading  # noqa: PLC0415

    stats = common.Stats()
    stop = time.perf_counter() + seconds

    def run(s: Session) -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            ok = get_ok(s, path)
            stats.add(time.perf_counter() - t0, ok)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.perf_counter() - t0


def visible_count(db: str, user: str) -> int:
    if user == "admin":
        return int(common.psql("SELECT count(*) FROM customers_customer", db))
    sql = (
        "SELECT count(*) FROM customers_customer c LEFT JOIN teams_rep r ON r.id = c.owner_id "
        "WHERE c.team_id IN (SELECT id FROM teams_team WHERE manager_id = "
        f"(SELECT id FROM auth_user WHERE username = '{user}')) OR r.team_id IN "
        f"(SELECT id FROM teams_team WHERE manager_id = (SELECT id FROM auth_user WHERE username = '{user}'))"
        " OR (c.owner_id IS NULL AND c.team_id IS NULL)"
    )
    return int(common.psql(sql, db))


def in_process(users: list[str]) -> tuple[list[list[str]], str]:
    """One page per view and user through Django's test client (no HTTP): the queries it
    ran, their SQL time, the slowest; and the plan of the default page's rows as manager.
    Each page is asked twice and the second is reported (warm caches, as in the HTTP runs).
    """
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from fenpei.customers.selectors import CustomerFilters, customers_filtered  # noqa: PLC0415
    from fenpei.teams.access import viewer_of  # noqa: PLC0415

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rows = []
    for user in users:
        client = Client()
        client.force_login(User.objects.get(username=user))
        for name, path in VIEWS:
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - t0
            times = [float(q["time"]) for q in queries.captured_queries]
            slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
            what = " ".join(slowest["sql"].split())[:90].replace("|", "¦")
            rows.append(
                [
                    f"{user}: {name}",
                    str(response.status_code),
                    f"{elapsed * 1000:.1f}",
                    str(len(times)),
                    f"{sum(times) * 1000:.1f}",
                    f"{max(times) * 1000:.1f} `{what}`",
                ]
            )
    manager = viewer_of(User.objects.get(username=users[0]))
    page = customers_filtered(manager, CustomerFilters()).values_list("pk", flat=True)[:50]
    plan = "\n".join(page.explain(analyze=True).splitlines())
    return rows, plan


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", default="fenpei_bench")
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--requests", type=int, default=5, help="sequential GETs per view and user")
    ap.add_argument("--concurrency", type=int, default=4, help="clients for the concurrent step")
    ap.add_argument("--concurrent-seconds", type=float, default=10.0)
    ap.add_argument("--users", default="manager,admin")
    ap.add_argument("--reuse-db", action="store_true", help="measure the loaded --db as it is")
    ap.add_argument("--drop-db", action="store_true", help="drop --db at the end")
    ap.add_argument("--target-p99-ms", type=float, default=100.0)
    args = ap.parse_args()

    common.header(
        f"Allocation table page (GET /customers/), {args.customers:,} customers, PostgreSQL"
    )
    timings: dict[str, float] = {}
    if not (args.reuse_db and common.db_exists(args.db)):
        timings = load(args.db, args.customers, args.seed)
    else:
        common.log("applying new migrations, if any …")
        common.fenpei(args.db, "migrate", "--no-input")
    _django(args.db)
    from fenpei.web.demo import DEMO_PASSWORD  # noqa: PLC0415

    users = [u for u in args.users.split(",") if u]
    rows: list[list[str]] = []
    worst: list[tuple[float, str]] = []
    try:
        with common.server(args.db, workers=args.workers, threads=args.threads) as port:
            for user in users:
                for name, path in VIEWS:
                    common.log(f"{user}: {name} ×{args.requests} …")
                    stats = measure(port, user, DEMO_PASSWORD, path, args.requests)
                    elapsed = sum(stats.latencies)
                    rows.append(stats.row(f"{user}: {name}", elapsed))
                    worst.append(
                        (common.pct([x * 1000 for x in stats.latencies], 99), f"{user}: {name}")
                    )
            for user in users:
                common.log(f"{user}: default view, {args.concurrency} clients …")
                stats, elapsed = measure_concurrent(
                    port,
                    user,
                    DEMO_PASSWORD,
                    VIEWS[0][1],
                    clients=args.concurrency,
                    seconds=args.concurrent_seconds,
                )
                rows.append(
                    stats.row(f"{user}: default, {args.concurrency} clients at once", elapsed)
                )
                worst.append(
                    (
                        common.pct([x * 1000 for x in stats.latencies], 99),
                        f"{user}: default, {args.concurrency} clients",
                    )
                )
        counts = {u: visible_count(args.db, u) for u in users}
        total = int(common.psql("SELECT count(*) FROM customers_customer", args.db))
        size = common.psql(f"SELECT pg_size_pretty(pg_database_size('{args.db}'))", args.db)
        common.log("in process …")
        process_rows, plan = in_process(users)
    finally:
        if args.drop_db:
            common.db_drop(args.db)

    if timings:
        print("Load: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) + ".  ")
    print(
        f"Database: {total:,} customers, {size}; visible to "
        + ", ".join(f"{u} {c:,}" for u, c in counts.items())
        + ".  "
    )
    print(
        f"Server: `fenpei serve --workers {args.workers} --threads {args.threads}` (gunicorn); "
        f"full HTML page (50 rows), logged in over HTTP; rows 'one at a time' are "
        f"{args.requests} sequential requests (req/s there = 1 / mean latency).\n"
    )
    table_rows = rows
    common.table(common.ROW_HEAD, table_rows)
    print(
        "\nIn process (Django test client, no HTTP), one request per view after one to warm "
        "up: the page's time, its queries, their SQL time and the slowest query.\n"
    )
    common.table(
        ["scenario", "status", "ms", "queries", "SQL ms", "slowest query ms"], process_rows
    )
    print("\nThe default page's rows as manager (keys of page 1), EXPLAIN ANALYZE:\n")
    print("```\n" + plan + "\n```\n")
    for p99, name in worst:
        print(f"- {name}: {common.verdict(p99, args.target_p99_ms, at_most=True, unit='ms')} (p99)")
    print(flush=True)


if __name__ == "__main__":
    main()
