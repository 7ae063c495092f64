"""Loss functions: binary and softmax cross-entropy, focal loss, regression losses, hinge."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import clear_of_halfway, give_up
from quizapp.problems.registry import register

SIG3 = Tolerance(sigfigs=3)
SIG3_TEXT = "Give 3 significant figures."
CLASS_NAMES = "ABCDEFGHIJ"


# --- shared by the gradients and regularization families (a candidate for a shared module) ---


def fixed_vec(values: Any, decimals: int) -> str:
    """A vector with exactly `decimals` decimals per element, as `[a, b, c]` (no negative zeros)."""
    return "[" + ", ".join(fmt.fixed(float(v) + 0.0, decimals) for v in np.round(values, decimals)) + "]"


def paren(x: float) -> str:
    """A number for the middle of a formula: a negative one as (−0.994), so 1 − (−0.994)² reads right."""
    return fmt.num(x) if x >= 0 else f"(−{fmt.num(-x)})"


# --- pure helpers (the formulas, tested on hand-worked values) ---


def bce_terms(y: Any, p: Any) -> np.ndarray:
    """Per-example binary cross-entropy −[y ln p + (1 − y) ln(1 − p)]."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    return np.asarray(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def focal(p: float, y: int, gamma: float, alpha: float | None) -> float:
    """Focal loss −α_t (1 − p_t)^γ ln p_t of one example (α_t = α for y = 1, 1 − α for y = 0; 1 if None)."""
    p_t = p if y == 1 else 1 - p
    alpha_t = 1.0 if alpha is None else (alpha if y == 1 else 1 - alpha)
    return float(-alpha_t * (1 - p_t) ** gamma * np.log(p_t))


def softmax(z: Any) -> np.ndarray:
    """Softmax of a logit vector (shifted by the max for stability)."""
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    return np.asarray(e / e.sum())


def huber_terms(r: Any, delta: float) -> np.ndarray:
    """Per-example Huber loss: ½r² where |r| ≤ δ, δ(|r| − ½δ) beyond."""
    a = np.abs(np.asarray(r, dtype=float))
    return np.asarray(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta)))


def hinge_terms(y: Any, f: Any) -> np.ndarray:
    """Per-example hinge loss max(0, 1 − y·f) for labels ±1 and decision values f."""
    return np.asarray(np.maximum(0.0, 1.0 - np.asarray(y, dtype=float) * np.asarray(f, dtype=float)))


def _names(k: int) -> str:
    return ", ".join(CLASS_NAMES[:k])


def _logits(rng: np.random.Generator, k: int) -> np.ndarray:
    if not 2 <= k <= len(CLASS_NAMES):
        raise ValueError(f"k must be between 2 and {len(CLASS_NAMES)}, got {k}")
    return np.round(rng.uniform(-2.0, 3.0, size=k), 1)


# --- generators ---


@register
def log_loss(rng: np.random.Generator, n: draw.IntSpec = (1, 6)) -> Problem:
    """Mean binary cross-entropy (natural log) of predicted probabilities and labels."""
    size = draw.integer(rng, n)
    if size < 1:
        raise ValueError(f"n must be at least 1, got {size}")
    y = rng.integers(0, 2, size=size)
    p = np.round(rng.uniform(0.05, 0.95, size=size), 2)
    terms = bce_terms(y, p)  # NumPy: sklearn's log_loss costs ~9 ms a call, half the time budget
    loss = float(terms.mean())

    shown = [
        f"−ln {fmt.num(pi)}" if yi == 1 else f"−ln(1 − {fmt.num(pi)})" for yi, pi in zip(y, p, strict=True)
    ]
    if size == 1:
        prompt = (
            f"A binary classifier predicts P(y = 1) = {fmt.num(p[0])} for one example whose label is "
            f"y = {y[0]}.\nWhat is its binary cross-entropy (log loss, natural log)? {SIG3_TEXT}"
        )
        solution = (
            "BCE = −[y·ln p + (1 − y)·ln(1 − p)]: minus the log of the probability given to the true class.\n"
            f"y = {y[0]}, so BCE = {shown[0]} = {fmt.num(loss)}"
        )
    else:
        prompt = (
            f"A binary classifier predicts P(y = 1) for {size} examples:\n"
            f"  p:      {fmt.vec(p)}\n  labels: {fmt.vec(y)}\n"
            f"What is the mean binary cross-entropy (log loss, natural log)? {SIG3_TEXT}"
        )
        solution = (
            "BCE = −(1/n)·Σ [y·ln p + (1 − y)·ln(1 − p)]: each example costs −ln p(true class).\n"
            f"Terms: {', '.join(f'{s} = {fmt.num(t)}' for s, t in zip(shown, terms, strict=True))}\n"
            f"Mean = {fmt.num(terms.sum())} / {size} = {fmt.num(loss)}"
        )
    candidates = [
        Diagnosis(loss / math.log(2), "that is in bits (log base 2); log loss uses the natural log"),
        Diagnosis(loss * size, "that is the sum over the examples; the question asks for the mean"),
        Diagnosis(loss / math.log(10), "that uses log base 10; log loss uses the natural log"),
        Diagnosis(-loss, "a log loss is never negative: you dropped the minus sign in front of the logs"),
    ]
    return Problem(
        prompt=prompt,
        given={"p": p, "labels": y},
        answer=loss,
        tolerance=SIG3,
        solution=solution,
        diagnoses=tuple(candidates),
    )


