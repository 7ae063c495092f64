"""Stats generators: every truth against an independent route (stdlib closed forms, brute force,
simulation with a fixed seed, or a different scipy function) and published worked examples."""

from __future__ import annotations

import math
from itertools import product
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

from quizapp.problems import stats
from quizapp.problems.check import check, expected_text
from quizapp.problems.model import Problem
from quizapp.problems.registry import generators

NAMES = sorted(name for name in generators() if name.startswith("stats."))
SEEDS = range(25)
N01 = NormalDist()


def make(name: str, seed: int, **params: Any) -> Problem:
    return generators()[f"stats.{name}"].fn(np.random.default_rng(seed), **params)


def z(p: float) -> float:
    return N01.inv_cdf(p)


def test_the_family_has_its_generators() -> None:
    assert len(NAMES) >= 8


@pytest.mark.parametrize("name", NAMES)
def test_solution_shows_the_revealed_answer_and_diagnoses_differ(name: str) -> None:
    for seed in range(15):
        problem = generators()[name].fn(np.random.default_rng(seed))
        assert expected_text(problem.answer, problem.tolerance, problem.unit) in problem.solution
        assert problem.diagnoses, f"{name} seed {seed} names no classic mistake"
        assert "Give" in problem.prompt or "Answer within" in problem.prompt  # the precision is stated


# ---- A/B tests ------------------------------------------------------------------------------------------


def test_sample_size_worked_example() -> None:
    # 10% → 11%, α = 0.05 two-sided, power 0.8: (1.95996 + 0.84162)² · (0.09 + 0.0979) / 0.01² = 14,748.0…
    n = stats._n_per_arm(0.10, 0.11, 0.05, 0.8)
    assert n == pytest.approx((z(0.975) + z(0.8)) ** 2 * 0.1879 / 0.0001)
    assert 14740 < n < 14760


@pytest.mark.parametrize("seed", SEEDS)
def test_sample_size_by_stdlib_and_gives_the_asked_power(seed: int) -> None:
    problem = make("sample_size_proportions", seed)
    g = problem.given
    p1, p2, alpha, power = g["p1"], g["p2"], g["alpha"], g["power"]
    n = (z(1 - alpha / 2) + z(power)) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ** 2
    assert problem.answer == math.ceil(n)
    assert f"{p1:g}" in problem.prompt
    # The inverse route: at that n, the (unpooled) z-test reaches at least the asked power.
    se = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / problem.answer)
    assert N01.cdf((p2 - p1) / se - z(1 - alpha / 2)) == pytest.approx(power, abs=2e-3)


@pytest.mark.parametrize("seed", SEEDS)
def test_sample_size_accepts_z_values_rounded_to_two_decimals(seed: int) -> None:
    # The prompt promises that z to 2 decimals is precise enough: the checker must agree.
    problem = make("sample_size_proportions", seed)
    g = problem.given
    p1, p2 = g["p1"], g["p2"]
    zsum = round(z(1 - g["alpha"] / 2), 2) + round(z(g["power"]), 2)
    rough = math.ceil(zsum**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ** 2)
    assert check(problem, str(rough)).correct


@pytest.mark.parametrize("seed", range(10))
def test_power_by_simulation(seed: int) -> None:
    problem = make("ztest_power", seed)
    g = problem.given
    sim = np.random.default_rng(seed + 100)
    n, sigma, delta = g["n"], g["sigma"], g["delta"]
    a = sim.normal(0, sigma, size=(4000, n)).mean(axis=1)
    b = sim.normal(delta, sigma, size=(4000, n)).mean(axis=1)
    zs = (b - a) / (sigma * math.sqrt(2 / n))
    rejected = float(np.mean(np.abs(zs) > z(1 - g["alpha"] / 2)))
    assert rejected == pytest.approx(problem.answer, abs=0.03)


