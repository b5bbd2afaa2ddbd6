"""Writing an allocation: JSON (the published contract), CSV and an Excel report.

    report = Report.build(book, problem, allocation, policy, duplicates, lang="zh",
                          sources=("book.xlsx",))
    write_output(Path("out.json"), report)   # .json / .csv / .xlsx by extension
    write_scores(Path("scores.csv"), ...)    # every eligible pair, vectorised

Columns are converted once with numpy (`tolist()`), reasons computed once, and rows built
in plain loops: a million customers cost seconds, not minutes. The Excel report lives in
`fenpei.tables.xlsx`; every user-facing word in `fenpei.tables.texts`.
"""

from __future__ import annotations

import io
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add, itemgetter
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import orjson

from fenpei.engine import (
    TIERS,
    Allocation,
    Intent,
    Policy,
    Problem,
    explain_assignments,
    explain_unassigned,
)
from fenpei.tables.read import Book
from fenpei.tables.texts import texts as wording

OUTPUT_SUFFIXES = (".json", ".csv", ".xlsx")
INTENT_LABELS = tuple(Intent(i).label for i in range(len(Intent)))

Reason = dict[str, Any]


#: Customers explained and written per block: reasons exist for one block at a time, so a
#: million customers never hold a million reason lists in memory at once.
BLOCK = 50_000


@dataclass(slots=True)
class Report:
    """Everything the writers need, with per-customer columns as plain Python lists.

    Reasons of assigned customers are computed on demand, block by block (`reasons`).
    """

    book: Book
    problem: Problem
    allocation: Allocation
    policy: Policy
    duplicates: list[dict[str, Any]]
    lang: str
    assigned: list[int]  # customer indices, input order
    unassigned: list[int]
    rep_of: list[int]
    priority: list[float]
    score: list[float]
    tier: list[str]
    region: list[str]
    industry: list[str]
    intent: list[str]
    unassigned_reasons: list[Reason]  # parallel to `unassigned`
    progress: Callable[[str, float], None] | None = None
    explained: int = 0
    sources: tuple[str, ...] = ()  # input file names, shown in the report's 说明 sheet

    @classmethod
    def build(
        cls,
        book: Book,
        problem: Problem,
        allocation: Allocation,
        policy: Policy,
        duplicates: list[dict[str, Any]],
        *,
        lang: str = "zh",
        progress: Callable[[str, float], None] | None = None,
        sources: Sequence[str | Path | None] = (),
    ) -> Report:
        customers = book.customers
        rep = allocation.rep
        assigned = np.flatnonzero(rep >= 0).tolist()
        unassigned = np.flatnonzero(rep < 0).tolist()
        return cls(
            book=book,
            problem=problem,
            allocation=allocation,
            policy=policy,
            duplicates=duplicates,
            lang=lang,
            assigned=assigned,
            unassigned=unassigned,
            rep_of=rep.tolist(),
            priority=np.round(allocation.priority, 2).tolist(),
            score=np.round(np.nan_to_num(allocation.score, nan=0.0), 4).tolist(),
            tier=_lookup(allocation.tier, list(TIERS)),
            region=_lookup(customers.region, customers.regions),
            industry=_lookup(customers.industry, customers.industries),
            intent=_lookup(customers.intent, list(INTENT_LABELS)),
            unassigned_reasons=[
                explain_unassigned(problem, allocation, i, lang) for i in unassigned
            ],
            progress=progress,
            sources=tuple(str(s) for s in sources if s),
        )

    def reasons(self, indices: Sequence[int]) -> list[list[Reason]]:
        """Reasons of these assigned customers, from the engine's batch explainer."""
        result = explain_assignments(self.problem, self.allocation, indices, self.lang)
        self.explained += len(indices)
        if self.progress is not None and self.assigned:
            self.progress("explain + write", min(self.explained / len(self.assigned), 1.0))
        return result

    def assigned_blocks(self) -> list[list[int]]:
        return [self.assigned[k : k + BLOCK] for k in range(0, len(self.assigned), BLOCK)]


def _lookup(codes: npt.NDArray[Any], vocab: Sequence[str]) -> list[str]:
    """Codes (-1 = none) → strings, vectorised."""
    table = np.array([*vocab, ""], dtype=object)
    index = np.where(codes >= 0, codes, len(vocab)).astype(np.int64)
    result: list[str] = table[index].tolist()
    return result


