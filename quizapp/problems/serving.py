"""LLM fine-tuning, alignment, inference and compression: LoRA, KV cache, quantisation, DPO."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance, Unit
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import MAX_TRIES, give_up
from quizapp.problems.registry import register
from quizapp.wording import plural

SIG3 = Tolerance(sigfigs=3)
SIG3_TEXT = "Give 3 significant figures."
DEC3 = Tolerance(decimals=3)
DEC4 = Tolerance(decimals=4)
GB, GIB = 1e9, 2.0**30
BYTE_UNITS = {"GB": (GB, "1 GB = 10⁹ bytes"), "GiB": (GIB, "1 GiB = 2³⁰ bytes")}
PRECISIONS = {"fp32": 4.0, "fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
CLASS_NAMES = "ABCDEFGH"


# --- pure helpers (the formulas; the tests check them against hand-worked values) ---


def kv_cache_bytes(
    layers: int, kv_heads: int, head_dim: int, tokens: int, batch: int, nbytes: float
) -> float:
    """Bytes of the KV cache: 2 (K and V) × layers × kv heads × head dim × tokens × batch × bytes each."""
    return float(np.prod([2.0, layers, kv_heads, head_dim, tokens, batch, nbytes]))


def lora_params(shapes: Sequence[tuple[int, int]], rank: int) -> int:
    """Trainable LoRA parameters: r·(d_in + d_out) per adapted d_in × d_out matrix (A: r×d_in, B: d_out×r)."""
    return int(np.sum([rank * (d_in + d_out) for d_in, d_out in shapes]))


def sigmoid(z: Any) -> Any:
    """The logistic function 1 / (1 + e^−z)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def neg_log_sigmoid(z: float) -> float:
    """−ln σ(z) = ln(1 + e^−z), computed stably."""
    return float(np.logaddexp(0.0, -z))


def dpo_loss(logp_w: float, ref_w: float, logp_l: float, ref_l: float, beta: float) -> float:
    """DPO loss of one pair: −ln σ(β[(ln π(y_w) − ln π_ref(y_w)) − (ln π(y_l) − ln π_ref(y_l))])."""
    return neg_log_sigmoid(beta * ((logp_w - ref_w) - (logp_l - ref_l)))


def softmax(z: Any, temperature: float = 1.0) -> np.ndarray:
    """softmax(z / T), shifted by the max for stability."""
    scaled = np.asarray(z, dtype=float) / temperature
    e = np.exp(scaled - scaled.max())
    return np.asarray(e / e.sum())


