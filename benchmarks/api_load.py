"""Load test of real-time routing through the REST API: POST /api/v1/customers/ → owner.

    uv run python benchmarks/api_load.py                       # setup + closed + open loop (~2 min)
    uv run python benchmarks/api_load.py --rate 200 --duration 20 --clients 4,8,16,32

What it does, against a real `fenpei serve --workers N` (gunicorn) on PostgreSQL:

1. (re)creates the database `--db` (default fenpei_bench_api), loads the demo company into
   it (`fenpei demo --no-serve`: 5 teams, 40 reps, 2,000 customers) and raises every
   rep's capacity so routing always has room (otherwise reps fill up during the run and
   later requests take the cheaper "no rep with room" path); takes the API token of
   `manager` (team 华东) with `fenpei api_token manager`;
2. starts `.venv/bin/fenpei serve --workers N --port P` as a subprocess;
3. closed loop: C client threads, each with its own keep-alive connection, POST one new
   customer after another for `--closed-duration` s → max throughput and latencies;
4. open loop: requests scheduled at a fixed `--rate` for `--duration` s, latency measured
   from the *scheduled* send time (no coordinated omission) → p50/p95/p99;
5. stops the server (and, unless --keep-db, drops the database).

Every request creates a distinct customer (unique name and credit code) in a region and
industry 华东's reps cover, with `"route": true`, and must answer 201 with an owner.

The load generator is Python threads + http.client (no wrk): on this 2-core machine it
shares the CPUs with gunicorn and PostgreSQL, so the figures are a lower bound for a
server with its own cores. Helpers here (server start/stop, database setup, latency
summaries) are reused by table_page.py and import_load.py.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENPEI = str(ROOT / ".venv" / "bin" / "fenpei")
PG = "postgres://postgres@127.0.0.1:5432"
SECRET = "bench-only-secret-key-" + "x" * 40

# Regions and industries 华东's reps cover in the demo company (fenpei.web.demo).
REGIONS = ("上海", "江苏", "浙江", "安徽")
INDUSTRIES = ("互联网", "建筑", "医疗", "能源", "物流", "制造业", "教育", "零售", "餐饮", "金融")


# ----------------------------------------------------------------- environment


def machine_note() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs (shared VM), {cpu}; Python {platform.python_version()}; "
        f"load average at start {load}"
    )


def header(title: str) -> None:
    print(f"## {title}\n")
    print(
        f"Command: `uv run python benchmarks/{Path(sys.argv[0]).name} {shlex.join(sys.argv[1:])}`  "
    )
    print(f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  ")
    print(f"Machine: {machine_note()}\n", flush=True)


def db_env(db: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG}/{db}",
        FENPEI_SECRET_KEY=SECRET,
        DJANGO_SETTINGS_MODULE="fenpei.config.settings",
        # Plain HTTP on loopback: no TLS in front of the server being measured.
        FENPEI_HTTPS="0",
    )
    return env


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def db_create(db: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{db}"')


def db_drop(db: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def db_exists(db: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def fenpei(db: str, *args: str) -> str:
    out = subprocess.run(
        [FENPEI, *args], env=db_env(db), check=True, capture_output=True, text=True, cwd=ROOT
    )
    return out.stdout


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(db: str, *, workers: int, threads: int, port: int = 0) -> Iterator[int]:
    """`fenpei serve --workers N` on `db`; yields the port; always stops it."""
    port = port or free_port()
    cmd = [FENPEI, "serve", "--workers", str(workers), "--threads", str(threads)]
    cmd += ["--port", str(port)]
    logfile = open(f"/tmp/fenpei-bench-serve-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        env=db_env(db),
        cwd=ROOT,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}); see {logfile.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer in 60 s; see {logfile.name}")
            time.sleep(0.3)
        log(f"server up: {shlex.join(cmd)} (pid {proc.pid})")
        yield port
    finally:
        # gunicorn's master stops its workers on SIGTERM; the session is ours alone.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        logfile.close()


# -------------------------------------------------------------------- figures


def pct(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    bad: int = 0  # answered, but not what the scenario expects
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool, error: bool = False) -> None:
        with self.lock:
            if error:
                self.errors += 1
            else:
                self.latencies.append(seconds)
                if not ok:
                    self.bad += 1

    def row(self, name: str, elapsed: float) -> list[str]:
        ms = [x * 1000 for x in self.latencies]
        n = len(ms)
        return [
            name,
            f"{n:,}",
            f"{(n - self.bad) / elapsed:,.1f}",  # answered as expected, per second
            f"{pct(ms, 50):.1f}",
            f"{pct(ms, 95):.1f}",
            f"{pct(ms, 99):.1f}",
            f"{max(ms) if ms else float('nan'):.1f}",
            f"{self.errors + self.bad}",
        ]


ROW_HEAD = ["scenario", "requests", "ok req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"]


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(flush=True)


Request = Callable[[http.client.HTTPConnection, int], bool]


def _connection(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def _one(
    conn_box: list[http.client.HTTPConnection], port: int, send: Request, i: int
) -> tuple[bool, bool]:
    """(ok, error) of one request, reconnecting once on a dropped keep-alive socket."""
    for attempt in range(2):
        try:
            return send(conn_box[0], i), False
        except (OSError, http.client.HTTPException):
            conn_box[0].close()
            conn_box[0] = _connection(port)
            if attempt:
                return False, True
    return False, True


def closed_loop(
    port: int, send: Request, clients: int, seconds: float, start: int
) -> tuple[Stats, float]:
    """`clients` threads, each sending its next request as soon as the last answered."""
    stats = Stats()
    counter = iter(range(start, 10**12))
    counter_lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        box = [_connection(port)]
        while time.perf_counter() < stop:
            with counter_lock:
                i = next(counter)
            t0 = time.perf_counter()
            ok, error = _one(box, port, send, i)
            stats.add(time.perf_counter() - t0, ok, error)
        box[0].close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.perf_counter() - t0


def open_loop(
    port: int,
    send: Request,
    *,
    rate: float,
    seconds: float,
    start: int,
    pool: int = 64,
    grace: float = 10.0,
) -> tuple[Stats, float, float]:
    """Requests due at t0 + i/rate whatever the answers; latency from the due time.
    Requests not sent `grace` s after the last one was due count as errors (an overloaded
    server would otherwise keep the run going for minutes). Returns stats, elapsed, and
    the worst lateness of the sender (its own overload)."""
    stats = Stats()
    due: queue.Queue[tuple[int, float] | None] = queue.Queue()
    late = [0.0]

    def worker() -> None:
        box = [_connection(port)]
        while (item := due.get()) is not None:
            i, at = item
            now = time.perf_counter()
            if now > give_up:  # far behind: fail the rest, with the wait so far as latency
                stats.add(now - at, False)
                continue
            if now < at:
                time.sleep(at - now)
            else:
                late[0] = max(late[0], now - at)
            ok, error = _one(box, port, send, i)
            stats.add(time.perf_counter() - at, ok, error)
        box[0].close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(pool)]
    for t in threads:
        t.start()
    n = int(rate * seconds)
    t0 = time.perf_counter() + 0.2
    give_up = t0 + seconds + grace
    # Hand out work a little ahead of time so an idle worker is waiting for each slot.
    for i in range(n):
        at = t0 + i / rate
        ahead = at - time.perf_counter() - 0.05
        if ahead > 0:
            time.sleep(ahead)
        due.put((start + i, at))
    for _ in threads:
        due.put(None)
    for t in threads:
        t.join()
    return stats, time.perf_counter() - t0, late[0]


def verdict(value: float, limit: float, *, at_most: bool, unit: str) -> str:
    met = value <= limit if at_most else value >= limit
    sign = "≤" if at_most else "≥"
    return f"target {sign} {limit:g} {unit}: {'met' if met else 'not met'} ({value:,.1f} {unit})"


# ------------------------------------------------------------- this scenario


def api_setup(db: str, capacity: int) -> str:
    """Fresh database with the demo company; returns manager's API token."""
    log(f"creating database {db} and loading the demo company …")
    db_create(db)
    fenpei(db, "demo", "--no-serve")
    # Room for every routed customer of the run (see the module docstring).
    # Not far more than needed: routing's cost grows with the candidates' free slots
    # (engine.solve.slot_costs builds one array entry per free slot).
    psql(f"UPDATE teams_rep SET capacity = {capacity} WHERE capacity IS NOT NULL", db)
    return fenpei(db, "api_token", "manager").strip().splitlines()[-1]


