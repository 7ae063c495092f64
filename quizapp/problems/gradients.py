"""Gradients: activation derivatives, vanishing and exploding products, gradient clipping."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.losses import SIG3, SIG3_TEXT, fixed_vec, paren
from quizapp.problems.model import Diagnosis, Problem, as_value
from quizapp.problems.redraw import give_up
from quizapp.problems.registry import register

LEAKY_SLOPE = 0.01  # PyTorch's default negative_slope
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


# --- pure helpers (the formulas, tested on hand-worked values) ---


def sigmoid(z: Any) -> Any:
    """σ(z) = 1 / (1 + e^−z)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def activation(fn: str, z: float) -> float:
    """The activation `fn` at z."""
    if fn == "sigmoid":
        return float(sigmoid(z))
    if fn == "tanh":
        return float(np.tanh(z))
    if fn == "relu":
        return max(0.0, z)
    if fn == "leaky_relu":
        return z if z > 0 else LEAKY_SLOPE * z
    raise ValueError(f"fn must be one of {', '.join(ACTIVATIONS)}, got {fn!r}")


def derivative(fn: str, z: float) -> float:
    """The derivative of the activation `fn` at z (ReLU-type: z ≠ 0)."""
    if fn == "sigmoid":
        s = float(sigmoid(z))
        return s * (1 - s)
    if fn == "tanh":
        return float(1 - np.tanh(z) ** 2)
    if fn == "relu":
        return 1.0 if z > 0 else 0.0
    if fn == "leaky_relu":
        return 1.0 if z > 0 else LEAKY_SLOPE
    raise ValueError(f"fn must be one of {', '.join(ACTIVATIONS)}, got {fn!r}")


def clip_to_norm(g: Any, max_norm: float) -> np.ndarray:
    """`g` rescaled to L2 norm `max_norm` when its norm is larger (clip_grad_norm_ without its ε)."""
    g = np.asarray(g, dtype=float)
    norm = float(np.linalg.norm(g))
    return g * (max_norm / norm) if norm > max_norm else g.copy()


# --- generators ---


@register
def activation_derivative(
    rng: np.random.Generator,
    fn: Any = ("sigmoid", "tanh", "relu", "leaky_relu"),
    z: draw.RealSpec = (-4.0, 4.0),
) -> Problem:
    """Derivative of sigmoid, tanh, ReLU or leaky ReLU at a point."""
    name = str(draw.one_of(rng, fn))
    if name not in ACTIVATIONS:
        raise ValueError(f"fn must be one of {', '.join(ACTIVATIONS)}, got {name!r}")
    tries = 0
    while True:
        x = draw.real(rng, z, decimals=1)
        if x != 0 or name in ("sigmoid", "tanh"):
            break
        if isinstance(z, int | float):
            raise ValueError(f"{name} has no derivative at z = 0")
        tries += 1
        give_up(tries, "a point where the derivative exists")
    truth = derivative(name, x)
    value = activation(name, x)
    zt = fmt.num(x)
    if name == "sigmoid":
        tol = SIG3
        question = f"What is the derivative of the sigmoid σ(z) = 1/(1 + e^−z) at z = {zt}? {SIG3_TEXT}"
        solution = (
            "σ'(z) = σ(z)·(1 − σ(z))\n"
            f"σ({zt}) = {fmt.num(value)}\n"
            f"σ'({zt}) = {fmt.num(value)} × {fmt.num(1 - value)} = {fmt.num(truth)}"
        )
        candidates = [
            Diagnosis(value, "that is σ(z) itself; the derivative is σ(z)·(1 − σ(z))"),
            Diagnosis(1 - value, "that is 1 − σ(z) alone; multiply it by σ(z)"),
            Diagnosis(0.25, "0.25 is the largest σ' can be, reached only at z = 0"),
        ]
    elif name == "tanh":
        tol = SIG3
        question = f"What is the derivative of tanh(z) at z = {zt}? {SIG3_TEXT}"
        solution = (
            "d/dz tanh(z) = 1 − tanh²(z)\n"
            f"tanh({zt}) = {fmt.num(value)}\n"
            f"1 − {paren(value)}² = {fmt.num(truth)}"
        )
        candidates = [
            Diagnosis(value, "that is tanh(z) itself; the derivative is 1 − tanh²(z)"),
            Diagnosis(1 - value, "you forgot to square: the derivative is 1 − tanh²(z)"),
            Diagnosis(value * (1 - value), "that is the sigmoid's form σ(1 − σ); for tanh it is 1 − tanh²"),
        ]
    else:
        tol = Tolerance(decimals=2)
        if name == "relu":
            question = f"What is the derivative of ReLU(z) = max(0, z) at z = {zt}? Give 2 decimals."
            rule = "ReLU'(z) = 1 for z > 0, 0 for z < 0"
        else:
            question = (
                f"What is the derivative of LeakyReLU(z) = max({fmt.num(LEAKY_SLOPE)}·z, z) "
                f"(negative slope {fmt.num(LEAKY_SLOPE)}, PyTorch's default) at z = {zt}? Give 2 decimals."
            )
            rule = f"LeakyReLU'(z) = 1 for z > 0, {fmt.num(LEAKY_SLOPE)} for z < 0"
        side = "z > 0" if x > 0 else "z < 0"
        solution = f"{rule}\nz = {zt}, so {side}: the slope is {fmt.num(truth)}"
        candidates = [Diagnosis(value, f"that is the activation's value at z = {zt}, not its slope")]
        if x < 0:
            candidates.append(Diagnosis(1.0, "the slope is 1 only for z > 0"))
            if name == "leaky_relu":
                candidates.append(
                    Diagnosis(0.0, "that is plain ReLU; leaky ReLU keeps a small slope for z < 0")
                )
        else:
            low = 0.0 if name == "relu" else LEAKY_SLOPE
            candidates.append(Diagnosis(low, f"the slope is {fmt.num(low)} only for z < 0; here z > 0"))
    return Problem(
        prompt=question,
        given={"fn": name, "z": x},
        answer=truth,
        tolerance=tol,
        solution=solution,
        diagnoses=tuple(candidates),
    )


