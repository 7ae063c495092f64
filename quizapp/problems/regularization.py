"""Regularization: dropout at training and inference time, L2 weight decay and L1 steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.losses import SIG3, SIG3_TEXT, fixed_vec
from quizapp.problems.model import Diagnosis, Problem, as_value
from quizapp.problems.redraw import clear_of_halfway, give_up
from quizapp.problems.registry import register

# --- pure helpers (the formulas, tested on hand-worked values) ---


def dropout_output(a: Any, keep: Any, p: float) -> np.ndarray:
    """Inverted dropout at training time: kept activations scaled by 1/(1 − p), dropped ones zeroed."""
    return np.asarray(np.asarray(a, dtype=float) * np.asarray(keep, dtype=float) / (1 - p))


def l2_step(w: float, grad: float, lr: float, lam: float) -> float:
    """One gradient step on L(w) + (λ/2)·w²: w − η(∂L/∂w + λ·w)."""
    return float(w - lr * (grad + lam * w))


def l1_step(w: float, grad: float, lr: float, lam: float) -> float:
    """One subgradient step on L(w) + λ·|w|: w − η(∂L/∂w + λ·sign(w))."""
    return float(w - lr * (grad + lam * np.sign(w)))


def decimals_to_separate(truth: float, others: list[float], low: int = 3, high: int = 10) -> int:
    """The fewest decimals (at least `low`) whose ±0.51 rounding band keeps `truth` clear of the others."""
    gaps = [abs(o - truth) for o in others if abs(o - truth) > 1e-12]
    gap = min(gaps, default=1.0)
    k = low
    while k < high and 2.5 * 0.51 * 10.0**-k > gap:
        k += 1
    return k


def _paren(x: float) -> str:
    """`x` as text, in parentheses when negative (for `a × (-b)`)."""
    return f"({fmt.num(x, 6)})" if x < 0 else fmt.num(x, 6)


def _signed(x: float) -> str:
    """`+ x` or `− |x|`, to append `x` to a sum."""
    return f"− {fmt.num(-x, 6)}" if x < 0 else f"+ {fmt.num(x, 6)}"


# --- generators ---


@register
@clear_of_halfway
def inverted_dropout(
    rng: np.random.Generator, n: draw.IntSpec = (4, 6), p: draw.RealSpec = (0.2, 0.5)
) -> Problem:
    """Training-time output of inverted dropout, given the activations and the keep mask."""
    size = draw.integer(rng, n)
    if size < 2:
        raise ValueError(f"n must be at least 2, got {size}")
    drop = draw.real(rng, p, decimals=1)
    if not 0 < drop < 1:
        raise ValueError(f"p must be in (0, 1), got {drop}")
    tries = 0
    while True:
        keep = (rng.random(size) >= drop).astype(int)
        if 0 < keep.sum() < size:  # at least one unit kept and one dropped
            break
        tries += 1
        give_up(tries, "a mask that keeps some units and drops others")
    a = np.round(rng.uniform(0.1, 3.0, size=size), 2)
    out = dropout_output(a, keep, drop)
    tol = Tolerance(decimals=3)
    scale = 1 / (1 - drop)
    masked = a * keep
    return Problem(
        prompt=(
            f"Inverted dropout with drop probability p = {fmt.num(drop)} is applied at training time.\n"
            f"  activations: {fmt.vec(a)}\n  keep mask:   {fmt.vec(keep)}   (1 = kept)\n"
            "What is the layer's output? Answer as a vector in the same order. Give 3 decimals."
        ),
        given={"activations": a, "keep": keep, "p": drop},
        answer=as_value(out),
        tolerance=tol,
        solution=(
            "Inverted dropout zeroes the dropped units and scales the kept ones by 1/(1 − p),\n"
            f"so inference needs no change: 1/(1 − {fmt.num(drop)}) = {fmt.num(scale)}\n"
            f"output = {fmt.vec(masked)} × {fmt.num(scale)} = {fixed_vec(out, 3)}"
        ),
        diagnoses=(
            Diagnosis(as_value(masked), "you zeroed the dropped units but forgot the 1/(1 − p) rescale"),
            Diagnosis(as_value(masked / drop), "you scaled by 1/p; the keep probability is 1 − p"),
            Diagnosis(
                as_value(masked * (1 - drop)),
                "multiplying by (1 − p) is classic dropout at inference; inverted dropout divides by it",
            ),
        ),
    )


DROPOUT_ASKS = ("inverted", "classic", "inference_scale")


@register
@clear_of_halfway
def dropout_expectation(
    rng: np.random.Generator,
    p: draw.RealSpec = (0.1, 0.5),
    a: draw.RealSpec = (0.5, 3.0),
    ask: Any = ("inverted", "classic", "inference_scale"),
) -> Problem:
    """Expected activation under inverted or classic dropout, or classic dropout's inference scale."""
    kind = str(draw.one_of(rng, ask))
    if kind not in DROPOUT_ASKS:
        raise ValueError(f"ask must be one of {', '.join(DROPOUT_ASKS)}, got {kind!r}")
    drop = draw.real(rng, p)
    if not 0 < drop < 1:
        raise ValueError(f"p must be in (0, 1), got {drop}")
    act = draw.real(rng, a)
    if act == 0:
        raise ValueError("a must not be 0")
    keep = 1 - drop
    pt, at, kt = fmt.num(drop), fmt.num(act), fmt.num(keep)
    if kind == "inverted":
        truth = float(np.average([act / keep, 0.0], weights=[keep, drop]))  # E = (1 − p)·a/(1 − p) + p·0
        prompt = (
            f"A unit's activation is a = {at}. At training time it goes through inverted dropout with drop "
            f"probability p = {pt} (a kept unit is scaled by 1/(1 − p), a dropped one is 0).\n"
            f"What is the expected value of its output? {SIG3_TEXT}"
        )
        solution = (
            f"Kept with probability 1 − p = {kt}, it outputs a/(1 − p) = {fmt.num(act / keep)}; else 0.\n"
            f"E = {kt} × {fmt.num(act / keep)} + {pt} × 0 = {fmt.num(truth)}: the expectation stays a."
        )
        candidates = [
            Diagnosis(
                keep * act, "that is (1 − p)·a, classic dropout's expectation; the 1/(1 − p) scale undoes it"
            ),
            Diagnosis(act / keep, "that is a kept unit's output; it is kept only with probability 1 − p"),
            Diagnosis(drop * act, "p is the drop probability: the unit survives with probability 1 − p"),
        ]
    elif kind == "classic":
        truth = float(np.average([act, 0.0], weights=[keep, drop]))  # E = (1 − p)·a + p·0
        prompt = (
            f"A unit's activation is a = {at}. At training time it goes through classic (non-inverted) "
            f"dropout with drop probability p = {pt}: a kept unit is passed unscaled, a dropped one is 0.\n"
            f"What is the expected value of its output? {SIG3_TEXT}"
        )
        solution = (
            f"Kept with probability 1 − p = {kt} (output a = {at}), dropped with probability {pt} (0).\n"
            f"E = {kt} × {at} = {fmt.num(truth)}"
        )
        candidates = [
            Diagnosis(act, "with no rescaling the expectation shrinks to (1 − p)·a; a is inverted dropout's"),
            Diagnosis(drop * act, "p is the drop probability: the unit survives with probability 1 − p"),
            Diagnosis(act / keep, "dividing by 1 − p is inverted dropout's kept-unit scale"),
        ]
    else:
        truth = float(np.average([1.0, 0.0], weights=[keep, drop]))  # E[mask] = 1 − p
        prompt = (
            f"A network was trained with classic (non-inverted) dropout, drop probability p = {pt}, with no "
            "rescaling at training time. At inference every unit is kept.\n"
            "By what factor must the activations be multiplied at inference to match their expected "
            f"training-time scale? {SIG3_TEXT}"
        )
        solution = (
            "During training a unit is present with probability 1 − p: its expected output is (1 − p)·a.\n"
            f"At inference multiply by 1 − p = 1 − {pt} = {fmt.num(truth)}"
        )
        candidates = [
            Diagnosis(drop, "p is the drop probability; the expected scale is the keep probability 1 − p"),
            Diagnosis(
                1 / keep, "1/(1 − p) is inverted dropout's training-time scale, not classic's inference one"
            ),
            Diagnosis(1.0, "with classic dropout the inference activations are too large by 1/(1 − p)"),
        ]
    return Problem(
        prompt=prompt,
        given={"p": drop, "a": act, "ask": kind},
        answer=truth,
        tolerance=SIG3,
        solution=solution,
        diagnoses=tuple(candidates),
    )


