"""Reads of the policy versions: the history page with a diff of each version against
the one before it."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.selectors import policy_active
from fenpei.engine import PolicyError, policy_from_toml
from fenpei.engine.policy import policy_to_toml
from fenpei.teams.access import Viewer


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "add", "del", "hunk" or "" (context)
    text: str


@dataclass(frozen=True, slots=True)
class VersionRow:
    version: PolicyVersion
    previous_number: int | None
    diff: list[DiffLine]  # against the previous version; empty for the first


def policy_readable_by(viewer: Viewer) -> bool:
    """Everyone with a role may read the policy; outsiders may not."""
    return viewer.can_manage or viewer.is_rep


def policy_versions() -> QuerySet[PolicyVersion]:
    policy_active()  # so a new database shows version 1, not an empty history
    return PolicyVersion.objects.select_related("created_by").order_by("-number", "-pk")


def policy_version_get(number: int) -> PolicyVersion:
    """PolicyVersion.DoesNotExist (→ 404) when there is no such version."""
    return policy_versions().get(number=number)


def policy_version_previous(version: PolicyVersion) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(number__lt=version.number).order_by("-number", "-pk").first()
    )


def _canonical_lines(version: PolicyVersion) -> list[str]:
    """The version's policy as the editor writes it, so a diff shows changed values and
    not comments or layout (version 1 is the commented default file)."""
    try:
        return policy_to_toml(policy_from_toml(version.toml)).splitlines()
    except PolicyError:  # not readable by this engine: compare the text as stored
        return version.toml.splitlines()


def _kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    return {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "")


def policy_diff(before: PolicyVersion | None, after: PolicyVersion) -> list[DiffLine]:
    """Unified diff of the two versions' policies (TOML); empty when they are equal."""
    if before is None:
        return []
    lines = difflib.unified_diff(
        _canonical_lines(before),
        _canonical_lines(after),
        fromfile=f"v{before.number}",
        tofile=f"v{after.number}",
        lineterm="",
    )
    return [DiffLine(_kind(line), line) for line in lines]


def policy_history_rows(versions: Sequence[PolicyVersion]) -> list[VersionRow]:
    """Rows for a page of versions (newest first), each diffed against its predecessor;
    one extra query for the version just below the page, none per row."""
    if not versions:
        return []
    lowest = min(v.number for v in versions)
    below = PolicyVersion.objects.filter(number__lt=lowest).order_by("-number", "-pk").first()
    ordered = sorted(versions, key=lambda v: v.number)
    previous: dict[int, PolicyVersion | None] = {}
    for before, after in zip([below, *ordered[:-1]], ordered, strict=True):
        previous[after.number] = before
    return [
        VersionRow(
            version=v,
            previous_number=(p.number if (p := previous[v.number]) is not None else None),
            diff=policy_diff(previous[v.number], v),
        )
        for v in versions
    ]
