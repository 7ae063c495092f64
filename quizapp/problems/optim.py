"""Optimisers and schedules: one SGD, momentum or Adam step, and the learning rate of a schedule."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import clear_of_halfway, give_up
from quizapp.problems.registry import register

MAX_DRAWS = 1000  # a draw that keeps failing its guard means the params make the question impossible

ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8


@register
def sgd_step(
    rng: np.random.Generator, dim: draw.IntSpec = (1, 3), lr: draw.RealSpec = (0.01, 0.5)
) -> Problem:
    """One plain gradient-descent step w ← w − lr·g on a weight vector."""
    d = draw.integer(rng, dim)
    if d < 1:
        raise ValueError(f"dim must be at least 1, got {d}")
    rate = _positive_rate(rng, lr)
    w = _reals(rng, d, 2.0)
    g = _reals(rng, d, 3.0, at_least=0.1)
    new_w = _clean(w - rate * g)
    scalar = d == 1
    k = max(4, _decimals_needed(new_w))

    def show(x: np.ndarray) -> str:
        return fmt.num(x[0], 8) if scalar else fmt.vec(x, 8)

    def term(x: np.ndarray) -> str:  # an operand: a negative scalar goes in parentheses
        return _p(x[0], 8) if scalar else fmt.vec(x, 8)

    def answer_of(x: np.ndarray) -> Any:
        return float(x[0]) if scalar else x

    names = ", ".join(f"w{i + 1}" for i in range(d))
    what = (
        f"the new weight? Give {k} decimals."
        if scalar
        else f"the new weight vector? Answer as [{names}], {k} decimals."
    )
    tolerance = Tolerance(decimals=k)
    truth = answer_of(new_w)
    return Problem(
        prompt=(
            "One step of plain gradient descent (no momentum, no weight decay):\n"
            f"  w = {show(w)}\n  gradient g = ∂L/∂w = {show(g)}\n  learning rate = {fmt.num(rate)}\n"
            f"What is {what}"
        ),
        given={"w": w, "grad": g, "lr": rate},
        answer=truth,
        tolerance=tolerance,
        solution=(
            "Gradient descent moves against the gradient: w ← w − lr·g.\n"
            f"lr·g = {fmt.num(rate)} × {term(g)} = {show(_clean(rate * g))}\n"
            f"w ← {show(w)} − {term(_clean(rate * g))} = {_fixed(new_w, k, scalar)}"
        ),
        diagnoses=(
            Diagnosis(answer_of(_clean(w + rate * g)), "you added lr·g: descent subtracts the gradient step"),
            Diagnosis(answer_of(_clean(w - g)), "you forgot to multiply the gradient by the learning rate"),
            Diagnosis(answer_of(_clean(rate * g)), "that is the step lr·g; the question asks for the new w"),
        ),
    )


@register
@clear_of_halfway
def momentum_step(
    rng: np.random.Generator, beta: draw.RealSpec = (0.8, 0.99), lr: draw.RealSpec = (0.01, 0.1)
) -> Problem:
    """One step of SGD with momentum in PyTorch's convention v ← β·v + g, w ← w − lr·v."""
    b = draw.real(rng, beta)
    if not 0 < b < 1:
        raise ValueError(f"beta must be in (0, 1), got {b}")
    rate = _positive_rate(rng, lr)
    w = float(_reals(rng, 1, 2.0)[0])
    v = float(_reals(rng, 1, 2.0, at_least=0.2)[0])
    g = float(_reals(rng, 1, 2.0, at_least=0.1)[0])

    v_new = _clean(b * v + g)
    new_w = _clean(w - rate * v_new)
    ema_v = _clean(b * v + (1 - b) * g)
    k = 4
    tolerance = Tolerance(decimals=k)
    return Problem(
        prompt=(
            "SGD with momentum, PyTorch convention (no dampening, no Nesterov):\n"
            "  v ← β·v + g,  then  w ← w − lr·v\n"
            f"Current state: w = {fmt.num(w)}, momentum buffer v = {fmt.num(v)}.\n"
            f"The new gradient is g = {fmt.num(g)}; β = {fmt.num(b)}, lr = {fmt.num(rate)}.\n"
            f"What is w after this step? Give {k} decimals."
        ),
        given={"w": w, "v": v, "grad": g, "beta": b, "lr": rate},
        answer=new_w,
        tolerance=tolerance,
        solution=(
            f"v ← β·v + g = {fmt.num(b)} × {_p(v)} + {_p(g)} = {fmt.num(v_new, 8)}\n"
            f"w ← w − lr·v = {fmt.num(w)} − {fmt.num(rate)} × {_p(v_new, 8)} = {fmt.fixed(new_w, k)}"
        ),
        diagnoses=(
            Diagnosis(_clean(w - rate * g), "you ignored the momentum buffer: that is a plain SGD step"),
            Diagnosis(
                _clean(w - rate * ema_v),
                "you used the averaging convention v ← β·v + (1−β)·g; PyTorch adds the full gradient",
            ),
            Diagnosis(_clean(w + rate * v_new), "sign error: the step is subtracted, w ← w − lr·v"),
        ),
    )


