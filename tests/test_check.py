"""The checker: tolerance rules of DESIGN §4, precision, shapes, units and diagnoses."""

from __future__ import annotations

import warnings

import pytest

from quizapp.content.schema import Tolerance
from quizapp.problems.check import check, expected_text
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.tolerance import band


def _problem(
    answer: object, tolerance: Tolerance | None = None, unit: str = "real", **extra: object
) -> Problem:
    return Problem("p", {}, answer, "s", unit, tolerance or Tolerance(), **extra)  # type: ignore[arg-type]


def test_default_relative_tolerance_is_one_percent() -> None:
    p = _problem(2.0)
    assert check(p, "2.0199").correct
    assert check(p, "1.9801").correct
    assert check(p, "2.0201").status == "wrong"


def test_no_absolute_slack_for_tiny_truths() -> None:
    # σ'(20) ≈ 2.06e-9: an absolute tolerance of 1e-8 would accept 0
    p = _problem(2.0611536181902037e-09)
    assert check(p, "2.06e-9").correct
    assert check(p, "0.0").status == "wrong"
    assert check(p, "0").status == "wrong"  # a zero has no correct digit: wrong, not imprecise


def test_exact_zero_uses_an_absolute_band() -> None:
    p = _problem(0.0)
    assert check(p, "0").correct
    assert check(p, "1e-10").correct
    assert check(p, "1e-8").status == "wrong"


def test_decimals_accept_plus_minus_051_of_the_last_digit() -> None:
    p = _problem(0.8333333, Tolerance(decimals=3))
    assert check(p, "0.833").correct
    assert check(p, "0.8338").correct  # 0.00047 away: inside 0.00051
    assert check(p, "0.834").status == "wrong"  # 0.00067 away
    assert check(p, "5/6").correct  # exact forms are always precise enough


def test_sigfigs_scale_with_the_magnitude() -> None:
    p = _problem(12345.0, Tolerance(sigfigs=3))
    assert band(12345.0, Tolerance(sigfigs=3)) == pytest.approx(51.0)
    assert check(p, "12300").correct
    assert check(p, "12400").status == "wrong"


def test_counts_are_exact() -> None:
    p = _problem(12.0, unit="count")
    assert check(p, "12").correct
    assert check(p, "12.4").status == "wrong"
    assert check(p, "12%").status == "unusable"


def test_a_coarse_answer_matching_the_rounded_truth_is_not_precise_enough() -> None:
    p = _problem(0.8333333, Tolerance(decimals=3))
    verdict = check(p, "0.83")
    assert verdict.status == "imprecise" and not verdict.gradable
    assert "3 decimals" in verdict.message
    assert check(p, "0.82").status == "wrong"  # coarse but not the rounded truth: wrong
    assert check(_problem(0.8333333), "0.8").status == "imprecise"


def test_arrays_check_shape_then_each_element() -> None:
    p = _problem([0.5, 0.25])
    assert check(p, "[0.5, 0.25]").correct
    assert check(p, "0.5 0.25").correct
    short = check(p, "0.5")
    assert short.status == "unusable" and "2 numbers" in short.message
    assert check(p, "[0.5, 0.4]").status == "wrong"
    assert check(p, "[0.5, 0.3]").status == "imprecise"  # 0.25 to one decimal
    matrix = _problem([[1, 2], [3, 4]])
    assert "2×2 matrix" in check(matrix, "1 2 3 4").message
    assert check(matrix, "1 2; 3 4").correct


def test_one_number_expected_explains_thousands_separators() -> None:
    verdict = check(_problem(1000.0), "1,000")
    assert verdict.status == "unusable" and "thousands" in verdict.message


def test_percent_for_probabilities_and_percent_units() -> None:
    probability = _problem(0.33, unit="probability")
    assert check(probability, "33%").correct
    slip = check(probability, "33")
    assert slip.status == "wrong" and slip.diagnosis and "percentage" in slip.diagnosis
    percent = _problem(33.0, unit="percent")
    assert check(percent, "33").correct and check(percent, "33%").correct
    fraction = check(percent, "0.33")
    assert fraction.diagnosis and "did you mean 33%" in fraction.diagnosis


def test_diagnoses_name_the_mistake_the_answer_matches() -> None:
    p = _problem(0.75, diagnoses=(Diagnosis(0.6, "you computed recall"), Diagnosis(0.25, "that is 1 − p")))
    assert check(p, "0.6").diagnosis == "you computed recall"
    assert check(p, "0.25").diagnosis == "that is 1 − p"
    assert check(p, "0.1").diagnosis is None
    assert check(p, "0.75").diagnosis is None


def test_a_diagnosis_equal_to_the_truth_never_fires() -> None:
    p = _problem(0.5, diagnoses=(Diagnosis(0.5, "never"),))
    assert check(p, "0.4").diagnosis is None


def test_junk_is_unusable_with_a_message() -> None:
    for junk in ("", "abc", "1/0", "[1, 2"):
        verdict = check(_problem(0.5), junk)
        assert verdict.status == "unusable" and verdict.message and not verdict.gradable


