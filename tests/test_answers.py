"""The answer parser: every form of DESIGN §4, clear messages for the rest, never a crash."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.problems.answers import MAX_LENGTH, AnswerError, parse_answer


@pytest.mark.parametrize(
    ("text", "value", "half_unit"),
    [
        ("3", 3.0, 0.5),
        ("-0.25", -0.25, 0.005),
        ("+2.50", 2.5, 0.005),
        (".5", 0.5, 0.05),
        ("5.", 5.0, 0.5),
        ("1/3", 1 / 3, 0.0),
        ("-2/4", -0.5, 0.0),
        ("3.2e-2", 0.032, 0.0005),
        ("1E3", 1000.0, 0.0005 * 1e6),
        ("−1.5", -1.5, 0.05),  # Unicode minus
        ("  7  ", 7.0, 0.5),
    ],
)
def test_scalars(text: str, value: float, half_unit: float) -> None:
    parsed = parse_answer(text)
    assert parsed.shape == ()
    assert float(parsed.values) == pytest.approx(value)
    assert float(parsed.half_unit) == pytest.approx(half_unit)
    assert not parsed.percent


def test_percent_is_kept_for_the_checker_to_scale() -> None:
    parsed = parse_answer("33%")
    assert float(parsed.values) == 33.0 and bool(parsed.percent)
    assert float(parse_answer("12.5 %").values) == 12.5


@pytest.mark.parametrize("text", ["[0.2, 0.8]", "0.2 0.8", "0.2, 0.8", "(0.2, 0.8)", "[0.2 0.8]", "0.2,0.8"])
def test_vectors(text: str) -> None:
    parsed = parse_answer(text)
    assert parsed.shape == (2,)
    assert parsed.values.tolist() == [0.2, 0.8]


def test_a_bracketed_single_number_is_a_vector() -> None:
    assert parse_answer("[5]").shape == (1,)


@pytest.mark.parametrize("text", ["[[1, 2], [3, 4]]", "[[1,2],[3,4]]", "1 2; 3 4", "((1, 2), (3, 4))"])
def test_matrices(text: str) -> None:
    parsed = parse_answer(text)
    assert parsed.values.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "type an answer"),
        ("abc", "`abc` is not a number"),
        ("1/0", "divides by zero"),
        ("1/2/3", "not a fraction"),
        ("[1, 2", "unbalanced brackets"),
        ("[[1, 2], [3]]", "same length"),
        ("nan", "not a number"),
        ("inf", "not a number"),
        ("1e999", "too large"),
        ("1e400/1", "too large to check"),
        ("1/1e-99999999", "too large to check"),
        ("1e99999999/1", "too large to check"),
        ("1e-400", "too close to zero"),
        ("1e-99999999/1", "too close to zero"),
        ("1" * 400 + "/3", "too large to check"),
        ("1e99999999999999999999", "too large to check"),
        ("1/1e-99999999999999999999", "too large to check"),
        ("1/1e99999999999999999999", "too close to zero"),
        ("[[[1, 2]]]", "too many brackets"),
        ("[(1, 2])", "unbalanced brackets"),
        ("1e5/0", "divides by zero"),
        ("1_000", "not a number"),
        ("1e5.5", "not a number"),
        ("2.5×10^-3", "powers of ten as 2.5e-3"),
        ("0x10", "not a number"),
        ("__import__('os')", "expected numbers"),
        ("[]", "empty"),
    ],
)
def test_unusable_input_says_what_form_is_expected(text: str, says: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_answer(text)
    assert says in str(caught.value)


@pytest.mark.parametrize("text", ["0e999999", "0.0e400", "-0e99999999999999", "0e-400", "0/1e400"])
def test_a_zero_with_any_exponent_is_zero(text: str) -> None:
    assert float(parse_answer(text).values) == 0.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("٣.٥", 3.5),  # Arabic-Indic digits, as Python's float() reads them
        ("３/４", 0.75),  # fullwidth digits from an IME, in a fraction too
        ("−١", -1.0),
        ("1.7976931348623157e308", 1.7976931348623157e308),  # the largest float is still a number
        ("5e-324", 5e-324),
        ("1e-5/1e5", 1e-10),
        ("0.5/2e-1", 2.5),
        ("1e300/1e300", 1.0),
    ],
)
def test_unicode_digits_and_extreme_but_representable_values(text: str, value: float) -> None:
    assert float(parse_answer(text).values) == value


def test_digit_heavy_answers_are_read_exactly() -> None:
    # a 2,000-character answer: the value float() gives, without a 2,000-digit integer per step
    text = "0." + "3" * (MAX_LENGTH - 2)
    assert float(parse_answer(text).values) == float(text)
    assert float(parse_answer("1" + "0" * 300 + "/" + "1" + "0" * 299).values) == 10.0
    assert parse_answer(" ".join(["1"] * (MAX_LENGTH // 2))).shape == (MAX_LENGTH // 2,)


def test_length_cap() -> None:
    with pytest.raises(AnswerError, match="longer than"):
        parse_answer("1 " * MAX_LENGTH)


@given(st.text(max_size=60))
def test_no_input_crashes_the_parser(text: str) -> None:
    try:
        parsed = parse_answer(text)
    except AnswerError as error:
        assert str(error)
    else:
        assert np.all(np.isfinite(parsed.values))


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_numbers_round_trip(value: float) -> None:
    assert float(parse_answer(repr(value)).values) == value


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=8))
def test_vectors_round_trip(values: list[float]) -> None:
    for text in (str(values), " ".join(map(repr, values))):
        parsed = parse_answer(text)
        assert parsed.values.reshape(-1).tolist() == values


@given(st.integers(-(10**6), 10**6), st.integers(1, 10**6))
def test_fractions_are_exact(top: int, bottom: int) -> None:
    parsed = parse_answer(f"{top}/{bottom}")
    assert math.isclose(float(parsed.values), top / bottom, rel_tol=1e-15)
    assert float(parsed.half_unit) == 0.0


# Exponent- and digit-heavy numbers: long mantissas, runs of zeros, exponents of up to 12 digits. The
# first parser overflowed on `0e400` and `1e400/1` and spent minutes on `1e99999999/1`.
_SHORT_MANTISSA = st.from_regex(r"\A([0-9]{1,6}(\.[0-9]{0,6})?|\.[0-9]{1,6})\Z")
_MANTISSA = st.one_of(
    _SHORT_MANTISSA,
    st.from_regex(r"\A0{0,400}[0-9]\.?0{0,400}[0-9]{0,3}\Z"),
    st.text(alphabet="0123456789", min_size=300, max_size=900),
)
_EXPONENT = st.one_of(st.integers(-400, 400).map(str), st.from_regex(r"\A[+-]?[0-9]{1,12}\Z"))
# Building 900-digit strings is slow for Hypothesis's taste on a busy machine; the inputs are the point.
HEAVY = settings(suppress_health_check=[HealthCheck.too_slow])
_DECIMAL_TEXT = st.builds(
    lambda sign, mantissa, exponent: f"{sign}{mantissa}" + (f"e{exponent}" if exponent is not None else ""),
    st.sampled_from(["", "-", "+", "−"]),
    _MANTISSA,
    st.none() | _EXPONENT,
)


@HEAVY
@given(_DECIMAL_TEXT)
def test_exponent_heavy_numbers_are_what_float_reads_or_refused_by_size(text: str) -> None:
    expected = float(text.replace("−", "-"))  # CPython's correctly rounded reading: an independent route
    mantissa = text.lower().partition("e")[0]
    if math.isinf(expected):
        with pytest.raises(AnswerError, match="too large to check"):
            parse_answer(text)
    elif expected == 0.0 and mantissa.strip("+-−0."):
        with pytest.raises(AnswerError, match="too close to zero"):
            parse_answer(text)
    else:
        parsed = parse_answer(text)
        assert float(parsed.values) == expected
        assert math.isfinite(float(parsed.half_unit))


_NEAR_FLOAT_RANGE = st.builds("{}{}e{}".format, st.sampled_from(["", "-"]), _MANTISSA, st.integers(-999, 999))


@HEAVY
@given(_NEAR_FLOAT_RANGE, _NEAR_FLOAT_RANGE | _MANTISSA, st.booleans())
def test_fractions_near_the_float_range_are_exact_or_refused_by_size(
    top: str, bottom: str, percent: bool
) -> None:
    _assert_fraction(top, bottom, percent)  # `1e400/1` once raised OverflowError


@HEAVY
@given(_DECIMAL_TEXT, _DECIMAL_TEXT, st.booleans())
def test_exponent_heavy_fractions_give_a_value_or_a_message(top: str, bottom: str, percent: bool) -> None:
    _assert_fraction(top, bottom, percent)  # `1e99999999/1` once took minutes


def _assert_fraction(top: str, bottom: str, percent: bool) -> None:
    """`top/bottom` is read as Fraction reads it (when Fraction can, quickly), or refused with a reason."""
    text = f"{top}/{bottom}" + ("%" if percent else "")
    try:
        parsed = parse_answer(text)
    except AnswerError as error:
        assert any(
            says in str(error) for says in ("too large to check", "too close to zero", "divides by zero")
        ), error
        return
    value = float(parsed.values)
    assert math.isfinite(value) and float(parsed.half_unit) == 0.0
    exponents = [int(part.lower().partition("e")[2] or 0) for part in (top, bottom)]
    if max(map(abs, exponents)) <= 999:  # small enough to check exactly with Fraction
        exact = Fraction(top.replace("−", "-")) / Fraction(bottom.replace("−", "-"))
        assert math.isclose(value, float(exact), rel_tol=1e-15, abs_tol=1e-323)


_SHORT_TEXT = st.builds("{}{}e{}".format, st.sampled_from(["", "-"]), _SHORT_MANTISSA, _EXPONENT)


@HEAVY
@given(st.lists(_SHORT_TEXT | st.builds("{}/{}".format, _SHORT_TEXT, _SHORT_TEXT), min_size=1, max_size=60))
def test_vectors_of_hostile_numbers_give_a_value_or_a_message(tokens: list[str]) -> None:
    text = "[" + ", ".join(tokens) + "]"
    try:
        parsed = parse_answer(text)
    except AnswerError as error:
        assert str(error)
    else:
        assert parsed.shape == (len(tokens),) and bool(np.all(np.isfinite(parsed.values)))


@HEAVY
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789eE+-−./%[](),; ٣３")),
        max_size=MAX_LENGTH,
    )
)
def test_number_shaped_junk_never_crashes_the_parser(text: str) -> None:
    try:
        parsed = parse_answer(text)
    except AnswerError as error:
        assert str(error)
    else:
        assert bool(np.all(np.isfinite(parsed.values))) and bool(np.all(np.isfinite(parsed.half_unit)))