def kl(p: Any, q: Any) -> float:
    """KL(p ‖ q) = Σ p·ln(p/q) in nats (terms with p = 0 contribute 0)."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def quantize(x: float, scale: float, zero_point: int, qmin: int, qmax: int) -> int:
    """q = clip(round(x / scale) + zero_point, qmin, qmax), rounding half to even."""
    return int(np.clip(np.round(x / scale) + zero_point, qmin, qmax))


def arithmetic_intensity(batch: int, d_in: int, d_out: int, nbytes: float) -> float:
    """FLOPs per byte of y = x·W for `batch` tokens: 2·B·d_in·d_out over the bytes of W, x and y."""
    flops = 2.0 * batch * d_in * d_out
    moved = nbytes * (d_in * d_out + batch * d_in + batch * d_out)
    return flops / moved


# --- shared scaffolding ---


def _shown(value: float, tolerance: Tolerance) -> float:
    """The value as the revealed answer would print it (to compare with numbers shown in the prompt)."""
    if tolerance.decimals is not None:
        return round(value, tolerance.decimals)
    return float(fmt.sigfigs(value, tolerance.sigfigs or 3))


def _clashes(value: float, tolerance: Tolerance, shown: Sequence[float]) -> bool:
    """True when the answer, as revealed, rounds to 0 or to one of the numbers shown in the prompt."""
    revealed = _shown(value, tolerance)
    return revealed == 0 or any(np.isclose(revealed, float(s), rtol=0, atol=1e-12) for s in shown)


def _minus(x: float, sig: int = 4) -> str:
    """A number with a Unicode minus sign."""
    return fmt.num(x, sig).replace("-", "−")


def _paren(x: float, sig: int = 4) -> str:
    """A number for a formula: negatives in parentheses, (−0.5)."""
    return f"({_minus(x, sig)})" if x < 0 else _minus(x, sig)


_SIZE_TEXT = {"GB": "10⁹", "GiB": "2³⁰"}


def _precision(rng: np.random.Generator, spec: Any) -> tuple[str, float]:
    name = str(draw.one_of(rng, spec))
    if name not in PRECISIONS:
        raise ValueError(f"unknown precision {name!r}; use one of {', '.join(PRECISIONS)}")
    return name, PRECISIONS[name]


def _byte_unit(rng: np.random.Generator, spec: Any) -> tuple[str, float, str]:
    name = str(draw.one_of(rng, spec))
    if name not in BYTE_UNITS:
        raise ValueError(f"unknown unit {name!r}; use GB or GiB")
    size, text = BYTE_UNITS[name]
    return name, size, text


def _other_unit(name: str, nbytes: float) -> tuple[float, str]:
    """The same bytes in the other unit, and the diagnosis message for answering in it."""
    other = "GiB" if name == "GB" else "GB"
    return nbytes / BYTE_UNITS[other][
        0
    ], f"that is in {other}; the question asks for {name} ({BYTE_UNITS[name][1]})"


# --- inference and serving ---

# (layers, attention heads, head dim) of decoder configurations like those of open models.
_DECODERS: list[tuple[int, int, int]] = [
    (24, 16, 64),
    (28, 28, 128),
    (32, 32, 128),
    (40, 40, 128),
    (48, 48, 128),
    (60, 48, 128),
    (80, 64, 128),
]


@register
def kv_cache_size(
    rng: np.random.Generator,
    batch: draw.IntSpec = (1, 64),
    context: Any = (1024, 2048, 4096, 8192, 16384, 32768),
    precision: Any = ("fp16", "bf16", "fp8", "fp32"),
    unit: Any = ("GB", "GiB"),
) -> Problem:
    """Memory of the KV cache of a decoder (GQA-aware) for a batch at a context length."""
    layers, heads, head_dim = _DECODERS[int(rng.integers(len(_DECODERS)))]
    kv_heads = int(draw.one_of(rng, [h for h in (1, 4, 8, heads) if h <= heads]))
    b = draw.integer(rng, batch)
    tokens = int(draw.one_of(rng, list(context) if isinstance(context, list | tuple) else context))
    prec, nbytes = _precision(rng, precision)
    name, size, unit_text = _byte_unit(rng, unit)
    total = kv_cache_bytes(layers, kv_heads, head_dim, tokens, b, nbytes)
    answer = total / size
    other, other_message = _other_unit(name, total)
    per_token = kv_cache_bytes(layers, kv_heads, head_dim, 1, 1, nbytes)
    gqa = (
        "multi-head attention" if kv_heads == heads else "grouped-query attention" if kv_heads > 1 else "MQA"
    )
    return Problem(
        prompt=(
            f"A decoder-only transformer has {layers} layers, {heads} query heads and "
            f"{plural(kv_heads, 'key/value head')} ({gqa}), head dimension {head_dim}.\n"
            f"It serves a batch of {plural(b, 'sequence')}, each holding {tokens} tokens in the KV cache, "
            f"stored in {prec} ({plural(nbytes, 'byte')} per value).\n"
            f"How large is the KV cache in {name} ({unit_text})? Count both K and V. {SIG3_TEXT}"
        ),
        given={
            "layers": layers,
            "query_heads": heads,
            "kv_heads": kv_heads,
            "head_dim": head_dim,
            "batch": b,
            "tokens": tokens,
            "bytes_per_value": nbytes,
            "unit": name,
        },
        answer=answer,
        tolerance=SIG3,
        solution=(
            "KV cache = 2 (K and V) × layers × kv heads × head dim × tokens × batch × bytes per value\n"
            f"Per token: 2 × {layers} × {kv_heads} × {head_dim} × {fmt.num(nbytes)} = "
            f"{fmt.num(per_token)} bytes\n"
            f"× {tokens} tokens × {plural(b, 'sequence')} = {fmt.num(total, 6)} bytes\n"
            f"÷ {_SIZE_TEXT[name]} = {fmt.sigfigs(answer, 3)} {name}"
        ),
        diagnoses=(
            Diagnosis(answer / 2, "you counted only K (or only V); the cache holds both, hence the factor 2"),
            Diagnosis(
                answer * heads / kv_heads,
                "you used the number of query heads; with GQA/MQA only the key/value heads are cached",
            ),
            Diagnosis(other, other_message),
            Diagnosis(answer / b, "that is the cache of one sequence; multiply by the batch size"),
            Diagnosis(answer * 8, "you multiplied by bits per value; use bytes per value"),
        ),
    )


@register
def weight_memory(
    rng: np.random.Generator,
    billions: draw.RealSpec = (0.5, 80.0),
    precision: Any = ("fp32", "bf16", "int8", "int4"),
    group: Any = (None, 32, 64, 128),
    unit: Any = ("GB", "GiB"),
) -> Problem:
    """Memory of a model's weights at a precision, with optional per-group fp16 scales for int formats."""
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "a parameter count")
        n = draw.real(rng, billions, decimals=1)
        if n > 0:
            break
    prec, nbytes = _precision(rng, precision)
    g = draw.one_of(rng, group) if prec.startswith("int") else None
    name, size, unit_text = _byte_unit(rng, unit)
    params = n * 1e9
    bits = 8 * nbytes + (16.0 / float(g) if g else 0.0)
    total = params * bits / 8
    answer = total / size
    other, other_message = _other_unit(name, total)
    scales = (
        f" Each group of {g} weights also stores one fp16 scale (16 bits), so a weight costs "
        f"{fmt.num(8 * nbytes)} + 16/{g} bits."
        if g
        else " Ignore any quantisation scales and everything but the weights."
    )
    bits_line = f"{fmt.num(8 * nbytes)} + 16/{g} = {fmt.num(bits)}" if g else fmt.num(bits)
    diagnoses = [
        Diagnosis(other, other_message),
        Diagnosis(answer * 8, "that is bits, not bytes: divide by 8"),
        Diagnosis(params * nbytes / size, "you left out the per-group scales"),
        Diagnosis(params * 2 / size, "that is the fp16/bf16 size (2 bytes per weight)"),
    ]
    return Problem(
        prompt=(
            f"A model has {fmt.num(n)} billion parameters (1 billion = 10⁹) stored in {prec} "
            f"({fmt.num(8 * nbytes)} bits per weight).{scales}\n"
            f"How much memory do the weights take, in {name} ({unit_text})? {SIG3_TEXT}"
        ),
        given={"parameters": params, "precision": prec, "group": g, "unit": name},
        answer=answer,
        tolerance=SIG3,
        solution=(
            f"Bits per weight = {bits_line}\n"
            f"Bytes = {fmt.num(n)}×10⁹ × {fmt.num(bits)} / 8 = {fmt.num(total / 1e9, 6)}×10⁹\n"
            f"÷ {_SIZE_TEXT[name]} = {fmt.sigfigs(answer, 3)} {name}"
        ),
        diagnoses=tuple(diagnoses),
    )