def _step_params(
    rng: np.random.Generator,
    w: draw.RealSpec,
    grad: draw.RealSpec,
    lr: draw.RealSpec,
    lam: draw.RealSpec,
    l1: bool = False,
) -> tuple[float, float, float, float]:
    tries = 0
    while True:
        weight = draw.real(rng, w)
        # the penalty's gradient must be visible and sign(w) clear; for L1, λ·sign(w) must differ from λ·w
        if abs(weight) >= 0.1 and not (l1 and abs(abs(weight) - 1) < 0.25):
            break
        if isinstance(w, int | float):
            raise ValueError(f"w = {weight} is too close to 0 (or, for L1, to ±1)")
        tries += 1
        give_up(tries, "a weight away from 0")
    g = draw.real(rng, grad)
    eta = draw.real(rng, lr)
    strength = draw.real(rng, lam, decimals=3)
    if eta <= 0 or strength <= 0:
        raise ValueError(f"lr and lam must be positive, got {eta} and {strength}")
    return weight, g, eta, strength


@register
def l2_update(
    rng: np.random.Generator,
    w: draw.RealSpec = (-2.0, 2.0),
    grad: draw.RealSpec = (-1.0, 1.0),
    lr: draw.RealSpec = (0.01, 0.1),
    lam: draw.RealSpec = (0.001, 0.1),
) -> Problem:
    """One gradient-descent step on a loss plus an L2 penalty (λ/2)·w²."""
    weight, g, eta, strength = _step_params(rng, w, grad, lr, lam)
    truth = l2_step(weight, g, eta, strength)
    no_decay = weight - eta * g
    doubled = weight - eta * (g + 2 * strength * weight)
    sign_error = weight + eta * (g + strength * weight)
    k = decimals_to_separate(truth, [no_decay, doubled])
    tol = Tolerance(decimals=k)
    wt, gt, et, lt = fmt.num(weight), fmt.num(g), fmt.num(eta), fmt.num(strength)
    decay = strength * weight
    return Problem(
        prompt=(
            "One step of gradient descent on L(w) + (λ/2)·w² for a single weight:\n"
            f"  w = {wt},  ∂L/∂w = {gt},  learning rate η = {et},  λ = {lt}\n"
            f"What is the new w? Give {k} decimals."
        ),
        given={"w": weight, "grad": g, "lr": eta, "lam": strength},
        answer=truth,
        tolerance=tol,
        solution=(
            f"The penalty (λ/2)·w² adds λ·w = {lt} × {_paren(weight)} = {fmt.num(decay, 6)} to ∂L/∂w.\n"
            f"w ← w − η·(∂L/∂w + λ·w) = {wt} − {et} × ({gt} {_signed(decay)}) = {fmt.fixed(truth, k)}\n"
            f"Same as (1 − ηλ)·w − η·∂L/∂w: weight decay multiplies w by {fmt.num(1 - eta * strength, 6)}."
        ),
        diagnoses=(
            Diagnosis(no_decay, "you forgot the penalty's gradient λ·w (the weight decay)"),
            Diagnosis(doubled, "the gradient of (λ/2)·w² is λ·w; 2λ·w is the gradient of λ·w²"),
            Diagnosis(sign_error, "you stepped uphill: gradient descent subtracts η times the gradient"),
        ),
    )