# -------------------------------------------------------------------------- JSON


def assignment_dicts(report: Report, indices: Sequence[int]) -> list[dict[str, Any]]:
    """The contract's assignment records for these assigned customers."""
    book = report.book
    keys, names, reps = book.customers.keys, book.customers.names, book.reps
    potential = book.customers.potential_value
    rep_of, priority, score = report.rep_of, report.priority, report.score
    tier, region, industry, intent = report.tier, report.region, report.industry, report.intent
    rep_key, rep_name, team = [r.key for r in reps], [r.name for r in reps], [r.team for r in reps]
    values = potential[np.asarray(indices, dtype=np.int64)].tolist() if indices else []
    return [
        {
            "customer_key": keys[i],
            "customer": names[i],
            "rep_key": rep_key[j],
            "rep": rep_name[j],
            "team": team[j],
            "priority": priority[i],
            "tier": tier[i],
            "score": score[i],
            "potential_value": value,
            "region": region[i],
            "industry": industry[i],
            "intent": intent[i],
            "reasons": reasons,
        }
        for i, j, value, reasons in zip(
            indices,
            map(rep_of.__getitem__, indices),
            values,
            report.reasons(indices),
            strict=True,
        )
    ]


def report_dict(report: Report, *, assignments: bool = True) -> dict[str, Any]:
    """The JSON contract of issue 2 (assignments, unassigned, errors, duplicates, summary)."""
    book, allocation, policy = report.book, report.allocation, report.policy
    keys, names, reps = book.customers.keys, book.customers.names, book.reps
    document: dict[str, Any] = {}
    if assignments:
        document["assignments"] = assignment_dicts(report, report.assigned)
    document["unassigned"] = [
        {"customer_key": keys[i], "customer": names[i], "reason": reason["text"]}
        for i, reason in zip(report.unassigned, report.unassigned_reasons, strict=True)
    ]
    document["errors"] = [e.as_dict() for e in book.errors]
    document["duplicates"] = report.duplicates
    document["summary"] = {
        "customers": len(keys),
        "assigned": len(report.assigned),
        "objective": float(allocation.objective),
        "coverage_weight": float(policy.coverage_weight),
        "balance_weight": float(policy.balance_weight),
        "reps": [
            {
                "rep_key": reps[load.rep].key,
                "rep": reps[load.rep].name,
                "capacity": int(load.capacity),
                "existing_load": int(load.existing_load),
                "assigned": int(load.assigned),
            }
            for load in allocation.loads
        ],
    }
    return document


#: Up to this many assignments the JSON is indented for people; beyond, it is compact and
#: streamed block by block.
INDENT_LIMIT = 100_000


def write_json_stream(handle: BinaryIO, report: Report) -> None:
    if len(report.assigned) <= INDENT_LIMIT:
        option = orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY
        handle.write(orjson.dumps(report_dict(report), option=option) + b"\n")
        return
    handle.write(b'{"assignments":[')
    for count, block in enumerate(report.assigned_blocks()):
        chunk = orjson.dumps(assignment_dicts(report, block), option=orjson.OPT_SERIALIZE_NUMPY)
        if count:
            handle.write(b",")
        handle.write(memoryview(chunk)[1:-1])  # the records without the list's brackets
    rest = orjson.dumps(report_dict(report, assignments=False), option=orjson.OPT_SERIALIZE_NUMPY)
    handle.write(b"]," + rest[1:] + b"\n")


def json_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    write_json_stream(buffer, report)
    return buffer.getvalue()


def write_json(path: Path, report: Report) -> None:
    with path.open("wb") as handle:
        write_json_stream(handle, report)


# --------------------------------------------------------------------------- CSV

_CUSTOMER_COLUMNS = (
    "customer_key",
    "customer",
    "region",
    "industry",
    "potential_value",
    "intent",
    "priority",
    "tier",
    "status",
    "rep_key",
    "rep",
    "team",
    "score",
    "reasons",
)


def _intent_words(report: Report, start: int, stop: int) -> list[str]:
    labels = report.intent[start:stop]
    return list(map(wording(report.lang)["intent"].__getitem__, labels))