# Memory bandwidths in TB/s of accelerators (rounded; HBM-class and one consumer-class value).
_BANDWIDTHS = (0.9, 1.0, 1.6, 2.0, 3.35, 4.8, 8.0)


@register
def decode_throughput(
    rng: np.random.Generator,
    billions: draw.RealSpec = (1.0, 70.0),
    precision: Any = ("fp16", "int8", "int4"),
    bandwidth: Any = _BANDWIDTHS,
) -> Problem:
    """Upper bound on batch-1 decode speed when every token must read all the weights from memory."""
    n = max(draw.real(rng, billions, decimals=1), 0.1)
    prec, nbytes = _precision(rng, precision)
    bw = float(draw.one_of(rng, bandwidth))
    weight_bytes = n * 1e9 * nbytes
    answer = bw * 1e12 / weight_bytes
    return Problem(
        prompt=(
            f"A {fmt.num(n)}-billion-parameter decoder runs at batch size 1 with {prec} weights "
            f"({plural(nbytes, 'byte')} per weight) on a GPU with {fmt.num(bw)} TB/s of memory bandwidth "
            "(1 TB = 10¹² bytes).\n"
            "Each generated token reads every weight once; ignore the KV cache, activations and compute.\n"
            f"What is the upper bound on decode speed, in tokens per second? {SIG3_TEXT}"
        ),
        given={"parameters": n * 1e9, "bytes_per_weight": nbytes, "bandwidth_tb_s": bw},
        answer=answer,
        tolerance=SIG3,
        solution=(
            "Decode at batch 1 is memory-bound: time per token ≥ bytes of weights / bandwidth.\n"
            f"Weights = {fmt.num(n)}×10⁹ × {fmt.num(nbytes)} = {fmt.num(weight_bytes / 1e9)} GB\n"
            f"Tokens/s ≤ {fmt.num(bw * 1000)} GB/s ÷ {fmt.num(weight_bytes / 1e9)} GB "
            f"= {fmt.sigfigs(answer, 3)}"
        ),
        diagnoses=(
            Diagnosis(answer / 8, "you used bits per weight; each weight is read as bytes"),
            Diagnosis(
                bw * 1e12 / (n * 1e9 * 2), "you assumed 2 bytes per weight (fp16); use the stated precision"
            ),
            Diagnosis(answer / 1e3, "check the units: 1 TB/s is 1000 GB/s, not 1 GB/s"),
        ),
    )


@register
def arithmetic_intensity_linear(
    rng: np.random.Generator,
    batch: Any = (16, 32, 64, 128, 256, 512, 1024, 2048),
    dims: Any = (1024, 2048, 4096, 5120, 8192, 11008, 14336),
) -> Problem:
    """FLOPs per byte of a linear layer applied to a batch of tokens (fp16 weights and activations)."""
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "a layer whose intensity differs from its batch size")
        b = int(draw.one_of(rng, batch))
        d_in, d_out = int(draw.one_of(rng, dims)), int(draw.one_of(rng, dims))
        answer = arithmetic_intensity(b, d_in, d_out, 2.0)
        if not _clashes(answer, SIG3, [b, d_in, d_out]):
            break
    flops = 2.0 * b * d_in * d_out
    moved = 2.0 * (d_in * d_out + b * d_in + b * d_out)
    return Problem(
        prompt=(
            f"A linear layer y = x·W has W of shape {d_in} × {d_out} and runs on {b} tokens at once "
            f"(x: {b} × {d_in}), everything in fp16 (2 bytes).\n"
            "Count 2 FLOPs per multiply-add, and the bytes of reading W and x once and writing y once.\n"
            f"What is its arithmetic intensity, in FLOPs per byte? {SIG3_TEXT}"
        ),
        given={"batch": b, "d_in": d_in, "d_out": d_out, "bytes_per_value": 2},
        answer=answer,
        tolerance=SIG3,
        solution=(
            f"FLOPs = 2·B·d_in·d_out = 2 × {b} × {d_in} × {d_out} = {fmt.num(flops, 6)}\n"
            f"Bytes = 2·(d_in·d_out + B·d_in + B·d_out) = 2 × ({d_in * d_out} + {b * d_in} + {b * d_out}) "
            f"= {fmt.num(moved, 6)}\n"
            f"Intensity = {fmt.num(flops, 6)} / {fmt.num(moved, 6)} = {fmt.sigfigs(answer, 3)} FLOPs/byte"
        ),
        diagnoses=(
            Diagnosis(answer / 2, "you counted 1 FLOP per multiply-add; the convention here is 2"),
            Diagnosis(float(b), "you counted only the bytes of W; x and y are moved too"),
            Diagnosis(answer * 2, "you counted 1 byte per value; fp16 takes 2"),
        ),
    )


