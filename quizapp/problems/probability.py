"""Probability: Bayes' rule, naive Bayes, the logistic function and odds, bootstrap out-of-bag rates."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.registry import register

MAX_REDRAWS = 100
DEC3 = Tolerance(decimals=3)
ASK3 = "Give 3 decimals."

# Words of a spam filter: (word, range of P(word | spam), range of P(word | ham)).
_WORDS: list[tuple[str, tuple[float, float], tuple[float, float]]] = [
    ("free", (0.3, 0.8), (0.02, 0.2)),
    ("winner", (0.1, 0.5), (0.01, 0.05)),
    ("meeting", (0.02, 0.2), (0.2, 0.6)),
    ("invoice", (0.05, 0.3), (0.1, 0.4)),
    ("click", (0.3, 0.7), (0.05, 0.25)),
    ("lunch", (0.02, 0.1), (0.1, 0.4)),
]


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def _percent(p: float) -> str:
    return f"{fmt.num(100 * p)}%"


def _signed(x: float) -> str:
    """`+ 0.5` or `− 0.5`, to continue a sum."""
    return f"{'−' if x < 0 else '+'} {fmt.num(abs(x))}"


def _dot_terms(w: np.ndarray, x: np.ndarray) -> str:
    """`1.8·(-0.8) − 1.4·(-0.3) + …`: the products of a dot product, written out."""
    parts = []
    for i, (wi, xi) in enumerate(zip(w, x, strict=True)):
        x_text = fmt.num(xi) if xi >= 0 else f"({fmt.num(xi)})"
        parts.append(f"{fmt.num(wi) if i == 0 else _signed(wi)}·{x_text}")
    return " ".join(parts)


def _posterior(prevalence: float, sensitivity: float, specificity: float) -> tuple[float, float]:
    """P(condition | positive test) and P(positive test), by Bayes' rule."""
    p_positive = sensitivity * prevalence + (1 - specificity) * (1 - prevalence)
    return sensitivity * prevalence / p_positive, p_positive


def _nb_joint(prior: float, likelihoods: np.ndarray, x: np.ndarray) -> float:
    """prior · Π P(x_j | class) for binary features x, given P(x_j = 1 | class)."""
    return float(prior * np.prod(np.where(x == 1, likelihoods, 1 - likelihoods)))


def _nb_posterior(prior1: float, lik1: np.ndarray, lik0: np.ndarray, x: np.ndarray) -> float:
    """P(class 1 | x) for a two-class Bernoulli naive Bayes."""
    joint1 = _nb_joint(prior1, lik1, x)
    joint0 = _nb_joint(1 - prior1, lik0, x)
    return joint1 / (joint1 + joint0)


def _logistic(w: np.ndarray, b: float, x: np.ndarray) -> tuple[float, float]:
    """The logit w·x + b and the predicted probability σ(w·x + b)."""
    z = float(np.dot(w, x) + b)
    return z, float(_sigmoid(z))


def _oob(n: int) -> float:
    """Probability that one example is absent from a bootstrap sample of size n: (1 − 1/n)^n."""
    return float((1 - 1 / n) ** n)