@register
def focal_loss(
    rng: np.random.Generator,
    p: draw.RealSpec = (0.05, 0.95),
    gamma: Any = (1, 2, 5),
    alpha: Any = (0.25, None),
) -> Problem:
    """Focal loss −α_t (1 − p_t)^γ ln p_t of one example."""
    g = float(draw.one_of(rng, gamma))
    a_raw = draw.one_of(rng, alpha)
    a = None if a_raw is None else float(a_raw)
    if a is not None and not 0 < a < 1:
        raise ValueError(f"alpha must be in (0, 1) or null, got {a}")
    tries = 0
    while True:
        prob = draw.real(rng, p)
        y = int(rng.integers(0, 2))
        if not 0 < prob < 1:
            raise ValueError(f"p must be in (0, 1), got {prob}")
        loss = focal(prob, y, g, a)
        if loss >= 1e-6:  # γ = 5 on an easy example gives a loss too small to be a fair question
            break
        tries += 1
        give_up(tries, "a focal loss of a sensible size")

    p_t = prob if y == 1 else 1 - prob
    alpha_t = 1.0 if a is None else (a if y == 1 else 1 - a)
    ce = -math.log(p_t)
    modulating = (1 - p_t) ** g
    if a is None:
        setting = (
            f"γ = {fmt.num(g)}, no α weighting:\n  FL = −(1 − p_t)^γ · ln p_t,  p_t = p if y = 1 else 1 − p"
        )
        alpha_line = ""
        product = f"FL = {fmt.num(modulating)} × {fmt.num(ce)} = {fmt.num(loss)}"
    else:
        setting = (
            f"γ = {fmt.num(g)}, α = {fmt.num(a)}:\n  FL = −α_t · (1 − p_t)^γ · ln p_t,  "
            "p_t = p if y = 1 else 1 − p,  α_t = α if y = 1 else 1 − α"
        )
        alpha_line = f", α_t = {fmt.num(alpha_t)}"
        product = f"FL = {fmt.num(alpha_t)} × {fmt.num(modulating)} × {fmt.num(ce)} = {fmt.num(loss)}"
    p_t_text = fmt.num(prob) if y == 1 else f"1 − {fmt.num(prob)} = {fmt.num(p_t)}"
    candidates = [
        Diagnosis(ce, "that is the plain cross-entropy −ln p_t: the focal factor (1 − p_t)^γ is missing"),
        Diagnosis(modulating * ce, "you left out the α_t weight"),
        Diagnosis(
            -alpha_t * (1 - prob) ** g * math.log(prob),
            "you used p, the probability of class 1; for a y = 0 example p_t = 1 − p",
        ),
    ]
    if a is not None and y == 0:
        candidates.append(
            Diagnosis(a * modulating * ce, "for a y = 0 example the weight is α_t = 1 − α, not α")
        )
    candidates.append(
        Diagnosis(-loss, "a loss is never negative: you dropped the minus sign in front of ln p_t")
    )
    return Problem(
        prompt=(
            f"A binary classifier predicts p = P(y = 1) = {fmt.num(prob)} for an example of label y = {y}.\n"
            f"Focal loss with {setting}\n"
            f"What is the focal loss of this example (natural log)? {SIG3_TEXT}"
        ),
        given={"p": prob, "label": y, "gamma": g, "alpha": a},
        answer=loss,
        tolerance=SIG3,
        solution=(
            f"p_t = {p_t_text}{alpha_line}\n"
            f"Focal factor (1 − p_t)^γ = {fmt.num(1 - p_t)}^{fmt.num(g)} = {fmt.num(modulating)}; "
            f"−ln p_t = {fmt.num(ce)}\n"
            f"{product}"
        ),
        diagnoses=tuple(candidates),
    )