# --- quantisation ---


@register
def int8_quantize(
    rng: np.random.Generator,
    mode: Any = ("symmetric", "asymmetric"),
    ask: Any = ("q", "dequantized"),
) -> Problem:
    """Quantise one value to int8 (symmetric) or uint8 (asymmetric, with a zero point); give q or x̂."""
    scheme, wanted = str(draw.one_of(rng, mode)), str(draw.one_of(rng, ask))
    if scheme not in ("symmetric", "asymmetric") or wanted not in ("q", "dequantized"):
        raise ValueError("mode is symmetric or asymmetric; ask is q or dequantized")
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "a value to quantise")
        if scheme == "symmetric":
            m = draw.real(rng, [0.5, 8.0])
            lo, hi = -m, m
            scale, zp, qmin, qmax = m / 127, 0, -127, 127
        else:
            lo, hi = draw.real(rng, [-4.0, -0.1]), draw.real(rng, [0.5, 8.0])
            scale, qmin, qmax = (hi - lo) / 255, 0, 255
            zp = int(np.round(-lo / scale))
        x = draw.real(rng, [lo, hi], decimals=3)
        ratio = x / scale
        if abs(abs(ratio - np.floor(ratio)) - 0.5) < 1e-6:  # a rounding tie: conventions would differ
            continue
        q = quantize(x, scale, zp, qmin, qmax)
        x_hat = (q - zp) * scale
        answer = float(q) if wanted == "q" else x_hat
        tolerance = SIG3 if wanted == "q" else DEC4
        shown = [x, lo, hi, 127, 255]
        if wanted == "dequantized" and round(x_hat, 4) != round(x, 4) and not _clashes(x_hat, DEC4, shown):
            break
        if wanted == "q" and q not in (0, zp) and not _clashes(float(q), SIG3, shown):
            break
    if scheme == "symmetric":
        setup = (
            f"Symmetric int8 quantisation of a tensor whose values lie in [{fmt.num(lo)}, {fmt.num(hi)}]:\n"
            "  scale s = max|x| / 127, zero point 0, q = clip(round(x / s), −127, 127)."
        )
        steps = (
            f"s = {fmt.num(hi)} / 127 = {fmt.num(scale, 6)}\n"
            f"q = round({_paren(x)} / {fmt.num(scale, 6)}) = round({_minus(ratio, 6)}) = {_minus(q)}"
        )
    else:
        setup = (
            "Asymmetric (affine) uint8 quantisation of a tensor whose values lie in "
            f"[{fmt.num(lo)}, {fmt.num(hi)}]:\n"
            "  scale s = (max − min) / 255, zero point z = round(−min / s),\n"
            "  q = clip(round(x / s) + z, 0, 255)."
        )
        steps = (
            f"s = ({fmt.num(hi)} − {_paren(lo)}) / 255 = {fmt.num(scale, 6)}\n"
            f"z = round({fmt.num(-lo)} / {fmt.num(scale, 6)}) = {zp}\n"
            f"q = round({_paren(x)} / {fmt.num(scale, 6)}) + {zp} = round({_minus(ratio, 6)}) + {zp} = {q}"
        )
    x_hat_text = fmt.fixed(x_hat, 4).replace("-", "−")
    dequant = f"x̂ = (q − z)·s = ({_minus(q)} − {zp}) × {fmt.num(scale, 6)} = {x_hat_text}"
    if wanted == "q":
        question = f"What is the quantised integer q of x = {fmt.num(x)}? Give an exact integer."
        diagnoses = [
            Diagnosis(
                float(np.trunc(ratio) + zp), "you truncated x/s; the rule rounds to the nearest integer"
            ),
            Diagnosis(float(np.round(ratio)), "you left out the zero point z"),
            _steps_diagnosis(scheme, x, lo, hi),
        ]
        unit: Unit = "count"
    else:
        question = (
            f"What value x̂ = (q − z)·s does x = {fmt.num(x)} come back as after quantising and dequantising? "
            "Give 4 decimals."
        )
        diagnoses = [
            Diagnosis(float(q), "that is q itself; dequantise it with (q − z)·s"),
            Diagnosis(q * scale, "you forgot to subtract the zero point before multiplying by s"),
            Diagnosis(x - x_hat, "that is the rounding error x − x̂; the question asks for x̂"),
        ]
        unit = "real"
    return Problem(
        prompt=f"{setup}\n{question}",
        given={"mode": scheme, "min": lo, "max": hi, "x": x, "ask": wanted},
        answer=answer,
        unit=unit,
        tolerance=tolerance if unit == "real" else Tolerance(),
        solution=f"{steps}\n{dequant}",
        diagnoses=tuple(diagnoses),
    )


def _steps_diagnosis(scheme: str, x: float, lo: float, hi: float) -> Diagnosis:
    """The q obtained by dividing the range into 2⁷ (or 2⁸) steps instead of 127 (or 255)."""
    if scheme == "symmetric":
        return Diagnosis(float(np.round(x / (hi / 128))), "you used s = max|x| / 128; the rule here is / 127")
    scale = (hi - lo) / 256
    return Diagnosis(
        float(np.round(x / scale) + np.round(-lo / scale)),
        "you used s = (max − min) / 256; the rule is / 255",
    )


# --- fine-tuning ---

