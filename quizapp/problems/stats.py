"""Statistics, experiments and monitoring: tests, intervals, sample sizes, multiple testing, drift.

Truths come from scipy.stats (imported inside each generator) wherever SciPy computes the quantity;
every prompt states its conventions (sidedness, which interval, log base) and the precision wanted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import until
from quizapp.problems.registry import register
from quizapp.problems.trivial import trivial_reason

MAX_TRIES = 2000  # many draws are trivial (an answer the prompt shows): more than redraw.MAX_TRIES
DEC3 = Tolerance(decimals=3)
DEC2 = Tolerance(decimals=2)
SIG2 = Tolerance(sigfigs=2)
SIG3 = Tolerance(sigfigs=3)
Choices = float | Sequence[float]


def _retry(attempt: Callable[[], Problem | None], what: str) -> Problem:
    """The first problem `attempt` builds that is neither rejected (None) nor trivial; redraws otherwise."""

    def fair() -> Problem | None:
        problem = attempt()
        return problem if problem is not None and trivial_reason(problem) is None else None

    return until(fair, f"a non-degenerate {what}", MAX_TRIES)


def _z(p: float) -> float:
    """The standard normal quantile Φ⁻¹(p)."""
    from scipy.stats import norm

    return float(norm.ppf(p))


def _phi(x: float) -> float:
    """The standard normal CDF Φ(x)."""
    from scipy.stats import norm

    return float(norm.cdf(x))


def _pct(p: float) -> str:
    return f"{fmt.num(100 * p)}%"


def _paren(x: float, decimals: int = 4) -> str:
    """A number for a formula: negatives in parentheses with a Unicode minus, `(−0.5)`."""
    text = f"{abs(x):.{decimals}f}"
    return f"(−{text})" if x < 0 else text


def _ints(values: Any) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


# ---------------------------------------------------------------------------------------------------------
# A/B tests: sample size, power, the two-proportion z-test, sample-ratio mismatch, CUPED.


def _n_per_arm(
    p1: float, p2: float, alpha: float, power: float, sided: int = 2, pooled: bool = False
) -> float:
    """Per-arm n of the normal-approximation two-proportion test (unpooled variance unless `pooled`)."""
    z_a, z_b = _z(1 - alpha / sided), _z(power)
    if pooled:
        p_bar = (p1 + p2) / 2
        variance = 2 * p_bar * (1 - p_bar)
    else:
        variance = p1 * (1 - p1) + p2 * (1 - p2)
    return (z_a + z_b) ** 2 * variance / (p2 - p1) ** 2


@register
def sample_size_proportions(
    rng: np.random.Generator,
    baseline: draw.RealSpec = (0.02, 0.3),
    relative_mde: draw.IntSpec = (5, 30),
    absolute_mde: draw.RealSpec = (0.5, 3.0),
    alpha: Choices = (0.05, 0.05, 0.01, 0.1),
    power: Choices = (0.8, 0.8, 0.9),
) -> Problem:
    """Users per arm to detect a lift in a conversion rate (two-sided z-test, unpooled variance)."""

    def attempt() -> Problem | None:
        p1 = draw.real(rng, baseline, decimals=2)
        a, pw = float(draw.one_of(rng, alpha)), float(draw.one_of(rng, power))
        relative = bool(rng.integers(2))
        if relative:
            lift = draw.integer(rng, relative_mde)
            p2 = round(p1 * (1 + lift / 100), 4)
            effect = f"a relative lift of {lift}% over the baseline"
            misread = p1 + lift / 100
        else:
            points = draw.real(rng, absolute_mde, decimals=1)
            p2 = round(p1 + points / 100, 4)
            effect = f"an absolute lift of {fmt.num(points)} percentage points"
            misread = p1 * (1 + points / 100)
        if not (0 < p1 < p2 < 1) or misread >= 1:
            return None
        n = _n_per_arm(p1, p2, a, pw)
        answer = float(np.ceil(n))
        if not 100 <= answer <= 5e6:
            return None
        z_a, z_b = _z(1 - a / 2), _z(pw)
        var = p1 * (1 - p1) + p2 * (1 - p2)
        return Problem(
            prompt=(
                f"An A/B test on a conversion rate with baseline p₁ = {fmt.num(p1)} should detect {effect}\n"
                f"with a two-sided test at α = {fmt.num(a)} and power {fmt.num(pw)}. Use the normal-"
                "approximation formula with unpooled variance,\n"
                "  n = (z₁₋α/₂ + z₁₋β)²·(p₁(1 − p₁) + p₂(1 − p₂)) / (p₂ − p₁)²,\n"
                "and round up. How many users does each arm need?\n"
                "Answer within 1% (z-values to 2 decimals are precise enough)."
            ),
            given={"p1": p1, "p2": p2, "alpha": a, "power": pw, "relative": relative},
            answer=answer,
            tolerance=Tolerance(rtol=0.01),
            solution=(
                f"p₂ = {fmt.num(p2)}, so p₂ − p₁ = {fmt.num(p2 - p1)}\n"
                f"z₁₋α/₂ = z_{fmt.num(1 - a / 2)} = {z_a:.4f}; z₁₋β = z_{fmt.num(pw)} = {z_b:.4f}\n"
                f"p₁(1 − p₁) + p₂(1 − p₂) = {fmt.num(var, 5)}\n"
                f"n = ({z_a:.4f} + {z_b:.4f})² × {fmt.num(var, 5)} / {fmt.num(p2 - p1)}² = {n:.1f}"
                f" → {int(answer)} per arm"
            ),
            diagnoses=(
                Diagnosis(
                    np.ceil(_n_per_arm(p1, misread, a, pw)),
                    "you misread the effect: a relative lift multiplies the baseline, an absolute lift "
                    "(in percentage points) adds to it",
                ),
                Diagnosis(2 * answer, "that is the total over both arms; the question asks per arm"),
                Diagnosis(
                    np.ceil(_n_per_arm(p1, p2, a, pw, sided=1)),
                    "you used the one-sided z₁₋α; the test is two-sided, so use z₁₋α/₂",
                ),
            ),
        )

    return _retry(attempt, "sample-size problem")


@register
def ztest_power(
    rng: np.random.Generator,
    sigma: draw.RealSpec = (5.0, 40.0),
    n: draw.IntSpec = (50, 2000),
    alpha: Choices = (0.05, 0.05, 0.01, 0.1),
) -> Problem:
    """Power of a two-sided two-sample z-test for a true difference δ with n per arm."""

    def attempt() -> Problem | None:
        s = draw.real(rng, sigma, decimals=0)
        size = 10 * (draw.integer(rng, n) // 10)
        a = float(draw.one_of(rng, alpha))
        delta = draw.real(rng, [0.05 * s, 0.6 * s], decimals=1)
        if size < 10 or delta <= 0:
            return None
        se = s * np.sqrt(2 / size)
        z_a = _z(1 - a / 2)
        shift = delta / se
        power = _phi(shift - z_a) + _phi(-shift - z_a)
        if not 0.15 <= power <= 0.97:
            return None
        one_sample = _phi(delta / (s / np.sqrt(size)) - z_a)
        return Problem(
            prompt=(
                f"Two arms of {size} users each measure a metric with standard deviation σ = {fmt.num(s)}\n"
                f"in both arms. The true difference of means is δ = {fmt.num(delta)}. You run a two-sided\n"
                f"two-sample z-test at α = {fmt.num(a)} (σ known). What is its power? Give 3 decimals."
            ),
            given={"sigma": s, "n": size, "delta": delta, "alpha": a},
            answer=power,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"SE of the difference = σ·√(2/n) = {fmt.num(s)}·√(2/{size}) = {se:.4f}\n"
                f"δ/SE = {shift:.4f}; z₁₋α/₂ = {z_a:.4f}\n"
                f"power = Φ(δ/SE − z) + Φ(−δ/SE − z) = Φ({_paren(shift - z_a)}) + Φ({_paren(-shift - z_a)}) "
                f"= {fmt.fixed(power, 3)}"
            ),
            diagnoses=(
                Diagnosis(one_sample, "you used SE = σ/√n; a difference of two means has SE = σ·√(2/n)"),
                Diagnosis(
                    _phi(shift - _z(1 - a)), "you used the one-sided z₁₋α; the test is two-sided (z₁₋α/₂)"
                ),
                Diagnosis(1 - power, "that is β, the type II error rate; power is 1 − β"),
            ),
        )

    return _retry(attempt, "power problem")


@register
def two_proportion_pvalue(
    rng: np.random.Generator, users: draw.IntSpec = (500, 20000), baseline: draw.RealSpec = (0.03, 0.3)
) -> Problem:
    """Two-sided p-value of the pooled two-proportion z-test for an A/B conversion result."""
    from scipy.stats import norm

    def attempt() -> Problem | None:
        n1 = 10 * (draw.integer(rng, users) // 10)
        n2 = 10 * round(n1 * rng.uniform(0.9, 1.1) / 10)
        p = draw.real(rng, baseline, decimals=3)
        lift = draw.real(rng, [-0.25, 0.25], decimals=3)
        x1 = int(rng.binomial(n1, p))
        x2 = int(rng.binomial(n2, min(max(p * (1 + lift), 0.001), 0.999)))
        if min(n1, n2) < 100 or min(x1, x2) < 5:
            return None
        r1, r2 = x1 / n1, x2 / n2
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        if se == 0 or r1 == r2:
            return None
        z = (r2 - r1) / se
        pvalue = float(2 * norm.sf(abs(z)))
        if not 0.001 <= pvalue <= 0.5:
            return None
        se_unpooled = np.sqrt(r1 * (1 - r1) / n1 + r2 * (1 - r2) / n2)
        return Problem(
            prompt=(
                f"Control: {x1} conversions out of {n1} users. Treatment: {x2} out of {n2}.\n"
                "Using the two-proportion z-test with the pooled proportion in the standard error,\n"
                "what is the two-sided p-value? Give 2 significant figures."
            ),
            given={"x1": x1, "n1": n1, "x2": x2, "n2": n2},
            answer=pvalue,
            unit="probability",
            tolerance=SIG2,
            solution=(
                f"p̂₁ = {x1}/{n1} = {r1:.5f}; p̂₂ = {x2}/{n2} = {r2:.5f}; "
                f"pooled p̂ = {x1 + x2}/{n1 + n2} = {pooled:.5f}\n"
                f"SE = √(p̂(1 − p̂)(1/{n1} + 1/{n2})) = {se:.5f}\n"
                f"z = (p̂₂ − p̂₁)/SE = {z:.4f}; p = 2·(1 − Φ(|z|)) = {fmt.sigfigs(pvalue, 2)}"
            ),
            diagnoses=(
                Diagnosis(pvalue / 2, "that is the one-sided p-value; the question asks for two-sided"),
                Diagnosis(
                    2 * norm.sf(abs(r2 - r1) / se_unpooled),
                    "you used the unpooled standard error; this test pools the two proportions",
                ),
                Diagnosis(1 - pvalue, "that is 1 − p; the p-value is the tail probability beyond |z|"),
            ),
        )

    return _retry(attempt, "two-proportion test")


@register
def srm_pvalue(
    rng: np.random.Generator, users: draw.IntSpec = (2000, 200000), share: Choices = (0.5, 0.5, 0.5, 0.2, 0.1)
) -> Problem:
    """Sample-ratio mismatch: the chi-square goodness-of-fit p-value of an A/B split."""
    from scipy.stats import chi2, chisquare

    def attempt() -> Problem | None:
        total = draw.integer(rng, users)
        treat = float(draw.one_of(rng, share))
        skew = rng.uniform(0.0, 4.0) * np.sqrt(total * treat * (1 - treat))
        n_t = round(total * treat + skew * float(rng.choice([-1, 1])))
        n_c = total - n_t
        expected = np.array([total * (1 - treat), total * treat])
        e_c, e_t = (fmt.num(e, 10) for e in expected)
        result = chisquare([n_c, n_t], f_exp=expected)
        pvalue, stat = float(result.pvalue), float(result.statistic)
        if not 1e-4 <= pvalue <= 0.3:
            return None
        split = f"{fmt.num(100 * (1 - treat))}/{fmt.num(100 * treat)}"
        return Problem(
            prompt=(
                f"An experiment is designed to split users {split} between control and treatment.\n"
                f"It logged {n_c} control users and {n_t} treatment users. Test for a sample-ratio\n"
                "mismatch with a chi-square goodness-of-fit test. What is the p-value?\n"
                "Give 2 significant figures."
            ),
            given={"control": n_c, "treatment": n_t, "treatment_share": treat},
            answer=pvalue,
            unit="probability",
            tolerance=SIG2,
            solution=(
                f"Expected counts: {e_c} and {e_t} (total {total})\n"
                f"χ² = Σ (O − E)²/E = ({n_c} − {e_c})²/{e_c} + ({n_t} − {e_t})²/{e_t} = {stat:.4f}\n"
                f"2 groups → 1 degree of freedom: p = P(χ²₁ > {stat:.4f}) = {fmt.sigfigs(pvalue, 2)}"
            ),
            diagnoses=(
                Diagnosis(chi2.sf(stat, 2), "you used 2 degrees of freedom; 2 groups give k − 1 = 1"),
                Diagnosis(pvalue / 2, "you halved the p-value; the chi-square test has no sides to halve"),
            ),
        )

    return _retry(attempt, "sample-ratio test")


@register
def cuped_reduction(rng: np.random.Generator, n: draw.IntSpec = (6, 8)) -> Problem:
    """CUPED: the fraction of variance removed by adjusting with a pre-period covariate, ρ²."""
    from scipy.stats import pearsonr

    def attempt() -> Problem | None:
        size = draw.integer(rng, n)
        x = rng.integers(10, 60, size=size)
        slope = rng.uniform(0.4, 1.5)
        y = np.round(slope * x + rng.normal(0, rng.uniform(3, 15), size=size)).astype(int)
        if np.ptp(x) == 0 or np.ptp(y) == 0 or y.min() < 0:
            return None
        r = float(pearsonr(x, y).statistic)
        reduction = r * r
        if not 0.15 <= reduction <= 0.95:
            return None
        cov = float(np.cov(x, y, ddof=1)[0, 1])
        vx, vy = float(np.var(x, ddof=1)), float(np.var(y, ddof=1))
        theta = cov / vx
        return Problem(
            prompt=(
                "CUPED adjusts each user's metric Y with a pre-experiment covariate X:\n"
                "Y_cv = Y − θ·(X − mean(X)), with θ = cov(X, Y)/var(X).\n"
                f"  X (pre-period): {_ints(x)}\n  Y (experiment): {_ints(y)}\n"
                "By what fraction does this reduce the variance of Y (1 − var(Y_cv)/var(Y))?\n"
                "Use sample statistics. Give 3 decimals."
            ),
            given={"x": x, "y": y},
            answer=reduction,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"var(X) = {vx:.4f}, var(Y) = {vy:.4f}, cov(X, Y) = {cov:.4f} (n − 1 in each)\n"
                f"θ = {cov:.4f}/{vx:.4f} = {theta:.4f}\n"
                f"var(Y_cv) = var(Y)·(1 − ρ²) with ρ = cov/(σ_X·σ_Y) = {r:.4f}\n"
                f"reduction = ρ² = {fmt.fixed(reduction, 3)}"
            ),
            diagnoses=(
                Diagnosis(abs(r), "that is |ρ|; the variance falls by ρ², the square of the correlation"),
                Diagnosis(
                    1 - reduction,
                    "that is the fraction that remains, 1 − ρ²; the question asks what is removed",
                ),
                Diagnosis(theta, "that is θ, the regression slope; the variance reduction is ρ²"),
            ),
        )

    return _retry(attempt, "CUPED problem")


# ---------------------------------------------------------------------------------------------------------
# Intervals and multiple testing.


@register
def proportion_ci_wilson(
    rng: np.random.Generator, n: draw.IntSpec = (20, 400), confidence: Choices = (0.95, 0.95, 0.9, 0.99)
) -> Problem:
    """A bound of the Wilson score interval for a binomial proportion."""
    from scipy.stats import binomtest

    def attempt() -> Problem | None:
        size = draw.integer(rng, n)
        k = int(rng.integers(1, size))
        level = float(draw.one_of(rng, confidence))
        lower = bool(rng.integers(2))
        ci = binomtest(k, size).proportion_ci(confidence_level=level, method="wilson")
        exact = binomtest(k, size).proportion_ci(confidence_level=level, method="exact")
        value = float(ci.low if lower else ci.high)
        p = k / size
        z = _z(1 - (1 - level) / 2)
        wald_half = z * np.sqrt(p * (1 - p) / size)
        wald = p - wald_half if lower else p + wald_half
        if abs(value - wald) < 0.003 or not 0.001 < value < 0.999:
            return None
        side = "lower" if lower else "upper"
        centre = (p + z * z / (2 * size)) / (1 + z * z / size)
        half = z / (1 + z * z / size) * np.sqrt(p * (1 - p) / size + z * z / (4 * size * size))
        return Problem(
            prompt=(
                f"{k} of {size} users clicked. What is the {side} bound of the two-sided {_pct(level)}\n"
                "Wilson score interval for the click-through rate? Give 3 decimals."
            ),
            given={"k": k, "n": size, "confidence": level, "bound": side},
            answer=value,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"p̂ = {k}/{size} = {p:.4f}; z = {z:.4f}\n"
                f"centre = (p̂ + z²/2n)/(1 + z²/n) = {centre:.4f}\n"
                f"half-width = z/(1 + z²/n)·√(p̂(1 − p̂)/n + z²/4n²) = {half:.4f}\n"
                f"{side} bound = {centre:.4f} {'−' if lower else '+'} {half:.4f} = {fmt.fixed(value, 3)}"
            ),
            diagnoses=(
                Diagnosis(wald, "that is the Wald bound p̂ ± z·√(p̂(1 − p̂)/n); Wilson recentres and rescales"),
                Diagnosis(
                    exact.low if lower else exact.high,
                    "that is the Clopper–Pearson (exact) bound; the question asks for Wilson",
                ),
            ),
        )

    return _retry(attempt, "Wilson interval")


@register
def mean_ci_t(
    rng: np.random.Generator, n: draw.IntSpec = (5, 12), confidence: Choices = (0.95, 0.95, 0.9, 0.99)
) -> Problem:
    """Half-width of a two-sided t confidence interval for a mean from a small sample."""
    from scipy.stats import t as student

    def attempt() -> Problem | None:
        size = draw.integer(rng, n)
        level = float(draw.one_of(rng, confidence))
        centre, spread = rng.uniform(20, 80), rng.uniform(2, 12)
        x = np.round(rng.normal(centre, spread, size=size), 1)
        s = float(np.std(x, ddof=1))
        if s == 0:
            return None
        t_crit = float(student.ppf(1 - (1 - level) / 2, df=size - 1))
        half = t_crit * s / np.sqrt(size)
        z = _z(1 - (1 - level) / 2)
        return Problem(
            prompt=(
                f"A sample of {size} latencies (ms): {fmt.vec(x)}.\n"
                f"What is the half-width (margin of error) of the two-sided {_pct(level)} t confidence\n"
                "interval for the mean (sample standard deviation with n − 1)? Give 3 significant figures."
            ),
            given={"x": x, "confidence": level},
            answer=half,
            tolerance=SIG3,
            solution=(
                f"x̄ = {np.mean(x):.4f}; s = {s:.4f} (n − 1 = {size - 1})\n"
                f"t₁₋α/₂,{size - 1} = {t_crit:.4f}\n"
                f"half-width = t·s/√n = {t_crit:.4f} × {s:.4f}/√{size} = {fmt.sigfigs(half, 3)}"
            ),
            diagnoses=(
                Diagnosis(
                    z * s / np.sqrt(size), "you used the normal z; with a small sample use t with n − 1 df"
                ),
                Diagnosis(
                    t_crit * float(np.std(x)) / np.sqrt(size),
                    "you used the population standard deviation (÷n); the sample one divides by n − 1",
                ),
                Diagnosis(t_crit * s, "you forgot to divide by √n: the interval is for the mean"),
            ),
        )

    return _retry(attempt, "t interval")


def _holm(pvalues: np.ndarray, alpha: float) -> int:
    """Rejections of Holm's step-down procedure: stop at the first sorted p(k) > α/(m − k + 1)."""
    m = len(pvalues)
    count = 0
    for k, p in enumerate(np.sort(pvalues), start=1):
        if p > alpha / (m - k + 1):
            break
        count += 1
    return count