@register
def bayes_rule(
    rng: np.random.Generator,
    prevalence: draw.RealSpec = (0.001, 0.1),
    sensitivity: draw.RealSpec = (0.8, 0.99),
    specificity: draw.RealSpec = (0.8, 0.99),
) -> Problem:
    """P(condition | positive test) from prevalence, sensitivity and specificity."""
    for _ in range(MAX_REDRAWS):
        prev = draw.real(rng, prevalence, decimals=3)
        if 0 < prev < 1:
            break
    else:
        raise ValueError(f"prevalence must be strictly between 0 and 1, got {prev}")
    sens = draw.real(rng, sensitivity)
    spec = draw.real(rng, specificity)
    if not (0 < sens <= 1 and 0 <= spec < 1):
        raise ValueError("sensitivity must be in (0, 1] and specificity in [0, 1)")
    posterior, p_positive = _posterior(prev, sens, spec)
    true_pos = sens * prev
    false_pos = (1 - spec) * (1 - prev)
    return Problem(
        prompt=(
            f"A condition affects {_percent(prev)} of people. A test detects it in {_percent(sens)}\n"
            f"of people who have it (sensitivity) and correctly clears {_percent(spec)} of people who\n"
            "don't (specificity).\n"
            "Someone tests positive. What is the probability that they have the condition?\n"
            "Give 3 significant figures."
        ),
        given={"prevalence": prev, "sensitivity": sens, "specificity": spec},
        answer=posterior,
        unit="probability",
        tolerance=Tolerance(sigfigs=3),
        solution=(
            "P(C | +) = sens·prev / (sens·prev + (1 − spec)·(1 − prev))\n"
            f"= {fmt.num(sens)}·{fmt.num(prev)} / ({fmt.num(sens)}·{fmt.num(prev)} + "
            f"{fmt.num(1 - spec)}·{fmt.num(1 - prev)})\n"
            f"= {fmt.num(true_pos)} / ({fmt.num(true_pos)} + {fmt.num(false_pos)}) = {fmt.num(posterior)}"
        ),
        diagnoses=(
            Diagnosis(
                sens,
                "that is the sensitivity, P(+ | C); you need P(C | +): weigh it by the low base rate "
                "(base-rate neglect)",
            ),
            Diagnosis(
                p_positive,
                "that is P(+), the overall rate of positive tests; divide the true positives by it",
            ),
            Diagnosis(true_pos, "that is P(C and +); divide it by P(+) to condition on the positive test"),
        ),
    )


@register
def naive_bayes_posterior(rng: np.random.Generator, features: draw.IntSpec = (2, 3)) -> Problem:
    """Posterior of the positive class under naive Bayes with binary features."""
    n_features = draw.integer(rng, features)
    if not 1 <= n_features <= len(_WORDS):
        raise ValueError(f"features must be from 1 to {len(_WORDS)}, got {n_features}")
    for _ in range(MAX_REDRAWS):
        picked = sorted(rng.choice(len(_WORDS), size=n_features, replace=False).tolist())
        words = [_WORDS[i][0] for i in picked]
        lik1 = np.array([draw.real(rng, list(_WORDS[i][1])) for i in picked])
        lik0 = np.array([draw.real(rng, list(_WORDS[i][2])) for i in picked])
        prior = draw.real(rng, [0.2, 0.6], decimals=1)
        x = rng.integers(0, 2, size=n_features)
        posterior = _nb_posterior(prior, lik1, lik0, x)
        if 0.03 <= posterior <= 0.97:
            break
    joint1 = _nb_joint(prior, lik1, x)
    joint0 = _nb_joint(1 - prior, lik0, x)
    equal_priors = _nb_posterior(0.5, lik1, lik0, x)

    table = "\n".join(
        f"  {word!r:<10} P(present | spam) = {fmt.num(a)}   P(present | ham) = {fmt.num(b)}"
        for word, a, b in zip(words, lik1, lik0, strict=True)
    )
    present = [w for w, xi in zip(words, x, strict=True) if xi == 1]
    absent = [w for w, xi in zip(words, x, strict=True) if xi == 0]
    email = " but ".join(
        part
        for part in (
            f"contains {' and '.join(repr(w) for w in present)}" if present else "",
            f"does not contain {' or '.join(repr(w) for w in absent)}" if absent else "",
        )
        if part
    )

    def factors(prior_value: float, lik: np.ndarray) -> str:
        terms = [fmt.num(prior_value)] + [
            fmt.num(p) if xi == 1 else f"(1 − {fmt.num(p)})" for p, xi in zip(lik, x, strict=True)
        ]
        return " · ".join(terms)

    return Problem(
        prompt=(
            "A Bernoulli naive Bayes spam filter (each word is a binary present/absent feature, so\n"
            "an absent word contributes 1 − P(present)) uses these likelihoods and\n"
            f"P(spam) = {fmt.num(prior)}:\n"
            f"{table}\n"
            f"An email {email}. What is P(spam | email)? {ASK3}"
        ),
        given={"prior_spam": prior, "words": words, "p_spam": lik1, "p_ham": lik0, "present": x},
        answer=posterior,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"spam: {factors(prior, lik1)} = {fmt.num(joint1)}\n"
            f"ham:  {factors(1 - prior, lik0)} = {fmt.num(joint0)}\n"
            f"P(spam | email) = {fmt.num(joint1)} / ({fmt.num(joint1)} + {fmt.num(joint0)}) "
            f"= {fmt.num(posterior)}"
        ),
        diagnoses=(
            Diagnosis(
                joint1, "that is the unnormalised product for spam; divide by the sum over both classes"
            ),
            Diagnosis(equal_priors, f"you left out the prior: multiply by P(spam) = {fmt.num(prior)}"),
        ),
    )