# Matrix sets LoRA is commonly applied to; shapes use d (model width), kv (= kv heads × head dim), f (MLP).
_TARGETS = {
    "W_q and W_v": ("q", "v"),
    "W_q, W_k, W_v and W_o": ("q", "k", "v", "o"),
    "all attention and MLP matrices": ("q", "k", "v", "o", "gate", "up", "down"),
}
# (layers, d_model, kv width, MLP width) of decoder configurations like those of open models.
_LORA_MODELS: list[tuple[int, int, int, int]] = [
    (24, 2048, 2048, 5632),
    (32, 4096, 4096, 11008),
    (32, 4096, 1024, 14336),
    (40, 5120, 5120, 13824),
    (28, 3072, 1024, 8192),
    (80, 8192, 1024, 28672),
]


def _lora_setup(
    rng: np.random.Generator, rank: Any, targets: Any
) -> tuple[int, int, str, list[tuple[str, int, int]]]:
    """(layers, rank, target description, [(name, d_in, d_out)] per layer)."""
    layers, d, kv, f = _LORA_MODELS[int(rng.integers(len(_LORA_MODELS)))]
    r = int(draw.one_of(rng, rank))
    which = str(draw.one_of(rng, targets))
    if which not in _TARGETS or r < 1:
        raise ValueError(f"targets must be one of {', '.join(_TARGETS)} and rank ≥ 1")
    shapes = {
        "q": (d, d),
        "k": (d, kv),
        "v": (d, kv),
        "o": (d, d),
        "gate": (d, f),
        "up": (d, f),
        "down": (f, d),
    }
    return layers, r, which, [(f"W_{m}", *shapes[m]) for m in _TARGETS[which]]


def _lora_prompt(layers: int, r: int, which: str, mats: list[tuple[str, int, int]]) -> str:
    table = ", ".join(f"{name}: {d_in}×{d_out}" for name, d_in, d_out in mats)
    return (
        f"A decoder has {layers} layers. In each layer LoRA with rank r = {r} is applied to {which}\n"
        f"(shapes d_in×d_out: {table}).\n"
        "Each adapted matrix W gets ΔW = B·A with A: r×d_in and B: d_out×r; no biases are added."
    )


@register
def lora_trainable(
    rng: np.random.Generator,
    rank: Any = (4, 8, 16, 32, 64),
    targets: Any = tuple(_TARGETS),
) -> Problem:
    """Trainable parameters LoRA adds to a decoder: r·(d_in + d_out) per adapted matrix, per layer."""
    layers, r, which, mats = _lora_setup(rng, rank, targets)
    shapes = [(d_in, d_out) for _, d_in, d_out in mats]
    per_layer = lora_params(shapes, r)
    answer = layers * per_layer
    width = mats[0][1]
    terms = " + ".join(f"{r}·({d_in} + {d_out})" for _, d_in, d_out in mats)
    return Problem(
        prompt=_lora_prompt(layers, r, which, mats)
        + "\nHow many trainable parameters does LoRA add in total? "
        "Give an exact integer.",
        given={"layers": layers, "rank": r, "matrices": [[n, a, b] for n, a, b in mats]},
        answer=answer,
        unit="count",
        solution=(
            "Each matrix adds r·d_in (A) + d_out·r (B) = r·(d_in + d_out).\n"
            f"Per layer: {terms} = {per_layer}\n"
            f"× {layers} layers = {answer}"
        ),
        diagnoses=(
            Diagnosis(per_layer, "that is one layer; multiply by the number of layers"),
            Diagnosis(layers * len(mats) * 2 * r * width, "you treated every matrix as d_model×d_model"),
            Diagnosis(
                layers * r * sum(d_out for _, _, d_out in mats), "you counted only B (d_out·r); A adds r·d_in"
            ),
        ),
    )


@register
def lora_fraction(
    rng: np.random.Generator,
    rank: Any = (4, 8, 16, 32, 64),
    targets: Any = tuple(_TARGETS),
) -> Problem:
    """LoRA's trainable parameters as a fraction of the weights of the matrices it adapts."""
    layers, r, which, mats = _lora_setup(rng, rank, targets)
    shapes = [(d_in, d_out) for _, d_in, d_out in mats]
    added = lora_params(shapes, r)
    full = int(np.sum([d_in * d_out for d_in, d_out in shapes]))
    answer = added / full
    return Problem(
        prompt=_lora_prompt(layers, r, which, mats)
        + "\nWhat fraction of the parameters of the adapted matrices does LoRA train, compared with fully "
        f"fine-tuning those matrices? Answer as a fraction (not a percentage). {SIG3_TEXT}",
        given={"layers": layers, "rank": r, "matrices": [[n, a, b] for n, a, b in mats]},
        answer=answer,
        unit="probability",
        tolerance=SIG3,
        solution=(
            "The layer count cancels: compare one layer.\n"
            f"LoRA: Σ r·(d_in + d_out) = {added}\n"
            f"Full: Σ d_in·d_out = {full}\n"
            f"Fraction = {added} / {full} = {fmt.sigfigs(answer, 3)}"
        ),
        diagnoses=(
            Diagnosis(answer / 2, "you counted only one of A and B"),
            Diagnosis(answer * 100, "that is a percentage; answer as a fraction"),
            Diagnosis(
                r * len(shapes) / full, "you counted r parameters per matrix; A and B have r·(d_in + d_out)"
            ),
        ),
    )