@register
def adam_step(
    rng: np.random.Generator, t: draw.IntSpec = (1, 5), lr: draw.RealSpec = (0.001, 0.1)
) -> Problem:
    """One Adam step with bias correction, from given moments m, v and a new gradient."""
    step_no = draw.integer(rng, t)
    if step_no < 1:
        raise ValueError(f"t counts steps from 1, got {step_no}")
    rate = draw.real(rng, lr, decimals=3)
    if rate <= 0:
        raise ValueError(f"lr must be positive, got {rate}")
    for tries in range(MAX_DRAWS + 1):
        give_up(tries, "an Adam state with a visible step", MAX_DRAWS)
        w = float(_reals(rng, 1, 2.0)[0])
        g = float(_reals(rng, 1, 2.0, at_least=0.2)[0])
        m, v = _adam_history(rng, step_no - 1)
        m_new, v_new, m_hat, v_hat, update = adam_update(m, v, g, step_no)
        if abs(m_hat) / math.sqrt(v_hat) >= 0.2:  # a step big enough to see next to the tolerance
            break

    step = rate * update
    new_w = w - step
    k = max(3, math.ceil(-math.log10(abs(step))) + 2)
    tolerance = Tolerance(decimals=k)
    state = "m = 0, v = 0 (this is the first step)" if step_no == 1 else f"m = {fmt.num(m)}, v = {fmt.num(v)}"
    raw = m_new / (math.sqrt(v_new) + ADAM_EPS)
    return Problem(
        prompt=(
            f"Adam (β1 = {ADAM_BETA1}, β2 = {ADAM_BETA2}, ε = 1e-8, with bias correction) "
            f"takes step t = {step_no}.\n"
            f"  state before the step: {state}\n"
            f"  w = {fmt.num(w)}, gradient g = {fmt.num(g)}, lr = {fmt.num(rate)}\n"
            f"What is w after the step? Give {k} decimals."
        ),
        given={"w": w, "m": m, "v": v, "grad": g, "t": step_no, "lr": rate},
        answer=new_w,
        tolerance=tolerance,
        solution=(
            f"m ← 0.9·m + 0.1·g = 0.9 × {_p(m)} + 0.1 × {_p(g)} = {fmt.num(m_new, 6)}\n"
            f"v ← 0.999·v + 0.001·g² = 0.999 × {fmt.num(v)} + 0.001 × {_p(g)}² = {fmt.num(v_new, 6)}\n"
            f"m̂ = m/(1 − 0.9^{step_no}) = {fmt.num(m_hat, 6)};  "
            f"v̂ = v/(1 − 0.999^{step_no}) = {fmt.num(v_hat, 6)}\n"
            f"step = lr·m̂/(√v̂ + ε) = {fmt.num(rate)} × {_p(update, 6)} = {fmt.num(step, 6)}\n"
            f"w ← {fmt.num(w)} − {_p(step, 6)} = {fmt.fixed(new_w, k)}"
        ),
        diagnoses=(
            Diagnosis(w - rate * raw, "you skipped the bias correction m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)"),
            Diagnosis(w + step, "sign error: Adam subtracts lr·m̂/(√v̂ + ε)"),
        ),
    )


