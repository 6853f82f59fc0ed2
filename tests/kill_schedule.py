"""When to SIGKILL a writer in the random-moment crash tests.

Ten moments stratified over the length of an undisturbed run, random inside each
slice; then, only while every kill so far has left the same files behind (the run
was slower this time than when it was timed, so all kills landed before its commit),
later moments up to five times that length, so the test sees more than one phase
instead of failing on a slow machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

TRIALS = 10
LATE_FACTORS = (1.5, 2.0, 3.0, 5.0)


def kill_delays(duration_s: float, seed: int, outcomes: set[object]) -> Iterator[float]:
    """Seconds after the start at which to kill; `outcomes` is the caller's set of the
    states the kills left, read to decide whether the late moments are needed."""
    rng = np.random.default_rng(seed)
    for attempt in range(TRIALS):
        yield duration_s * 1.1 * (attempt + rng.uniform()) / TRIALS
    for factor in LATE_FACTORS:
        if len(outcomes) > 1:
            return
        yield duration_s * factor