def _rejections(pvalues: np.ndarray, level: float) -> dict[str, int]:
    """Rejections by each procedure: none, Bonferroni, Holm, Benjamini–Hochberg (SciPy's adjustment)."""
    from scipy.stats import false_discovery_control

    return {
        "none": int(np.sum(pvalues <= level)),
        "bonferroni": int(np.sum(pvalues <= level / len(pvalues))),
        "holm": _holm(pvalues, level),
        "bh": int(np.sum(false_discovery_control(pvalues, method="bh") <= level)),
    }


_METHODS = {
    "bonferroni": (
        "the Bonferroni correction at family-wise error rate α",
        "reject p ≤ α/m",
    ),
    "holm": (
        "Holm's step-down procedure at family-wise error rate α",
        "sort ascending; reject while p(k) ≤ α/(m − k + 1), stop at the first failure",
    ),
    "bh": (
        "the Benjamini–Hochberg procedure at false discovery rate q",
        "sort ascending; find the largest k with p(k) ≤ k·q/m and reject the k smallest",
    ),
}


@register
def multiple_testing(
    rng: np.random.Generator,
    method: str | Sequence[str] = ("bonferroni", "holm", "bh"),
    m: draw.IntSpec = (6, 12),
    alpha: Choices = (0.05, 0.05, 0.1),
) -> Problem:
    """How many of m p-values Bonferroni, Holm or Benjamini–Hochberg rejects at level α."""
    chosen = str(draw.one_of(rng, list(method) if not isinstance(method, str) else method))
    if chosen not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, got {chosen}")
    others = {"bonferroni": "bh", "holm": "none", "bh": "bonferroni"}

    def attempt() -> Problem | None:
        size = draw.integer(rng, m)
        a = float(draw.one_of(rng, alpha))
        signal = int(rng.integers(1, size))
        small = rng.uniform(0, 1, size=signal) ** 3 * a * rng.uniform(0.3, 1.5)
        p = np.sort(np.concatenate([small, rng.uniform(0, 1, size=size - signal)]))
        p = np.clip(np.round(p, 4), 0.0001, 1.0)
        thresholds = np.concatenate([a * np.arange(1, size + 1) / size, a / (size - np.arange(size))])
        if np.min(np.abs(p[:, None] - thresholds[None, :])) < 5e-5:
            return None  # a p-value on a threshold: the answer would hang on floating point
        counts = _rejections(p, a)
        answer = counts[chosen]
        if not 0 < answer < size or answer == counts["none"] or answer == counts[others[chosen]]:
            return None
        shuffled = rng.permutation(p)
        name, rule = _METHODS[chosen]
        names = {
            "none": "no correction",
            "bonferroni": "Bonferroni",
            "holm": "Holm",
            "bh": "Benjamini–Hochberg",
        }
        diagnoses = [
            Diagnosis(counts[key], f"that is what {names[key]} gives; {name.split(' at ')[0]} is asked")
            for key in ("none", "bonferroni", "holm", "bh")
            if key != chosen
        ]
        return Problem(
            prompt=(
                f"{size} hypothesis tests gave these p-values:\n  {fmt.vec(shuffled)}\n"
                f"Using {name} = {fmt.num(a)},\nhow many hypotheses are rejected? Give an exact integer."
            ),
            given={"pvalues": shuffled, "alpha": a, "method": chosen},
            answer=answer,
            unit="count",
            solution=(
                f"Rule: {rule}.\nSorted: {fmt.vec(p)}\n"
                + _thresholds_line(chosen, p, a)
                + f"\nRejected: {answer}"
            ),
            diagnoses=tuple(diagnoses),
        )

    return _retry(attempt, "multiple-testing problem")


