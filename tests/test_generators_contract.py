"""Every generator and every numeric card of the built-in bank, tested like a PrairieLearn element.

For 50 seeds each: the revealed answer is accepted; the truth moved by 1.1× the tolerance is rejected as
wrong (not "imprecise"); junk is rejected with a message. And the same (card, seed) gives the same
problem in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from quizapp.content.bank import builtin_content_dir, load_bank
from quizapp.content.schema import NumericCard
from quizapp.problems.check import check, expected_text
from quizapp.problems.model import Problem
from quizapp.problems.registry import generators, make_problem
from quizapp.problems.tolerance import band

SEEDS = range(50)
JUNK = ("", "abc", "1/0", "[1, 2", "0x1F", "1e999")
BANK = load_bank([builtin_content_dir()])
BANK_NUMERIC = {card_id: card for card_id, card in BANK.cards.items() if isinstance(card, NumericCard)}


def _as_typed(values: np.ndarray) -> str:
    """Full-precision text of a number, vector or matrix, as a user could type it."""
    if values.ndim == 0:
        return repr(float(values))
    if values.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in values) + "]"
    return "[" + ", ".join(_as_typed(row) for row in values) + "]"


def assert_sound(problem: Problem, where: str) -> None:
    """The element test of one problem instance."""
    truth = np.asarray(problem.answer, dtype=float)
    assert np.all(np.isfinite(truth)), f"{where}: answer {problem.answer} is not finite"
    assert problem.prompt.strip() and problem.solution.strip(), f"{where}: empty prompt or solution"
    json.dumps(problem.given)  # JSON-able
    revealed = expected_text(truth, problem.tolerance, problem.unit)
    verdict = check(problem, revealed)
    assert verdict.correct, f"{where}: revealed {revealed} refused: {verdict.message}\n{problem.prompt}"
    width = band(truth, problem.tolerance, problem.unit)
    for sign in (1, -1):
        moved = truth + sign * 1.1 * width
        verdict = check(problem, _as_typed(moved))
        assert verdict.status == "wrong", f"{where}: {_as_typed(moved)} (1.1× off) was {verdict.status}"
    for junk in JUNK:
        verdict = check(problem, junk)
        assert verdict.status == "unusable" and verdict.message, (
            f"{where}: junk {junk!r} was {verdict.status}"
        )


def test_there_are_at_least_85_generators() -> None:
    assert len(generators()) >= 85


@pytest.mark.parametrize("name", sorted(generators()))
def test_generator_contract(name: str) -> None:
    fn = generators()[name].fn
    for seed in SEEDS:
        assert_sound(fn(np.random.default_rng(seed)), f"{name} seed {seed}")


@pytest.mark.parametrize("card_id", sorted(BANK_NUMERIC))
def test_bank_numeric_card_contract(card_id: str) -> None:
    for seed in SEEDS:
        assert_sound(make_problem(BANK_NUMERIC[card_id], seed), f"{card_id} seed {seed}")


def _fingerprints(card_ids: list[str], seed: int) -> dict[str, list[object]]:
    return {
        card_id: [problem.prompt, problem.answer, problem.solution]
        for card_id in card_ids
        for problem in [make_problem(BANK_NUMERIC[card_id], seed)]
    }


SCRIPT = """
import json, sys
from quizapp.content.bank import builtin_content_dir, load_bank
from quizapp.problems.registry import make_problem
bank = load_bank([builtin_content_dir()])
ids, seed = json.loads(sys.argv[1]), int(sys.argv[2])
problems = {i: make_problem(bank.cards[i], seed) for i in ids}
print(json.dumps({i: [p.prompt, p.answer, p.solution] for i, p in problems.items()}))
"""


def test_same_card_and_seed_give_the_same_problem_in_a_new_process() -> None:
    card_ids = sorted(BANK_NUMERIC)
    assert card_ids, "the built-in bank has numeric cards"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(card_ids), "2026"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        timeout=300,
        check=True,
    )
    assert json.loads(result.stdout) == json.loads(json.dumps(_fingerprints(card_ids, 2026)))
