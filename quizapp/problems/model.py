"""What a generator returns: one concrete instance of a numeric problem, truth included."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance, Unit

Value = float | list[Any]  # a number, a vector (list of floats) or a matrix (list of lists)


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
    never typed in; `solution` works the steps with this instance's numbers."""

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
        object.__setattr__(self, "diagnoses", tuple(self.diagnoses))


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