@register
@clear_of_halfway
def l1_update(
    rng: np.random.Generator,
    w: draw.RealSpec = (-2.0, 2.0),
    grad: draw.RealSpec = (-1.0, 1.0),
    lr: draw.RealSpec = (0.01, 0.1),
    lam: draw.RealSpec = (0.001, 0.1),
) -> Problem:
    """One subgradient step on a loss plus an L1 penalty λ·|w|."""
    weight, g, eta, strength = _step_params(rng, w, grad, lr, lam, l1=True)
    truth = l1_step(weight, g, eta, strength)
    as_l2 = l2_step(weight, g, eta, strength)
    no_penalty = weight - eta * g
    k = decimals_to_separate(truth, [as_l2, no_penalty])
    tol = Tolerance(decimals=k)
    wt, gt, et, lt = fmt.num(weight), fmt.num(g), fmt.num(eta), fmt.num(strength)
    sign = 1 if weight > 0 else -1
    pt, pull = fmt.num(strength * sign, 6), _signed(strength * sign)
    return Problem(
        prompt=(
            "One (sub)gradient-descent step on L(w) + λ·|w| for a single weight:\n"
            f"  w = {wt},  ∂L/∂w = {gt},  learning rate η = {et},  λ = {lt}\n"
            f"What is the new w? Give {k} decimals."
        ),
        given={"w": weight, "grad": g, "lr": eta, "lam": strength},
        answer=truth,
        tolerance=tol,
        solution=(
            f"The gradient of λ·|w| is λ·sign(w) = {lt} × {_paren(sign)} = {pt}, whatever |w| is.\n"
            f"w ← w − η·(∂L/∂w + λ·sign(w)) = {wt} − {et} × ({gt} {pull}) = {fmt.fixed(truth, k)}"
        ),
        diagnoses=(
            Diagnosis(as_l2, "you treated it as L2 (gradient λ·w); the L1 penalty's gradient is λ·sign(w)"),
            Diagnosis(no_penalty, "you forgot the penalty's gradient λ·sign(w)"),
        ),
    )
