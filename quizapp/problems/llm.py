"""LLM architecture and training: transformer parameter counts, attention variants, decoding, scaling."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import give_up
from quizapp.problems.registry import register

MAX_TRIES = 500  # these draws fail more often than redraw.MAX_TRIES allows for: the limit they always had
DEC3 = Tolerance(decimals=3)
DEC2 = Tolerance(decimals=2)
SIG3 = Tolerance(sigfigs=3)
WITHIN_1PCT = Tolerance(rtol=0.01)  # huge magnitudes: the revealed answer reads 3.146e23, not 24 digits
TOKENS = "ABCDEFGHIJKL"
CHINCHILLA_TOKENS_PER_PARAM = 20


def _model_and_tokens(rng: np.random.Generator) -> tuple[float, float]:
    """A model size N and a token count D like those of published LLMs."""
    n = float(draw.one_of(rng, [0.125, 0.35, 0.77, 1.3, 2.7, 6.7, 7, 8, 13, 34, 70, 175, 405])) * 1e9
    if rng.random() < 0.6:
        return n, draw.real(rng, (0.2, 15.0), decimals=1) * 1e12
    return n, draw.integer(rng, (20, 900)) * 1e9


def _signed(x: float, decimals: int) -> str:
    """A fixed-decimals number with a Unicode minus, as prompts and solutions show negatives."""
    return fmt.fixed(x, decimals).replace("-", "−")


def _billions(x: float) -> str:
    return f"{fmt.num(x / 1e9, 3)}B"


# ---------------------------------------------------------------------------------------------------------
# Pure formulas (each tested against a published example or a second computation route).


def block_param_count(d: int, d_ff: int, style: str) -> dict[str, int]:
    """Parameters of one transformer block by part.

    "gpt": MHA with biases on Q, K, V, O; FFN d→d_ff→d with biases; two LayerNorms (γ and β).
    "llama": MHA without biases; SwiGLU FFN with three d×d_ff matrices, no biases; two RMSNorms (γ only)."""
    if style == "gpt":
        return {"attention": 4 * d * d + 4 * d, "ffn": 2 * d * d_ff + d_ff + d, "norms": 2 * 2 * d}
    if style == "llama":
        return {"attention": 4 * d * d, "ffn": 3 * d * d_ff, "norms": 2 * d}
    raise ValueError(f"style must be gpt or llama, got {style!r}")


def llama_ffn_width(d: int, multiple_of: int = 256) -> int:
    """LLaMA's SwiGLU hidden width: 2/3 of 4d, rounded up to a multiple of `multiple_of`."""
    hidden = int(2 * 4 * d / 3)
    return multiple_of * ((hidden + multiple_of - 1) // multiple_of)


def gqa_param_count(d: int, heads: int, kv_heads: int) -> int:
    """Attention weights (no biases) with `kv_heads` shared K/V heads: W_Q, W_O d×d; W_K, W_V d×(kv·d/h)."""
    d_head = d // heads
    return 2 * d * d + 2 * d * kv_heads * d_head


def chinchilla_params(budget: float, tokens_per_param: float = CHINCHILLA_TOKENS_PER_PARAM) -> float:
    """Compute-optimal N for a FLOP budget C under C = 6·N·D and D = k·N: N = √(C / 6k)."""
    return float(np.sqrt(budget / (6 * tokens_per_param)))


def zero_bytes_per_gpu(params: float, gpus: int, stage: int, k: int = 12) -> float:
    """Model-state bytes per GPU in mixed-precision Adam under ZeRO (Rajbhandari et al., 2020).

    16-bit weights (2Ψ) and gradients (2Ψ), plus K·Ψ optimizer state (fp32 master weights, m and v: K = 12);
    stage 1 shards the optimizer state, stage 2 also the gradients, stage 3 also the weights."""
    psi = float(params)
    if stage == 0:
        return (2 + 2 + k) * psi
    if stage == 1:
        return 4 * psi + k * psi / gpus
    if stage == 2:
        return 2 * psi + (2 + k) * psi / gpus
    if stage == 3:
        return (2 + 2 + k) * psi / gpus
    raise ValueError(f"ZeRO stage must be 0, 1, 2 or 3, got {stage}")


def perplexity_of(probs: Any) -> float:
    """exp of the mean negative log-likelihood per token."""
    return float(np.exp(-np.mean(np.log(np.asarray(probs, dtype=float)))))


def softmax_t(logits: Any, temperature: float) -> np.ndarray:
    """softmax(z / T), shifted by the max for stability."""
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())
    return np.asarray(e / e.sum())


