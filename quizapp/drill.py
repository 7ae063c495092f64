"""`quizapp drill`: a plain-terminal self-test over generated numeric problems, stdin in, stdout out.

Works interactively and piped (`printf '0.75\n3\n' | quizapp drill roc-auc -n 2 --seed 1`): one line of
input per answer; an unusable or imprecise answer is explained and asked again; `?` or an empty line
reveals the answer (counted as missed); `q` or end of input stops early. Ends with a score line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from quizapp.content.bank import Bank
from quizapp.content.schema import NumericCard
from quizapp.problems.check import Verdict, check, expected_text
from quizapp.problems.model import Problem
from quizapp.problems.registry import ProblemError, make_problem

MAX_TRIES = 3  # unusable or imprecise answers asked again, per problem


@dataclass
class Score:
    """Problems asked and answered correctly."""

    asked: int = 0
    correct: int = 0

    def line(self) -> str:
        """The closing score line, e.g. `score: 7/10 (70%)`."""
        percent = round(100 * self.correct / self.asked) if self.asked else 0
        return f"score: {self.correct}/{self.asked} ({percent}%)"


def drill_plan(
    bank: Bank, topics: Sequence[str], count: int, seed: int, kinds: Sequence[str] = ("numeric",)
) -> list[tuple[str, int]]:
    """(card id, problem seed) for each of `count` problems over the cards of `kinds` (the CLI answers
    line by line, so numeric only; the TUI adds code): cards shuffled, cycling when too few."""
    cards = bank.select(topics=topics, kinds=list(kinds))
    if not cards:
        return []
    rng = np.random.default_rng(seed)
    order: list[str] = []
    while len(order) < count:
        order.extend(cards[i] for i in rng.permutation(len(cards)))
    return [(card_id, int(rng.integers(2**31))) for card_id in order[:count]]


def run_drill(bank: Bank, plan: Sequence[tuple[str, int]], stdin: TextIO, stdout: TextIO) -> Score:
    """Ask each planned problem on `stdout`, read answers from `stdin`; the score so far."""
    score = Score()
    for number, (card_id, seed) in enumerate(plan, start=1):
        card = bank.cards[card_id]
        assert isinstance(card, NumericCard)
        try:
            problem = make_problem(card, seed)
        except ProblemError as error:
            print(f"\n[{number}/{len(plan)}] {card_id}: skipped, this card is broken: {error}", file=stdout)
            continue
        print(f"\n[{number}/{len(plan)}] {card_id} (seed {seed})\n{problem.prompt}", file=stdout)
        verdict, stop = _ask(problem, stdin, stdout)
        if stop:
            break
        score.asked += 1
        if verdict is not None and verdict.correct:
            score.correct += 1
            print(f"✓ {verdict.message}", file=stdout)
        else:
            shown = verdict.message if verdict is not None else f"The answer is {_expected(problem)}."
            print(f"✗ {shown}", file=stdout)
            if verdict is not None and verdict.diagnosis:
                print(f"  likely mistake: {verdict.diagnosis}", file=stdout)
        print(f"\nSolution:\n{problem.solution}", file=stdout)
    print(f"\n{score.line()}", file=stdout)
    return score


def _expected(problem: Problem) -> str:
    return expected_text(problem.answer, problem.tolerance, problem.unit)


def _ask(problem: Problem, stdin: TextIO, stdout: TextIO) -> tuple[Verdict | None, bool]:
    """The gradable verdict (None when revealed or given up), and whether the user asked to stop."""
    for _ in range(MAX_TRIES):
        print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return None, True
        text = line.strip()
        if not stdin.isatty():
            print(text, file=stdout)  # piped: show what was answered
        if text.lower() in ("q", "quit", "exit"):
            return None, True
        if text in ("", "?"):
            return None, False
        verdict = check(problem, text)
        if verdict.gradable:
            return verdict, False
        print(f"  {verdict.message}", file=stdout)
    return None, False
