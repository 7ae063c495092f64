"""When a generated instance teaches nothing: its answer can be copied from the prompt, or rounds to zero.

`make_problem` draws again while an instance is trivial, and `quizapp validate` reports a card whose
instances stay trivial. An exact zero is a fair answer (a class label, an index, no noise points); a
non-zero truth shown as 0.000 is not. Counts are exempt from "copied from the prompt": small whole numbers
recur in prompts by chance (3 classes, k = 3) without giving the answer away."""

from __future__ import annotations

import re

import numpy as np

from quizapp.problems.model import Problem
from quizapp.problems.tolerance import within

_NUMBER = r"[-−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+−]?\d+)?"
_NUMBER_RE = re.compile(rf"(?<![\w.]){_NUMBER}(?!\w|\.\d)")  # a sentence may end after it
_VECTOR_RE = re.compile(r"\[([^\[\]]*)\]")


def _numbers(text: str) -> list[float]:
    values = []
    for match in _NUMBER_RE.findall(text):
        try:
            values.append(float(match.replace("−", "-")))
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            continue
    return values


def shown_values(prompt: str) -> list[np.ndarray]:
    """Every number and every bracketed vector a prompt shows, as arrays."""
    found: list[np.ndarray] = [np.asarray(x) for x in _numbers(prompt)]
    for inner in _VECTOR_RE.findall(prompt):
        values = _numbers(inner)
        if values:
            found.append(np.asarray(values))
    return found


def trivial_reason(problem: Problem, *, picks_from_prompt: bool = False) -> str | None:
    """Why this instance is trivial, or None when it is a fair question.

    `picks_from_prompt`: the task is choosing among the numbers shown, so matching one is expected."""
    from quizapp.problems.check import expected_text

    answer = np.asarray(problem.answer, dtype=float)
    revealed = expected_text(answer, problem.tolerance, problem.unit)
    if not re.search(r"[1-9]", revealed) and np.any(answer != 0):
        return f"the answer {revealed} is zero at the asked precision"
    if problem.unit == "count" or picks_from_prompt:
        return None
    for shown in shown_values(problem.prompt):
        if shown.shape == answer.shape and within(shown, answer, problem.tolerance, problem.unit):
            return f"the answer {revealed} is a number the prompt already shows"
    return None
