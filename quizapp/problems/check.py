"""Grade a typed answer against a problem's truth: tolerance, precision, shape, units, diagnoses.

Rules (DESIGN §4): relative tolerance 1e-2 by default, an absolute 1e-9 band only where the truth is
exactly 0; `decimals`/`sigfigs` accept ±0.51 units of the last required digit; counts are exact; an answer
typed more coarsely than the tolerance that matches the rounded truth is "not precise enough", not wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from quizapp.content.schema import Tolerance, Unit
from quizapp.problems import fmt
from quizapp.problems.answers import FORMS, AnswerError, Parsed, parse_answer
from quizapp.problems.model import Problem, Value, as_value
from quizapp.problems.tolerance import DEFAULT_RTOL, band, within

Status = Literal["correct", "wrong", "imprecise", "unusable"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of one answer. Only `correct` and `wrong` grade a card; the others ask again."""

    status: Status
    message: str
    expected: str
    parsed: Value | None = None
    diagnosis: str | None = None

    @property
    def correct(self) -> bool:
        """True when the answer is accepted."""
        return self.status == "correct"

    @property
    def gradable(self) -> bool:
        """True when the answer counts (correct or wrong), False when the user should type it again."""
        return self.status in ("correct", "wrong")


def expected_text(answer: Any, tolerance: Tolerance, unit: Unit = "real") -> str:
    """The truth as it should be typed: to the required decimals or figures, counts as integers."""
    array = np.asarray(answer, dtype=float)

    def one(x: float) -> str:
        if unit == "count":
            return str(round(x))
        if tolerance.decimals is not None:
            return fmt.fixed(x, tolerance.decimals)
        if tolerance.sigfigs is not None:
            return fmt.sigfigs(x, tolerance.sigfigs)
        return fmt.num(x, 4)

    suffix = "%" if unit == "percent" else ""
    if array.ndim == 0:
        return one(float(array)) + suffix
    if array.ndim == 1:
        return "[" + ", ".join(one(x) + suffix for x in array) + "]"
    return "[" + ", ".join("[" + ", ".join(one(x) for x in row) + "]" for row in array) + "]"


def check(problem: Problem, text: str) -> Verdict:
    """The verdict on `text` typed as the answer to `problem`."""
    truth = np.asarray(problem.answer, dtype=float)
    expected = expected_text(truth, problem.tolerance, problem.unit)
    try:
        parsed = parse_answer(text)
    except AnswerError as error:
        return Verdict("unusable", str(error), expected)
    except (ArithmeticError, ValueError, MemoryError):  # a parser bug must not crash or grade: ask again
        return Verdict("unusable", f"can't read that answer; expected {FORMS}", expected)
    shape_problem = _shape_problem(parsed, truth, text)
    if shape_problem:
        return Verdict("unusable", shape_problem, expected)
    if problem.unit == "count" and bool(parsed.percent.any()):
        return Verdict("unusable", "this asks for a count; type a whole number, without %", expected)
    # An answer near the float limit (1e308) may overflow to inf in a comparison: inf is simply far.
    with np.errstate(over="ignore", invalid="ignore"):
        return _grade(problem, parsed, truth, expected)


def _grade(problem: Problem, parsed: Parsed, truth: np.ndarray, expected: str) -> Verdict:
    """The verdict on a parsed answer of the right shape."""
    value = _in_unit(parsed.values, parsed, problem.unit)
    shown = as_value(value)
    allowed = band(truth, problem.tolerance, problem.unit)
    distance = np.abs(value - truth)
    if bool(np.all(distance <= allowed)):
        return Verdict("correct", f"Correct: {expected}.", expected, shown)
    # Coarse: typed with fewer digits than the tolerance needs, and equal to the truth rounded to them.
    # A zero for a non-zero truth has no correct digit at all: that is wrong, not imprecise.
    half_unit = _in_unit(parsed.half_unit, parsed, problem.unit)  # `33%` is typed to ±0.005, not ±0.5
    coarse = (half_unit > allowed) & (distance <= half_unit * (1 + 1e-9)) & (value != 0)
    if bool(np.all((distance <= allowed) | coarse)):
        return Verdict("imprecise", _imprecise_message(problem.tolerance, problem.unit), expected, shown)
    diagnosis = _diagnose(problem, parsed, value)
    return Verdict("wrong", f"Not quite: the answer is {expected}.", expected, shown, diagnosis)