def _thresholds_line(method: str, p: np.ndarray, alpha: float) -> str:
    m = len(p)
    if method == "bonferroni":
        return f"α/m = {fmt.num(alpha)}/{m} = {fmt.num(alpha / m)}"
    holm = method == "holm"
    limits = alpha / (m - np.arange(m)) if holm else alpha * np.arange(1, m + 1) / m
    return "thresholds: " + fmt.vec(limits, 3)


# ---------------------------------------------------------------------------------------------------------
# Drift: PSI and the Kolmogorov–Smirnov statistic.


def _shares(rng: np.random.Generator, bins: int, concentration: np.ndarray | None = None) -> np.ndarray:
    """`bins` shares in hundredths, each at least 0.03, summing to exactly 1."""
    weights = rng.dirichlet(concentration if concentration is not None else np.full(bins, 3.0))
    spare = 100 - 3 * bins
    counts = 3 + np.floor(weights * spare).astype(int)
    counts[int(np.argmax(weights))] += 100 - int(counts.sum())
    return counts / 100


@register
def psi(rng: np.random.Generator, bins: draw.IntSpec = (4, 6)) -> Problem:
    """Population stability index between a reference and a current binned distribution (natural log)."""
    from scipy.stats import entropy

    def attempt() -> Problem | None:
        k = draw.integer(rng, bins)
        expected = _shares(rng, k)
        actual = _shares(rng, k, concentration=expected * rng.uniform(15, 80))
        value = float(entropy(actual, expected) + entropy(expected, actual))
        if not 0.02 <= value <= 0.6:
            return None
        terms = (actual - expected) * np.log(actual / expected)
        return Problem(
            prompt=(
                f"A feature is binned into {k} bins. Share of rows per bin:\n"
                f"  reference (training): {fmt.vec(expected)}\n  current (production): {fmt.vec(actual)}\n"
                "What is the population stability index PSI = Σ (current − reference)·ln(current/reference)\n"
                "(natural log, shares as fractions)? Give 3 decimals."
            ),
            given={"reference": expected, "current": actual},
            answer=value,
            tolerance=DEC3,
            solution=(
                "Per bin (a − e)·ln(a/e): " + fmt.vec(terms, 3) + "\n"
                f"PSI = sum = {fmt.fixed(value, 3)}  (it equals KL(a‖e) + KL(e‖a))"
            ),
            diagnoses=(
                Diagnosis(value / np.log(10), "you used log base 10; this PSI uses the natural log"),
                Diagnosis(
                    entropy(actual, expected),
                    "that is KL(current‖reference) alone; PSI is symmetric, the sum of both KLs",
                ),
                Diagnosis(
                    100 * value, "you used percentages; with shares as fractions the PSI is 100× smaller"
                ),
            ),
        )

    return _retry(attempt, "PSI problem")