def adam_update(m: float, v: float, g: float, t: int) -> tuple[float, float, float, float, float]:
    """Adam's moments after gradient `g` at step `t`: (m, v, m̂, v̂, m̂/(√v̂ + ε))."""
    m_new = ADAM_BETA1 * m + (1 - ADAM_BETA1) * g
    v_new = ADAM_BETA2 * v + (1 - ADAM_BETA2) * g * g
    m_hat = m_new / (1 - ADAM_BETA1**t)
    v_hat = v_new / (1 - ADAM_BETA2**t)
    return m_new, v_new, m_hat, v_hat, m_hat / (math.sqrt(v_hat) + ADAM_EPS)


def _adam_history(rng: np.random.Generator, steps: int) -> tuple[float, float]:
    """Adam's (m, v) after `steps` gradients around a common drift, rounded to 4 significant figures."""
    if steps == 0:
        return 0.0, 0.0
    drift = rng.uniform(-1.5, 1.5)
    m = v = 0.0
    for g in np.round(drift + rng.normal(0.0, 0.5, size=steps), 2):
        m = ADAM_BETA1 * m + (1 - ADAM_BETA1) * g
        v = ADAM_BETA2 * v + (1 - ADAM_BETA2) * g * g
    return _round_sig(m), _round_sig(v)


SCHEDULES = ("step", "exponential", "cosine")