@register
def sigmoid_chain(
    rng: np.random.Generator, layers: draw.IntSpec = (3, 10), ask: Any = ("bound", "product")
) -> Problem:
    """Product of σ' factors through a stack of sigmoid layers: its 0.25^n bound or its actual value."""
    n = draw.integer(rng, layers)
    if n < 1:
        raise ValueError(f"layers must be at least 1, got {n}")
    kind = str(draw.one_of(rng, ask))
    bound = 0.25**n
    if kind == "bound":
        truth = bound
        prompt = (
            f"A gradient flows backward through {n} sigmoid layers. Take every weight as 1, so each layer "
            "multiplies it by σ'(z) at its pre-activation z.\n"
            f"What is the largest factor the gradient can be multiplied by over the {n} layers? {SIG3_TEXT}"
        )
        solution = (
            "σ'(z) = σ(z)·(1 − σ(z)) is at most 0.25, at z = 0.\n"
            f"{n} layers multiply {n} such factors: 0.25^{n} = {fmt.num(truth)}\n"
            "Even at best the gradient shrinks geometrically with depth: it vanishes."
        )
        given: dict[str, Any] = {"layers": n, "ask": kind}
        candidates = [
            Diagnosis(0.5**n, "0.5 is σ(0), the sigmoid's value; its slope σ'(0) is 0.25"),
            Diagnosis(1.0, "σ' is never 1: its maximum is σ'(0) = 0.25, so each layer shrinks the gradient"),
            Diagnosis(0.25 * n, "the chain rule multiplies the factors: 0.25^n, not 0.25·n"),
        ]
    elif kind == "product":
        z = np.round(rng.uniform(-2.0, 2.0, size=n), 1)
        s = sigmoid(z)
        factors = s * (1 - s)
        truth = float(np.prod(factors))
        prompt = (
            f"A gradient flows backward through {n} sigmoid layers with every weight equal to 1.\n"
            f"  pre-activations z: {fmt.vec(z)}\n"
            f"By what factor is the gradient multiplied over the {n} layers (the product of the σ'(z))? "
            f"{SIG3_TEXT}"
        )
        solution = (
            "Each layer contributes σ'(z) = σ(z)·(1 − σ(z)) ≤ 0.25.\n"
            f"σ'(z) = {fmt.vec(factors)}\n"
            f"Product = {fmt.num(truth)} (at most 0.25^{n} = {fmt.num(bound)}): the gradient vanishes."
        )
        given = {"layers": n, "ask": kind, "z": z}
        candidates = [
            Diagnosis(bound, "that is the upper bound 0.25^n; use σ'(z) at the given pre-activations"),
            Diagnosis(float(np.prod(s)), "you multiplied σ(z), not its derivative σ(z)·(1 − σ(z))"),
            Diagnosis(
                float(np.sum(factors)), "the chain rule multiplies the per-layer factors; you added them"
            ),
        ]
    else:
        raise ValueError(f"ask must be 'bound' or 'product', got {kind!r}")
    return Problem(
        prompt=prompt,
        given=given,
        answer=truth,
        tolerance=SIG3,
        solution=solution,
        diagnoses=tuple(candidates),
    )


