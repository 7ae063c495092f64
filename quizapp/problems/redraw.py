"""Bounded redraws, shared by every generator family: give up on params that cannot give a fair instance,
and draw again an instance whose truth sits exactly half-way between two answers at its precision."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems.model import Problem

MAX_TRIES = 200  # redraws before a generator gives up on params that cannot produce a sane instance

T = TypeVar("T")
G = TypeVar("G", bound=Callable[..., Problem])


def give_up(tries: int, what: str, limit: int = MAX_TRIES) -> None:
    """Raise once a redraw loop has run `limit` times: the params cannot give `what`.

    Use as `for tries in range(limit + 1): give_up(tries, what, limit)` at the top of the loop body."""
    if tries >= limit:
        raise ValueError(f"could not draw {what} from these params after {limit} tries")


def until(attempt: Callable[[], T | None], what: str, limit: int = MAX_TRIES) -> T:
    """The first value `attempt` returns that is not None, calling it at most `limit` times."""
    for tries in range(limit + 1):
        give_up(tries, what, limit)
        value = attempt()
        if value is not None:
            return value
    raise AssertionError("unreachable: give_up raised")  # pragma: no cover


def halfway(answer: Any, tolerance: Tolerance) -> bool:
    """Whether some element of `answer` sits exactly half-way between two answers at the asked precision
    (0.8875 at 3 decimals): its reveal would round one way while a careful person rounds the other."""
    values = np.atleast_1d(np.asarray(answer, dtype=float)).ravel()
    for x in values[np.isfinite(values) & (values != 0)]:
        if tolerance.decimals is not None:
            digits = tolerance.decimals
        elif tolerance.sigfigs is not None:
            digits = tolerance.sigfigs - 1 - math.floor(math.log10(abs(x)))
        else:
            return False
        if abs((abs(x) * 10.0**digits) % 1 - 0.5) < 1e-6:
            return True
    return False


def clear_of_halfway(fn: G) -> G:
    """Wrap a generator so an instance whose truth is half-way at its precision is drawn again (bounded;
    after MAX_TRIES redraws the last instance stands). Apply it under `@register`: the name, docstring
    and params are the wrapped function's."""

    @functools.wraps(fn)
    def drawn(rng: np.random.Generator, *args: Any, **params: Any) -> Problem:
        problem = fn(rng, *args, **params)
        for _ in range(MAX_TRIES):
            if not halfway(problem.answer, problem.tolerance):
                break
            problem = fn(rng, *args, **params)
        return problem

    return cast(G, drawn)