# --- alignment ---


@register
def dpo_pair_loss(rng: np.random.Generator, beta: Any = (0.05, 0.1, 0.2, 0.5)) -> Problem:
    """The DPO loss of one preference pair from policy and reference log-probabilities."""
    b = float(draw.one_of(rng, beta))
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "a preference pair")
        ref_w, ref_l = draw.real(rng, [-80.0, -10.0], 1), draw.real(rng, [-80.0, -10.0], 1)
        pol_w = round(ref_w + draw.real(rng, [-6.0, 6.0], 1), 1)
        pol_l = round(ref_l + draw.real(rng, [-6.0, 6.0], 1), 1)
        margin = (pol_w - ref_w) - (pol_l - ref_l)
        if abs(margin) >= 0.2:
            break
    z = b * margin
    answer = dpo_loss(pol_w, ref_w, pol_l, ref_l, b)
    return Problem(
        prompt=(
            "Sequence log-probabilities (natural log) of a chosen answer y_w and a rejected answer y_l:\n"
            f"  policy π:     ln π(y_w) = {fmt.num(pol_w)}, ln π(y_l) = {fmt.num(pol_l)}\n"
            f"  reference:    ln π_ref(y_w) = {fmt.num(ref_w)}, ln π_ref(y_l) = {fmt.num(ref_l)}\n"
            f"With β = {fmt.num(b)}, what is the DPO loss of this pair,\n"
            "  −ln σ(β·[(ln π(y_w) − ln π_ref(y_w)) − (ln π(y_l) − ln π_ref(y_l))])?\n"
            f"{SIG3_TEXT}"
        ),
        given={"logp_w": pol_w, "ref_w": ref_w, "logp_l": pol_l, "ref_l": ref_l, "beta": b},
        answer=answer,
        tolerance=SIG3,
        solution=(
            f"Log-ratio of y_w: {_paren(pol_w)} − {_paren(ref_w)} = {_paren(pol_w - ref_w)}\n"
            f"Log-ratio of y_l: {_paren(pol_l)} − {_paren(ref_l)} = {_paren(pol_l - ref_l)}\n"
            f"z = {fmt.num(b)} × ({_paren(pol_w - ref_w)} − {_paren(pol_l - ref_l)}) = {_paren(z)}\n"
            f"Loss = −ln σ({_paren(z)}) = ln(1 + e^{_paren(-z)}) = {fmt.sigfigs(answer, 3)}"
        ),
        diagnoses=(
            Diagnosis(neg_log_sigmoid(b * (pol_w - pol_l)), "you left out the reference model's log-probs"),
            Diagnosis(neg_log_sigmoid(margin), "you left out β"),
            Diagnosis(neg_log_sigmoid(-z), "you swapped the chosen and rejected answers"),
            Diagnosis(-answer, "a loss −ln σ(·) is positive: you dropped the minus sign"),
        ),
    )


@register
def bradley_terry(
    rng: np.random.Generator, rewards: draw.RealSpec = (-3.0, 3.0), ask: Any = ("probability", "loss")
) -> Problem:
    """Bradley–Terry preference probability σ(r_w − r_l), or the reward-model loss −ln σ(r_w − r_l)."""
    wanted = str(draw.one_of(rng, ask))
    if wanted not in ("probability", "loss"):
        raise ValueError("ask is probability or loss")
    tolerance = DEC3 if wanted == "probability" else SIG3
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "two distinct rewards")
        r_w, r_l = draw.real(rng, rewards), draw.real(rng, rewards)
        diff = r_w - r_l
        p = float(sigmoid(diff))
        answer = p if wanted == "probability" else neg_log_sigmoid(diff)
        if abs(diff) >= 0.05 and not _clashes(answer, tolerance, [r_w, r_l]) and 0.001 < p < 0.999:
            break
    setup = (
        f"A reward model scores the answer labellers preferred (y_w) at r_w = {fmt.num(r_w)} and the other "
        f"answer (y_l) at r_l = {fmt.num(r_l)}.\n"
    )
    if wanted == "probability":
        question = (
            "Under the Bradley–Terry model, what probability does it give that y_w is preferred? "
            "Give 3 decimals."
        )
        result = f"P = σ({fmt.num(diff)}) = 1 / (1 + e^{_paren(-diff)}) = {fmt.fixed(p, 3)}"
        diagnoses = [
            Diagnosis(1 - p, "that is P(y_l preferred): the difference is r_w − r_l"),
            Diagnosis(float(sigmoid(r_w)), "σ(r_w) alone ignores the other answer; use σ(r_w − r_l)"),
            Diagnosis(r_w / (r_w + r_l), "Bradley–Terry on rewards uses exponentials: σ(r_w − r_l)"),
        ]
        unit: Unit = "probability"
    else:
        question = (
            "What is its Bradley–Terry reward-model loss on this pair, −ln σ(r_w − r_l) (natural log)? "
            f"{SIG3_TEXT}"
        )
        result = f"P = σ({fmt.num(diff)}) = {fmt.num(p)}; loss = −ln {fmt.num(p)} = {fmt.sigfigs(answer, 3)}"
        diagnoses = [
            Diagnosis(neg_log_sigmoid(-diff), "you swapped the preferred and rejected answers"),
            Diagnosis(answer / np.log(2), "that is in bits (log base 2); use the natural log"),
            Diagnosis(p, "that is the probability σ(r_w − r_l); the loss is −ln of it"),
        ]
        unit = "real"
    return Problem(
        prompt=setup + question,
        given={"r_w": r_w, "r_l": r_l, "ask": wanted},
        answer=answer,
        unit=unit,
        tolerance=tolerance,
        solution=f"Bradley–Terry: P(y_w ≻ y_l) = σ(r_w − r_l); r_w − r_l = {fmt.num(diff)}\n{result}",
        diagnoses=tuple(diagnoses),
    )