def nucleus_count(percents: Any, top_p_percent: int) -> int:
    """Size of the smallest set of tokens whose probabilities (in whole percent) sum to ≥ top_p."""
    ordered = sorted(percents, reverse=True)
    cumulative = np.cumsum(ordered)
    return int(np.argmax(cumulative >= top_p_percent)) + 1


def length_normalised(logprob: float, length: int, alpha: float) -> float:
    """Hugging Face beam score: Σ log p divided by length^α."""
    return float(logprob / length**alpha)


def expected_calibration_error(counts: Any, confidence: Any, accuracy: Any) -> float:
    """ECE = Σ_b (n_b / N)·|acc_b − conf_b| over bins (Guo et al., 2017)."""
    n = np.asarray(counts, dtype=float)
    gaps = np.abs(np.asarray(accuracy, dtype=float) - np.asarray(confidence, dtype=float))
    return float(np.sum(n / n.sum() * gaps))


def elo_expected(r_a: float, r_b: float) -> float:
    """Expected score of A against B on the Elo scale: 1 / (1 + 10^((R_B − R_A)/400))."""
    return float(1.0 / (1.0 + 10.0 ** ((r_b - r_a) / 400.0)))


def speculative_tokens(alpha: float, gamma: int) -> float:
    """Expected tokens per target-model call with γ drafted tokens: (1 − α^(γ+1)) / (1 − α)."""
    return float((1 - alpha ** (gamma + 1)) / (1 - alpha))


# ---------------------------------------------------------------------------------------------------------
# Architecture: parameter counts.


@register
def block_params(rng: np.random.Generator, style: Any = ("gpt", "llama")) -> Problem:
    """Parameters of one transformer block, GPT-2 style (biases, LayerNorm) or LLaMA style (SwiGLU, RMSNorm).

    style: "gpt", "llama" or a list to choose from."""
    kind = str(draw.one_of(rng, style))
    if kind == "gpt":
        d = 64 * draw.integer(rng, (4, 32))
        d_ff = 4 * d
        convention = (
            f"A GPT-2-style decoder block has d_model = {d}: multi-head self-attention with Q, K, V and\n"
            "output projections (each d_model × d_model, each with a bias), a feed-forward network\n"
            f"d_model → {d_ff} → d_model (GELU, biases on both layers), and two LayerNorms (gain and bias)."
        )
    elif kind == "llama":
        d = 256 * draw.integer(rng, (4, 32))
        d_ff = llama_ffn_width(d)
        convention = (
            f"A LLaMA-style decoder block has d_model = {d}: multi-head self-attention with Q, K, V and\n"
            "output projections (each d_model × d_model, no biases), a SwiGLU feed-forward network with\n"
            f"hidden width {d_ff} (three weight matrices, W_gate and W_up: d_model × {d_ff} and\n"
            f"W_down: {d_ff} × d_model, no biases), and two RMSNorms (a gain vector each, no bias)."
        )
    else:
        raise ValueError(f"style must be gpt or llama, got {kind!r}")
    parts = block_param_count(d, d_ff, kind)
    total = sum(parts.values())
    if kind == "gpt":
        steps = (
            f"Attention: 4·d² + 4·d = 4·{d}² + 4·{d} = {parts['attention']}\n"
            f"FFN: 2·d·d_ff + d_ff + d = 2·{d}·{d_ff} + {d_ff} + {d} = {parts['ffn']}\n"
            f"LayerNorms: 2 × (γ + β) = 4·{d} = {parts['norms']}"
        )
        matrices = 4 * d * d + 2 * d * d_ff
        wrong_ffn = total - parts["ffn"] + 3 * d * d_ff
        wrong_ffn_text = "a plain GELU FFN has two matrices; SwiGLU is the one with three"
    else:
        steps = (
            f"Attention: 4·d² = 4·{d}² = {parts['attention']}\n"
            f"FFN (SwiGLU): 3·d·d_ff = 3·{d}·{d_ff} = {parts['ffn']}\n"
            f"RMSNorms: 2·d = {parts['norms']}"
        )
        matrices = 4 * d * d + 3 * d * d_ff
        wrong_ffn = total - parts["ffn"] + 2 * d * d_ff
        wrong_ffn_text = "SwiGLU has three matrices (gate, up, down), not two"
    return Problem(
        prompt=convention + "\nHow many learnable parameters does one block have? Give an exact integer.",
        given={"style": kind, "d_model": d, "d_ff": d_ff},
        answer=total,
        unit="count",
        solution=f"{steps}\nTotal = {parts['attention']} + {parts['ffn']} + {parts['norms']} = {total}",
        diagnoses=(
            Diagnosis(wrong_ffn, wrong_ffn_text),
            Diagnosis(matrices, "you counted only the weight matrices; add the biases and the norm gains"),
            Diagnosis(total - d * d, "you left out the output projection W_O (d_model × d_model)"),
        ),
    )