@register
def ks_statistic(rng: np.random.Generator, n: draw.IntSpec = (5, 8), m: draw.IntSpec = (5, 8)) -> Problem:
    """Two-sample Kolmogorov–Smirnov statistic D = sup |F₁ − F₂| of two small samples."""
    from scipy.stats import ks_2samp

    def attempt() -> Problem | None:
        a = np.round(rng.normal(50, 10, size=draw.integer(rng, n)), 0)
        b = np.round(
            rng.normal(50 + rng.uniform(-12, 12), 10 * rng.uniform(0.6, 1.6), size=draw.integer(rng, m)), 0
        )
        d = float(ks_2samp(a, b).statistic)
        if not 0 < d < 1:
            return None
        grid = np.union1d(a, b)
        fa = np.searchsorted(np.sort(a), grid, side="right") / len(a)
        fb = np.searchsorted(np.sort(b), grid, side="right") / len(b)
        where = float(grid[int(np.argmax(np.abs(fa - fb)))])
        mean_gap = abs(float(np.mean(a) - np.mean(b)))
        return Problem(
            prompt=(
                "Two samples of a feature:\n"
                f"  training:   {fmt.vec(np.sort(a))}\n  production: {fmt.vec(np.sort(b))}\n"
                "What is the two-sample Kolmogorov–Smirnov statistic\n"
                "D = max over x of |F_train(x) − F_prod(x)|, with F the empirical CDFs? Give 3 decimals."
            ),
            given={"train": a, "prod": b},
            answer=d,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"Evaluate both ECDFs at every observed value; the largest gap is at x = {fmt.num(where)}:\n"
                f"F_train = {fmt.num(fa[grid == where][0])}, F_prod = {fmt.num(fb[grid == where][0])}\n"
                f"D = {fmt.fixed(d, 3)}"
            ),
            diagnoses=(
                Diagnosis(mean_gap, "that is the difference of means; D compares whole CDFs"),
                Diagnosis(
                    min(float(np.max(fa - fb)), float(np.max(fb - fa))),
                    "that is the one-sided gap in the other direction; D takes the largest absolute gap",
                ),
            ),
        )

    return _retry(attempt, "KS problem")