@register
def logit_probability(rng: np.random.Generator, logit: draw.RealSpec = (-4, 4)) -> Problem:
    """Probability σ(z) that a logistic model gives for a logit z."""
    z = draw.real(rng, logit)
    p = float(_sigmoid(z))
    return Problem(
        prompt=(
            f"A logistic-regression model outputs the logit z = {fmt.num(z)} for an example.\n"
            f"What probability does it give the positive class? {ASK3}"
        ),
        given={"logit": z},
        answer=p,
        unit="probability",
        tolerance=DEC3,
        solution=(
            "p = σ(z) = 1 / (1 + e^(−z))\n"
            f"= 1 / (1 + e^({fmt.num(-z)})) = 1 / (1 + {fmt.num(np.exp(-z))}) = {fmt.num(p)}"
        ),
        diagnoses=(
            Diagnosis(np.exp(z), "e^z is the odds p / (1 − p), not the probability"),
            Diagnosis(z, "the logit is the log-odds; squash it with σ(z) = 1 / (1 + e^(−z))"),
            Diagnosis(1 - p, "that is σ(−z), the probability of the negative class"),
        ),
    )


@register
def odds_ratio(
    rng: np.random.Generator, coef: draw.RealSpec = (-1.5, 1.5), delta: draw.IntSpec = (1, 3)
) -> Problem:
    """Factor by which logistic-regression odds change when a feature rises by delta: exp(coef·delta)."""
    for _ in range(MAX_REDRAWS):
        beta = draw.real(rng, coef)
        if abs(beta) >= 0.05:
            break
    else:
        raise ValueError(f"coef must not be 0, got {beta}")
    step = draw.integer(rng, delta)
    if step == 0:
        raise ValueError("delta must not be 0")
    p0 = draw.real(rng, [0.1, 0.6], decimals=1)
    factor = float(np.exp(beta * step))
    odds0 = p0 / (1 - p0)
    p1 = odds0 * factor / (1 + odds0 * factor)

    unit = "unit" if step == 1 else "units"
    mistakes = [
        Diagnosis(beta * step, "β·Δ is the change of the log-odds; the odds change by the factor e^(β·Δ)"),
        Diagnosis(
            p1 / p0,
            "that is the ratio of probabilities p₁/p₀ (risk ratio); the odds p/(1 − p) change by e^(β·Δ)",
        ),
    ]
    if step != 1:
        mistakes.append(
            Diagnosis(np.exp(beta), f"e^β is the factor per unit; x rises by {step}: e^(β·{step})")
        )
    return Problem(
        prompt=(
            f"In a logistic regression the feature x has coefficient β = {fmt.num(beta)}. For one example\n"
            f"the model predicts p = {fmt.num(p0)}. By what factor do the odds of the positive class change\n"
            f"when x rises by {step} {unit}, everything else fixed? Give 3 significant figures."
        ),
        given={"coef": beta, "delta": step, "p": p0},
        answer=factor,
        tolerance=Tolerance(sigfigs=3),
        solution=(
            "log-odds = β·x + …: raising x by Δ adds β·Δ to the log-odds and multiplies the odds by e^(β·Δ)\n"
            f"e^({fmt.num(beta)}·{step}) = e^({fmt.num(beta * step)}) = {fmt.num(factor)}\n"
            f"(odds {fmt.num(odds0)} → {fmt.num(odds0 * factor)}; p = {fmt.num(p0)} is not needed)"
        ),
        diagnoses=tuple(mistakes),
    )


