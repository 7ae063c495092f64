"""Drawing a problem's inputs from a generator's params.

A param in YAML is either a fixed value or a range `[low, high]`: `integer` draws from an inclusive
integer range, `real` from a uniform range (rounded, so the prompt shows exactly the numbers the truth
is computed from), `one_of` picks from a list of choices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

IntSpec = int | Sequence[int]
RealSpec = float | Sequence[float]


def integer(rng: np.random.Generator, spec: IntSpec) -> int:
    """`spec` itself, or an integer drawn from the inclusive range `[low, high]`."""
    if isinstance(spec, int | np.integer):
        return int(spec)
    low, high = _pair(spec, "an integer or a range [low, high]")
    return int(rng.integers(int(low), int(high), endpoint=True))


def real(rng: np.random.Generator, spec: RealSpec, decimals: int = 2) -> float:
    """`spec` itself, or a float drawn uniformly from `[low, high]` and rounded to `decimals`."""
    if isinstance(spec, int | float | np.number):
        return float(spec)
    low, high = _pair(spec, "a number or a range [low, high]")
    return round(float(rng.uniform(float(low), float(high))), decimals)


def one_of(rng: np.random.Generator, spec: Any) -> Any:
    """`spec` itself, or one element of the list `spec`."""
    if isinstance(spec, list | tuple):
        if not spec:
            raise ValueError("an empty list of choices")
        return spec[int(rng.integers(len(spec)))]
    return spec


def labels(rng: np.random.Generator, n: int, positive_rate: float = 0.5) -> np.ndarray:
    """`n` binary labels with about `positive_rate` positives, and always at least one of each class."""
    if n < 2:
        raise ValueError(f"need at least 2 labels, got {n}")
    n_pos = int(np.clip(round(n * positive_rate), 1, n - 1))
    y = np.zeros(n, dtype=int)
    y[rng.choice(n, size=n_pos, replace=False)] = 1
    return y


def scores(rng: np.random.Generator, y: np.ndarray, separation: float = 1.0, decimals: int = 2) -> np.ndarray:
    """Classifier scores in (0, 1) for labels `y`: positives higher on average, by `separation` logits."""
    logits = rng.normal(0.0, 1.0, size=len(y)) + separation * (2 * np.asarray(y) - 1)
    values = 1.0 / (1.0 + np.exp(-logits))
    return np.clip(np.round(values, decimals), 10.0**-decimals, 1 - 10.0**-decimals)


def _pair(spec: Any, expected: str) -> tuple[Any, Any]:
    if not isinstance(spec, list | tuple) or len(spec) != 2:
        raise ValueError(f"expected {expected}, got {spec!r}")
    low, high = spec
    if low > high:
        raise ValueError(f"range [{low}, {high}] is empty")
    return low, high