# ---------------------------------------------------------------------------------------------------------
# Probability puzzles: Bayes with coins, binomial and Poisson tails, patterns, coupons, birthdays.


@register
def coin_posterior(rng: np.random.Generator, tosses: draw.IntSpec = (3, 10)) -> Problem:
    """Posterior that a coin is the biased one after seeing h heads in n tosses."""
    from scipy.stats import binom

    def attempt() -> Problem | None:
        total = draw.integer(rng, [3, 10])
        biased = draw.integer(rng, [1, total - 1])
        bias = draw.real(rng, [0.6, 0.9], decimals=2)
        n = draw.integer(rng, tosses)
        heads = draw.integer(rng, [0, n])
        prior = biased / total
        like_b = float(binom.pmf(heads, n, bias))
        like_f = float(binom.pmf(heads, n, 0.5))
        post = prior * like_b / (prior * like_b + (1 - prior) * like_f)
        if not 0.05 <= post <= 0.95 or abs(post - prior) < 0.05:
            return None
        equal = like_b / (like_b + like_f)
        return Problem(
            prompt=(
                f"A bag holds {total} coins: {biased} biased with P(heads) = {fmt.num(bias)}, "
                "the rest fair.\n"
                f"You draw one at random and toss it {n} times: {heads} head{'' if heads == 1 else 's'}.\n"
                "What is the probability that it is a biased coin? Give 3 decimals."
            ),
            given={"coins": total, "biased": biased, "bias": bias, "tosses": n, "heads": heads},
            answer=post,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"prior P(B) = {biased}/{total}; the C({n},{heads}) factor cancels\n"
                f"P(data | B) ∝ {fmt.num(bias)}^{heads}·{fmt.num(1 - bias)}^{n - heads}; "
                f"P(data | F) ∝ 0.5^{n}\n"
                f"P(B | data) = P(B)·L_B / (P(B)·L_B + P(F)·L_F) = {fmt.fixed(post, 3)}"
            ),
            diagnoses=(
                Diagnosis(equal, "you ignored the prior: weigh each likelihood by its share of the bag"),
                Diagnosis(prior, "that is the prior; update it with the likelihood of the tosses"),
                Diagnosis(like_b, "that is P(data | biased), not P(biased | data)"),
            ),
        )

    return _retry(attempt, "coin posterior")


