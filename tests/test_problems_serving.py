"""Serving-family generators: each truth against a hand-worked value and an independent computation route."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

from quizapp.problems import serving
from quizapp.problems.check import check
from quizapp.problems.model import Problem
from quizapp.problems.registry import get

SEEDS = range(40)


def make(name: str, seed: int, **params: Any) -> Problem:
    return get(f"serving.{name}").fn(np.random.default_rng(seed), **params)


# ---- the formulas on hand-worked values ----------------------------------------------------------------


def test_kv_cache_of_a_7b_mha_model_is_half_a_mebibyte_per_token() -> None:
    # 32 layers × 32 heads × 128 dims, fp16: 2·32·32·128·2 = 524,288 bytes per token; 4096 tokens = 2 GiB.
    assert serving.kv_cache_bytes(32, 32, 128, 1, 1, 2) == 524_288
    assert serving.kv_cache_bytes(32, 32, 128, 4096, 1, 2) == 2 * 2**30
    # GQA with 8 KV heads of 32 query heads caches a quarter of that.
    assert serving.kv_cache_bytes(32, 8, 128, 4096, 1, 2) == 2**30 / 2


def test_lora_r8_on_q_and_v_of_a_7b_model_is_4194304_parameters() -> None:
    # The count PEFT reports for a 32-layer, 4096-wide model with r = 8 on q_proj and v_proj.
    per_layer = serving.lora_params([(4096, 4096), (4096, 4096)], 8)
    assert 32 * per_layer == 4_194_304


def test_lora_params_of_a_rectangular_matrix() -> None:
    # A: 16 × 4096, B: 1024 × 16.
    assert serving.lora_params([(4096, 1024)], 16) == 16 * 4096 + 1024 * 16


def test_dpo_loss_hand_values() -> None:
    assert serving.dpo_loss(-10, -10, -12, -12, 0.1) == pytest.approx(math.log(2))  # policy = reference
    # log-ratios +2 and −1, β = 0.5: z = 1.5, loss = ln(1 + e^−1.5) = 0.201413
    assert serving.dpo_loss(-8, -10, -13, -12, 0.5) == pytest.approx(0.2014132779827524)


def test_neg_log_sigmoid_is_stable() -> None:
    assert serving.neg_log_sigmoid(-800.0) == pytest.approx(800.0)
    assert serving.neg_log_sigmoid(1.0) == pytest.approx(math.log(1 + math.exp(-1)))


def test_quantize_hand_values() -> None:
    # Symmetric: max|x| = 1.27 → s = 0.01; 0.504 → 50.4 → 50; clipping at ±127.
    assert serving.quantize(0.504, 1.27 / 127, 0, -127, 127) == 50
    assert serving.quantize(-5.0, 1.27 / 127, 0, -127, 127) == -127
    # Asymmetric: [−1, 1.55] → s = 0.01, z = 100; x = 0.333 → 33 + 100.
    assert serving.quantize(0.333, 2.55 / 255, 100, 0, 255) == 133


def test_arithmetic_intensity_hand_value() -> None:
    # 16 tokens through a 4096 × 4096 fp16 layer: 2·16·4096² / (2·(4096² + 2·16·4096)) = 16·4096/4128.
    assert serving.arithmetic_intensity(16, 4096, 4096, 2) == pytest.approx(16 * 4096 / 4128)


def test_kl_matches_scipy_and_is_zero_on_equal_distributions() -> None:
    p, q = [0.2, 0.5, 0.3], [0.1, 0.6, 0.3]
    assert serving.kl(p, q) == pytest.approx(stats.entropy(p, q))
    assert serving.kl(p, p) == 0


# ---- every generator over many seeds, against a second route from `given` ------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_kv_cache_size(seed: int) -> None:
    p = make("kv_cache_size", seed)
    g = p.given
    total = (
        2
        * g["layers"]
        * g["kv_heads"]
        * g["head_dim"]
        * g["tokens"]
        * g["batch"]
        * int(2 * g["bytes_per_value"])
    ) // 2  # integer arithmetic: bytes per value may be 4, 2 or 1
    divisor = 10**9 if g["unit"] == "GB" else 2**30
    assert p.answer == pytest.approx(total / divisor, rel=1e-12)
    assert g["kv_heads"] <= g["query_heads"]


@pytest.mark.parametrize("seed", SEEDS)
def test_weight_memory(seed: int) -> None:
    p = make("weight_memory", seed)
    g = p.given
    bits = {"fp32": 32, "bf16": 16, "int8": 8, "int4": 4}[g["precision"]]
    if g["group"]:
        bits += 16 / g["group"]
    divisor = 1e9 if g["unit"] == "GB" else 1024**3
    assert p.answer == pytest.approx(g["parameters"] * bits / 8 / divisor, rel=1e-12)


def test_weight_memory_of_a_7b_model_in_int4_with_groups_of_128() -> None:
    p = make("weight_memory", 0, billions=7.0, precision="int4", group=128, unit="GB")
    assert p.answer == pytest.approx(7 * 4.125 / 8)  # 3.609 GB


@pytest.mark.parametrize("seed", SEEDS)
def test_decode_throughput(seed: int) -> None:
    p = make("decode_throughput", seed)
    g = p.given
    seconds_per_token = g["parameters"] * g["bytes_per_weight"] / (g["bandwidth_tb_s"] * 1e12)
    assert p.answer == pytest.approx(1 / seconds_per_token, rel=1e-12)


def test_decode_throughput_hand_value() -> None:
    # 7B fp16 = 14 GB read per token at 2 TB/s: 2000/14 ≈ 142.9 tokens/s.
    p = make("decode_throughput", 0, billions=7.0, precision="fp16", bandwidth=2.0)
    assert p.answer == pytest.approx(2000 / 14)


@pytest.mark.parametrize("seed", SEEDS)
def test_arithmetic_intensity_linear(seed: int) -> None:
    p = make("arithmetic_intensity_linear", seed)
    g = p.given
    b, d_in, d_out = g["batch"], g["d_in"], g["d_out"]
    x, w, y = (np.broadcast_to(0.0, shape) for shape in [(b, d_in), (d_in, d_out), (b, d_out)])
    flops = y.size * 2 * d_in  # each output element: d_in multiplies and d_in adds
    moved = 2 * (w.size + x.size + y.size)
    assert p.answer == pytest.approx(flops / moved, rel=1e-12)
    assert p.answer < b  # moving x and y always costs something


def _nearest_level(x: float, scale: float, zero_point: int, qmin: int, qmax: int) -> int:
    """Brute force: the integer level whose dequantised value is closest to x."""
    levels = np.arange(qmin, qmax + 1)
    return int(levels[np.argmin(np.abs((levels - zero_point) * scale - x))])


@pytest.mark.parametrize("seed", range(60))
def test_int8_quantize_against_the_nearest_level(seed: int) -> None:
    p = make("int8_quantize", seed)
    g = p.given
    if g["mode"] == "symmetric":
        scale, zp, qmin, qmax = g["max"] / 127, 0, -127, 127
    else:
        scale = (g["max"] - g["min"]) / 255
        zp, qmin, qmax = round(-g["min"] / scale), 0, 255
    q = _nearest_level(g["x"], scale, zp, qmin, qmax)
    expected = q if g["ask"] == "q" else (q - zp) * scale
    assert p.answer == pytest.approx(expected, rel=1e-12)
    assert abs((q - zp) * scale - g["x"]) <= scale / 2 + 1e-12  # within half a step


@pytest.mark.parametrize("name", ["lora_trainable", "lora_fraction"])
@pytest.mark.parametrize("seed", SEEDS)
def test_lora_by_building_the_matrices(name: str, seed: int) -> None:
    p = make(name, seed)
    g = p.given
    r = g["rank"]
    added = sum(
        np.broadcast_to(0.0, (r, d_in)).size + np.broadcast_to(0.0, (d_out, r)).size
        for _, d_in, d_out in g["matrices"]
    )
    full = sum(np.broadcast_to(0.0, (d_in, d_out)).size for _, d_in, d_out in g["matrices"])
    expected = g["layers"] * added if name == "lora_trainable" else added / full
    assert p.answer == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_dpo_pair_loss_is_binary_cross_entropy_of_the_implicit_reward_margin(seed: int) -> None:
    p = make("dpo_pair_loss", seed)
    g = p.given
    reward_w = g["beta"] * (g["logp_w"] - g["ref_w"])  # DPO's implicit rewards
    reward_l = g["beta"] * (g["logp_l"] - g["ref_l"])
    assert p.answer == pytest.approx(-special.log_expit(reward_w - reward_l), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_bradley_terry(seed: int) -> None:
    p = make("bradley_terry", seed)
    g = p.given
    # exp-normalised "strengths" e^r: P = e^r_w / (e^r_w + e^r_l)
    prob = math.exp(g["r_w"]) / (math.exp(g["r_w"]) + math.exp(g["r_l"]))
    expected = prob if g["ask"] == "probability" else -math.log(prob)
    assert p.answer == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_penalty(seed: int) -> None:
    p = make("kl_penalty", seed)
    g = p.given
    assert sum(g["pi"]) == pytest.approx(1) and sum(g["ref"]) == pytest.approx(1)
    assert p.answer == pytest.approx(g["beta"] * stats.entropy(g["pi"], g["ref"]), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_distillation_soft_target(seed: int) -> None:
    p = make("distillation_soft_target", seed)
    g = p.given
    probs = special.softmax(np.array(g["logits"]) / g["temperature"])
    assert p.answer == pytest.approx(probs["ABCDEFGH".index(g["class"])], rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_distillation_loss(seed: int) -> None:
    p = make("distillation_loss", seed)
    g = p.given
    t = g["temperature"]
    teacher = special.softmax(np.array(g["teacher"]) / t)
    student = special.log_softmax(np.array(g["student"]) / t)
    cross_entropy = -np.sum(teacher * student)  # KL = cross-entropy − entropy of the teacher
    assert p.answer == pytest.approx(t**2 * (cross_entropy - stats.entropy(teacher)), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_magnitude_pruning(seed: int) -> None:
    p = make("magnitude_pruning", seed)
    g = p.given
    w = g["weights"]
    if "threshold" in g:
        assert p.answer == pytest.approx(sum(abs(v) < g["threshold"] for v in w) / len(w))
    else:
        survivors = sorted(w, key=abs)[g["pruned"] :]
        assert p.answer == pytest.approx(sum(v * v for v in survivors) / sum(v * v for v in w))


# ---- the classic mistakes are recognised -----------------------------------------------------------------


def test_kv_cache_without_the_factor_two_is_diagnosed() -> None:
    p = make("kv_cache_size", 5)
    verdict = check(p, repr(float(p.answer) / 2))
    assert verdict.status == "wrong" and "both" in (verdict.diagnosis or "")


def test_dpo_without_reference_is_diagnosed() -> None:
    p = make("dpo_pair_loss", 2)
    g = p.given
    wrong = serving.neg_log_sigmoid(g["beta"] * (g["logp_w"] - g["logp_l"]))
    verdict = check(p, repr(wrong))
    assert verdict.status == "wrong" and "reference" in (verdict.diagnosis or "")


def test_distillation_without_t_squared_is_diagnosed() -> None:
    p = make("distillation_loss", 4)
    verdict = check(p, repr(float(p.answer) / p.given["temperature"] ** 2))
    assert verdict.status == "wrong" and "T²" in (verdict.diagnosis or "")


def test_bad_params_are_refused() -> None:
    with pytest.raises(ValueError):
        make("kv_cache_size", 0, precision="fp7")
    with pytest.raises(ValueError):
        make("lora_trainable", 0, targets="everything")
    with pytest.raises(ValueError):
        make("int8_quantize", 0, mode="log")


def test_bandwidth_read_as_gb_per_second_is_diagnosed() -> None:
    # 7B fp16 at 2 TB/s: 2000/14 ≈ 142.9 tokens/s; reading 2 TB/s as 2 GB/s gives 2/14 ≈ 0.1429.
    p = make("decode_throughput", 0, billions=7.0, precision="fp16", bandwidth=2.0)
    verdict = check(p, "0.1429")
    assert verdict.status == "wrong" and "1000 GB/s" in (verdict.diagnosis or "")


def test_truncating_a_negative_ratio_is_diagnosed() -> None:
    # Truncation moves a negative x/s toward zero: −104.865 truncates to −104 (the answer is −105).
    cases = 0
    for seed in range(200):
        p = make("int8_quantize", seed, ask="q")
        g = p.given
        scale = g["max"] / 127 if g["mode"] == "symmetric" else (g["max"] - g["min"]) / 255
        zp = 0 if g["mode"] == "symmetric" else round(-g["min"] / scale)
        truncated = math.trunc(g["x"] / scale) + zp
        if truncated == p.answer:
            continue
        verdict = check(p, str(truncated))
        assert verdict.status == "wrong" and "truncated" in (verdict.diagnosis or ""), (seed, truncated)
        cases += g["x"] < 0
    assert cases > 0