def _distribution(rng: np.random.Generator, k: int) -> np.ndarray:
    """k probabilities in hundredths, each at least 0.03, summing to exactly 1."""
    cuts = np.sort(rng.choice(np.arange(1, 100 - 3 * k + 1), size=k - 1, replace=False))
    parts = np.diff(np.concatenate([[0], cuts, [100 - 3 * k]])) + 3
    return np.asarray(parts / 100.0)


@register
def kl_penalty(
    rng: np.random.Generator, vocab: draw.IntSpec = (3, 5), beta: Any = (0.02, 0.05, 0.1, 0.2)
) -> Problem:
    """The KL penalty β·KL(π ‖ π_ref) at one position from two next-token distributions."""
    k = draw.integer(rng, vocab)
    if not 2 <= k <= len(CLASS_NAMES):
        raise ValueError(f"vocab must be from 2 to {len(CLASS_NAMES)}")
    b = float(draw.one_of(rng, beta))
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "two different distributions")
        pi, ref = _distribution(rng, k), _distribution(rng, k)
        divergence = kl(pi, ref)
        if divergence > 0.02:
            break
    answer = b * divergence
    terms = " + ".join(f"{fmt.num(p)}·ln({fmt.num(p)}/{fmt.num(q)})" for p, q in zip(pi, ref, strict=True))
    names = ", ".join(CLASS_NAMES[:k])
    return Problem(
        prompt=(
            "At one position the policy π and the frozen reference π_ref give these next-token "
            f"probabilities over tokens {names}:\n"
            f"  π:     {fmt.vec(pi)}\n  π_ref: {fmt.vec(ref)}\n"
            f"RLHF subtracts β·KL(π ‖ π_ref) from the reward, with β = {fmt.num(b)}. What is this penalty "
            f"at this position (KL in nats, natural log)? {SIG3_TEXT}"
        ),
        given={"pi": pi, "ref": ref, "beta": b},
        answer=answer,
        tolerance=SIG3,
        solution=(
            "KL(π ‖ π_ref) = Σ π·ln(π/π_ref), weighting by the policy's own probabilities.\n"
            f"= {terms} = {fmt.num(divergence)} nats\n"
            f"Penalty = {fmt.num(b)} × {fmt.num(divergence)} = {fmt.sigfigs(answer, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                b * kl(ref, pi), "that is KL(π_ref ‖ π); the penalty weights by the policy, KL(π ‖ π_ref)"
            ),
            Diagnosis(divergence, "that is the KL itself; multiply by β"),
            Diagnosis(answer / np.log(2), "that is in bits (log base 2); use nats (natural log)"),
        ),
    )


# --- compression ---


def _logits(rng: np.random.Generator, k: int) -> np.ndarray:
    if not 2 <= k <= len(CLASS_NAMES):
        raise ValueError(f"classes must be from 2 to {len(CLASS_NAMES)}")
    return np.round(rng.uniform(-2.0, 6.0, size=k), 1)


@register
def distillation_soft_target(
    rng: np.random.Generator, classes: draw.IntSpec = (3, 5), temperature: Any = (2, 3, 4, 5, 8)
) -> Problem:
    """A teacher's soft target softmax(z/T) for one class at temperature T."""
    k = draw.integer(rng, classes)
    t = float(draw.one_of(rng, temperature))
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "teacher logits")
        z = _logits(rng, k)
        target = int(rng.integers(k))
        soft = softmax(z, t)
        answer = float(soft[target])
        hard = float(softmax(z)[target])
        if abs(answer - hard) > 0.005 and not _clashes(answer, DEC3, [*z, t]):
            break
    name = CLASS_NAMES[target]
    scaled = z / t
    return Problem(
        prompt=(
            f"A teacher's logits for classes {', '.join(CLASS_NAMES[:k])} are z = {fmt.vec(z)}.\n"
            "Knowledge distillation uses soft targets p = softmax(z / T) with temperature "
            f"T = {fmt.num(t)}.\n"
            f"What soft-target probability does class {name} get? Give 3 decimals."
        ),
        given={"logits": z, "temperature": t, "class": name},
        answer=answer,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"z / T = {fmt.vec(scaled)}\n"
            f"p_{name} = e^{fmt.num(scaled[target])} / Σ e^(zᵢ/T) = {fmt.fixed(answer, 3)}\n"
            f"(At T = 1 it would be {fmt.fixed(hard, 3)}: a higher T flattens the distribution.)"
        ),
        diagnoses=(
            Diagnosis(hard, "that is softmax(z) at T = 1; divide the logits by T first"),
            Diagnosis(
                float(softmax(z * t)[target]), "you multiplied the logits by T; soft targets use z / T"
            ),
        ),
    )