@register
def weight_scale_chain(
    rng: np.random.Generator, layers: draw.IntSpec = (5, 50), w: draw.RealSpec = (0.5, 1.5)
) -> Problem:
    """Gradient factor w^n through n linear layers of weight scale w: vanishing or exploding."""
    n = draw.integer(rng, layers)
    if n < 2:
        raise ValueError(f"layers must be at least 2, got {n}")
    tries = 0
    while True:
        scale = draw.real(rng, w)
        if scale != 1 or isinstance(w, int | float):
            break
        tries += 1
        give_up(tries, "a weight other than 1")
    if scale <= 0:
        raise ValueError(f"w must be positive, got {scale}")
    truth = float(np.power(scale, n))
    if scale < 1:
        verdict = f"{fmt.num(scale)} < 1, so the gradient vanishes: it shrinks geometrically with depth."
    elif scale > 1:
        verdict = f"{fmt.num(scale)} > 1, so the gradient explodes: it grows geometrically with depth."
    else:
        verdict = "w = 1 keeps the gradient's size: neither vanishing nor exploding."
    return Problem(
        prompt=(
            f"A deep linear network has {n} layers, each multiplying the signal by the same scalar weight "
            f"w = {fmt.num(scale)} (no activations).\n"
            "By what factor is the gradient at the input scaled relative to the gradient at the output? "
            f"{SIG3_TEXT}"
        ),
        given={"layers": n, "w": scale},
        answer=truth,
        tolerance=SIG3,
        solution=(
            "Backpropagation multiplies by w once per layer: the factor is w^n.\n"
            f"{fmt.num(scale)}^{n} = {fmt.num(truth)}\n"
            f"{verdict}"
        ),
        diagnoses=(
            Diagnosis(n * scale, "the chain rule multiplies the layers' factors: w^n, not n·w"),
            Diagnosis(scale ** (n - 1), "one factor of w per layer: n layers give w^n, not w^(n−1)"),
        ),
    )


@register
def clip_by_norm(
    rng: np.random.Generator, dim: draw.IntSpec = (2, 5), max_norm: draw.RealSpec = (1.0, 5.0)
) -> Problem:
    """Clip a gradient vector to a maximum global L2 norm."""
    d = draw.integer(rng, dim)
    if d < 2:
        raise ValueError(f"dim must be at least 2, got {d}")
    m = draw.real(rng, max_norm, decimals=1)
    if m <= 0:
        raise ValueError(f"max_norm must be positive, got {m}")
    decimals = 1 if m >= 1 else 2
    tries = 0
    while True:
        g = np.round(rng.uniform(-1.5 * m, 1.5 * m, size=d), decimals)
        norm = float(np.linalg.norm(g))
        if norm > 1.2 * m:  # clipping must visibly change the gradient
            break
        tries += 1
        give_up(tries, "a gradient longer than max_norm")
    clipped = clip_to_norm(g, m)
    scale = m / norm
    tol = Tolerance(decimals=3)
    squares = " + ".join(f"{paren(x)}²" for x in g)
    return Problem(
        prompt=(
            f"A gradient g = {fmt.vec(g)} is clipped to a maximum global L2 norm of {fmt.num(m)}\n"
            "(like torch.nn.utils.clip_grad_norm_, ignoring its tiny ε).\n"
            "What is the clipped gradient? Answer as a vector in the same order. Give 3 decimals."
        ),
        given={"g": g, "max_norm": m},
        answer=as_value(clipped),
        tolerance=tol,
        solution=(
            f"‖g‖ = √({squares}) = {fmt.num(norm)} > {fmt.num(m)}, so rescale the whole vector.\n"
            f"Scale = max_norm / ‖g‖ = {fmt.num(m)} / {fmt.num(norm)} = {fmt.num(scale)}\n"
            f"g' = {fmt.num(scale)} × g = {fixed_vec(clipped, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                as_value(np.clip(g, -m, m)),
                "that clips each component to ±max_norm (clip by value); clipping by norm rescales "
                "the whole vector and keeps its direction",
            ),
            Diagnosis(
                as_value(g), f"‖g‖ = {fmt.num(norm)} exceeds {fmt.num(m)}, so the gradient must shrink"
            ),
            Diagnosis(as_value(g / norm), "that is the unit vector g/‖g‖; scale it to length max_norm"),
        ),
    )
