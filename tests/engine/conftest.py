"""Hypothesis settings for the engine tests.

Derandomised so that CI sees the same examples on every run, no example database so a
developer's local failures do not change what CI runs, and no deadline: a solve on a
2-core CI machine can take a few milliseconds more now and then, which is not a bug.
Each property test sets its own `max_examples` to keep the whole suite well under a minute.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fenpei-engine",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("fenpei-engine")