@register
def binomial_tail(rng: np.random.Generator, n: draw.IntSpec = (5, 20)) -> Problem:
    """P(X ≥ k) for a binomial count."""
    from scipy.stats import binom

    def attempt() -> Problem | None:
        size = draw.integer(rng, n)
        p = draw.real(rng, [0.05, 0.6], decimals=2)
        k = draw.integer(rng, [1, size])
        value = float(binom.sf(k - 1, size, p))
        if not 0.02 <= value <= 0.98:
            return None
        return Problem(
            prompt=(
                f"Each of {size} independent requests fails with probability {fmt.num(p)}.\n"
                f"What is the probability that at least {k} of them fail? Give 3 decimals."
            ),
            given={"n": size, "p": p, "k": k},
            answer=value,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"X ~ Binomial({size}, {fmt.num(p)}); P(X ≥ {k}) = 1 − P(X ≤ {k - 1}) "
                f"= 1 − Σ_{{j<{k}}} C({size}, j)·{fmt.num(p)}^j·{fmt.num(1 - p)}^({size}−j) "
                f"= {fmt.fixed(value, 3)}"
            ),
            diagnoses=(
                Diagnosis(binom.pmf(k, size, p), f"that is P(X = {k}); at least {k} sums over j ≥ {k}"),
                Diagnosis(binom.sf(k, size, p), f"that is P(X > {k}); at least {k} includes X = {k}"),
                Diagnosis(1 - value, f"that is P(X < {k}), the complement"),
            ),
        )

    return _retry(attempt, "binomial problem")


