"""Input and result types of the allocation engine.

Customers arrive columnar (`CustomerTable`): a million customers as a million dataclass
objects would cost more time and memory than the whole solve. `Customer` exists for
callers that have a handful of records (tests, the web app routing one new lead); it is
converted to columns once. Reps are few (thousands at most), so they stay dataclasses.

Nothing here imports Django or touches files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum

import numpy as np
import numpy.typing as npt

#: A rep whose territory contains this word covers every region.
NATIONWIDE = "全国"

TIERS = ("A", "B", "C")


class Intent(IntEnum):
    UNKNOWN = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Level(IntEnum):
    JUNIOR = 1
    MID = 2
    SENIOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Customer:
    key: str
    name: str
    region: str = ""  # province short name (上海, 广东); "" when unknown
    city: str = ""
    industry: str = ""
    potential_value: float = 0.0  # yuan
    intent: Intent = Intent.UNKNOWN
    products: frozenset[str] = frozenset()
    deal_count: int = 0
    deal_amount: float = 0.0  # yuan
    last_deal: date | None = None
    is_new: bool | None = None  # 客户类型 新/老; None: derived from deal_count
    owner: str = ""  # rep key of the current owner (现负责人), "" when none
    locked: bool = False  # a locked customer may only stay with its owner


@dataclass(frozen=True, slots=True)
class DealTally:
    """How many deals one rep closed, and won, in one segment (industry, province, tier).

    The rep's track record is a tuple of these, counted by the caller over the policy's
    look-back window (`[performance] months`): the engine has no clock and no database.
    A single deal is a tally of one. "" means the value is unknown.
    """

    industry: str
    region: str  # province short name, like Customer.region
    tier: str  # "A", "B", "C" or ""
    deals: int
    wins: int


@dataclass(frozen=True, slots=True)
class Rep:
    key: str
    name: str
    team: str = ""
    regions: frozenset[str] = frozenset()  # NATIONWIDE covers all
    industries: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    level: Level = Level.MID
    capacity: int | None = None  # None: the policy's default capacity
    existing_load: int = 0  # customers already owned outside this batch
    active: bool = True
    #: deals closed and won by segment, read only when the policy's performance term is on
    track_record: tuple[DealTally, ...] = ()

    @property
    def nationwide(self) -> bool:
        return NATIONWIDE in self.regions


IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _codes(values: Sequence[str]) -> tuple[IntArray, list[str]]:
    """Map strings to dense codes; "" becomes -1. Vocabulary sorted for determinism."""
    vocab = sorted({v for v in values if v})
    index = {v: i for i, v in enumerate(vocab)}
    codes = np.fromiter((index.get(v, -1) for v in values), dtype=np.int32, count=len(values))
    return codes, vocab


@dataclass(slots=True)
class CustomerTable:
    """Customers as columns. Row i of every array is customer i."""

    keys: list[str]
    names: list[str]
    region: IntArray  # code into `regions`, -1 unknown
    regions: list[str]
    city: list[str]
    industry: IntArray  # code into `industries`, -1 unknown
    industries: list[str]
    product_set: IntArray  # code into `product_sets`
    product_sets: list[frozenset[str]]
    potential_value: FloatArray
    intent: npt.NDArray[np.int8]  # Intent values
    deal_count: IntArray
    deal_amount: FloatArray
    last_deal_day: npt.NDArray[np.int64]  # days since 1970-01-01, -1 when none
    is_new: npt.NDArray[np.int8]  # 1 new, 0 existing, -1 unknown
    owner: list[str]  # rep key or ""
    locked: BoolArray
    #: the row that stands for this one in the allocation when both are one real customer
    #: (duplicates: one owner, counted once against capacity); -1 for a row that stands alone
    same_as: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    def __post_init__(self) -> None:
        if self.same_as.size != len(self.keys):
            self.same_as = np.full(len(self.keys), -1, dtype=np.int32)

    @property
    def followers(self) -> BoolArray:
        """Rows allocated through another row of the same real customer."""
        followers: BoolArray = self.same_as >= 0
        return followers

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_columns(
        cls,
        *,
        keys: Sequence[str],
        names: Sequence[str],
        region: Sequence[str] | None = None,
        city: Sequence[str] | None = None,
        industry: Sequence[str] | None = None,
        products: Sequence[Iterable[str]] | None = None,
        potential_value: Sequence[float] | FloatArray | None = None,
        intent: Sequence[int] | None = None,
        deal_count: Sequence[int] | None = None,
        deal_amount: Sequence[float] | FloatArray | None = None,
        last_deal: Sequence[date | None] | None = None,
        is_new: Sequence[bool | None] | None = None,
        owner: Sequence[str] | None = None,
        locked: Sequence[bool] | None = None,
    ) -> CustomerTable:
        n = len(keys)
        if len(names) != n:
            raise ValueError("keys and names differ in length")
        blank = [""] * n
        region_codes, regions = _codes(region if region is not None else blank)
        industry_codes, industries = _codes(industry if industry is not None else blank)
        sets = [frozenset(p) for p in products] if products is not None else [frozenset()] * n
        set_vocab = sorted(set(sets), key=sorted)
        set_index = {s: i for i, s in enumerate(set_vocab)}
        epoch = date(1970, 1, 1)
        return cls(
            keys=list(keys),
            names=list(names),
            region=region_codes,
            regions=regions,
            city=list(city) if city is not None else blank,
            industry=industry_codes,
            industries=industries,
            product_set=np.fromiter((set_index[s] for s in sets), dtype=np.int32, count=n),
            product_sets=set_vocab,
            potential_value=_floats(potential_value, n),
            intent=np.asarray(intent if intent is not None else np.zeros(n), dtype=np.int8),
            deal_count=np.asarray(deal_count if deal_count is not None else np.zeros(n), np.int32),
            deal_amount=_floats(deal_amount, n),
            last_deal_day=np.fromiter(
                ((d - epoch).days if d is not None else -1 for d in (last_deal or [None] * n)),
                dtype=np.int64,
                count=n,
            ),
            is_new=np.fromiter(
                (-1 if v is None else int(v) for v in (is_new or [None] * n)),
                dtype=np.int8,
                count=n,
            ),
            owner=list(owner) if owner is not None else blank,
            locked=np.asarray(locked if locked is not None else np.zeros(n), dtype=np.bool_),
        )

    @classmethod
    def from_customers(cls, customers: Sequence[Customer]) -> CustomerTable:
        return cls.from_columns(
            keys=[c.key for c in customers],
            names=[c.name for c in customers],
            region=[c.region for c in customers],
            city=[c.city for c in customers],
            industry=[c.industry for c in customers],
            products=[c.products for c in customers],
            potential_value=[c.potential_value for c in customers],
            intent=[int(c.intent) for c in customers],
            deal_count=[c.deal_count for c in customers],
            deal_amount=[c.deal_amount for c in customers],
            last_deal=[c.last_deal for c in customers],
            is_new=[c.is_new for c in customers],
            owner=[c.owner for c in customers],
            locked=[c.locked for c in customers],
        )

    def region_name(self, i: int) -> str:
        code = int(self.region[i])
        return self.regions[code] if code >= 0 else ""

    def industry_name(self, i: int) -> str:
        code = int(self.industry[i])
        return self.industries[code] if code >= 0 else ""


def _floats(values: Sequence[float] | FloatArray | None, n: int) -> FloatArray:
    if values is None:
        return np.zeros(n, dtype=np.float64)
    return np.asarray(values, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class RepLoad:
    rep: int
    capacity: int
    existing_load: int
    assigned: int


@dataclass(slots=True)
class Allocation:
    """The result of one solve, columnar like the input.

    `rep[i]` is the index (into the reps list) of customer i's rep, -1 when unassigned.
    """

    rep: IntArray
    priority: FloatArray  # 0..100, two decimals
    priority_parts: FloatArray  # shape (n, 4): value, intent, newness, history points
    tier: npt.NDArray[np.int8]  # index into TIERS
    fit: FloatArray  # fit of the chosen pair, nan when unassigned
    score: FloatArray  # priority * fit of the chosen pair, nan when unassigned
    objective: float
    loads: list[RepLoad]
    capacity: IntArray  # effective capacity per rep
    solver: str
    stats: dict[str, float] = field(default_factory=dict)