def _shape_problem(parsed: Parsed, truth: np.ndarray, text: str) -> str | None:
    if parsed.shape == truth.shape:
        return None
    if truth.ndim == 0 and parsed.values.size == 1:
        return None
    if truth.ndim == 0:
        hint = ""
        if "," in text and all(len(part.strip()) == 3 for part in text.split(",")[1:]):
            hint = " (no thousands separators: type 1000, not 1,000)"
        return f"this asks for one number, you typed {parsed.values.size}{hint}"
    if truth.ndim == 1 and parsed.values.ndim <= 1:
        return f"this asks for {truth.size} numbers, you typed {parsed.values.size}"
    if truth.ndim == 1:
        return f"this asks for a list of {truth.size} numbers, not a matrix"
    rows, cols = truth.shape
    return f"this asks for a {rows}×{cols} matrix, e.g. [[1, 2], [3, 4]]; you typed shape {parsed.shape}"


def _in_unit(values: np.ndarray, parsed: Parsed, unit: Unit) -> np.ndarray:
    """Typed `values` (or their half units) in the answer's unit: `33%` is 0.33 unless the unit is itself
    a percentage."""
    if unit == "percent":
        return values
    return np.where(parsed.percent, values / 100.0, values)


def tolerance_summary(tolerance: Tolerance, unit: Unit = "real") -> dict[str, Any]:
    """How an answer is graded, as `problem --json` reports it: `{"exact": true}` for counts, else the
    tolerance given, else the default `{"rtol": 0.01}`."""
    if unit == "count":
        return {"exact": True}
    return tolerance.model_dump(exclude_none=True) or {"rtol": DEFAULT_RTOL}


def _imprecise_message(tolerance: Tolerance, unit: Unit) -> str:
    if unit == "count":
        return "Not precise enough: that matches only when rounded; give the exact whole number."
    if tolerance.decimals is not None:
        wanted = f"{tolerance.decimals} decimals"
    elif tolerance.sigfigs is not None:
        wanted = f"{tolerance.sigfigs} significant figures"
    else:
        wanted = "more digits (within 1%)"
    return f"Not precise enough: that matches only when rounded; give {wanted}."


def _diagnose(problem: Problem, parsed: Parsed, value: np.ndarray) -> str | None:
    """The first known mistake the answer matches, else None."""
    truth = np.asarray(problem.answer, dtype=float)
    for diagnosis in problem.diagnoses:
        mistake = np.asarray(diagnosis.value, dtype=float)
        if mistake.shape != truth.shape or _close(mistake, truth, problem):
            continue
        if _close(value, mistake, problem):
            return diagnosis.message
    if problem.unit == "probability" and not parsed.percent.any() and _close(value / 100.0, truth, problem):
        fraction = expected_text(truth, problem.tolerance)
        return f"that looks like a percentage: answer as a fraction ({fraction}) or add %"
    if problem.unit == "percent" and _close(value * 100.0, truth, problem):
        return (
            f"this asks for a percentage: did you mean {expected_text(truth, problem.tolerance, 'percent')}?"
        )
    if (
        problem.unit in ("real", "probability")
        and parsed.percent.any()
        and _close(parsed.values, truth, problem)
    ):
        return "drop the %: the answer is a fraction, not a percentage"
    return None


def _close(value: np.ndarray, target: np.ndarray, problem: Problem) -> bool:
    return within(value, target, problem.tolerance, problem.unit)
