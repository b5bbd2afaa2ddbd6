"""Reasons: placeholder until written."""
from __future__ import annotations
from typing import Any
def explain_assignment(problem: Any, allocation: Any, i: int) -> list[dict[str, Any]]:
    return []
def explain_unassigned(problem: Any, allocation: Any, i: int) -> dict[str, Any]:
    return {}
def reason_text(reason: dict[str, Any], lang: str = "zh") -> str:
    return ""
