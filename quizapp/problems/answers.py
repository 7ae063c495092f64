"""Parse what a user typed as a numeric answer: a number, a vector or a matrix. Never `eval`.

Accepted: `3`, `-0.25`, `.5`, `1/3`, `3.2e-2`, `−1` (Unicode minus), `33%`; vectors `[0.2, 0.8]`,
`0.2 0.8` or `0.2, 0.8`; matrices `[[1, 2], [3, 4]]` or `1 2; 3 4`. Each number remembers how precisely
it was typed (half a unit of its last digit) so the checker can tell "not precise enough" from "wrong"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

MAX_LENGTH = 2000
FORMS = "a number like 0.25, .25, 1/4, 2.5e-3 or 25%"
ARRAY_FORMS = (
    "numbers separated by spaces or commas, e.g. [0.2, 0.8] or 0.2 0.8; rows of a matrix as [[1, 2], [3, 4]]"
)

_DECIMAL = re.compile(r"(?P<sign>[+-]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?")
_TOKEN = re.compile(r"[^\s,;\[\]()]+")
_DASHES = str.maketrans(
    {"−": "-", "–": "-", "﹣": "-", "－": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
)


class AnswerError(ValueError):
    """Input that is not an answer; the message says which form is expected."""


@dataclass(frozen=True)
class Parsed:
    """A typed answer: values (0-d, 1-d or 2-d), how precisely each was typed, which had a `%`."""

    values: np.ndarray
    half_unit: np.ndarray  # half a unit of the last typed digit; 0 for exact forms such as 1/3
    percent: np.ndarray  # True where the number was typed with `%` (the value is not yet divided by 100)

    @property
    def shape(self) -> tuple[int, ...]:
        """The answer's shape: () for a number, (n,) for a vector, (r, c) for a matrix."""
        return tuple(self.values.shape)


def parse_answer(text: str) -> Parsed:
    """The answer in `text`, or AnswerError saying what form was expected."""
    if len(text) > MAX_LENGTH:
        raise AnswerError(f"that answer is longer than {MAX_LENGTH} characters")
    cleaned = re.sub(r"\s+%", "%", text.translate(_DASHES)).strip()
    if not cleaned:
        raise AnswerError(f"type an answer: {FORMS}")
    rows = _rows(cleaned)
    numbers = [[_number(token) for token in row] for row in rows]
    widths = {len(row) for row in numbers}
    if len(widths) > 1:
        raise AnswerError(f"the rows of a matrix must have the same length (got {sorted(widths)})")
    values = np.array([[value for value, _, _ in row] for row in numbers], dtype=float)
    half = np.array([[h for _, h, _ in row] for row in numbers], dtype=float)
    percent = np.array([[p for _, _, p in row] for row in numbers], dtype=bool)
    if len(rows) == 1 and not _is_matrix(cleaned):
        values, half, percent = values[0], half[0], percent[0]
        if values.size == 1 and not cleaned.startswith(("[", "(")):
            values, half, percent = values[0], half[0], percent[0]
    return Parsed(np.asarray(values), np.asarray(half), np.asarray(percent))


def _is_matrix(text: str) -> bool:
    return text.replace(" ", "").startswith(("[[", "(("))


def _rows(text: str) -> list[list[str]]:
    """The tokens of each row: `[[1, 2], [3, 4]]`, `1 2; 3 4`, `[1, 2]` or `1 2`."""
    if text.count("[") != text.count("]") or text.count("(") != text.count(")"):
        raise AnswerError(f"unbalanced brackets; expected {ARRAY_FORMS}")
    compact = text.replace(" ", "")
    if _is_matrix(text):
        inner = compact[1:-1]
        if not compact.endswith(("]]", "))")):
            raise AnswerError(f"a matrix is written [[1, 2], [3, 4]]; expected {ARRAY_FORMS}")
        parts = re.split(r"[\])],?[\[(]", inner[1:-1])
        rows = [_TOKEN.findall(part) for part in parts]
    else:
        if re.search(r"[\[\]()]", text.strip("[]()")):
            raise AnswerError(f"brackets inside a list; expected {ARRAY_FORMS}")
        rows = [_TOKEN.findall(part) for part in text.strip("[]()").split(";")]
    if any(not row for row in rows):
        raise AnswerError(f"an empty list or row; expected {ARRAY_FORMS}")
    return rows


def _number(token: str) -> tuple[float, float, bool]:
    """(value, half a unit of the last digit typed, typed with %) of one token."""
    percent = token.endswith("%")
    body = token[:-1] if percent else token
    if "/" in body:
        value = _fraction(body, token)
        return value, 0.0, percent
    match = _DECIMAL.fullmatch(body)
    if not match or not (match["int"] or match["frac"]):
        hint = " (write powers of ten as 2.5e-3)" if "^" in body or "×" in body else ""
        raise AnswerError(f"`{token}` is not a number{hint}; expected {FORMS}")
    value = float(body)
    if not np.isfinite(value):
        raise AnswerError(f"`{token}` is too large; expected {FORMS}")
    decimals = len(match["frac"] or "") - int(match["exp"] or 0)
    return value, 0.5 * 10.0**-decimals, percent


def _fraction(body: str, token: str) -> float:
    numerator, _, denominator = body.partition("/")
    try:
        top, bottom = Fraction(numerator), Fraction(denominator)
    except (ValueError, ZeroDivisionError):
        raise AnswerError(f"`{token}` is not a fraction like 1/3; expected {FORMS}") from None
    if bottom == 0:
        raise AnswerError(f"`{token}` divides by zero")
    if "/" in denominator or not re.fullmatch(r"[+-]?[\d.]+", denominator.strip()):
        raise AnswerError(f"`{token}` is not a fraction like 1/3; expected {FORMS}")
    return float(top / bottom)
