"""What a generator returns: one concrete instance of a numeric problem, truth included."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance, Unit
from quizapp.problems.tolerance import within

Value = float | list[Any]  # a number, a vector (list of floats) or a matrix (list of lists)
MAX_DIAGNOSES = 3  # classic mistakes kept per problem; the checker names the first one an answer matches


def as_value(value: Any) -> Value:
    """A JSON-able float or nested list of floats from a number, sequence or NumPy array."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return float(array)
    listed: list[Any] = array.tolist()
    return listed


@dataclass(frozen=True)
class Diagnosis:
    """A classic mistake: the value it produces, and what to tell a user whose answer matches it."""

    value: Value
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", as_value(self.value))


@dataclass(frozen=True)
class Problem:
    """One instance of a numeric problem.

    `given` holds the inputs (JSON-able); `answer` is computed from them by NumPy/scikit-learn,
    never typed in; `solution` works the steps with this instance's numbers. Diagnoses a checker could
    not tell apart (from the truth, or from an earlier diagnosis) are dropped, so a generator may list
    every classic mistake without checking which ones coincide for this instance."""

    prompt: str
    given: dict[str, Any]
    answer: Value
    solution: str
    unit: Unit = "real"
    tolerance: Tolerance = field(default_factory=Tolerance)
    diagnoses: tuple[Diagnosis, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "answer", as_value(self.answer))
        object.__setattr__(self, "given", jsonable(self.given))
        object.__setattr__(self, "diagnoses", self._distinct(self.diagnoses))

    def _distinct(self, candidates: Iterable[Diagnosis]) -> tuple[Diagnosis, ...]:
        """The first MAX_DIAGNOSES candidates more than twice the tolerance from the truth and each other."""
        kept: list[Diagnosis] = []
        for candidate in candidates:
            value = np.asarray(candidate.value, dtype=float)
            if value.shape != np.shape(self.answer) or not np.all(np.isfinite(value)):
                continue
            seen = [self.answer, *(other.value for other in kept)]
            if not any(within(value, other, self.tolerance, self.unit, factor=2.0) for other in seen):
                kept.append(candidate)
        return tuple(kept[:MAX_DIAGNOSES])


def jsonable(value: Any) -> Any:
    """`value` with NumPy scalars and arrays turned into Python numbers and lists."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
