"""llm generators: each truth against a published number, a hand computation or a second route."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

from quizapp.problems import llm
from quizapp.problems.model import Problem
from quizapp.problems.registry import generators, get

SEEDS = range(40)
NAMES = (
    "block_params",
    "gqa_params",
    "training_flops",
    "chinchilla_optimal",
    "training_memory",
    "temperature_softmax",
    "nucleus_size",
    "beam_length_norm",
    "speculative_decoding",
    "perplexity",
    "calibration_ece",
    "elo_rating",
)


def make(name: str, seed: int, **params: Any) -> Problem:
    return get(f"llm.{name}").fn(np.random.default_rng(seed), **params)


def test_the_family_is_registered() -> None:
    assert {f"llm.{name}" for name in NAMES} <= set(generators())


# ---- architecture: published parameter counts ----------------------------------------------------------


def test_gpt2_small_block_is_7_087_872_parameters() -> None:
    # GPT-2 small: 124,439,808 parameters = 12 blocks + token (50257×768) and position (1024×768)
    # embeddings + the final LayerNorm (2×768); the output layer is tied to the token embedding.
    block = sum(llm.block_param_count(768, 3072, "gpt").values())
    assert block == 7_087_872
    assert 12 * block + 50257 * 768 + 1024 * 768 + 2 * 768 == 124_439_808


def test_llama_7b_adds_up_to_its_published_size() -> None:
    # LLaMA-7B: d = 4096, SwiGLU width 11008, 32 blocks, untied 32000-token embedding and output
    # matrices, a final RMSNorm: 6,738,415,616 parameters (the count the released checkpoint has).
    assert llm.llama_ffn_width(4096) == 11008
    assert llm.llama_ffn_width(5120) == 13824  # LLaMA-13B
    block = sum(llm.block_param_count(4096, 11008, "llama").values())
    assert 32 * block + 2 * 32000 * 4096 + 4096 == 6_738_415_616


def shapes_count(shapes: list[tuple[int, ...]]) -> int:
    """Parameters from a list of tensor shapes (a different route from the closed forms)."""
    return sum(math.prod(shape) for shape in shapes)


@pytest.mark.parametrize("seed", SEEDS)
def test_block_params_match_the_tensor_shapes(seed: int) -> None:
    p = make("block_params", seed)
    d, f = p.given["d_model"], p.given["d_ff"]
    if p.given["style"] == "gpt":
        shapes = [(d, d), (d,)] * 4 + [(d, f), (f,), (f, d), (d,)] + [(d,), (d,)] * 2
    else:
        shapes = [(d, d)] * 4 + [(d, f), (d, f), (f, d)] + [(d,)] * 2
    assert p.answer == shapes_count(shapes)
    assert str(d) in p.prompt and str(f) in p.prompt


def test_gqa_llama2_70b_attention() -> None:
    # LLaMA-2-70B: d = 8192, 64 query heads of 128, 8 KV heads.
    assert llm.gqa_param_count(8192, 64, 8) == 2 * 8192**2 + 2 * 8192 * 1024
    assert llm.gqa_param_count(8192, 64, 64) == 4 * 8192**2  # g = h is plain multi-head attention


@pytest.mark.parametrize("seed", SEEDS)
def test_gqa_params_match_the_tensor_shapes(seed: int) -> None:
    p = make("gqa_params", seed)
    d, g, dh = p.given["d_model"], p.given["kv_heads"], p.given["head_dim"]
    assert p.answer == shapes_count([(d, d), (d, g * dh), (d, g * dh), (d, d)])
    assert p.answer < 4 * d * d
    assert 4 * d * d in [d.value for d in p.diagnoses]


# ---- compute and memory ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_training_flops_and_days(seed: int) -> None:
    flops = make("training_flops", seed, quantity="flops")
    n, d = flops.given["params"], flops.given["tokens"]
    assert flops.answer == pytest.approx(6 * n * d)
    days = make("training_flops", seed, quantity="days")
    g = days.given
    seconds = 6 * g["params"] * g["tokens"] / (g["gpus"] * g["peak_tflops"] * 1e12 * g["mfu"])
    assert days.answer == pytest.approx(seconds / (24 * 3600))
    assert 1 <= days.answer <= 365  # type: ignore[operator]


def test_chinchilla_70b_on_1_4t_tokens() -> None:
    # Hoffmann et al. (2022): Chinchilla, 70B parameters on 1.4T tokens, used Gopher's budget ≈ 5.76e23.
    n = llm.chinchilla_params(5.76e23)
    assert n == pytest.approx(70e9, rel=0.02)  # the rule of thumb lands within 2% of the paper's choice
    assert 20 * n == pytest.approx(1.4e12, rel=0.02)


@pytest.mark.parametrize("seed", SEEDS)
def test_chinchilla_answer_spends_the_budget(seed: int) -> None:
    p = make("chinchilla_optimal", seed)
    c = p.given["budget_flops"]
    value = float(p.answer) * 1e9  # type: ignore[arg-type]
    n = value if p.given["target"] == "params" else value / 20
    assert 6 * n * (20 * n) == pytest.approx(c)


@pytest.mark.parametrize(
    ("stage", "gb"),
    [(0, 120.0), (1, 31.4), (2, 16.6), (3, 1.88)],  # ZeRO paper, Figure 1: Ψ = 7.5B, N_d = 64
)
def test_zero_memory_matches_the_paper(stage: int, gb: float) -> None:
    assert llm.zero_bytes_per_gpu(7.5e9, 64, stage) / 1e9 == pytest.approx(gb, rel=0.005)


@pytest.mark.parametrize("seed", SEEDS)
def test_training_memory_by_component(seed: int) -> None:
    p = make("training_memory", seed)
    psi, n, z = p.given["params"], p.given["gpus"], p.given["zero_stage"]
    weights, grads, optimizer = 2 * psi, 2 * psi, 12 * psi
    sharded = [optimizer, optimizer + grads, optimizer + grads + weights][z - 1] if z else 0
    expected = (weights + grads + optimizer - sharded) + sharded / n
    assert p.answer == pytest.approx(expected / 1e9)


# ---- decoding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_temperature_softmax_against_scipy(seed: int) -> None:
    p = make("temperature_softmax", seed)
    z, t = np.array(p.given["logits"]), p.given["temperature"]
    j = "ABCDEFGHIJKL".index(p.given["token"])
    assert p.answer == pytest.approx(special.softmax(z / t)[j])
    assert t != 1


def test_temperature_limits() -> None:
    z = [2.0, 1.0, 0.0]
    assert llm.softmax_t(z, 0.01)[0] == pytest.approx(1.0)  # T → 0: greedy
    assert llm.softmax_t(z, 1e6) == pytest.approx(np.full(3, 1 / 3), rel=1e-4)  # T → ∞: uniform


def brute_force_nucleus(probs: list[float], top_p: float) -> int:
    """The size of the smallest subset of tokens with total probability ≥ p, by trying every subset."""
    for size in range(1, len(probs) + 1):
        if any(sum(c) >= top_p - 1e-9 for c in itertools.combinations(probs, size)):
            return size
    raise AssertionError("no subset reaches p")


@pytest.mark.parametrize("seed", SEEDS)
def test_nucleus_size_by_brute_force(seed: int) -> None:
    p = make("nucleus_size", seed)
    probs, top_p = p.given["probs"], p.given["top_p"]
    assert sum(probs) == pytest.approx(1.0)
    assert p.answer == brute_force_nucleus(probs, top_p)
    assert 2 <= p.answer < len(probs)  # type: ignore[operator]


def test_nucleus_hand_worked() -> None:
    # 0.4 + 0.3 = 0.7 < 0.75; + 0.2 = 0.9 ≥ 0.75: three tokens.
    assert llm.nucleus_count([10, 40, 20, 30], 75) == 3
    assert llm.nucleus_count([10, 40, 20, 30], 70) == 2  # reaching p exactly is enough


@pytest.mark.parametrize("seed", SEEDS)
def test_beam_length_norm_by_loop(seed: int) -> None:
    p = make("beam_length_norm", seed)
    a = p.given["alpha"]
    best = max(lp / n**a for lp, n in zip(p.given["logprobs"], p.given["lengths"], strict=True))
    assert p.answer == pytest.approx(best)
    raw_winner = int(np.argmax(p.given["logprobs"]))
    assert (
        p.given["logprobs"][raw_winner] / p.given["lengths"][raw_winner] ** a < best
    )  # normalisation matters


def simulate_speculative(alpha: float, gamma: int, steps: int, seed: int) -> float:
    """Mean tokens per step: accepted drafts until the first rejection (at most γ), plus the target's one."""
    rng = np.random.default_rng(seed)
    accepted = rng.random((steps, gamma)) < alpha
    run = np.where(accepted.all(axis=1), gamma, np.argmin(accepted, axis=1))
    return float(np.mean(run + 1))