@register
def gqa_params(rng: np.random.Generator, heads: Any = (8, 16, 32, 64), head_dim: Any = (64, 128)) -> Problem:
    """Attention weights of grouped-query attention (no biases), given d_model, query heads and KV heads.

    heads, head_dim: choices; the number of KV heads is drawn among the divisors of heads below it."""
    h = int(draw.one_of(rng, heads))
    d_head = int(draw.one_of(rng, head_dim))
    kv_choices = [g for g in (1, 2, 4, 8, 16) if g < h and h % g == 0]
    if not kv_choices:
        raise ValueError(f"need at least 2 query heads, got {h}")
    g = int(draw.one_of(rng, kv_choices))
    d = h * d_head
    kv_width = g * d_head
    truth = gqa_param_count(d, h, g)
    name = "multi-query attention (one K/V head)" if g == 1 else f"grouped-query attention with {g} KV heads"
    return Problem(
        prompt=(
            f"A self-attention layer has d_model = {d} and {h} query heads of size {d_head}.\n"
            f"It uses {name}, so {h // g} query heads share each key/value head.\n"
            "The Q, K, V and output projections have no biases.\n"
            "How many learnable parameters does the layer have? Give an exact integer."
        ),
        given={"d_model": d, "heads": h, "kv_heads": g, "head_dim": d_head},
        answer=truth,
        unit="count",
        solution=(
            f"W_Q and W_O: d_model × d_model each = 2·{d}² = {2 * d * d}\n"
            f"W_K and W_V: d_model × (kv_heads·head_dim) = {d} × {kv_width} each = {2 * d * kv_width}\n"
            f"Total = {2 * d * d} + {2 * d * kv_width} = {truth}"
        ),
        diagnoses=(
            Diagnosis(4 * d * d, "that is full multi-head attention (4·d²); K and V are narrower here"),
            Diagnosis(truth - d * d, "you left out the output projection W_O"),
            Diagnosis(d * d + 2 * d * kv_width, "you left out W_Q or W_O: both stay d_model × d_model"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Pre-training compute and memory.


@register
def training_flops(rng: np.random.Generator, quantity: Any = ("flops", "days")) -> Problem:
    """Training compute C ≈ 6·N·D, or the wall-clock days it takes on a GPU cluster at a given utilisation.

    quantity: "flops", "days" or a list to choose from."""
    what = str(draw.one_of(rng, quantity))
    if what not in ("flops", "days"):
        raise ValueError(f"quantity must be flops or days, got {what!r}")
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "a run lasting between 1 and 365 days", MAX_TRIES)
        n, d = _model_and_tokens(rng)
        gpus = int(draw.one_of(rng, [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]))
        peak = float(draw.one_of(rng, [312, 989]))  # A100 / H100 dense BF16 TFLOP/s
        mfu = draw.real(rng, (0.3, 0.55))
        rate = gpus * peak * 1e12 * mfu
        days = 6 * n * d / rate / 86400
        if what == "flops" or 1 <= days <= 365:
            break
    flops = 6 * n * d
    setup = (
        f"A dense decoder-only model with N = {_billions(n)} parameters "
        f"is trained on D = {fmt.sci(d)} tokens.\n"
        "Use the standard estimate C ≈ 6·N·D training FLOPs\n"
        "(2·N·D forward + 4·N·D backward; ignore attention)."
    )
    base = f"C = 6 × {fmt.sci(n)} × {fmt.sci(d)} = {fmt.sci(flops, 4)} FLOPs"
    if what == "flops":
        return Problem(
            prompt=setup
            + "\nHow many FLOPs does training take? Answer in scientific notation, within 1% (e.g. 1.23e22).",
            given={"params": n, "tokens": d},
            answer=flops,
            tolerance=WITHIN_1PCT,
            solution=base,
            diagnoses=(
                Diagnosis(
                    2 * n * d, "2·N·D is the forward pass only; the backward pass costs about twice that"
                ),
                Diagnosis(n * d, "you left out the factor 6 (2 FLOPs per multiply-add, forward + backward)"),
                Diagnosis(
                    8 * n * d, "8·N·D counts a recomputed forward pass (activation checkpointing); use 6·N·D"
                ),
            ),
        )
    return Problem(
        prompt=(
            setup + f"\nIt runs on {gpus} GPUs with a peak of {fmt.num(peak)} TFLOP/s each (BF16, dense)\n"
            f"at a model FLOPs utilisation (MFU) of {fmt.num(mfu)}.\n"
            "How many days does training take? Give 3 significant figures."
        ),
        given={"params": n, "tokens": d, "gpus": gpus, "peak_tflops": peak, "mfu": mfu},
        answer=days,
        tolerance=SIG3,
        solution=(
            f"{base}\n"
            f"Sustained rate = {gpus} × {fmt.num(peak)}e12 × {fmt.num(mfu)} = {fmt.sci(rate, 4)} FLOP/s\n"
            f"Time = {fmt.sci(flops, 4)} / {fmt.sci(rate, 4)} = {fmt.sci(flops / rate, 4)} s\n"
            f"= {fmt.sci(flops / rate, 4)} / 86400 = {fmt.sigfigs(days, 3)} days"
        ),
        diagnoses=(
            Diagnosis(days * mfu, "you used the peak rate; divide by the MFU as well"),
            Diagnosis(days / 3, "2·N·D is the forward pass only; training costs about 6·N·D"),
            Diagnosis(days * 24, "that is in hours; divide by 24 for days"),
        ),
    )


@register
def chinchilla_optimal(rng: np.random.Generator, target: Any = ("params", "tokens")) -> Problem:
    """Compute-optimal model size or token count for a FLOP budget, with C ≈ 6·N·D and D ≈ 20·N.

    target: "params", "tokens" or a list to choose from."""
    what = str(draw.one_of(rng, target))
    if what not in ("params", "tokens"):
        raise ValueError(f"target must be params or tokens, got {what!r}")
    mantissa = draw.real(rng, (1.0, 9.9), decimals=1)
    exponent = draw.integer(rng, (20, 24))
    budget = mantissa * 10.0**exponent
    n = chinchilla_params(budget)
    d = CHINCHILLA_TOKENS_PER_PARAM * n
    answer, other = (n, d) if what == "params" else (d, n)
    label = "parameters N" if what == "params" else "training tokens D"
    return Problem(
        prompt=(
            f"You have a training budget of C = {fmt.num(mantissa)}e{exponent} FLOPs. Use C ≈ 6·N·D\n"
            f"and the Chinchilla rule of thumb D ≈ {CHINCHILLA_TOKENS_PER_PARAM}·N (tokens per parameter).\n"
            f"What is the compute-optimal number of {label}?\n"
            "Answer in billions, to 3 significant figures."
        ),
        given={"budget_flops": budget, "tokens_per_param": CHINCHILLA_TOKENS_PER_PARAM, "target": what},
        answer=answer / 1e9,
        tolerance=SIG3,
        solution=(
            f"C = 6·N·(20·N) = 120·N², so N = √(C/120) = √({fmt.sci(budget)}/120) = {fmt.sci(n, 4)}\n"
            f"D = 20·N = {fmt.sci(d, 4)}\n"
            f"{label} = {fmt.sigfigs(answer / 1e9, 3)} billion"
        ),
        diagnoses=(
            Diagnosis(other / 1e9, "you swapped N and D: D = 20·N is the larger one"),
            Diagnosis(np.sqrt(budget / 6) / 1e9, "√(C/6) assumes D = N; Chinchilla uses D ≈ 20·N"),
            Diagnosis(
                (np.sqrt(budget / 20) if what == "params" else 20 * np.sqrt(budget / 20)) / 1e9,
                "you dropped the factor 6 in C ≈ 6·N·D",
            ),
        ),
    )


@register
def training_memory(rng: np.random.Generator, stage: Any = (0, 1, 2, 3)) -> Problem:
    """Per-GPU memory for weights, gradients and Adam state in mixed precision (16 B/param), ZeRO-sharded.

    stage: ZeRO stage 0 (plain data parallel), 1, 2, 3, or a list to choose from."""
    z = int(draw.one_of(rng, stage))
    params = float(draw.one_of(rng, [0.35, 1.3, 1.5, 3, 6.7, 7, 7.5, 8, 13, 20, 34, 70])) * 1e9
    gpus = int(draw.one_of(rng, [8, 16, 32, 64, 128]))
    truth = zero_bytes_per_gpu(params, gpus, z) / 1e9
    what = {
        0: "plain data parallelism (every GPU holds everything)",
        1: "ZeRO stage 1 (optimizer state sharded)",
        2: "ZeRO stage 2 (optimizer state and gradients sharded)",
        3: "ZeRO stage 3 (optimizer state, gradients and weights sharded)",
    }[z]
    if z not in (0, 1, 2, 3):
        raise ValueError(f"stage must be 0..3, got {z}")
    formula = {
        0: "(2 + 2 + 12)·Ψ",
        1: "(2 + 2)·Ψ + 12·Ψ/N_d",
        2: "2·Ψ + (2 + 12)·Ψ/N_d",
        3: "(2 + 2 + 12)·Ψ/N_d",
    }[z]
    return Problem(
        prompt=(
            f"A Ψ = {_billions(params)}-parameter model is trained with mixed-precision Adam on\n"
            f"N_d = {gpus} GPUs: "
            "16-bit weights (2 bytes/param) and gradients (2 bytes/param), plus an fp32 master\n"
            "copy of the weights and Adam's m and v (4 + 4 + 4 = 12 bytes/param).\n"
            f"It uses {what}.\n"
            "How much memory does each GPU need for these model states (ignore activations and\n"
            "buffers)? "
            "Answer in GB (1 GB = 10⁹ bytes), to 3 significant figures."
        ),
        given={"params": params, "gpus": gpus, "zero_stage": z},
        answer=truth,
        tolerance=SIG3,
        solution=(
            f"Bytes per GPU = {formula} with Ψ = {fmt.sci(params)}, N_d = {gpus}\n"
            f"= {fmt.sci(truth * 1e9, 4)} bytes = {fmt.sigfigs(truth, 3)} GB"
        ),
        diagnoses=(
            Diagnosis(
                16 * params / 1e9, "that is the unsharded 16 bytes/param; ZeRO divides some of it by N_d"
            ),
            Diagnosis(
                zero_bytes_per_gpu(params, gpus, z, k=8) / 1e9,
                "you left out the fp32 master weights (K = 12)",
            ),
            Diagnosis(truth * 1e9 / 2**30, "that is in GiB (2³⁰ bytes); the question uses GB = 10⁹ bytes"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Decoding.


@register
def temperature_softmax(rng: np.random.Generator, vocab: draw.IntSpec = (3, 5)) -> Problem:
    """Probability of one token after softmax with temperature T: softmax(z / T)."""
    k = draw.integer(rng, vocab)
    if not 2 <= k <= len(TOKENS):
        raise ValueError(f"vocab must be 2..{len(TOKENS)}, got {k}")
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "logits with a visible probability", MAX_TRIES)
        z = np.round(rng.uniform(-2, 3, size=k), 1)
        t = float(draw.one_of(rng, [0.25, 0.5, 0.7, 0.8, 1.5, 2.0, 3.0]))
        j = int(rng.integers(k))
        probs = softmax_t(z, t)
        plain = softmax_t(z, 1.0)
        if probs[j] >= 0.02 and abs(probs[j] - plain[j]) > 0.005 and len(set(z.tolist())) == k:
            break
    p = float(probs[j])
    scaled = z / t
    return Problem(
        prompt=(
            f"A language model outputs these logits over a {k}-token vocabulary {', '.join(TOKENS[:k])}:\n"
            f"  z = {fmt.vec(z)}\n"
            f"Sampling uses temperature T = {fmt.num(t)}, i.e. p = softmax(z / T).\n"
            f"What is the probability of token {TOKENS[j]}? Give 3 decimals."
        ),
        given={"logits": z, "temperature": t, "token": TOKENS[j]},
        answer=p,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"z / T = {fmt.vec(scaled)}\n"
            f"e^(z/T) = {fmt.vec(np.exp(scaled))}, Σ = {fmt.num(np.exp(scaled).sum())}\n"
            f"p({TOKENS[j]}) = {fmt.num(np.exp(scaled[j]))} / {fmt.num(np.exp(scaled).sum())}"
            f" = {fmt.fixed(p, 3)}"
        ),
        diagnoses=(
            Diagnosis(plain[j], "that is the probability at T = 1; divide the logits by T first"),
            Diagnosis(softmax_t(z * t, 1.0)[j], "you multiplied the logits by T; temperature divides them"),
        ),
    )


@register
def nucleus_size(rng: np.random.Generator, vocab: draw.IntSpec = (6, 10)) -> Problem:
    """Size of the top-p (nucleus) set: the fewest tokens whose probabilities sum to at least p."""
    k = draw.integer(rng, vocab)
    if not 3 <= k <= len(TOKENS):
        raise ValueError(f"vocab must be 3..{len(TOKENS)}, got {k}")
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "a nucleus smaller than the vocabulary", MAX_TRIES)
        raw = rng.dirichlet(np.full(k, 0.7))
        percents = np.maximum(np.round(raw * 100).astype(int), 1)
        percents[np.argmax(percents)] += 100 - percents.sum()
        top_p = int(draw.one_of(rng, [50, 60, 70, 75, 80, 85, 90, 95]))
        if percents.min() < 1:
            continue
        cumulative = np.cumsum(sorted(percents, reverse=True))
        size = nucleus_count(percents.tolist(), top_p)
        in_order = int(np.argmax(np.cumsum(percents) >= top_p)) + 1
        if top_p not in cumulative and 2 <= size < k and in_order != size:
            break
    probs = percents / 100
    ordered = sorted(percents.tolist(), reverse=True)
    running = np.cumsum(ordered)[:size]
    return Problem(
        prompt=(
            f"The next-token distribution over {k} tokens is\n"
            + "\n".join(f"  {TOKENS[i]}: {fmt.fixed(probs[i], 2)}" for i in range(k))
            + f"\nTop-p (nucleus) sampling with p = {fmt.num(top_p / 100)} keeps the smallest set of tokens\n"
            "whose total probability is at least p. How many tokens does it keep? Give an exact integer."
        ),
        given={"probs": probs, "top_p": top_p / 100},
        answer=size,
        unit="count",
        solution=(
            "Sort the probabilities in descending order and add them until the sum reaches p:\n"
            f"{', '.join(fmt.fixed(v / 100, 2) for v in ordered)}\n"
            f"running sums: {', '.join(fmt.fixed(v / 100, 2) for v in running)}"
            f" (first ≥ {fmt.num(top_p / 100)})\nSo {size} tokens are kept."
        ),
        diagnoses=(
            Diagnosis(in_order, "you added the tokens in the listed order; sort by probability first"),
            Diagnosis(size - 1, "you stopped before p was reached; the token that crosses p is kept"),
        ),
    )


@register
def beam_length_norm(rng: np.random.Generator, alpha: Any = (0.6, 0.8, 1.0)) -> Problem:
    """The best beam-search hypothesis under length normalisation score = Σ log p / L^α (Hugging Face's)."""
    a = float(draw.one_of(rng, alpha))
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "hypotheses where length normalisation changes the winner", MAX_TRIES)
        lengths = np.sort(rng.choice(np.arange(4, 25), size=3, replace=False))
        logprobs = np.round(-lengths * rng.uniform(0.25, 1.0, size=3), 2)
        scores = np.array([length_normalised(lp, int(n), a) for lp, n in zip(logprobs, lengths, strict=True)])
        best, raw_best = int(np.argmax(scores)), int(np.argmax(logprobs))
        ranked = np.sort(scores)
        if best != raw_best and ranked[-1] - ranked[-2] > 0.01 and len(set(logprobs.tolist())) == 3:
            break
    truth = float(scores[best])
    rows = "\n".join(
        f"  hypothesis {i + 1}: {n} tokens, total log-probability {_signed(lp, 2)}"
        for i, (n, lp) in enumerate(zip(lengths, logprobs, strict=True))
    )
    work = "\n".join(
        f"  {i + 1}: ({_signed(lp, 2)}) / {n}^{fmt.num(a)} = {_signed(s, 4)}"
        for i, (n, lp, s) in enumerate(zip(lengths, logprobs, scores, strict=True))
    )
    plain_mean = logprobs / lengths
    return Problem(
        prompt=(
            f"Beam search finished with three hypotheses (natural-log probabilities):\n{rows}\n"
            f"Hypotheses are ranked by the length-normalised score Σ log p / L^α with α = {fmt.num(a)}\n"
            "(Hugging Face's length_penalty). What is the score of the hypothesis that is returned?\n"
            "Give 3 decimals."
        ),
        given={"lengths": lengths, "logprobs": logprobs, "alpha": a},
        answer=truth,
        tolerance=DEC3,
        solution=(
            f"Scores:\n{work}\nThe highest (least negative) is hypothesis {best + 1}: {_signed(truth, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                scores[raw_best],
                "that hypothesis wins only without normalisation; compare the normalised scores",
            ),
            Diagnosis(logprobs[raw_best], "that is the best raw log-probability; divide each by L^α first"),
            Diagnosis(np.max(plain_mean), "you divided by L (α = 1); use L^α"),
        ),
    )