@register
def poisson_probability(rng: np.random.Generator, rate: draw.RealSpec = (0.5, 6.0)) -> Problem:
    """P(X ≤ k) for a Poisson count over a window of t units at a given rate."""
    from scipy.stats import poisson

    def attempt() -> Problem | None:
        lam = draw.real(rng, rate, decimals=1)
        hours = draw.integer(rng, [1, 4])
        k = draw.integer(rng, [0, 8])
        mu = lam * hours
        value = float(poisson.cdf(k, mu))
        if not 0.03 <= value <= 0.97:
            return None
        span = "1 hour" if hours == 1 else f"{hours} hours"
        return Problem(
            prompt=(
                f"Alerts arrive as a Poisson process at {fmt.num(lam)} per hour. What is the probability\n"
                f"of at most {k} alerts in {span}? Give 3 decimals."
            ),
            given={"rate": lam, "hours": hours, "k": k},
            answer=value,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"X ~ Poisson(λt = {fmt.num(lam)}·{hours} = {fmt.num(mu)})\n"
                f"P(X ≤ {k}) = Σ_{{j≤{k}}} e^(−{fmt.num(mu)})·{fmt.num(mu)}^j/j! = {fmt.fixed(value, 3)}"
            ),
            diagnoses=(
                Diagnosis(poisson.pmf(k, mu), f"that is P(X = {k}); at most {k} sums j = 0 … {k}"),
                Diagnosis(poisson.cdf(k, lam), f"you used the hourly rate; over {span} the mean is λt"),
                Diagnosis(poisson.cdf(k - 1, mu), f"that is P(X < {k}); at most {k} includes X = {k}"),
            ),
        )

    return _retry(attempt, "Poisson problem")


def _pattern_wait(pattern: str, p_heads: float = 0.5) -> float:
    """Expected tosses until `pattern` (of H/T) first appears, by solving the prefix-state Markov chain."""
    length = len(pattern)
    prob = {"H": p_heads, "T": 1 - p_heads}

    def next_state(state: int, toss: str) -> int:
        seen = pattern[:state] + toss
        for size in range(min(len(seen), length), 0, -1):
            if seen.endswith(pattern[:size]):
                return size
        return 0

    # E[s] = 1 + Σ_toss P(toss)·E[next(s, toss)] for s < length, E[length] = 0.
    a = np.eye(length)
    b = np.ones(length)
    for state in range(length):
        for toss in "HT":
            target = next_state(state, toss)
            if target < length:
                a[state, target] -= prob[toss]
    return float(np.linalg.solve(a, b)[0])