def _pick(values: Sequence[Any], index: npt.NDArray[np.int64], blank: Any = "") -> list[Any]:
    """values[index[k]] for every k, `blank` where index is -1 (vectorised)."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    table[-1] = blank
    picked: list[Any] = table[np.where(index >= 0, index, len(values))].tolist()
    return picked


_WHOLE_TEXT = [str(w) for w in range(10_000)]
_FRACTION_TEXT = ["." + f"{f:04d}".rstrip("0") if f else "" for f in range(10_000)]


def _decimal_texts(values: Sequence[float]) -> list[str]:
    """Non-negative numbers with up to 4 decimals as text ("78.4", "56", "0.0001").

    Two table look-ups per value in C-level maps instead of a float repr each.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return []
    if not np.isfinite(array).all() or array.min() < 0 or array.max() >= 9_999.99995:
        return [repr(float(v)) for v in values]
    whole, fraction = np.divmod(np.rint(array * 10_000).astype(np.int64), 10_000)
    return list(
        map(
            add,
            map(_WHOLE_TEXT.__getitem__, whole.tolist()),
            map(_FRACTION_TEXT.__getitem__, fraction.tolist()),
        )
    )


def _amount_texts(values: npt.NDArray[np.float64]) -> list[str]:
    """500000.0 → "500000", as a person would type it; fractions keep their digits."""
    whole = values == np.round(values)
    texts: list[str] = list(map(str, np.where(whole, values, 0).astype(np.int64).tolist()))
    for position in np.flatnonzero(~whole).tolist():
        texts[position] = repr(float(values[position]))
    return texts


def customer_columns(report: Report, start: int = 0, stop: int | None = None) -> list[list[Any]]:
    """The CSV columns for customers start..stop (input order), built column by column."""
    book = report.book
    stop = len(book.customers) if stop is None else stop
    rep = report.allocation.rep[start:stop].astype(np.int64)
    reps = book.reps
    words = wording(report.lang)
    join = words["join"]
    done, left = words["status"]
    assigned = (np.flatnonzero(rep >= 0) + start).tolist()
    reasons: list[str] = [""] * (stop - start)
    texts = map(join.join, map(map, repeat(itemgetter("text")), report.reasons(assigned)))
    for i, text in zip(assigned, texts, strict=True):
        reasons[i - start] = text
    if len(assigned) < stop - start:
        lo, hi = bisect_left(report.unassigned, start), bisect_left(report.unassigned, stop)
        for i, reason in zip(
            report.unassigned[lo:hi], report.unassigned_reasons[lo:hi], strict=True
        ):
            reasons[i - start] = reason["text"]
    score = _decimal_texts(report.score[start:stop])
    for i in np.flatnonzero(rep < 0).tolist():
        score[i] = ""
    return [
        book.customers.keys[start:stop],
        book.customers.names[start:stop],
        report.region[start:stop],
        report.industry[start:stop],
        _amount_texts(book.customers.potential_value[start:stop]),
        _intent_words(report, start, stop),
        _decimal_texts(report.priority[start:stop]),
        report.tier[start:stop],
        np.where(rep >= 0, done, left).tolist(),
        _pick([r.key for r in reps], rep),
        _pick([r.name for r in reps], rep),
        _pick([r.team for r in reps], rep),
        score,
        reasons,
    ]


def _csv_cells(values: Sequence[Any]) -> list[str]:
    """One column as CSV fields, in C-level passes: numbers via repr, and a column holding
    a comma, quote or line break anywhere is quoted throughout (still valid CSV)."""
    if set(map(type, values)) <= {str}:
        texts: list[str] = list(values)
    else:
        texts = [repr(v) if isinstance(v, float) else str(v) for v in values]
    blob = "\0".join(texts)
    if blob.count("\0") != max(len(texts) - 1, 0):  # a NUL inside a cell: one by one
        return [_csv_field(t) for t in texts]
    if not any(c in blob for c in ',"\r\n'):
        return texts
    return ('"' + blob.replace('"', '""').replace("\0", '"\0"') + '"').split("\0")


