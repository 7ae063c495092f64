"""Decision-tree impurities: entropy, Gini impurity and the information gain of a split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import give_up
from quizapp.problems.registry import register

MAX_DRAWS = 1000

Counts = Sequence[int] | np.ndarray


def entropy_bits(counts: Counts) -> float:
    """Shannon entropy in bits of the class distribution given by `counts` (empty classes add 0)."""
    c = np.asarray(counts, dtype=float)
    p = c[c > 0] / c.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0


def gini_impurity(counts: Counts) -> float:
    """Gini impurity 1 − Σ p_k² of the class distribution given by `counts`."""
    c = np.asarray(counts, dtype=float)
    p = c / c.sum()
    return float(1.0 - (p * p).sum())


def information_gain_bits(parent: Counts, left: Counts, right: Counts) -> float:
    """H(parent) − (n_L/n)·H(left) − (n_R/n)·H(right), entropies in bits."""
    n_left, n_right = float(np.sum(left)), float(np.sum(right))
    n = n_left + n_right
    children = n_left / n * entropy_bits(left) + n_right / n * entropy_bits(right)
    return entropy_bits(parent) - children


@register
def entropy(rng: np.random.Generator, classes: draw.IntSpec = (2, 3), n: draw.IntSpec = (4, 20)) -> Problem:
    """Entropy in bits of a node's class counts."""
    counts = _counts(rng, draw.integer(rng, classes), draw.integer(rng, n))
    total = int(counts.sum())
    truth = entropy_bits(counts)
    p = counts / total
    tolerance = Tolerance(decimals=3)
    terms = " + ".join(f"{c}/{total}·log2({total}/{c})" for c in counts)
    return Problem(
        prompt=(
            f"A decision-tree node holds {total} training examples with class counts {fmt.vec(counts)}.\n"
            "What is the entropy of the node, in bits (log base 2)? Give 3 decimals."
        ),
        given={"counts": counts},
        answer=truth,
        tolerance=tolerance,
        solution=(f"H = −Σ p_k·log2 p_k with p = {fmt.vec(p)}\n  = {terms}\n  = {fmt.fixed(truth, 3)} bits"),
        diagnoses=(
            Diagnosis(truth * np.log(2), "you used the natural log: that is the entropy in nats, not bits"),
            Diagnosis(gini_impurity(counts), "that is the Gini impurity 1 − Σp², not the entropy"),
            Diagnosis(truth * np.log10(2), "you used log base 10; bits need log base 2"),
        ),
    )


@register
def gini(rng: np.random.Generator, classes: draw.IntSpec = (2, 3), n: draw.IntSpec = (4, 20)) -> Problem:
    """Gini impurity of a node's class counts."""
    counts = _counts(rng, draw.integer(rng, classes), draw.integer(rng, n))
    total = int(counts.sum())
    truth = gini_impurity(counts)
    tolerance = Tolerance(decimals=3)
    squares = " + ".join(f"({c}/{total})²" for c in counts)
    sum_sq = 1.0 - truth
    return Problem(
        prompt=(
            f"A decision-tree node holds {total} training examples with class counts {fmt.vec(counts)}.\n"
            "What is its Gini impurity? Give 3 decimals."
        ),
        given={"counts": counts},
        answer=truth,
        tolerance=tolerance,
        solution=(
            "Gini = 1 − Σ p_k²\n"
            f"Σ p_k² = {squares} = {fmt.num(sum_sq)}\n"
            f"Gini = 1 − {fmt.num(sum_sq)} = {fmt.fixed(truth, 3)}"
        ),
        diagnoses=(
            Diagnosis(entropy_bits(counts), "that is the entropy in bits, not the Gini impurity"),
            Diagnosis(sum_sq, "that is Σ p_k²; the impurity is 1 minus it"),
        ),
    )


@register
def information_gain(rng: np.random.Generator, n: draw.IntSpec = (8, 20)) -> Problem:
    """Information gain in bits of a binary split of a two-class node."""
    size = draw.integer(rng, n)
    if size < 4:
        raise ValueError(f"need at least 4 examples to split, got {size}")
    for tries in range(MAX_DRAWS + 1):
        give_up(tries, f"an informative split of {size} examples", MAX_DRAWS)
        y = draw.labels(rng, size, rng.uniform(0.3, 0.7))
        y = y[np.argsort(-(y + rng.normal(0.0, 0.8, size=size)))]  # a feature that sorts them, noisily
        n_left = int(rng.integers(2, size - 2, endpoint=True))
        left = np.array([int((y[:n_left] == 1).sum()), int((y[:n_left] == 0).sum())])
        right = np.array([int((y[n_left:] == 1).sum()), int((y[n_left:] == 0).sum())])
        gain = information_gain_bits(left + right, left, right)
        if gain >= 0.05:  # a split that separates the classes visibly
            break

    parent = left + right
    h_parent, h_left, h_right = entropy_bits(parent), entropy_bits(left), entropy_bits(right)
    n_l, n_r = int(left.sum()), int(right.sum())
    weighted = n_l / size * h_left + n_r / size * h_right
    gini_gain = gini_impurity(parent) - n_l / size * gini_impurity(left) - n_r / size * gini_impurity(right)
    tolerance = Tolerance(decimals=3)
    return Problem(
        prompt=(
            f"A node holds {parent[0]} positives and {parent[1]} negatives. A split sends\n"
            f"  left:  {_pos_neg(left)}\n"
            f"  right: {_pos_neg(right)}\n"
            "What is the information gain of the split, with entropy in bits? Give 3 decimals."
        ),
        given={"parent": parent, "left": left, "right": right},
        answer=gain,
        tolerance=tolerance,
        solution=(
            f"H(parent) = H({parent[0]}/{size}, {parent[1]}/{size}) = {fmt.num(h_parent)}\n"
            f"H(left) = {fmt.num(h_left)}, H(right) = {fmt.num(h_right)}\n"
            f"Weighted: {n_l}/{size}·{fmt.num(h_left)} + {n_r}/{size}·{fmt.num(h_right)}"
            f" = {fmt.num(weighted)}\n"
            f"Gain = {fmt.num(h_parent)} − {fmt.num(weighted)} = {fmt.fixed(gain, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                h_parent - (h_left + h_right) / 2,
                "you averaged the children's entropies; weight each child by its share of the examples",
            ),
            Diagnosis(gini_gain, "that is the decrease in Gini impurity; the question asks for entropy"),
            Diagnosis(weighted, "that is the weighted entropy of the children; subtract it from H(parent)"),
        ),
    )


def _pos_neg(counts: np.ndarray) -> str:
    pos, neg = int(counts[0]), int(counts[1])
    return f"{pos} positive{'s' if pos != 1 else ''}, {neg} negative{'s' if neg != 1 else ''}"


def _counts(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """`k` class counts, each at least 1, summing to `n`, not all equal unless n forces it."""
    if k < 2 or n < k:
        raise ValueError(f"need at least 2 classes and n ≥ classes, got {k} classes and n = {n}")
    for _ in range(MAX_DRAWS):
        cuts = np.sort(rng.choice(np.arange(1, n), size=k - 1, replace=False))
        counts = np.diff(np.concatenate([[0], cuts, [n]]))
        if len(set(counts.tolist())) > 1 or (n % k == 0 and rng.random() < 0.1):
            return counts.astype(int)
    return counts.astype(int)


# --- small helpers (private to this family) ---