@register
def softmax_prob(rng: np.random.Generator, k: draw.IntSpec = (3, 5)) -> Problem:
    """Softmax probability of one class from a vector of logits."""
    classes = draw.integer(rng, k)
    tries = 0
    while True:
        z = _logits(rng, classes)
        j = int(rng.integers(classes))
        probs = softmax(z)
        if probs[j] >= 0.02:  # a 3-decimal answer needs a probability well above the rounding step
            break
        tries += 1
        give_up(tries, "a class with a visible probability")
    prob = float(probs[j])
    exps = np.exp(z)
    name = CLASS_NAMES[j]
    tol = Tolerance(decimals=3)
    candidates = [Diagnosis(float(exps[j]), f"that is e^z_{name} alone: divide it by Σ e^z_k to normalise")]
    if abs(z.sum()) > 1e-9:
        candidates.insert(
            0,
            Diagnosis(
                z[j] / z.sum(), "you divided the logits themselves; softmax divides their exponentials"
            ),
        )
    return Problem(
        prompt=(
            f"A network outputs these logits for classes {_names(classes)}:\n"
            f"  z = {fmt.vec(z)}\n"
            f"What probability does the softmax give to class {name}? Give 3 decimals."
        ),
        given={"logits": z, "class": name},
        answer=prob,
        unit="probability",
        tolerance=tol,
        solution=(
            f"softmax(z)_{name} = e^z_{name} / Σ_k e^z_k\n"
            f"e^z = {fmt.vec(exps)}, Σ = {fmt.num(exps.sum())}\n"
            f"P({name}) = {fmt.num(exps[j])} / {fmt.num(exps.sum())} = {fmt.fixed(prob, 3)}"
        ),
        diagnoses=tuple(candidates),
    )


@register
def softmax_cross_entropy(rng: np.random.Generator, k: draw.IntSpec = (3, 5)) -> Problem:
    """Cross-entropy loss of a vector of logits and the true class."""
    classes = draw.integer(rng, k)
    z = _logits(rng, classes)
    j = int(rng.integers(classes))
    exps = np.exp(z)
    probs = softmax(z)
    loss = float(np.log(exps.sum()) - z[j])
    name = CLASS_NAMES[j]
    candidates: list[Diagnosis] = []
    if z[j] > 0:
        candidates.append(
            Diagnosis(-math.log(z[j]), "you took −ln of the logit; turn the logits into probabilities first")
        )
    candidates += [
        Diagnosis(loss / math.log(10), "that uses log base 10; cross-entropy uses the natural log"),
        Diagnosis(float(probs[j]), f"that is the probability p_{name}; the loss is −ln p_{name}"),
    ]
    return Problem(
        prompt=(
            f"A network outputs these logits for classes {_names(classes)}:\n"
            f"  z = {fmt.vec(z)}\n"
            f"The true class is {name}. What is the cross-entropy loss (softmax, natural log)? {SIG3_TEXT}"
        ),
        given={"logits": z, "class": name},
        answer=loss,
        tolerance=SIG3,
        solution=(
            f"CE = −ln softmax(z)_{name} = ln Σ_k e^z_k − z_{name}\n"
            f"e^z = {fmt.vec(exps)}, Σ = {fmt.num(exps.sum())}, ln Σ = {fmt.num(np.log(exps.sum()))}\n"
            f"CE = {fmt.num(np.log(exps.sum()))} − {paren(z[j])} = {fmt.num(loss)}"
            f"  (p_{name} = {fmt.num(probs[j])})"
        ),
        diagnoses=tuple(candidates),
    )


REGRESSION_NAMES = {
    "mse": "mean squared error (MSE)",
    "mae": "mean absolute error (MAE)",
    "huber": "Huber loss",
}
REGRESSION_SHORT = {"mse": "MSE", "mae": "MAE", "huber": "Huber loss"}


