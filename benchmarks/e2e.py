"""End to end: `fenpei assign` on a 1M-customer × 2,000-rep CSV pair, against the targets.

    uv run python benchmarks/e2e.py                    # 1,000,000 × 2,000 (the target size)
    uv run python benchmarks/e2e.py --size 100000x1000 # smaller, for a quick look

The CSV pair (customers.csv, reps.csv, canonical Chinese headers) and the policy file with
the instance's routing rules (policy.toml) are generated into benchmarks/data/ (gitignored)
when missing; then the CLI runs in a subprocess, once per output format:

    uv run fenpei assign benchmarks/data/customers.csv --reps benchmarks/data/reps.csv \
        --policy benchmarks/data/policy.toml --as-of 2026-06-30 -o benchmarks/data/out.json -q

Wall time and peak RSS come from GNU `/usr/bin/time -v` when it exists (its peak is the
largest single process in the tree: the Python process, not uv), otherwise from
`resource.getrusage(RUSAGE_CHILDREN)` around the subprocess. Targets: ≤ 10 s wall, ≤ 4 GB.
Up to 200k customers the JSON summary's objective is also checked against the engine run
in memory on the same generated instance (the CSV round trip must not change the problem).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

import synthetic  # benchmarks/ is sys.path[0] when this file is run as a script
from fenpei.engine import build_problem, solve
from run import engine_version, machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
WALL_TARGET_S = 10.0
MEMORY_TARGET_MB = 4096.0
CHECK_UP_TO = 200_000  # above this, parsing the JSON output would cost more than the run


def rel(path: Path) -> str:
    """Path as typed from the project root when it lies inside it."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def ensure_data(n: int, n_reps: int, folder: Path, regenerate: bool) -> tuple[Path, Path, Path]:
    customers, reps, policy = folder / "customers.csv", folder / "reps.csv", folder / "policy.toml"
    stamp = folder / "SIZE"
    wanted = f"{n}x{n_reps}"
    fresh = all(p.exists() for p in (customers, reps, policy)) and (
        stamp.exists() and stamp.read_text().strip() == wanted
    )
    if regenerate or not fresh:
        print(f"generating {n:,} × {n_reps:,} into {folder} …", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        inst = synthetic.make_instance(n, n_reps)
        synthetic.write_csv_pair(inst, folder)
        stamp.write_text(wanted + "\n")
        print(
            f"  {synthetic.describe(inst)}; {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return customers, reps, policy


def measure(cmd: list[str]) -> dict[str, object]:
    """Run cmd; wall seconds, peak RSS (MB), exit code and the tail of stderr."""
    if Path("/usr/bin/time").exists():
        full = ["/usr/bin/time", "-v", *cmd]
        t0 = time.perf_counter()
        proc = subprocess.run(full, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        err = proc.stderr
        m_rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
        m_wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", err)
        if m_wall:
            parts = [float(x) for x in m_wall.group(1).split(":")]
            wall = sum(v * 60**i for i, v in enumerate(reversed(parts)))
        peak_mb = int(m_rss.group(1)) / 1024 if m_rss else float("nan")
        cut = err.find("\tCommand being timed:")
        err = err[:cut] if cut >= 0 else err
        how = "/usr/bin/time -v"
    else:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # nan: an earlier child was bigger, so ru_maxrss says nothing about this one
        peak_mb = after / 1024 if after > before else float("nan")
        err = proc.stderr
        how = "getrusage(RUSAGE_CHILDREN)"
    return {
        "wall": wall,
        "peak_mb": peak_mb,
        "code": proc.returncode,
        "stderr": err.strip()[-2000:],
        "how": how,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size", default="1000000x2000", help="CUSTOMERSxREPS (default %(default)s)"
    )
    parser.add_argument(
        "--outputs", default="json,csv", help="output formats to time (default %(default)s)"
    )
    parser.add_argument(
        "--data", type=Path, default=DATA, help="folder for the CSV pair and outputs"
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="write the CSV pair even if present"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per format; the fastest is reported"
    )
    args = parser.parse_args()
    n, n_reps = (int(x) for x in args.size.lower().split("x"))
    customers, reps, policy = ensure_data(n, n_reps, args.data, args.regenerate)

    print("## Fenpei end to end: `fenpei assign` on a CSV pair\n")
    print(f"Command: `{' '.join(['uv run python', *map(shlex.quote, sys.argv)])}`  ")
    print(f"Machine: {machine()}  ")
    print(f"Code: {engine_version(whole_tree=True)}  ")
    print(
        f"Load average at start (1/5/15 min): {' / '.join(f'{x:.2f}' for x in os.getloadavg())}  "
    )
    size_mb = customers.stat().st_size / 1024**2
    print(
        f"Input: {rel(customers)} ({n:,} rows, {size_mb:.0f} MB), {rel(reps)} ({n_reps:,} rows), {rel(policy)}\n"
    )
    rows = []
    for fmt in [f.strip() for f in args.outputs.split(",") if f.strip()]:
        out = args.data / f"out.{fmt}"
        cmd = [
            "uv",
            "run",
            "fenpei",
            "assign",
            rel(customers),
            "--reps",
            rel(reps),
            "--policy",
            rel(policy),
            "--as-of",
            synthetic.AS_OF.isoformat(),
            "-o",
            rel(out),
            "-q",
        ]
        best: dict[str, object] | None = None
        for _ in range(args.repeat):
            print(f"running: {shlex.join(cmd)}", file=sys.stderr, flush=True)
            result = measure(cmd)
            print(
                f"  exit {result['code']}, {result['wall']:.2f} s, {result['peak_mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            if best is None or float(result["wall"]) < float(best["wall"]):  # type: ignore[arg-type]
                best = result
        assert best is not None
        best["cmd"] = shlex.join(cmd)
        best["out"] = out
        best["fmt"] = fmt
        rows.append(best)

    print("| output | command | wall s | peak RSS MB | wall ≤ 10 s | peak ≤ 4 GB | output size |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ok = r["code"] == 0
        out = r["out"]
        assert isinstance(out, Path)
        size = f"{out.stat().st_size / 1024**2:.0f} MB" if ok and out.exists() else "—"
        wall, peak = float(r["wall"]), float(r["peak_mb"])  # type: ignore[arg-type]
        status = "" if ok else f" (exit {r['code']})"
        print(
            f"| .{r['fmt']}{status} | `{r['cmd']}` | {wall:.2f} | {peak:.0f} "
            f"| {'yes' if ok and wall <= WALL_TARGET_S else 'no'} "
            f"| {'yes' if ok and peak <= MEMORY_TARGET_MB else 'no'} | {size} |"
        )
    print(
        f"\nMeasured with {rows[0]['how'] if rows else '—'}; wall time includes `uv run` start-up."
    )
    for r in rows:
        if r["code"] != 0:
            print(f"\n.{r['fmt']} failed (exit {r['code']}):\n```\n{r['stderr']}\n```")
    json_row = next((r for r in rows if r["fmt"] == "json" and r["code"] == 0), None)
    if json_row is not None and n <= CHECK_UP_TO:
        print(cross_check(n, n_reps, json_row["out"]))  # type: ignore[arg-type]


def cross_check(n: int, n_reps: int, out: Path) -> str:
    """The CLI's objective (CSV in) against the engine's on the same instance built in memory."""
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    inst = synthetic.make_instance(n, n_reps)
    problem = build_problem(inst.customers, inst.reps, inst.policy, as_of=inst.as_of)
    ours = solve(problem).objective
    cli = float(summary["objective"])
    rel = abs(cli - ours) / abs(ours) if ours else abs(cli)
    verdict = "same" if rel <= 1e-9 else "DIFFERENT"
    return (
        f"\nCross-check: CLI objective {cli:,.4f} (from the CSV pair) vs engine in memory "
        f"{ours:,.4f} on the generated instance: {verdict} (|Δ|/opt {rel:.1e})."
    )


if __name__ == "__main__":
    main()
