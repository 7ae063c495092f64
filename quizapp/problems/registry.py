"""Generators by name (`family.name`), and the one way to turn a numeric card and a seed into a Problem."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from quizapp.content.schema import NumericCard
from quizapp.problems.model import Problem

# One module per family under quizapp.problems, imported the first time any generator is asked for.
FAMILIES: tuple[str, ...] = (
    "metrics",
    "losses",
    "gradients",
    "regularization",
    "validation",
    "probability",
    "preprocessing",
    "optim",
    "trees",
    "unsupervised",
    "cnn",
    "detection",
    "llm",
    "serving",
    "retrieval",
    "stats",
)

GeneratorFn = Callable[..., Problem]
F = TypeVar("F", bound=GeneratorFn)


class ProblemError(Exception):
    """A numeric card that cannot produce a problem: unknown generator, bad params, failing formula."""


@dataclass(frozen=True)
class Generator:
    """A registered generator: `fn(rng, **params)` returns a Problem."""

    name: str
    fn: GeneratorFn
    summary: str

    @property
    def params(self) -> dict[str, Any]:
        """The generator's params and their defaults."""
        parameters = list(inspect.signature(self.fn).parameters.values())[1:]
        return {p.name: p.default for p in parameters}


_REGISTRY: dict[str, Generator] = {}
_loaded = False


def register(fn: F) -> F:
    """Decorator: register `fn` as `<family>.<fn name>`, the family being its module's name."""
    family = fn.__module__.rsplit(".", 1)[-1]
    name = f"{family}.{fn.__name__}"
    if name in _REGISTRY:
        raise ValueError(f"generator {name} registered twice")
    summary = (inspect.getdoc(fn) or name).splitlines()[0]
    _REGISTRY[name] = Generator(name, fn, summary)
    return fn


def generators() -> dict[str, Generator]:
    """Every registered generator by name, importing the family modules on first use."""
    global _loaded
    if not _loaded:
        for family in FAMILIES:
            importlib.import_module(f"quizapp.problems.{family}")
        _loaded = True
    return _REGISTRY


def get(name: str) -> Generator:
    """The generator called `name`, or a ProblemError naming the close matches."""
    found = generators().get(name)
    if found is None:
        import difflib

        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `quizapp problem --list` lists them"
        raise ProblemError(f"unknown generator `{name}`{hint}")
    return found


def param_problems(card: NumericCard) -> list[str]:
    """What is wrong with a generator card's params (unknown names), without running it."""
    if card.generator is None:
        return []
    try:
        found = get(card.generator)
    except ProblemError as error:
        return [str(error)]
    accepted = found.params
    unknown = sorted(set(card.params) - set(accepted))
    if unknown:
        names = ", ".join(accepted) or "none"
        return [f"{card.generator} has no param {', '.join(unknown)} (it takes: {names})"]
    return []


MAX_SEED = 2**63 - 1
MAX_TRIVIAL_REDRAWS = 30  # a trivial instance (answer shown in the prompt, or zero) is drawn again


def card_rng(card_id: str, seed: int) -> np.random.Generator:
    """The random stream of one card and seed: the same everywhere, and unrelated between cards.

    Seeding by the seed alone made seed 1 draw the same numbers on every card."""
    if not 0 <= seed <= MAX_SEED:
        raise ProblemError(f"a seed is a whole number from 0 to {MAX_SEED}, not {seed}")
    import hashlib

    key = int.from_bytes(hashlib.blake2b(card_id.encode(), digest_size=8).digest(), "big")
    return np.random.default_rng(np.random.SeedSequence([seed, key]))


def make_problem(card: NumericCard, seed: int) -> Problem:
    """The problem this card poses for `seed`: the same on every run and every machine.

    Instances whose answer the prompt already shows, or that round to zero, are drawn again from the
    same stream (bounded); `quizapp validate` reports a card that keeps producing them."""
    from quizapp.problems.trivial import trivial_reason

    rng = card_rng(card.id, seed)
    problem = _draw_problem(card, rng)
    for _ in range(MAX_TRIVIAL_REDRAWS):
        if trivial_reason(problem, picks_from_prompt=card.picks_from_prompt) is None:
            break
        problem = _draw_problem(card, rng)
    return problem


def _draw_problem(card: NumericCard, rng: np.random.Generator) -> Problem:
    if card.generator is None:
        from quizapp.problems.formula import formula_problem

        return formula_problem(card, rng)
    problems = param_problems(card)
    if problems:
        raise ProblemError(problems[0])
    try:
        return get(card.generator).fn(rng, **card.params)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise ProblemError(f"{card.generator} failed with params {card.params}: {error}") from error


def new_seed() -> int:
    """A fresh seed for one review (fits SQLite's INTEGER and a person's eye)."""
    import secrets

    return secrets.randbelow(2**31)


def warm_problem_libraries() -> None:
    """Import every generator family and scikit-learn's metrics (about a second, once per process)."""
    generators()
    import sklearn.metrics  # noqa: F401