@register
@clear_of_halfway
def regression_losses(
    rng: np.random.Generator,
    n: draw.IntSpec = (3, 6),
    which: Any = ("mse", "mae", "huber"),
    delta: draw.RealSpec = 1.0,
) -> Problem:
    """MSE, MAE or Huber loss of a few targets and predictions."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    kind = str(draw.one_of(rng, which))
    if kind not in REGRESSION_NAMES:
        raise ValueError(f"which must be one of {', '.join(REGRESSION_NAMES)}, got {kind!r}")
    d = draw.real(rng, delta)
    if d <= 0:
        raise ValueError(f"delta must be positive, got {d}")
    size = draw.integer(rng, n)
    if size < 2:
        raise ValueError(f"n must be at least 2, got {size}")
    tries = 0
    while True:
        y = np.round(rng.uniform(0.0, 10.0, size=size), 1)
        y_hat = np.round(y + rng.uniform(-3.0, 3.0, size=size), 1)
        r = y_hat - y
        a = np.abs(r)
        mixed = bool((a <= d).any() and (a > d).any())  # Huber uses both of its pieces
        if a.max() > 0.05 and mixed:
            break
        tries += 1
        give_up(tries, "residuals on both sides of δ")
    values = {
        "mse": float(mean_squared_error(y, y_hat)),
        "mae": float(mean_absolute_error(y, y_hat)),
        "huber": float(huber_terms(r, d).mean()),
    }
    loss = values[kind]
    r_text = fmt.vec(np.round(r, 1))
    if kind == "mse":
        steps = f"MSE = mean(r²) = {fmt.num((r**2).sum())} / {size} = {fmt.num(loss)}"
        rule = ""
    elif kind == "mae":
        steps = f"MAE = mean(|r|) = {fmt.num(a.sum())} / {size} = {fmt.num(loss)}"
        rule = ""
    else:
        terms = huber_terms(r, d)
        steps = (
            f"Per example (½r² where |r| ≤ {fmt.num(d)}, {fmt.num(d)}·(|r| − {fmt.num(d / 2)}) beyond): "
            f"{fmt.vec(terms)}\nHuber = {fmt.num(terms.sum())} / {size} = {fmt.num(loss)}"
        )
        rule = f"Huber loss with δ = {fmt.num(d)}: ½r² where |r| ≤ δ, δ·(|r| − ½δ) otherwise.\n"
    candidates = [
        Diagnosis(
            values[other],
            f"that is the {REGRESSION_SHORT[other]}; the question asks for the {REGRESSION_SHORT[kind]}",
        )
        for other in REGRESSION_NAMES
        if other != kind
    ]
    if kind == "mse":
        candidates.append(Diagnosis(math.sqrt(loss), "that is the RMSE; MSE is its square, no square root"))
    return Problem(
        prompt=(
            f"A regression model makes {size} predictions:\n"
            f"  y: {fmt.vec(y)}\n  ŷ: {fmt.vec(y_hat)}\n"
            f"{rule}What is the {REGRESSION_NAMES[kind]} (mean over the examples)? {SIG3_TEXT}"
        ),
        given={"y": y, "y_hat": y_hat, "which": kind, "delta": d},
        answer=loss,
        tolerance=SIG3,
        solution=f"Residuals r = ŷ − y = {r_text}\n{steps}",
        diagnoses=tuple(candidates),
    )


@register
@clear_of_halfway
def hinge(rng: np.random.Generator, n: draw.IntSpec = (3, 6)) -> Problem:
    """Mean hinge loss of ±1 labels and a linear classifier's decision values."""
    size = draw.integer(rng, n)
    tries = 0
    while True:
        y = 2 * draw.labels(rng, size) - 1
        f = np.round(rng.uniform(-2.5, 2.5, size=size), 1)
        margins = y * f
        if (margins > 1).any() and (margins < 1).any():  # some examples beyond the margin, some inside
            break
        tries += 1
        give_up(tries, "examples on both sides of the margin")
    terms = hinge_terms(y, f)  # NumPy: sklearn's hinge_loss costs ~8 ms a call
    loss = float(terms.mean())
    return Problem(
        prompt=(
            f"A linear classifier gives decision values f(x) to {size} examples with labels ±1:\n"
            f"  f: {fmt.vec(f)}\n  y: {fmt.vec(y)}\n"
            f"What is the mean hinge loss? {SIG3_TEXT}"
        ),
        given={"decision": f, "labels": y},
        answer=loss,
        tolerance=SIG3,
        solution=(
            "hinge = mean of max(0, 1 − y·f): zero beyond the margin (y·f ≥ 1), linear inside it.\n"
            f"Margins y·f = {fmt.vec(margins)}\n"
            f"max(0, 1 − y·f) = {fmt.vec(terms)}; mean = {fmt.num(terms.sum())} / {size} = {fmt.num(loss)}"
        ),
        diagnoses=(
            Diagnosis(
                float(np.mean(1 - margins)),
                "you dropped the max(0, ·): an example beyond the margin costs 0, not a negative amount",
            ),
            Diagnosis(
                float(terms.sum()), "that is the sum over the examples; the question asks for the mean"
            ),
            Diagnosis(
                float(np.mean(np.maximum(0, -margins))),
                "that is the perceptron loss max(0, −y·f); the hinge has a margin of 1: max(0, 1 − y·f)",
            ),
        ),
    )