@register
def lr_schedule(
    rng: np.random.Generator,
    kind: Any = SCHEDULES,
    lr0: Any = (0.1, 0.05, 0.01),
    epoch: draw.IntSpec | None = None,
    step_size: draw.IntSpec = (5, 20),
    gamma: draw.RealSpec | None = None,
    t_max: draw.IntSpec = (20, 100),
    eta_min: draw.RealSpec = 0.0,
) -> Problem:
    """Learning rate at a given epoch of a StepLR, ExponentialLR or CosineAnnealingLR schedule.

    kind, lr0: choices. epoch: int range; by default 1–60 (step), 1–30 (exponential), 1–t_max−1 (cosine).
    gamma: real range; by default one of 0.1, 0.2, 0.5 (step) or 0.85–0.97 (exponential)."""
    name = draw.one_of(rng, kind)
    if name not in SCHEDULES:
        raise ValueError(f"kind must be one of {', '.join(SCHEDULES)}, got {name!r}")
    base = float(draw.one_of(rng, lr0))
    if base <= 0:
        raise ValueError(f"lr0 must be positive, got {base}")
    intro = (
        f"The initial learning rate is {fmt.num(base)}. Epochs are counted from 0, and scheduler.step() "
        "is called once at the end of every epoch (PyTorch)."
    )

    if name == "step":
        size = draw.integer(rng, step_size)
        decay = float(draw.one_of(rng, (0.1, 0.2, 0.5))) if gamma is None else draw.real(rng, gamma)
        t = draw.integer(rng, (1, 60) if epoch is None else epoch)
        if not isinstance(epoch, int) and rng.random() < 0.5:  # half the time, land on a decay boundary
            t = size * max(1, round(t / size))
        if size < 1 or t < 0 or not 0 < decay < 1:
            raise ValueError("need step_size ≥ 1, epoch ≥ 0 and 0 < gamma < 1")

        def at(e: float) -> float:
            return base * decay ** (e // size)

        setup = f"StepLR(step_size={size}, gamma={fmt.num(decay)})"
        drops = t // size
        steps = (
            f"StepLR multiplies by γ every {size} epochs: lr = lr0·γ^⌊t/{size}⌋.\n"
            f"⌊{t}/{size}⌋ = {drops}, so lr = {fmt.num(base)} × {fmt.num(decay)}^{drops}"
            f" = {fmt.num(at(t), 5)}"
        )
        extra = Diagnosis(base * decay ** (t / size), "you dropped the floor: StepLR decays in whole steps")
    elif name == "exponential":
        decay = draw.real(rng, (0.85, 0.97) if gamma is None else gamma)
        t = draw.integer(rng, (1, 30) if epoch is None else epoch)
        if t < 0 or not 0 < decay < 1:
            raise ValueError("need epoch ≥ 0 and 0 < gamma < 1")

        def at(e: float) -> float:
            return base * decay**e

        setup = f"ExponentialLR(gamma={fmt.num(decay)})"
        steps = (
            "ExponentialLR multiplies by γ every epoch: lr = lr0·γ^t\n"
            f"   = {fmt.num(base)} × {fmt.num(decay)}^{t} = {fmt.num(at(t), 5)}"
        )
        extra = Diagnosis(base * decay, "you applied γ once; ExponentialLR multiplies by γ at every epoch")
    else:
        low = draw.real(rng, eta_min, decimals=4)
        period = draw.integer(rng, t_max)
        if period < 1 or not 0 <= low < base:
            raise ValueError("need t_max ≥ 1 and 0 ≤ eta_min < lr0")
        t = draw.integer(rng, (1, max(1, period - 1)) if epoch is None else epoch)
        if t < 0:
            raise ValueError(f"epoch must be ≥ 0, got {t}")

        def at(e: float) -> float:
            return low + (base - low) * (1 + math.cos(math.pi * e / period)) / 2

        setup = f"CosineAnnealingLR(T_max={period}, eta_min={fmt.num(low)})"
        if low == 0:
            steps = (
                "With η_min = 0: lr = lr0·(1 + cos(π·t/T_max))/2\n"
                f"   = {fmt.num(base)} × (1 + cos(π·{t}/{period}))/2 = {fmt.num(at(t), 5)}"
            )
        else:
            steps = (
                "lr = η_min + (lr0 − η_min)·(1 + cos(π·t/T_max))/2\n"
                f"   = {fmt.num(low)} + ({fmt.num(base)} − {fmt.num(low)}) × (1 + cos(π·{t}/{period}))/2"
                f" = {fmt.num(at(t), 5)}"
            )
        extra = Diagnosis(
            low + (base - low) * (1 - t / period),
            "that is a linear decay; cosine annealing follows a half cosine",
        )

    truth = at(t)
    tolerance = Tolerance(sigfigs=3)
    diagnoses = [Diagnosis(at(t + 1), "off by one epoch: that is the rate of epoch t + 1"), extra]
    if t >= 1:
        diagnoses.append(Diagnosis(at(t - 1), "off by one epoch: that is the rate of epoch t − 1"))
    return Problem(
        prompt=(
            f"{intro}\nThe scheduler is {setup}.\n"
            f"What learning rate is used during epoch {t}? Give 3 significant figures."
        ),
        given={"kind": name, "lr0": base, "epoch": t, "scheduler": setup},
        answer=truth,
        tolerance=tolerance,
        solution=steps,
        diagnoses=tuple(diagnoses),
    )


# --- small helpers (private to this family) ---


def _p(x: float, sig: int = 4) -> str:
    """A number for the middle of a product: negatives in parentheses."""
    text = fmt.num(x, sig)
    return f"({text})" if text.startswith("-") else text


def _positive_rate(rng: np.random.Generator, spec: draw.RealSpec) -> float:
    rate = draw.real(rng, spec)
    if rate <= 0:
        raise ValueError(f"lr must be positive, got {rate}")
    return rate


def _reals(rng: np.random.Generator, n: int, bound: float, at_least: float = 0.0) -> np.ndarray:
    """`n` values uniform in [−bound, bound], rounded to 2 decimals, each with |x| ≥ at_least."""
    values = np.round(rng.uniform(-bound, bound, size=n), 2)
    small = np.abs(values) < at_least
    values[small] = np.where(values[small] < 0, -at_least, at_least)
    return values


def _clean(x: Any) -> Any:
    """`x` without floating-point dust (the inputs have few decimals)."""
    out = np.round(np.asarray(x, dtype=float), 10) + 0.0
    return float(out) if out.ndim == 0 else out


def _decimals_needed(x: Any, most: int = 6) -> int:
    """The fewest decimals that write every element of `x` exactly (at most `most`)."""
    values = np.asarray(x, dtype=float)
    for k in range(most + 1):
        if np.all(np.abs(np.round(values, k) - values) < 1e-9):
            return k
    return most


def _round_sig(x: float, sig: int = 4) -> float:
    if x == 0:
        return 0.0
    return round(float(x), sig - 1 - math.floor(math.log10(abs(x))))


def _fixed(x: np.ndarray, k: int, scalar: bool) -> str:
    if scalar:
        return fmt.fixed(x[0], k)
    return "[" + ", ".join(fmt.fixed(v, k) for v in x) + "]"