@pytest.mark.parametrize("seed", range(10))
def test_speculative_tokens_by_simulation(seed: int) -> None:
    p = make("speculative_decoding", seed, quantity="tokens")
    alpha, gamma = p.given["alpha"], p.given["gamma"]
    assert simulate_speculative(alpha, gamma, 200_000, seed) == pytest.approx(p.answer, rel=0.01)


def test_speculative_paper_example() -> None:
    # By hand: α = 0.8, γ = 5 gives (1 − 0.8⁶)/0.2 = (1 − 0.262144)/0.2 = 3.68928 tokens per target call.
    assert llm.speculative_tokens(0.8, 5) == pytest.approx(3.68928)
    assert sum(0.8**i for i in range(6)) == pytest.approx(llm.speculative_tokens(0.8, 5))  # geometric sum


@pytest.mark.parametrize("seed", SEEDS)
def test_speculative_speedup(seed: int) -> None:
    p = make("speculative_decoding", seed, quantity="speedup")
    a, g, c = p.given["alpha"], p.given["gamma"], p.given["cost_ratio"]
    assert p.answer == pytest.approx(sum(a**i for i in range(g + 1)) / (g * c + 1))


# ---- evaluation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_perplexity_is_the_inverse_geometric_mean(seed: int) -> None:
    p = make("perplexity", seed)
    assert p.answer == pytest.approx(1 / stats.gmean(p.given["probs"]))