def create_sender(token: str, tag: str) -> Request:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def send(conn: http.client.HTTPConnection, i: int) -> bool:
        body = {
            "name": f"压测{tag}号{i}科技有限公司",
            "credit_code": f"91{tag}{i:011d}"[:18],
            "region": REGIONS[i % len(REGIONS)],
            "industry": INDUSTRIES[i % len(INDUSTRIES)],
            "potential_value": str(100_000 + (i * 7919) % 5_000_000),
            "intent": i % 4,
            # phone and credit code are duplicate keys too: distinct per request and run
            "phone": f"1{(int(tag) * 10**7 + i) % 10**10:010d}",
            "route": True,
        }
        conn.request("POST", "/api/v1/customers/", json.dumps(body), headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 201:
            return False
        return json.loads(data).get("owner") is not None

    return send


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", default="fenpei_bench_api")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn processes (default 4)")
    ap.add_argument("--threads", type=int, default=4, help="threads per process (default 4)")
    ap.add_argument("--clients", default="4,16,32", help="closed-loop client counts")
    ap.add_argument(
        "--closed-duration", type=float, default=10.0, help="seconds per closed-loop step"
    )
    ap.add_argument("--rate", type=float, default=200.0, help="the target's open-loop rate (req/s)")
    ap.add_argument("--rates", default="", help="open-loop rates to run (default: 20 and --rate)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per open-loop rate")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up (not counted)")
    ap.add_argument(
        "--capacity", type=int, default=5000, help="every rep's capacity (default 5000)"
    )
    ap.add_argument("--reuse-db", action="store_true", help="keep an existing --db (no demo load)")
    ap.add_argument("--keep-db", action="store_true", help="do not drop --db at the end")
    ap.add_argument("--target-rps", type=float, default=500.0)
    ap.add_argument("--target-p99-ms", type=float, default=50.0)
    args = ap.parse_args()
    args.rates = args.rates or f"20,{args.rate:g}"
    if args.rate not in [float(x) for x in args.rates.split(",") if x]:
        args.rates += f",{args.rate:g}"

    header("Real-time routing through the API (POST /api/v1/customers/)")
    if args.reuse_db and db_exists(args.db):
        token = fenpei(args.db, "api_token", "manager").strip().splitlines()[-1]
    else:
        token = api_setup(args.db, args.capacity)
    before = int(psql("SELECT count(*) FROM customers_customer", args.db))
    tag = f"{int(time.time()) % 100000:05d}"
    send = create_sender(token, tag)
    rows: list[list[str]] = []
    best = 0.0
    next_i = 0
    try:
        with server(args.db, workers=args.workers, threads=args.threads) as port:
            log("warm-up …")
            closed_loop(port, send, 4, args.warmup, next_i)
            next_i = 1_000_000
            for c in [int(x) for x in args.clients.split(",") if x]:
                log(f"closed loop, {c} clients, {args.closed_duration:g} s …")
                stats, elapsed = closed_loop(port, send, c, args.closed_duration, next_i)
                next_i += 1_000_000
                rows.append(stats.row(f"closed loop, {c} clients", elapsed))
                best = max(best, len(stats.latencies) / elapsed)
            late = 0.0
            for rate in (float(x) for x in args.rates.split(",") if x):
                log(f"open loop, {rate:g} req/s for {args.duration:g} s …")
                stats, elapsed, lag = open_loop(
                    port, send, rate=rate, seconds=args.duration, start=next_i
                )
                next_i += 1_000_000
                late = max(late, lag)
                rows.append(
                    stats.row(f"open loop, {rate:g} req/s (latency from due time)", elapsed)
                )
                if rate == args.rate:
                    p99 = pct([x * 1000 for x in stats.latencies], 99)
                    p99_failed = stats.errors + stats.bad
        after = int(psql("SELECT count(*) FROM customers_customer", args.db))
        owned = int(
            psql(
                f"SELECT count(*) FROM customers_customer WHERE name LIKE '压测{tag}号%' AND owner_id IS NOT NULL",
                args.db,
            )
        )
    finally:
        if not args.keep_db:
            db_drop(args.db)

    print(
        f"Server: `fenpei serve --workers {args.workers} --threads {args.threads}` (gunicorn), "
        f"PostgreSQL on 127.0.0.1, same machine as the load generator. Demo company "
        f"(40 reps) with every capacity set to {args.capacity:,}; client = manager of 华东 (token), every request "
        f"a new customer with `route: true`; an error is a non-201 or a 201 without an owner.\n"
    )
    table(ROW_HEAD, rows)
    print(
        f"Customers: {before:,} before, {after:,} after; {owned:,} created by this run, all with an owner: {owned == after - before}.  "
    )
    print(
        f"Open-loop sender's worst lateness: {late * 1000:.1f} ms (how far the client itself fell behind).\n"
    )
    print(f"- Max throughput: {verdict(best, args.target_rps, at_most=False, unit='req/s')}")
    failed = f"; {p99_failed:,} requests failed or were not sent in time" if p99_failed else ""
    print(
        f"- p99 at {args.rate:g} req/s: {verdict(p99, args.target_p99_ms, at_most=True, unit='ms')}{failed}"
    )
    print(flush=True)


if __name__ == "__main__":
    main()
