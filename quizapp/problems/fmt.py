"""Numbers as a person reads them in prompts and worked solutions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def num(value: Any, sig: int = 4) -> str:
    """A number with up to `sig` significant digits, no trailing zeros, `-` as the minus sign.

    Integers (and floats equal to one) print without a decimal point; tiny and huge values use `e`."""
    x = float(value)
    if not np.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.{sig}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def sci(value: Any, sig: int = 3) -> str:
    """Like `num`, but from a million up always `3.15e23` (no trailing zeros), whole numbers too: `num`
    prints a whole 6e9 as every digit. For huge counts in formulas; `sigfigs` keeps trailing zeros."""
    x = float(value)
    if not abs(x) >= E_NOTATION_FROM:
        return num(x, sig)
    mantissa, exponent = f"{x:.{sig - 1}e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def vec(values: Iterable[Any], sig: int = 4) -> str:
    """A vector as `[a, b, c]`."""
    return "[" + ", ".join(num(v, sig) for v in values) + "]"


def mat(rows: Iterable[Iterable[Any]], sig: int = 4) -> str:
    """A matrix as `[[a, b], [c, d]]`."""
    return "[" + ", ".join(vec(row, sig) for row in rows) + "]"


def value(answer: Any, sig: int = 4) -> str:
    """A number, vector or matrix, whichever `answer` is."""
    array = np.asarray(answer, dtype=float)
    if array.ndim == 0:
        return num(array, sig)
    if array.ndim == 1:
        return vec(array, sig)
    return mat(array, sig)


def fixed(value: Any, decimals: int) -> str:
    """Exactly `decimals` decimals (for answers asked to a number of decimals); never `-0.000`."""
    return _unsigned_zero(f"{float(value):.{decimals}f}")


E_NOTATION_FROM = 1e6  # sigfigs answers this large print as 2.31e8: "231000000" hides which digits count


def _unsigned_zero(text: str) -> str:
    """`-0.00` → `0.00`: a minus sign on a rounded zero says nothing and reads as a different answer."""
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def sigfigs(value: Any, figures: int) -> str:
    """Exactly `figures` significant figures, trailing zeros kept: 0.2403 → "0.240", 12345 → "12300",
    231000000 → "2.31e8" (from a million up, where trailing zeros would hide which digits count)."""
    x = float(value)
    if x == 0 or not np.isfinite(x):
        return fixed(x, max(figures - 1, 0))
    magnitude = int(np.floor(np.log10(abs(x))))
    decimals = figures - 1 - magnitude
    rounded = round(x, decimals)
    if rounded != 0 and int(np.floor(np.log10(abs(rounded)))) > magnitude:  # 9.996 → 10.0: one digit more
        decimals -= 1
        rounded = round(x, decimals)
    if abs(rounded) >= E_NOTATION_FROM:
        mantissa, exponent = f"{rounded:.{figures - 1}e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return fixed(rounded, max(decimals, 0))