@register
def distillation_loss(
    rng: np.random.Generator, classes: draw.IntSpec = (3, 4), temperature: Any = (2, 3, 4, 5)
) -> Problem:
    """Hinton-style distillation term T²·KL(p_teacher ‖ p_student), both softened at temperature T."""
    k = draw.integer(rng, classes)
    t = float(draw.one_of(rng, temperature))
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "teacher and student logits")
        zt, zs = _logits(rng, k), _logits(rng, k)
        p_t, p_s = softmax(zt, t), softmax(zs, t)
        divergence = kl(p_t, p_s)
        if divergence > 0.005:
            break
    answer = t**2 * divergence
    return Problem(
        prompt=(
            f"Logits for classes {', '.join(CLASS_NAMES[:k])}: teacher z_t = {fmt.vec(zt)}, "
            f"student z_s = {fmt.vec(zs)}.\n"
            f"The distillation term is T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) with T = {fmt.num(t)} "
            f"(natural log). What is it? {SIG3_TEXT}"
        ),
        given={"teacher": zt, "student": zs, "temperature": t},
        answer=answer,
        tolerance=SIG3,
        solution=(
            f"Teacher soft targets softmax(z_t/{fmt.num(t)}) = {fmt.vec(p_t)}\n"
            f"Student softmax(z_s/{fmt.num(t)}) = {fmt.vec(p_s)}\n"
            f"KL = Σ p_t·ln(p_t/p_s) = {fmt.num(divergence)}\n"
            f"× T² = {fmt.num(t**2)}: {fmt.sigfigs(answer, 3)}\n"
            "The T² keeps the soft-target gradients on the same scale as the hard-label loss when T changes."
        ),
        diagnoses=(
            Diagnosis(divergence, "you left out the T² factor"),
            Diagnosis(
                t**2 * kl(p_s, p_t), "that is KL(student ‖ teacher); the teacher's distribution comes first"
            ),
            Diagnosis(kl(softmax(zt), softmax(zs)), "that is the KL at T = 1 without T²"),
            Diagnosis(t * divergence, "you multiplied by T; the factor is T²"),
        ),
    )


@register
def magnitude_pruning(
    rng: np.random.Generator, size: draw.IntSpec = (10, 16), ask: Any = ("sparsity", "energy")
) -> Problem:
    """Magnitude pruning: the sparsity a threshold gives, or the share of Σw² kept at a target sparsity."""
    n = draw.integer(rng, size)
    wanted = str(draw.one_of(rng, ask))
    if wanted not in ("sparsity", "energy") or n < 4:
        raise ValueError("ask is sparsity or energy, size at least 4")
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "weights without ties")
        w = np.round(rng.uniform(-1.0, 1.0, size=n), 2)
        mags = np.sort(np.abs(w))
        if len(np.unique(mags)) < n or mags[0] == 0:
            continue
        if wanted == "sparsity":
            threshold = draw.real(rng, [0.1, 0.7])
            pruned = int(np.sum(np.abs(w) < threshold))
            answer = pruned / n
            if (
                0 < pruned < n
                and not np.any(np.abs(w) == threshold)
                and not _clashes(answer, DEC3, [threshold])
            ):
                break
        else:
            pruned = int(rng.integers(n // 4, 3 * n // 4 + 1))
            cut = mags[pruned - 1]
            kept = np.abs(w) > cut
            answer = float(np.sum(w[kept] ** 2) / np.sum(w**2))
            if not _clashes(answer, DEC3, [pruned / n]):
                break
    if wanted == "sparsity":
        question = (
            f"Magnitude pruning sets to zero every weight with |w| < {fmt.num(threshold)}.\n"
            "What is the resulting sparsity (fraction of weights that are zero)? Give 3 decimals."
        )
        solution = (
            f"|w| sorted: {fmt.vec(mags)}\n"
            f"{pruned} of {n} are below {fmt.num(threshold)}: "
            f"sparsity = {pruned}/{n} = {fmt.fixed(answer, 3)}"
        )
        diagnoses = [Diagnosis(1 - answer, "that is the fraction kept (density); sparsity counts the zeros")]
        given: dict[str, Any] = {"weights": w, "threshold": threshold}
    else:
        question = (
            f"Magnitude pruning zeroes the {pruned} weights with the smallest |w| (sparsity {pruned}/{n}).\n"
            "What fraction of the squared norm Σw² do the surviving weights keep? Give 3 decimals."
        )
        solution = (
            f"|w| sorted: {fmt.vec(mags)}; the {pruned} smallest go.\n"
            f"Σw² kept = {fmt.num(np.sum(w[kept] ** 2))}, Σw² total = {fmt.num(np.sum(w**2))}\n"
            f"Fraction = {fmt.fixed(answer, 3)} (well above the {fmt.num(1 - pruned / n, 3)} of weights kept)"
        )
        diagnoses = [
            Diagnosis(1 - pruned / n, "that is the fraction of weights kept; weight by w²"),
            Diagnosis(1 - answer, "that is the share removed; the question asks for the share kept"),
            Diagnosis(
                float(np.sum(np.abs(w[kept])) / np.sum(np.abs(w))), "that is the share of Σ|w|; use Σw²"
            ),
        ]
        given = {"weights": w, "pruned": pruned}
    return Problem(
        prompt=f"A layer has {n} weights:\n  w = {fmt.vec(w)}\n{question}",
        given=given,
        answer=answer,
        unit="probability",
        tolerance=DEC3,
        solution=solution,
        diagnoses=tuple(diagnoses),
    )