@pytest.mark.parametrize("seed", SEEDS)
def test_two_proportion_pvalue_equals_the_uncorrected_chi_square(seed: int) -> None:
    from scipy.stats import chi2_contingency

    problem = make("two_proportion_pvalue", seed)
    g = problem.given
    table = [[g["x1"], g["n1"] - g["x1"]], [g["x2"], g["n2"] - g["x2"]]]
    assert problem.answer == pytest.approx(chi2_contingency(table, correction=False).pvalue, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_srm_pvalue_equals_the_binomial_z_route(seed: int) -> None:
    problem = make("srm_pvalue", seed)
    g = problem.given
    total, share = g["control"] + g["treatment"], g["treatment_share"]
    zscore = (g["treatment"] - total * share) / math.sqrt(total * share * (1 - share))
    assert problem.answer == pytest.approx(2 * (1 - N01.cdf(abs(zscore))), rel=1e-6)
    assert str(g["control"]) in problem.prompt and str(g["treatment"]) in problem.prompt


@pytest.mark.parametrize("seed", SEEDS)
def test_cuped_reduction_is_the_variance_drop_of_the_adjusted_metric(seed: int) -> None:
    problem = make("cuped_reduction", seed)
    x, y = np.array(problem.given["x"], float), np.array(problem.given["y"], float)
    theta = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    adjusted = y - theta * (x - x.mean())
    assert problem.answer == pytest.approx(1 - adjusted.var(ddof=1) / y.var(ddof=1), rel=1e-9)


# ---- intervals and multiple testing ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_wilson_bound_by_closed_form(seed: int) -> None:
    problem = make("proportion_ci_wilson", seed)
    g = problem.given
    k, n = g["k"], g["n"]
    q = z(1 - (1 - g["confidence"]) / 2)
    p = k / n
    centre = (p + q * q / (2 * n)) / (1 + q * q / n)
    half = q / (1 + q * q / n) * math.sqrt(p * (1 - p) / n + q * q / (4 * n * n))
    expected = centre - half if g["bound"] == "lower" else centre + half
    assert problem.answer == pytest.approx(expected, abs=1e-9)


def test_wilson_worked_example() -> None:
    # 0 successes of 10 at 95%: Wilson's upper bound is z²/(n + z²) = 3.8415/13.8415 = 0.2775.
    from scipy.stats import binomtest

    assert binomtest(0, 10).proportion_ci(0.95, method="wilson").high == pytest.approx(0.2775, abs=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_t_half_width_matches_ttest_interval(seed: int) -> None:
    from scipy.stats import ttest_1samp

    problem = make("mean_ci_t", seed)
    x = problem.given["x"]
    ci = ttest_1samp(x, 0.0).confidence_interval(problem.given["confidence"])
    assert problem.answer == pytest.approx((ci.high - ci.low) / 2, rel=1e-9)


def brute_bh(p: list[float], q: float) -> int:
    ranked = sorted(p)
    m = len(ranked)
    return max((k for k in range(1, m + 1) if ranked[k - 1] <= k * q / m), default=0)


def brute_holm(p: list[float], a: float) -> int:
    ranked = sorted(p)
    m = len(ranked)
    for k in range(1, m + 1):
        if ranked[k - 1] > a / (m - k + 1):
            return k - 1
    return m


def test_benjamini_hochberg_paper_example() -> None:
    # Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 BH rejects 4, Bonferroni 3.
    p = np.array([0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262])
    p = np.concatenate([p, [0.5719, 0.6528, 0.759, 1.0]])
    counts = stats._rejections(p, 0.05)
    assert counts["bh"] == 4 and counts["bonferroni"] == 3 and counts["holm"] == 3 and counts["none"] == 9


def test_holm_beats_bonferroni_when_steps_allow() -> None:
    # α = 0.05, m = 4: thresholds 0.0125, 0.0167, 0.025, 0.05; Bonferroni (0.0125) rejects only the first.
    p = np.array([0.01, 0.015, 0.02, 0.3])
    assert stats._rejections(p, 0.05)["holm"] == 3
    assert stats._rejections(p, 0.05)["bonferroni"] == 1


@pytest.mark.parametrize("method", ["bonferroni", "holm", "bh"])
@pytest.mark.parametrize("seed", SEEDS)
def test_multiple_testing_by_brute_force(method: str, seed: int) -> None:
    problem = make("multiple_testing", seed, method=method)
    p, a = problem.given["pvalues"], problem.given["alpha"]
    expected = {
        "bonferroni": sum(v <= a / len(p) for v in p),
        "holm": brute_holm(p, a),
        "bh": brute_bh(p, a),
    }[method]
    assert problem.answer == expected
    assert problem.unit == "count" and 0 < expected < len(p)


# ---- drift -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_psi_by_hand_loop(seed: int) -> None:
    problem = make("psi", seed)
    e, a = problem.given["reference"], problem.given["current"]
    assert sum(a) == pytest.approx(1) and sum(e) == pytest.approx(1)
    expected = sum((ai - ei) * math.log(ai / ei) for ai, ei in zip(a, e, strict=True))
    assert problem.answer == pytest.approx(expected, rel=1e-9)
    assert "natural log" in problem.prompt


def test_psi_worked_example() -> None:
    # [0.5, 0.5] → [0.6, 0.4]: 0.1·ln 1.2 + (−0.1)·ln 0.8 = 0.01823 + 0.02231 = 0.04055
    from scipy.stats import entropy

    e, a = np.array([0.5, 0.5]), np.array([0.6, 0.4])
    assert float(entropy(a, e) + entropy(e, a)) == pytest.approx(0.1 * math.log(1.2) - 0.1 * math.log(0.8))


def ecdf(sample: list[float], x: float) -> float:
    return sum(v <= x for v in sample) / len(sample)


@pytest.mark.parametrize("seed", SEEDS)
def test_ks_statistic_by_brute_force(seed: int) -> None:
    problem = make("ks_statistic", seed)
    a, b = problem.given["train"], problem.given["prod"]
    expected = max(abs(ecdf(a, x) - ecdf(b, x)) for x in [*a, *b])
    assert problem.answer == pytest.approx(expected, abs=1e-12)


# ---- probability puzzles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_coin_posterior_by_hand(seed: int) -> None:
    problem = make("coin_posterior", seed)
    g = problem.given
    n, h, b = g["tosses"], g["heads"], g["bias"]
    prior = g["biased"] / g["coins"]
    lb, lf = b**h * (1 - b) ** (n - h), 0.5**n
    assert problem.answer == pytest.approx(prior * lb / (prior * lb + (1 - prior) * lf), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_binomial_tail_by_sum(seed: int) -> None:
    problem = make("binomial_tail", seed)
    n, p, k = problem.given["n"], problem.given["p"], problem.given["k"]
    expected = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))
    assert problem.answer == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_poisson_by_sum(seed: int) -> None:
    problem = make("poisson_probability", seed)
    mu = problem.given["rate"] * problem.given["hours"]
    expected = sum(math.exp(-mu) * mu**j / math.factorial(j) for j in range(problem.given["k"] + 1))
    assert problem.answer == pytest.approx(expected, rel=1e-9)


def test_poisson_and_coin_prompts_read_correctly_for_one() -> None:
    spans = {make("poisson_probability", s).given["hours"]: make("poisson_probability", s) for s in range(60)}
    assert "in 1 hour?" in spans[1].prompt and "in hour" not in spans[1].prompt
    coins = [make("coin_posterior", s) for s in range(200)]
    one = next(p for p in coins if p.given["heads"] == 1)
    assert "1 head." in one.prompt and "1 heads" not in one.prompt


@pytest.mark.parametrize(
    ("pattern", "expected"), [("HH", 6), ("HT", 4), ("HHH", 14), ("HTH", 10), ("HTHT", 20), ("HHHH", 30)]
)
def test_pattern_wait_known_values(pattern: str, expected: int) -> None:
    assert stats._pattern_wait(pattern) == pytest.approx(expected)


@pytest.mark.parametrize("length", [2, 3, 4])
def test_pattern_wait_matches_conway_for_every_pattern(length: int) -> None:
    for letters in product("HT", repeat=length):
        pattern = "".join(letters)
        conway = sum(2**k for k in range(1, length + 1) if pattern[:k] == pattern[-k:])
        assert stats._pattern_wait(pattern) == pytest.approx(conway)


def test_pattern_wait_by_simulation_for_a_biased_coin() -> None:
    sim = np.random.default_rng(7)
    waits = []
    for _ in range(4000):
        seen = ""
        while not seen.endswith("HT"):
            seen += "H" if sim.random() < 0.3 else "T"
        waits.append(len(seen))
    assert stats._pattern_wait("HT", 0.3) == pytest.approx(1 / (0.3 * 0.7))
    assert float(np.mean(waits)) == pytest.approx(1 / (0.3 * 0.7), rel=0.05)


@pytest.mark.parametrize("seed", SEEDS)
def test_coupon_collector_by_its_two_routes(seed: int) -> None:
    problem = make("coupon_collector", seed)
    n = problem.given["n"]
    if problem.given["question"] == "all":
        expected = sum(n / (n - i) for i in range(n))  # waits n/(n − i) for the (i+1)-th new type
        assert problem.answer == pytest.approx(expected)
    else:
        k = problem.given["k"]
        sim = np.random.default_rng(seed)
        seen = [len(set(sim.integers(0, n, size=k).tolist())) for _ in range(3000)]
        assert problem.answer == pytest.approx(float(np.mean(seen)), rel=0.03)


def first(name: str, key: str, value: object, **params: Any) -> Problem:
    """The first seed's problem whose given[key] is value (the family draws the variant)."""
    for seed in range(100):
        problem = make(name, seed, **params)
        if problem.given[key] == value:
            return problem
    raise AssertionError(f"no seed of {name} drew {key} = {value}")


def test_coupon_collector_six_faces() -> None:
    # A die: 6·(1 + 1/2 + … + 1/6) = 14.7 throws to see every face.
    assert first("coupon_collector", "question", "all", n=6).answer == pytest.approx(14.7)


def test_birthday_23_people() -> None:
    assert first("birthday", "d", 365, people=23).answer == pytest.approx(0.5073, abs=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_birthday_by_log_sum(seed: int) -> None:
    problem = make("birthday", seed)
    k, d = problem.given["k"], problem.given["d"]
    assert problem.answer == pytest.approx(1 - math.exp(sum(math.log1p(-i / d) for i in range(k))), rel=1e-9)