@pytest.mark.parametrize(
    ("answer", "tolerance", "unit", "text"),
    [
        (0.8333333, Tolerance(decimals=3), "real", "0.833"),
        (12345.0, Tolerance(sigfigs=3), "real", "12300"),
        (0.2403, Tolerance(sigfigs=3), "real", "0.240"),  # trailing zero kept: it is a required figure
        (9.996, Tolerance(sigfigs=3), "real", "10.0"),
        (-0.0012345, Tolerance(sigfigs=2), "real", "-0.0012"),
        (7.0, Tolerance(), "count", "7"),
        (33.3333, Tolerance(), "percent", "33.33%"),
        ([0.5, 0.25], Tolerance(), "real", "[0.5, 0.25]"),
    ],
)
def test_expected_text_is_the_answer_as_it_should_be_typed(
    answer: object, tolerance: Tolerance, unit: str, text: str
) -> None:
    assert expected_text(answer, tolerance, unit) == text  # type: ignore[arg-type]
    assert check(_problem(answer, tolerance, unit), text).correct


def test_a_problem_keeps_only_diagnoses_a_checker_can_tell_apart() -> None:
    p = _problem(
        0.5,
        diagnoses=(
            Diagnosis(0.505, "within twice the tolerance of the truth"),
            Diagnosis(0.7, "kept"),
            Diagnosis(0.701, "too close to the one before"),
            Diagnosis(float("inf"), "not finite"),
            Diagnosis([0.1, 0.2], "wrong shape"),
            Diagnosis(0.2, "kept too"),
        ),
    )
    assert [d.message for d in p.diagnoses] == ["kept", "kept too"]


@pytest.mark.parametrize("unit", ["real", "probability", "percent", "count"])
@pytest.mark.parametrize("typed", ["1.7976931348623157e308", "-1.7e308", "5e-324", "1e308%", "0e999999"])
def test_answers_at_the_float_limits_are_graded_without_overflow(unit: str, typed: str) -> None:
    p = _problem(0.25, unit=unit, diagnoses=(Diagnosis(25.0, "a percentage"),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in the percent diagnosis (x × 100) would warn
        verdict = check(p, typed)
    assert verdict.status == ("unusable" if unit == "count" and typed.endswith("%") else "wrong")


def test_a_parser_failure_is_unusable_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr("quizapp.problems.check.parse_answer", broken)
    verdict = check(_problem(0.5), "1e400/1")
    assert verdict.status == "unusable" and verdict.message.startswith("can't read that answer")
    assert not verdict.gradable and verdict.expected == "0.5"


def test_a_percentage_is_as_precise_as_its_digits_in_the_answers_unit() -> None:
    # `33%` is typed to ±0.5 percentage points, ±0.005 as a fraction: coarse for 1/3 to 3 decimals, and
    # `20%` is 0.13 away: wrong (it was once "not precise enough", its half unit taken as ±0.5)
    p = _problem(1 / 3, Tolerance(decimals=3), unit="probability")
    assert check(p, "33%").status == "imprecise"
    assert check(p, "33.3%").correct
    assert check(p, "20%").status == "wrong"
    assert check(p, "0.3").status == "imprecise" and check(p, "0.2").status == "wrong"


def test_counts_are_reported_and_explained_as_exact() -> None:
    from quizapp.problems.check import tolerance_summary

    problem = Problem("How many MACs? Give the exact count.", {}, 2412345, "", unit="count")
    assert tolerance_summary(problem.tolerance, problem.unit) == {"exact": True}
    verdict = check(problem, "2.41e6")
    assert verdict.status == "imprecise" and "exact whole number" in verdict.message
    assert "1%" not in verdict.message


def test_tolerance_summary_names_what_the_prompt_asks() -> None:
    from quizapp.problems.check import tolerance_summary

    assert tolerance_summary(Tolerance(decimals=3)) == {"decimals": 3}
    assert tolerance_summary(Tolerance()) == {"rtol": 0.01}


def test_a_rounded_zero_is_revealed_without_a_minus_sign() -> None:
    assert expected_text(-0.0001, Tolerance(decimals=3)) == "0.000"
    assert expected_text(-0.0004, Tolerance(decimals=3), "percent") == "0.000%"
    assert expected_text(-0.0006, Tolerance(decimals=3)) == "-0.001"


def test_large_sigfig_answers_are_revealed_in_e_notation_and_accepted() -> None:
    problem = Problem("MACs? Give 3 significant figures (e.g. 1.23e8).", {}, 231_211_008.0, "",
                      tolerance=Tolerance(sigfigs=3))  # fmt: skip
    revealed = expected_text(problem.answer, problem.tolerance)
    assert revealed == "2.31e8"
    assert check(problem, revealed).correct
    assert check(problem, "231000000").correct
    assert expected_text(12345, Tolerance(sigfigs=3)) == "12300"
