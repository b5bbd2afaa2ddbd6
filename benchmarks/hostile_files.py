"""Time and peak memory of reading each class of hostile file, each in a fresh process.

    uv run python benchmarks/hostile_files.py            # the table, as Markdown
    uv run python benchmarks/hostile_files.py --old REF  # the same against `git show REF`

The files come from `tests/tables/fuzz_files.py` (written to a temporary folder). The
child runs `read_customer_rows` under a 4 GiB address-space limit and reports the wall
time of the read (imports excluded) and its peak RSS (`resource.getrusage`); a child
that dies (calamine aborting on a huge allocation) is reported as such.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "tables"))

import fuzz_files as f  # noqa: E402

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
if len(sys.argv) > 2:  # an older reader, saved as a module next to the file
    sys.path.insert(0, sys.argv[2])
    from old_read import read_customer_rows
else:
    from fenpei.tables.read import read_customer_rows
from fenpei.tables import InputError
started = time.perf_counter()
try:
    rows = read_customer_rows(sys.argv[1], lang="en")
    outcome = f"read, {len(rows.names)} rows"
except InputError as exc:
    outcome = "refused: " + str(exc)[:90]
except MemoryError:
    outcome = "MemoryError"
print(json.dumps({
    "outcome": outcome,
    "seconds": time.perf_counter() - started,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

CLASSES: list[tuple[str, str, Callable[[Path], Path]]] = [
    ("zip bomb, 1 GiB of sheet XML", "b.xlsx", f.zip_bomb),
    ("zip bomb lying about its size", "b.xlsx", lambda p: f.zip_bomb(p, lie=True)),
    ("cells at A1 and XFD1048576", "b.xlsx", f.far_cells),
    ("the same without r= references", "b.xlsx", f.far_cells_implicit),
    ("the same with <x:c> prefixes", "b.xlsx", f.prefixed_far_cells),
    ("grid at the cap (A1…J1000000)", "b.xlsx", f.sparse_xlsx),
    ("1,048,576 formatted empty rows", "b.xlsx", f.formatted_empty_rows),
    ("merged cells everywhere (2,000 rows)", "b.xlsx", f.merged_everywhere),
    ("6,000 overlapping merges", "b.xlsx", f.overlapping_merges),
    ("formulas, cached errors", "b.xlsx", f.formulas),
    ("32,767-character cells", "b.xlsx", f.huge_cells),
    ("300 sheets", "b.xlsx", f.many_sheets),
    ("16,384 columns", "b.xlsx", f.wide_rows),
    ("truncated xlsx", "b.xlsx", lambda p: f.truncated(f.good_book(p.with_name("g.xlsx")), p, 3000)),
    ("corrupt zip entries", "b.xlsx", lambda p: f.corrupt_entries(f.good_book(p.with_name("g.xlsx")), p)),
    (".xls spanning 65,536 × 256", "b.xls", f.xls_far_cells),
    (".xls at the cap (65,536 × 152)", "b.xls", lambda p: f.xls_far_cells(p, 151)),
    (".ods cell repeated 16,384 × 5,000", "b.ods", lambda p: f.ods_repeats(p, 5000, 16_384)),
    ("CSV of 1,000,000 blank lines", "c.csv", f.blank_lines_csv),
    ("CSV of 24 million empty cells", "c.csv", f.empty_cells_csv),
    ("CSV with a 10 MB quoted cell", "c.csv", f.huge_field_csv),
    ("CSV with one 200,000-field line", "c.csv", f.ragged_csv),
    ("web page, 100,000 nested <div>", "p.xls", f.nested_html),
    ("web page, 20,000 nested tables", "p.xls", f.nested_tables_html),
    ("web page, rowspan × colspan bomb", "p.xls", f.span_bomb_html),
    ("PDF named .xls", "p.xls", f.pdf_as_xls),
    ("PNG named .xls", "p.xls", f.png_as_xls),
]  # fmt: skip


def measure(path: Path, old: Path | None) -> dict[str, object]:
    argv = [sys.executable, "-c", CHILD, str(path), *([str(old)] if old else [])]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[0][:90]
        return {"outcome": f"process died ({done.returncode}): {last}", "seconds": 0, "peak_mb": 0}
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="a git ref: measure its reader instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fenpei-hostile-") as folder:
        old = None
        if args.old:
            old = Path(folder)
            source = subprocess.run(
                ["git", "show", f"{args.old}:src/fenpei/tables/read.py"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (old / "old_read.py").write_text(source, encoding="utf-8")
        print("| file | outcome | read s | peak RSS MB |")
        print("|---|---|---:|---:|")
        for label, name, make in CLASSES:
            path = make(Path(folder) / name)
            result = measure(path, old)
            outcome = str(result["outcome"]).replace("|", "/")
            seconds, peak = float(str(result["seconds"])), float(str(result["peak_mb"]))
            print(f"| {label} | {outcome} | {seconds:.2f} | {peak:.0f} |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