def write_csv(path: Path, report: Report, *, block: int | None = None) -> None:
    """UTF-8 with BOM (so Excel shows the Chinese), one row per customer.

    Rows are assembled column-wise with string joins (no per-cell work in Python), one
    block of customers at a time to bound memory.
    """
    names = wording(report.lang)["csv_headers"]
    n = len(report.book.customers)
    block = block or BLOCK
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        header = [_csv_field(names[c]) for c in _CUSTOMER_COLUMNS]
        handle.write((",".join(header) + "\r\n").encode("utf-8"))
        for start in range(0, n, block):
            columns = customer_columns(report, start, min(start + block, n))
            cells = [_csv_cells(column) for column in columns]
            lines = map(",".join, zip(*cells, strict=True))
            handle.write(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def write_output(path: Path, report: Report) -> None:
    suffix = path.suffix.lower()
    if suffix == ".json":
        write_json(path, report)
    elif suffix == ".csv":
        write_csv(path, report)
    elif suffix == ".xlsx":
        from fenpei.tables.xlsx import write_xlsx  # noqa: PLC0415 (imports this module)

        write_xlsx(path, report)
    else:
        raise ValueError(f"unsupported output type {suffix}")


# ------------------------------------------------------------------------ scores


def _csv_field(text: str) -> str:
    text = text.replace("\0", "")
    if any(c in text for c in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _key_matrix(keys: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Each key as CSV field + "," in a NUL-padded byte row (NULs are dropped on output)."""
    if not keys:
        return np.zeros((1, 1), dtype=np.uint8)
    blob = "\0".join(keys)
    if any(c in blob for c in ',"\r\n') or blob.count("\0") != len(keys) - 1:
        encoded = [_csv_field(k).encode() + b"," for k in keys]
    else:  # nothing to quote: encode and split in bulk
        encoded = (blob.replace("\0", ",\0") + ",").encode().split(b"\0")
        if any(k != k.strip() for k in keys):
            encoded = [_csv_field(k).encode() + b"," for k in keys]
    width = max(map(len, encoded))
    return np.array(encoded, dtype=f"S{width}").view(np.uint8).reshape(len(keys), width)


def _text_table(texts: Sequence[str]) -> npt.NDArray[np.uint8]:
    encoded = [t.encode() for t in texts]
    width = max(map(len, encoded), default=1) or 1
    return np.array(encoded, dtype=f"S{width}").view(np.uint8).reshape(len(texts), width)


#: "0" … "9999", and ".0001" … ".9999" without trailing zeros ("" for .0000): one gather
#: per pair instead of a division per digit.
_WHOLE = _text_table([str(w) for w in range(10_000)])
_FRACTION = _text_table(["." + f"{f:04d}".rstrip("0") if f else "" for f in range(10_000)])


def _score_matrix(score: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8] | None:
    """Scores as text with up to 4 decimals, trailing zeros dropped, then a newline."""
    if score.size == 0:
        return np.zeros((0, 1), dtype=np.uint8)
    if not np.all(np.isfinite(score)) or score.min() < 0 or score.max() >= 9_999.99995:
        return None
    whole, fraction = np.divmod(np.rint(score * 10_000).astype(np.int64), 10_000)
    newline = np.full((score.size, 1), ord("\n"), dtype=np.uint8)
    return np.concatenate([_WHOLE[whole], _FRACTION[fraction], newline], axis=1)


def write_scores(
    path: Path,
    customer_keys: Sequence[str],
    rep_keys: Sequence[str],
    pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]],
    *,
    chunk: int = 1_000_000,
) -> int:
    """`customer_key,rep_key,score` for every pair; returns the number of rows written.

    `pairs` is (customer index, rep index, score) arrays, as `Problem.pairs()` returns.

    Each line is assembled as a NUL-padded byte row (key columns gathered by index, score
    digits computed with integer arithmetic) and the NULs dropped in one pass: no Python
    work per pair.
    """
    customer, rep, score = pairs
    customer_bytes = _key_matrix(customer_keys)
    rep_bytes = _key_matrix(rep_keys)
    with path.open("wb") as handle:
        handle.write(b"customer_key,rep_key,score\n")
        for start in range(0, len(customer), chunk):
            c = customer[start : start + chunk]
            r = rep[start : start + chunk]
            s = np.asarray(score[start : start + chunk], dtype=np.float64)
            digits = _score_matrix(s)
            if digits is None:  # negative or huge: never from the engine, but stay correct
                buffer = io.StringIO()
                for ci, ri, value in zip(c.tolist(), r.tolist(), s.tolist(), strict=True):
                    buffer.write(f"{_csv_field(customer_keys[ci])},")
                    buffer.write(f"{_csv_field(rep_keys[ri])},{value!r}\n")
                handle.write(buffer.getvalue().encode())
                continue
            lines = np.concatenate([customer_bytes[c], rep_bytes[r], digits], axis=1)
            handle.write(lines[lines != 0].tobytes())
    return len(customer)