@register
def pattern_tosses(rng: np.random.Generator, length: draw.IntSpec = (2, 4)) -> Problem:
    """Expected fair-coin tosses until a given H/T pattern first appears."""
    size = draw.integer(rng, length)
    if not 1 <= size <= 8:
        raise ValueError(f"length must be from 1 to 8, got {size}")
    pattern = "".join(rng.choice(["H", "T"], size=size))
    value = _pattern_wait(pattern)
    overlaps = [k for k in range(1, size + 1) if pattern[:k] == pattern[-k:]]
    return Problem(
        prompt=(
            f"You toss a fair coin until the pattern {pattern} appears in consecutive tosses.\n"
            "What is the expected number of tosses (including the last one)? Give an exact integer."
        ),
        given={"pattern": pattern},
        answer=round(value),
        unit="count",
        solution=(
            "A state is the longest prefix of the pattern matched so far; E[s] = 1 + ½E[next(s, H)] + "
            "½E[next(s, T)].\n"
            f"Shortcut (Conway): sum 2^k over every k where the first k letters equal the last k: "
            f"k ∈ {overlaps} → {' + '.join(f'2^{k}' for k in overlaps)} = {round(value)}"
        ),
        diagnoses=(
            Diagnosis(
                2**size,
                f"2^{size} ignores how the pattern overlaps itself; after a miss you keep partial progress",
            ),
            Diagnosis(2 ** (size + 1) - 2, f"2^{size + 1} − 2 is the wait for a run of {size} equal tosses"),
            Diagnosis(2 * size, f"that is {size} tosses ÷ ½; waiting times compound, they don't add"),
        ),
    )


@register
def coupon_collector(rng: np.random.Generator, n: draw.IntSpec = (3, 40)) -> Problem:
    """Coupon collector: expected draws to see all n types, or expected distinct types after k draws."""
    types = draw.integer(rng, n)
    if types < 2:
        raise ValueError(f"n must be at least 2, got {types}")
    if rng.integers(2):
        harmonic = float(np.sum(1 / np.arange(1, types + 1)))
        value = types * harmonic
        return Problem(
            prompt=(
                f"A pack holds one of {types} equally likely stickers. What is the expected number of packs\n"
                "to open to collect all of them? Give 2 decimals."
            ),
            given={"n": types, "question": "all"},
            answer=value,
            tolerance=DEC2,
            solution=(
                f"After i distinct, a new one comes with probability (n − i)/n: wait n/(n − i).\n"
                f"E = n·(1 + 1/2 + … + 1/n) = {types} × {harmonic:.4f} = {fmt.fixed(value, 2)}"
            ),
            diagnoses=(
                Diagnosis(
                    types * np.log(types), "n·ln n is the large-n approximation; use the harmonic sum H_n"
                ),
                Diagnosis(harmonic, "that is H_n; multiply by n"),
            ),
        )
    k = draw.integer(rng, [2, 3 * types])
    value = types * (1 - (1 - 1 / types) ** k)
    return Problem(
        prompt=(
            f"You draw {k} times with replacement from {types} equally likely types. What is the expected\n"
            "number of distinct types seen? Give 2 decimals."
        ),
        given={"n": types, "k": k, "question": "distinct"},
        answer=value,
        tolerance=DEC2,
        solution=(
            "By linearity of expectation, sum over types the probability each is seen at least once:\n"
            f"E = n·(1 − (1 − 1/n)^k) = {types}·(1 − (1 − 1/{types})^{k}) = {fmt.fixed(value, 2)}"
        ),
        diagnoses=(
            Diagnosis(types * (1 - 1 / types) ** k, "that is the expected number of types never seen"),
            Diagnosis(1 - (1 - 1 / types) ** k, "that is the probability one type is seen; multiply by n"),
        ),
    )


@register
def birthday(rng: np.random.Generator, people: draw.IntSpec = (5, 60)) -> Problem:
    """Probability that at least two of k people (or items) share a birthday (or bucket) among d."""

    def attempt() -> Problem | None:
        days = int(draw.one_of(rng, [365, 365, 100, 1000, 50]))
        k = draw.integer(rng, people)
        if not 2 <= k <= days:
            return None
        distinct = float(np.prod((days - np.arange(k)) / days))
        value = 1 - distinct
        if not 0.03 <= value <= 0.97:
            return None
        if days == 365:
            setting = f"{k} people with birthdays independent and uniform over 365 days"
            event = "at least two share a birthday"
        else:
            setting = f"{k} items hashed independently and uniformly into {days} buckets"
            event = "at least two land in the same bucket"
        return Problem(
            prompt=f"Take {setting}. What is the probability that {event}? Give 3 decimals.",
            given={"k": k, "d": days},
            answer=value,
            unit="probability",
            tolerance=DEC3,
            solution=(
                f"P(all distinct) = Π_(i=0..{k - 1}) ({days} − i)/{days} = {distinct:.4f}\n"
                f"P(some collision) = 1 − {distinct:.4f} = {fmt.fixed(value, 3)}"
            ),
            diagnoses=(
                Diagnosis(distinct, "that is P(all distinct), the complement"),
                Diagnosis(
                    min(k * (k - 1) / 2 / days, 0.999),
                    "k(k−1)/2d is the expected number of colliding pairs, not a probability",
                ),
                Diagnosis(k / days, "k/d ignores that every pair can collide"),
            ),
        )

    return _retry(attempt, "birthday problem")