@register
def speculative_decoding(rng: np.random.Generator, quantity: Any = ("tokens", "speedup")) -> Problem:
    """Expected tokens per target call in speculative decoding, or its wall-time speed-up (Leviathan 2023).

    quantity: "tokens", "speedup" or a list to choose from."""
    what = str(draw.one_of(rng, quantity))
    if what not in ("tokens", "speedup"):
        raise ValueError(f"quantity must be tokens or speedup, got {what!r}")
    alpha = draw.real(rng, (0.5, 0.95))
    gamma = draw.integer(rng, (2, 8))
    tokens = speculative_tokens(alpha, gamma)
    accepted = tokens - alpha**gamma  # the drafted tokens accepted, without the target's extra token
    setup = (
        f"In speculative decoding a draft model proposes γ = {gamma} tokens per step and the target model\n"
        f"verifies them in one forward pass. Assume each drafted token is accepted independently with\n"
        f"probability α = {fmt.num(alpha)} (acceptance stops at the first rejection); the target always\n"
        "adds one token of its own (the correction, or a bonus token when all γ are accepted)."
    )
    base = (
        f"E[tokens per step] = (1 − α^(γ+1)) / (1 − α) = (1 − {fmt.num(alpha)}^{gamma + 1}) / "
        f"{fmt.num(1 - alpha)} = {fmt.num(tokens, 5)}"
    )
    if what == "tokens":
        return Problem(
            prompt=setup + "\nHow many tokens does one step produce on average? Give 2 decimals.",
            given={"alpha": alpha, "gamma": gamma},
            answer=tokens,
            tolerance=DEC2,
            solution=base,
            diagnoses=(
                Diagnosis(
                    accepted, "that counts only accepted draft tokens; the target adds one more each step"
                ),
                Diagnosis(gamma * alpha + 1, "γ·α + 1 ignores that acceptance stops at the first rejection"),
                Diagnosis(1 / (1 - alpha), "1/(1 − α) is the limit for an unbounded draft; γ caps it"),
            ),
        )
    c = draw.real(rng, (0.02, 0.2))
    speedup = tokens / (gamma * c + 1)
    return Problem(
        prompt=(
            setup
            + f"\nOne draft-model call costs c = {fmt.num(c)} of a target-model call. What is the expected\n"
            "wall-time speed-up over plain decoding, (1 − α^(γ+1)) / ((1 − α)(γ·c + 1))? Give 2 decimals."
        ),
        given={"alpha": alpha, "gamma": gamma, "cost_ratio": c},
        answer=speedup,
        tolerance=DEC2,
        solution=(
            f"{base}\n"
            f"Cost of a step = γ·c + 1 = {gamma}·{fmt.num(c)} + 1 = {fmt.num(gamma * c + 1)} target calls\n"
            f"Speed-up = {fmt.num(tokens, 5)} / {fmt.num(gamma * c + 1)} = {fmt.fixed(speedup, 2)}"
        ),
        diagnoses=(
            Diagnosis(tokens, "that leaves out the draft model's cost γ·c"),
            Diagnosis(accepted / (gamma * c + 1), "you left out the target's own token in each step"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Evaluation.


@register
def perplexity(rng: np.random.Generator, n: draw.IntSpec = (4, 8)) -> Problem:
    """Perplexity exp(−(1/n)·Σ ln p) of a short sequence, from the probabilities the model gave each token."""
    count = draw.integer(rng, n)
    probs = np.round(rng.uniform(0.05, 0.95, size=count), 2)
    nll = float(-np.mean(np.log(probs)))
    truth = perplexity_of(probs)
    return Problem(
        prompt=(
            f"A language model assigns these probabilities to the {count} tokens of a held-out sequence:\n"
            f"  {fmt.vec(probs)}\n"
            "What is its perplexity on the sequence (per token)? Give 3 significant figures."
        ),
        given={"probs": probs},
        answer=truth,
        tolerance=SIG3,
        solution=(
            f"Mean negative log-likelihood = −(1/{count})·Σ ln p = {fmt.num(nll, 5)} nats\n"
            f"Perplexity = e^{fmt.num(nll, 5)} = {fmt.sigfigs(truth, 3)} (the inverse geometric mean of p)"
        ),
        diagnoses=(
            Diagnosis(nll, "that is the cross-entropy in nats; perplexity is its exponential"),
            Diagnosis(
                float(1 / np.mean(probs)),
                "1/mean(p) uses the arithmetic mean; perplexity uses the geometric mean",
            ),
            Diagnosis(float(np.prod(1 / probs)), "you left out the 1/n: perplexity is per token"),
        ),
    )


@register
def calibration_ece(rng: np.random.Generator, bins: draw.IntSpec = (3, 5)) -> Problem:
    """Expected calibration error Σ (n_b/N)·|acc_b − conf_b| from binned confidences and accuracies."""
    b = draw.integer(rng, bins)
    edges = np.linspace(0.5, 1.0, b + 1) if rng.random() < 0.5 else np.linspace(0.0, 1.0, b + 1)
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "bins with a visible calibration error", MAX_TRIES)
        counts = rng.integers(10, 301, size=b)
        conf = np.round(rng.uniform(edges[:-1] + 0.01, edges[1:] - 0.01), 2)
        acc = np.round(np.clip(conf + rng.normal(-0.05, 0.1, size=b), 0.0, 1.0), 2)
        ece = expected_calibration_error(counts, conf, acc)
        gaps = np.abs(acc - conf)
        if ece >= 0.01 and abs(ece - gaps.mean()) > 0.002 and len(set(gaps.tolist())) > 1:
            break
    rows = "\n".join(
        f"  bin {i + 1}: {n} answers, mean confidence {fmt.fixed(c, 2)}, accuracy {fmt.fixed(a, 2)}"
        for i, (n, c, a) in enumerate(zip(counts, conf, acc, strict=True))
    )
    total = int(counts.sum())
    terms = " + ".join(f"{n}·{fmt.fixed(g, 2)}" for n, g in zip(counts, gaps, strict=True))
    return Problem(
        prompt=(
            f"An LLM's answers to {total} questions are grouped into {b} confidence bins:\n{rows}\n"
            "What is the expected calibration error, ECE = Σ_b (n_b/N)·|acc_b − conf_b|? Give 3 decimals."
        ),
        given={"counts": counts, "confidence": conf, "accuracy": acc},
        answer=ece,
        unit="probability",
        tolerance=DEC3,
        solution=(f"Gaps |acc − conf| = {fmt.vec(gaps)}\nECE = ({terms}) / {total} = {fmt.fixed(ece, 3)}"),
        diagnoses=(
            Diagnosis(
                gaps.mean(), "that is the unweighted mean gap; weight each bin by its share of answers"
            ),
            Diagnosis(
                abs(float(np.sum(counts / total * (acc - conf)))),
                "you let signed gaps cancel; ECE uses |acc − conf|",
            ),
            Diagnosis(float(gaps.max()), "that is the maximum calibration error (MCE), the largest gap"),
        ),
    )


@register
def elo_rating(rng: np.random.Generator, quantity: Any = ("win", "update")) -> Problem:
    """Elo / Bradley–Terry expected win probability of model A over B, or A's rating after one comparison.

    quantity: "win", "update" or a list to choose from."""
    what = str(draw.one_of(rng, quantity))
    if what not in ("win", "update"):
        raise ValueError(f"quantity must be win or update, got {what!r}")
    for tries in range(MAX_TRIES + 1):
        give_up(tries, "two ratings that differ", MAX_TRIES)
        r_a, r_b = (int(v) for v in rng.integers(900, 1401, size=2))
        if abs(r_a - r_b) >= 15:
            break
    e_a = elo_expected(r_a, r_b)
    setup = (
        f"On an Elo-scale leaderboard (like Chatbot Arena), model A is rated {r_a} and model B {r_b}.\n"
        "The expected score of A is E_A = 1 / (1 + 10^((R_B − R_A)/400))."
    )
    exponent = fmt.num((r_b - r_a) / 400).replace("-", "−")
    exponent = f"({exponent})" if r_b < r_a else exponent
    base = f"E_A = 1 / (1 + 10^(({r_b} − {r_a})/400)) = 1 / (1 + 10^{exponent}) = {fmt.num(e_a, 5)}"
    if what == "win":
        return Problem(
            prompt=setup + "\nWhat is the probability that a voter prefers A (no ties)? Give 3 decimals.",
            given={"rating_a": r_a, "rating_b": r_b},
            answer=e_a,
            unit="probability",
            tolerance=DEC3,
            solution=base,
            diagnoses=(
                Diagnosis(1 - e_a, "that is B's win probability; check the sign of R_B − R_A"),
                Diagnosis(1 / (1 + np.exp((r_b - r_a) / 400)), "you used e instead of 10 as the base"),
            ),
        )
    k = int(draw.one_of(rng, [4, 16, 32]))
    outcome, word = [(1.0, "wins"), (0.5, "ties"), (0.0, "loses")][int(rng.integers(3))]
    new = r_a + k * (outcome - e_a)
    return Problem(
        prompt=(
            setup + f"\nA {word} one comparison against B (score S = {fmt.num(outcome)}).\n"
            f"With K = {k}, what is A's new rating R_A + K·(S − E_A)? Give 1 decimal."
        ),
        given={"rating_a": r_a, "rating_b": r_b, "k": k, "score": outcome},
        answer=new,
        tolerance=Tolerance(decimals=1),
        solution=(
            f"{base}\nR_A' = {r_a} + {k}·({fmt.num(outcome)} − {fmt.num(e_a, 4)}) = {fmt.fixed(new, 1)}"
        ),
        diagnoses=(
            Diagnosis(r_a + k * (outcome - (1 - e_a)), "you used B's expected score E_B = 1 − E_A"),
            Diagnosis(r_a - k * (outcome - e_a), "the update adds K·(S − E_A); you subtracted it"),
        ),
    )
