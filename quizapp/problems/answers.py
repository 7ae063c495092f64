"""Parse what a user typed as a numeric answer: a number, a vector or a matrix. Never `eval`.

Accepted: `3`, `-0.25`, `.5`, `1/3`, `3.2e-2`, `−1` (Unicode minus), `33%`; vectors `[0.2, 0.8]`,
`0.2 0.8` or `0.2, 0.8`; matrices `[[1, 2], [3, 4]]` or `1 2; 3 4`. Each number remembers how precisely
it was typed (half a unit of its last digit) so the checker can tell "not precise enough" from "wrong".

Any text of up to MAX_LENGTH characters gives a value or an AnswerError in bounded time: numbers are read
exactly as Decimals (digits and exponent apart, never a huge integer), a zero is zero whatever its exponent
(`0e999999`), and a value a float cannot hold is refused by name: above 1.8e308 in size "too large to
check", a non-zero below 5e-324 "too close to zero" (not silently 0). Digits of other scripts (`٣`, `３`)
read as Python's float() reads them; nan, inf, `1_000`, hex and more than two levels of brackets do not."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, DivisionByZero, InvalidOperation

import numpy as np

MAX_LENGTH = 2000
FORMS = "a number like 0.25, .25, 1/4, 2.5e-3 or 25%"
ARRAY_FORMS = (
    "numbers separated by spaces or commas, e.g. [0.2, 0.8] or 0.2 0.8; rows of a matrix as [[1, 2], [3, 4]]"
)

# ASCII digits only: Unicode digits (Arabic-Indic, fullwidth, ...) are mapped to ASCII before matching.
_DECIMAL = re.compile(r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?")
_TOKEN = re.compile(r"[^\s,;\[\]()]+")
_DASHES = str.maketrans(
    {"−": "-", "–": "-", "﹣": "-", "－": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
)
_UNICODE_DIGIT = re.compile(r"[^\x00-\x7f]")  # checked with unicodedata: only decimal digits are mapped
_BRACKETS = {"]": "[", ")": "("}
# Exponents are read only when they have at most this many digits: 1e99999999 is still decided in
# microseconds (Decimal keeps the exponent apart from the digits), and no huge integer is ever built.
_MAX_EXPONENT_DIGITS = 8
_CONTEXT = Context(prec=60, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation, DivisionByZero])
# A number must fit a float: no larger than 1.8e308 in size, and no closer to zero than 5e-324 unless 0.
TOO_LARGE = "is too large to check: numbers must be below 1.8e308 in size"
TOO_SMALL = "is too close to zero to check (below 5e-324 in size); type 0 if you mean zero"


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
    """The answer in `text`, or AnswerError saying what form was expected.

    Bounded: at most MAX_LENGTH characters, each number read without building a huge integer, so any
    input gets a value or a message in microseconds to milliseconds."""
    if len(text) > MAX_LENGTH:
        raise AnswerError(f"that answer is longer than {MAX_LENGTH} characters")
    cleaned = re.sub(r"\s+%", "%", _ascii_digits(text.translate(_DASHES))).strip()
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


def _ascii_digits(text: str) -> str:
    """`text` with every Unicode decimal digit (٣, ３, ...) as its ASCII digit; Python's float() reads
    them too, so an answer typed with another script's digits means what it says."""
    if text.isascii():
        return text

    def ascii_digit(match: re.Match[str]) -> str:
        digit = unicodedata.decimal(match[0], None)
        return match[0] if digit is None else str(digit)

    return _UNICODE_DIGIT.sub(ascii_digit, text)


def _is_matrix(text: str) -> bool:
    return text.replace(" ", "").startswith(("[[", "(("))


def _depth(text: str) -> int:
    """How deeply brackets nest in `text`; AnswerError when they do not pair up."""
    opened: list[str] = []
    deepest = 0
    for char in text:
        if char in "[(":
            opened.append(char)
            deepest = max(deepest, len(opened))
        elif char in "])" and (not opened or opened.pop() != _BRACKETS[char]):
            raise AnswerError(f"unbalanced brackets; expected {ARRAY_FORMS}")
    if opened:
        raise AnswerError(f"unbalanced brackets; expected {ARRAY_FORMS}")
    return deepest