def test_perplexity_of_a_uniform_guess_is_the_vocabulary_size() -> None:
    assert llm.perplexity_of([1 / 50] * 7) == pytest.approx(50)


@pytest.mark.parametrize("seed", SEEDS)
def test_ece_by_expanding_the_bins(seed: int) -> None:
    p = make("calibration_ece", seed)
    g = p.given
    # One row per answer: its bin's confidence, and correct answers in proportion to the bin's accuracy.
    conf = np.repeat(g["confidence"], g["counts"])
    correct = np.repeat(g["accuracy"], g["counts"])
    ece = sum(
        abs(correct[conf == c].mean() - c) * (conf == c).sum() / len(conf) for c in np.unique(g["confidence"])
    )
    assert p.answer == pytest.approx(ece)


@pytest.mark.parametrize("seed", SEEDS)
def test_elo_is_a_logistic_in_the_rating_gap(seed: int) -> None:
    p = make("elo_rating", seed, quantity="win")
    gap = p.given["rating_a"] - p.given["rating_b"]
    assert p.answer == pytest.approx(special.expit(gap * math.log(10) / 400))


def test_elo_400_points_is_ten_to_one() -> None:
    assert llm.elo_expected(1400, 1000) == pytest.approx(10 / 11)


@pytest.mark.parametrize("seed", SEEDS)
def test_elo_update(seed: int) -> None:
    p = make("elo_rating", seed, quantity="update")
    g = p.given
    expected = 1 / (1 + 10 ** ((g["rating_b"] - g["rating_a"]) / 400))
    assert p.answer == pytest.approx(g["rating_a"] + g["k"] * (g["score"] - expected))


# ---- every generator: distinct instances, no trivial answers --------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_at_least_15_distinct_instances_in_50_seeds(name: str) -> None:
    problems = [make(name, seed) for seed in range(50)]
    assert len({p.prompt for p in problems}) >= 15
    assert all(float(np.abs(p.answer)) > 0.005 for p in problems)  # type: ignore[arg-type]


# ---- classic mistakes are recognised --------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_diagnoses_name_the_classic_mistakes(seed: int) -> None:
    ppl = make("perplexity", seed)
    nll = -np.mean(np.log(ppl.given["probs"]))
    assert ppl.diagnoses[0].value == pytest.approx(nll)  # forgot to exponentiate
    flops = make("training_flops", seed, quantity="flops")
    assert flops.diagnoses[0].value == pytest.approx(flops.answer / 3)  # type: ignore[operator]
    temp = make("temperature_softmax", seed)
    z, j = np.array(temp.given["logits"]), "ABCDEFGHIJKL".index(temp.given["token"])
    assert temp.diagnoses[0].value == pytest.approx(special.softmax(z)[j])  # ignored T
    nucleus = make("nucleus_size", seed)
    assert nucleus.diagnoses[0].value != nucleus.answer  # walking the list unsorted gives another size


def test_prompts_state_their_conventions() -> None:
    assert "no biases" in make("gqa_params", 0).prompt
    assert "6·N·D" in make("training_flops", 0).prompt
    assert "20·N" in make("chinchilla_optimal", 0).prompt
    assert "10⁹ bytes" in make("training_memory", 0).prompt
    assert "L^α" in make("beam_length_norm", 0).prompt
    assert "at least p" in make("nucleus_size", 0).prompt
    gpt, llama = make("block_params", 0, style="gpt"), make("block_params", 0, style="llama")
    assert "LayerNorms (gain and bias)" in gpt.prompt and "RMSNorms" in llama.prompt
