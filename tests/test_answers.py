"""The answer parser: every form of DESIGN §4, clear messages for the rest, never a crash."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
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