def _rows(text: str) -> list[list[str]]:
    """The tokens of each row: `[[1, 2], [3, 4]]`, `1 2; 3 4`, `[1, 2]` or `1 2`."""
    if _depth(text) > 2:
        raise AnswerError(f"too many brackets: a matrix is written [[1, 2], [3, 4]]; expected {ARRAY_FORMS}")
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
        return _fraction(body, token), 0.0, percent
    value, decimals = _decimal(body, token, f"{_quoted(token)} is not a number")
    # 0e999999 is 0, typed to the nearest 1e999999: the checker never calls a zero coarse, so cap it.
    return _to_float(value, token), 0.5 * 10.0 ** -max(decimals, -307), percent


def _quoted(token: str) -> str:
    """`token` in backticks, its middle elided when it is too long to read in a message."""
    return f"`{token}`" if len(token) <= 40 else f"`{token[:24]}…{token[-12:]}`"


def _decimal(text: str, token: str, not_a_number: str, divisor: bool = False) -> tuple[Decimal, int]:
    """The exact value of a decimal `text` and how many decimals it was typed with (negative for 1e3).

    The exponent is read only when it has at most _MAX_EXPONENT_DIGITS digits; beyond that only its
    sign matters (everything but a zero is out of range; a `divisor`'s range flips), so no number is
    ever built from it."""
    match = _DECIMAL.fullmatch(text)
    if not match or not (match["int"] or match["frac"]):
        hint = " (write powers of ten as 2.5e-3)" if "^" in text or "×" in text else ""
        raise AnswerError(f"{not_a_number}{hint}; expected {FORMS}")
    exp_text = match["exp"] or "0"
    exp_digits = exp_text.lstrip("+-").lstrip("0")
    negative_exp = exp_text.startswith("-")
    zero = not (match["int"] + (match["frac"] or "")).strip("0")
    frac = len(match["frac"] or "")
    if len(exp_digits) > _MAX_EXPONENT_DIGITS:
        if not zero:
            raise AnswerError(f"{_quoted(token)} {TOO_SMALL if negative_exp != divisor else TOO_LARGE}")
        return Decimal(0), frac + (10**_MAX_EXPONENT_DIGITS if negative_exp else -(10**_MAX_EXPONENT_DIGITS))
    exponent = -int(exp_digits or "0") if negative_exp else int(exp_digits or "0")
    return Decimal(text), frac - exponent


def _to_float(value: Decimal, token: str) -> float:
    """`value` as a float, or AnswerError when a float cannot hold it (overflow, or underflow to 0)."""
    if value.is_zero():
        return 0.0
    exponent = value.adjusted()  # of the leading digit: decides far-out values before any conversion
    number = float(value) if -400 < exponent < 400 else (0.0 if exponent < 0 else math.inf)
    if math.isinf(number):
        raise AnswerError(f"{_quoted(token)} {TOO_LARGE}")
    if number == 0.0:
        raise AnswerError(f"{_quoted(token)} {TOO_SMALL}")
    return number


def _fraction(body: str, token: str) -> float:
    """The value of `a/b`, each side a decimal; divided with 60 significant digits, then rounded once
    more to a float (exact to the last bit but for ties at the 60th digit)."""
    numerator, _, denominator = body.partition("/")
    not_a_fraction = f"{_quoted(token)} is not a fraction like 1/3"
    if "/" in denominator:
        raise AnswerError(f"{not_a_fraction}; expected {FORMS}")
    top, _ = _decimal(numerator, token, not_a_fraction)
    bottom, _ = _decimal(denominator, token, not_a_fraction, divisor=True)
    if bottom.is_zero():
        raise AnswerError(f"{_quoted(token)} divides by zero")
    return _to_float(_CONTEXT.divide(top, bottom), token)
