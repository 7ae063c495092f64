"""Convolutional layers: output sizes, parameter counts, pooling and receptive fields."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.problems import draw
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.registry import register


def conv_out(n: int, k: int, s: int = 1, p: int = 0) -> int:
    """Output length of a convolution or pooling window: ⌊(n + 2p − k)/s⌋ + 1 (PyTorch, floor mode)."""
    return int(np.floor_divide(n + 2 * p - k, s)) + 1


@register
def conv_output_size(
    rng: np.random.Generator,
    size: draw.IntSpec = (28, 224),
    kernel: draw.IntSpec = (1, 7),
    stride: Any = (1, 2, 4),
    padding: draw.IntSpec = (0, 3),
) -> Problem:
    """Spatial output size of a Conv2d layer: ⌊(n + 2p − k)/s⌋ + 1.

    size, kernel, padding: int ranges (a drawn size is half the time a common one such as 32 or 224,
    a drawn padding is at most kernel // 2); stride: a choice."""
    n, k = _size(rng, size), draw.integer(rng, kernel)
    s = int(draw.one_of(rng, stride))
    if isinstance(padding, int):
        p = padding
    else:
        low, high = padding
        p = draw.integer(rng, (low, max(low, min(high, k // 2))))  # padding beyond k // 2 is unusual
    if k < 1 or s < 1 or p < 0 or n + 2 * p < k:
        raise ValueError(f"no valid convolution with size {n}, kernel {k}, stride {s}, padding {p}")
    truth = conv_out(n, k, s, p)
    span = n + 2 * p - k
    pad_text = f"padding {p} (on every side)" if p else "no padding"
    floor_note = f"⌊{span}/{s}⌋ = {span // s}" if s > 1 else f"{span}/1 = {span}"
    return Problem(
        prompt=(
            f"A Conv2d layer with a {k}×{k} kernel, stride {s} and {pad_text} is applied to a\n"
            f"{n}×{n} input (no dilation). What is the height of the output? Give the exact count."
        ),
        given={"size": n, "kernel": k, "stride": s, "padding": p},
        answer=truth,
        unit="count",
        solution=(
            "out = ⌊(n + 2p − k)/s⌋ + 1\n"
            f"(n + 2p − k) = {n} + {2 * p} − {k} = {span};  {floor_note}\n"
            f"out = {span // s} + 1 = {truth}"
        ),
        diagnoses=(
            Diagnosis(conv_out(n, k, s, 0) if p else truth, "you left out the padding"),
            Diagnosis(
                int(np.floor_divide(n + p - k, s)) + 1, "you added the padding once; it is on both sides: 2p"
            ),
            Diagnosis(span // s, "you forgot the +1 (the first window position)"),
            Diagnosis(-(-span // s) + 1, "you rounded up; PyTorch floors (ceil_mode=False)"),
        ),
    )


@register
def conv_params(
    rng: np.random.Generator,
    c_in: draw.IntSpec = (1, 256),
    c_out: draw.IntSpec = (8, 512),
    kernel: draw.IntSpec = (1, 7),
    bias: Any = (True, False),
) -> Problem:
    """Number of learnable parameters of a Conv2d layer: c_out·(c_in·k² + bias).

    c_in, c_out: int ranges, drawn among 1, 3 and the powers of two inside them; kernel: int range;
    bias: a choice."""
    ci, co = _channels(rng, c_in), _channels(rng, c_out)
    k = draw.integer(rng, kernel)
    b = bool(draw.one_of(rng, bias))
    if ci < 1 or co < 1 or k < 1:
        raise ValueError(f"channels and kernel must be positive, got {ci}, {co}, {k}")
    weights = co * ci * k * k
    truth = weights + (co if b else 0)
    bias_text = f" + {co} biases = {truth}" if b else " (no bias)"
    diagnoses = [
        Diagnosis(weights, "you forgot the biases: one per output channel")
        if b
        else Diagnosis(weights + co, "bias=False: there are no bias terms to add"),
        Diagnosis(co * (k * k + b), "you forgot c_in: every filter spans all input channels"),
    ]
    return Problem(
        prompt=(
            f"How many learnable parameters does nn.Conv2d({ci}, {co}, kernel_size={k}, bias={b}) have?\n"
            "Give the exact count."
        ),
        given={"c_in": ci, "c_out": co, "kernel": k, "bias": b},
        answer=truth,
        unit="count",
        solution=(
            "Each of the c_out filters has c_in·k·k weights (plus one bias).\n"
            f"Weights: {co} × {ci} × {k} × {k} = {weights}\n"
            f"Total: {weights}{bias_text}"
        ),
        diagnoses=tuple(diagnoses),
    )


@register
def pool_output_size(
    rng: np.random.Generator,
    size: draw.IntSpec = (7, 224),
    pool: draw.IntSpec = (2, 3),
    stride: draw.IntSpec | None = None,
) -> Problem:
    """Output size of a max-pooling layer (no padding, floor mode).

    size, pool: int ranges (a drawn size is half the time a common one); stride: int range, by default
    the pool size half the time and 1..pool otherwise (a drawn stride never exceeds the pool size)."""
    n, k = _size(rng, size), draw.integer(rng, pool)
    if stride is None or not isinstance(stride, int):
        low, high = (1, k) if stride is None else stride
        s = draw.integer(rng, (min(low, k), max(min(low, k), min(high, k))))
        if stride is None and rng.random() < 0.5:
            s = k  # the common case, stride = pool size (PyTorch's default)
    else:
        s = stride
    if k < 1 or s < 1 or n < k:
        raise ValueError(f"no valid pooling with size {n}, pool {k}, stride {s}")
    truth = conv_out(n, k, s)
    span = n - k
    return Problem(
        prompt=(
            f"nn.MaxPool2d(kernel_size={k}, stride={s}) (no padding, ceil_mode=False) is applied to a\n"
            f"{n}×{n} feature map. What is the output width? Give the exact count."
        ),
        given={"size": n, "pool": k, "stride": s},
        answer=truth,
        unit="count",
        solution=(
            "Pooling windows follow the convolution formula: out = ⌊(n − k)/s⌋ + 1\n"
            f"= ⌊({n} − {k})/{s}⌋ + 1 = ⌊{span}/{s}⌋ + 1 = {span // s} + 1 = {truth}"
        ),
        diagnoses=(
            Diagnosis(-(-span // s) + 1, "you rounded up; that is ceil_mode=True"),
            Diagnosis(span // s, "you forgot the +1 (the first window position)"),
            Diagnosis(n // s, "you divided the input by the stride; the window size matters too"),
        ),
    )


@register
def receptive_field(rng: np.random.Generator, layers: draw.IntSpec = (2, 5), kernel: Any = (3,)) -> Problem:
    """Receptive field of a stack of stride-1 convolutions: 1 + L·(k − 1).

    layers: int range; kernel: a choice."""
    n_layers = draw.integer(rng, layers)
    k = int(draw.one_of(rng, kernel))
    if n_layers < 1 or k < 1:
        raise ValueError(f"need at least one layer and a positive kernel, got {n_layers} and {k}")
    truth = 1 + n_layers * (k - 1)
    return Problem(
        prompt=(
            f"{n_layers} convolution layers, each {k}×{k} with stride 1 and no dilation, are stacked.\n"
            "How many input pixels wide is the receptive field of one unit of the last layer?\n"
            "Give the exact count."
        ),
        given={"layers": n_layers, "kernel": k},
        answer=truth,
        unit="count",
        solution=(
            f"Each stride-1 {k}×{k} layer widens the receptive field by k − 1 = {k - 1}.\n"
            f"RF = 1 + L·(k − 1) = 1 + {n_layers} × {k - 1} = {truth}"
        ),
        diagnoses=(
            Diagnosis(n_layers * k, "you added the kernel sizes; neighbouring windows overlap by k − 1"),
            Diagnosis(k**n_layers, "you multiplied the kernel sizes; with stride 1 the growth is additive"),
            Diagnosis(n_layers * (k - 1), "you forgot the +1 (the centre pixel)"),
        ),
    )


# --- small helpers (private to this family) ---


COMMON_SIZES = (28, 32, 56, 64, 96, 112, 128, 224, 227, 256)


def _size(rng: np.random.Generator, spec: draw.IntSpec) -> int:
    """A feature-map size: `spec` itself, or from the range [low, high], half the time a common size."""
    if isinstance(spec, int | np.integer):
        return int(spec)
    low, high = spec
    common = [c for c in COMMON_SIZES if low <= c <= high]
    if common and rng.random() < 0.5:
        return int(draw.one_of(rng, common))
    return draw.integer(rng, spec)


def _channels(rng: np.random.Generator, spec: draw.IntSpec) -> int:
    """A channel count: `spec` itself, or one of 1, 3 and the powers of two inside the range [low, high]."""
    if isinstance(spec, int | np.integer):
        return int(spec)
    low, high = spec
    nice = [c for c in (1, 3, *(2**i for i in range(1, 14))) if low <= c <= high]
    return int(draw.one_of(rng, nice)) if nice else draw.integer(rng, spec)