@register
def logistic_prediction(rng: np.random.Generator, d: draw.IntSpec = (2, 4)) -> Problem:
    """Predicted probability σ(w·x + b) of a logistic-regression model."""
    dim = draw.integer(rng, d)
    if dim < 1:
        raise ValueError(f"d must be at least 1, got {dim}")
    for _ in range(MAX_REDRAWS):
        w = np.array([draw.real(rng, [-2.0, 2.0], decimals=1) for _ in range(dim)])
        x = np.array([draw.real(rng, [-2.0, 2.0], decimals=1) for _ in range(dim)])
        b = draw.real(rng, [-1.0, 1.0], decimals=1)
        z, p = _logistic(w, b, x)
        if 0.2 <= abs(z) <= 3.5 and abs(z - b) >= 0.2:
            break
    products = _dot_terms(w, x)
    no_bias = float(_sigmoid(z - b))
    return Problem(
        prompt=(
            "A logistic-regression model has\n"
            f"  weights w = {fmt.vec(w)}\n  bias b = {fmt.num(b)}\n"
            f"What probability does it predict for the positive class at x = {fmt.vec(x)}? {ASK3}"
        ),
        given={"w": w, "b": b, "x": x},
        answer=p,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"z = w·x + b = {products} {_signed(b)} = {fmt.num(z)}\n"
            f"p = σ(z) = 1 / (1 + e^({fmt.num(-z)})) = {fmt.num(p)}"
        ),
        diagnoses=(
            Diagnosis(z, "that is the logit z = w·x + b; the probability is σ(z)"),
            Diagnosis(no_bias, f"you forgot the bias: z = w·x + b with b = {fmt.num(b)}"),
            Diagnosis(1 - p, "that is σ(−z), the probability of the negative class"),
        ),
    )


@register
def bootstrap_oob(rng: np.random.Generator, n: draw.IntSpec = (5, 1000)) -> Problem:
    """Probability that an example is out-of-bag in a bootstrap sample: (1 − 1/n)^n, about 1/e."""
    size = draw.integer(rng, n)
    if size < 2:
        raise ValueError(f"n must be at least 2, got {size}")
    p = _oob(size)
    return Problem(
        prompt=(
            f"A bootstrap sample draws {size} examples with replacement from a training set of {size}.\n"
            "What is the probability that a given example is NOT in the sample (is out-of-bag)?\n"
            "Give 4 decimals."
        ),
        given={"n": size},
        answer=p,
        unit="probability",
        tolerance=Tolerance(decimals=4),
        solution=(
            f"Each draw misses the example with probability 1 − 1/{size}; the {size} draws are independent.\n"
            f"P(out-of-bag) = (1 − 1/{size})^{size} = {fmt.num(p)}  (→ 1/e ≈ 0.3679 as n grows)"
        ),
        diagnoses=(
            Diagnosis(
                1 - p,
                "that is the probability the example IS in the sample (about 63%); the question asks "
                "for the out-of-bag one",
            ),
            Diagnosis(
                1 / size, f"1/{size} is the chance of one draw picking it; it must miss all {size} draws"
            ),
            Diagnosis(
                np.exp(-1), f"1/e is the limit for large n; for n = {size} compute (1 − 1/{size})^{size}"
            ),
        ),
    )
