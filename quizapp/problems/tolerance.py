"""How far from the truth an answer may be (DESIGN §4), shared by the checker and the Problem model."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance, Unit

DEFAULT_RTOL = 1e-2
ZERO_BAND = 1e-9


def band(truth: Any, tolerance: Tolerance, unit: Unit = "real") -> np.ndarray:
    """The largest accepted |answer − truth|, element by element.

    Relative `rtol` (default 1e-2) with an absolute 1e-9 band only where the truth is exactly 0;
    `decimals`/`sigfigs`: ±0.51 units of the last required digit; counts: exact up to float precision."""
    t = np.abs(np.asarray(truth, dtype=float))
    if unit == "count":
        return ZERO_BAND * np.maximum(t, 1.0)
    if tolerance.decimals is not None:
        return np.full(t.shape, 0.51 * 10.0**-tolerance.decimals)
    if tolerance.sigfigs is not None:
        exponent = np.floor(np.log10(np.where(t > 0, t, 1.0)))
        width = 0.51 * 10.0 ** (exponent - tolerance.sigfigs + 1)
        return np.where(t > 0, width, ZERO_BAND)
    rtol = tolerance.rtol if tolerance.rtol is not None else DEFAULT_RTOL
    return np.where(t > 0, rtol * t, ZERO_BAND)


def within(value: Any, target: Any, tolerance: Tolerance, unit: Unit = "real", factor: float = 1.0) -> bool:
    """True when `value` has `target`'s shape and every element is inside `factor` × its band."""
    v, t = np.asarray(value, dtype=float), np.asarray(target, dtype=float)
    if v.shape != t.shape:
        return False
    return bool(np.all(np.abs(v - t) <= factor * band(t, tolerance, unit)))
