"""Preprocessing: standardisation, min-max scaling, batch normalisation, one-hot encoding widths."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import give_up
from quizapp.problems.registry import register

MAX_REDRAWS = 100
DEC3 = Tolerance(decimals=3)

# Categorical columns a table may have: (name, fewest categories, most categories).
_CATEGORICAL: list[tuple[str, int, int]] = [
    ("weekday", 7, 7),
    ("colour", 3, 8),
    ("device", 2, 4),
    ("country", 5, 30),
    ("browser", 3, 6),
    ("plan", 2, 5),
    ("month", 12, 12),
    ("payment_method", 2, 5),
    ("is_member", 2, 2),
]
_DROPS = (None, "first", "if_binary")


def _signed(x: float) -> str:
    """`+ 0.5` or `− 0.5`, to continue a sum."""
    return f"{'−' if x < 0 else '+'} {fmt.num(abs(x))}"


def _p(x: float) -> str:
    """A number for the middle of a formula: negative ones in parentheses."""
    return fmt.num(x) if x >= 0 else f"({fmt.num(x)})"


def _ordinal(i: int) -> str:
    """`2nd (index 1)` for i = 2: the position counted from 1, with its 0-based index, never ambiguous."""
    word = {1: "1st", 2: "2nd", 3: "3rd"}.get(i, f"{i}th")
    return f"{word} (index {i - 1})"


def _standardized(values: np.ndarray, index: int) -> float:
    """StandardScaler's output for element `index` of a one-feature column (population std, ddof=0)."""
    from sklearn.preprocessing import StandardScaler

    column = np.asarray(values, dtype=float).reshape(-1, 1)
    return float(StandardScaler().fit_transform(column)[index, 0])


def _min_max(values: np.ndarray, index: int) -> float:
    """MinMaxScaler's output (range [0, 1]) for element `index` of a one-feature column."""
    from sklearn.preprocessing import MinMaxScaler

    column = np.asarray(values, dtype=float).reshape(-1, 1)
    return float(MinMaxScaler().fit_transform(column)[index, 0])


def _batch_norm(x: np.ndarray, gamma: float, beta: float, eps: float, ddof: int = 0) -> np.ndarray:
    """Training-mode batch norm of one feature over a mini-batch: γ·(x − mean)/√(var + ε) + β."""
    x = np.asarray(x, dtype=float)
    return np.asarray(gamma * (x - x.mean()) / np.sqrt(x.var(ddof=ddof) + eps) + beta)


def _one_hot_width(cardinalities: list[int], drop: str | None) -> int:
    """Columns OneHotEncoder(drop=drop) outputs for categorical features with these numbers of categories."""
    from sklearn.preprocessing import OneHotEncoder

    rows = max(cardinalities)
    data = np.column_stack([np.arange(rows) % c for c in cardinalities])
    return int(OneHotEncoder(drop=drop).fit(data).transform(data[:1]).shape[1])


@register
def standardize(rng: np.random.Generator, n: draw.IntSpec = (5, 8)) -> Problem:
    """z-score of one value under StandardScaler (population std, ddof=0)."""
    size = draw.integer(rng, n)
    if size < 3:
        raise ValueError(f"n must be at least 3, got {size}")
    for _ in range(MAX_REDRAWS):
        centre = int(rng.integers(10, 90))
        values = centre + rng.integers(-12, 13, size=size)
        if values.std() == 0:
            continue
        z_all = (values - values.mean()) / values.std()
        candidates = np.flatnonzero(np.abs(z_all) >= 0.4)
        if len(candidates):
            break
    index = int(rng.choice(candidates))
    z = _standardized(values, index)

    x = int(values[index])
    mean = float(values.mean())
    std = float(values.std())
    std1 = float(values.std(ddof=1))
    return Problem(
        prompt=(
            "A feature takes these values in the training set:\n"
            f"  x: {fmt.vec(values)}\n"
            "StandardScaler (mean and population std, ddof=0) is fitted on them.\n"
            f"What does it map the {_ordinal(index + 1)} value, x = {x}, to? Give 3 decimals."
        ),
        given={"values": values, "index": index},
        answer=z,
        tolerance=DEC3,
        solution=(
            f"mean = {fmt.num(mean)}, std = √(Σ(x − mean)² / {size}) = {fmt.num(std)}\n"
            f"z = (x − mean) / std = ({x} − {_p(mean)}) / {fmt.num(std)} = {fmt.num(z)}"
        ),
        diagnoses=(
            Diagnosis(
                (x - mean) / std1,
                f"you used the sample std (ddof=1, {fmt.num(std1)}); StandardScaler divides by n",
            ),
            Diagnosis(x / std, "you forgot to subtract the mean: z = (x − mean) / std"),
            Diagnosis((x - mean) / values.var(), "divide by the standard deviation, not the variance"),
        ),
    )


@register
def min_max(rng: np.random.Generator, n: draw.IntSpec = (5, 8)) -> Problem:
    """MinMaxScaler output (range [0, 1]) of one value of a feature."""
    size = draw.integer(rng, n)
    if size < 3:
        raise ValueError(f"n must be at least 3, got {size}")
    for tries in range(MAX_REDRAWS + 1):
        give_up(tries, "a column with a value strictly inside its range", MAX_REDRAWS)
        low = int(rng.integers(5, 60))
        values = low + rng.integers(0, 51, size=size)
        lo, hi = int(values.min()), int(values.max())
        scaled_all = (values - lo) / max(hi - lo, 1)
        halfway = np.isclose((scaled_all * 1000) % 1, 0.5)  # e.g. 3/16 = 0.1875: no fair 3-decimal answer
        inside = np.flatnonzero((values > lo) & (values < hi) & (2 * values != lo + hi) & ~halfway)
        if len(inside):
            break
    index = int(rng.choice(inside))
    scaled = _min_max(values, index)
    x = int(values[index])
    return Problem(
        prompt=(
            "MinMaxScaler (default feature_range [0, 1]) is fitted on these values of a feature:\n"
            f"  x: {fmt.vec(values)}\n"
            f"What does it map the {_ordinal(index + 1)} value, x = {x}, to? Give 3 decimals."
        ),
        given={"values": values, "index": index},
        answer=scaled,
        tolerance=DEC3,
        solution=(
            "x' = (x − min) / (max − min)\n"
            f"= ({x} − {lo}) / ({hi} − {lo}) = {x - lo} / {hi - lo} = {fmt.num(scaled)}"
        ),
        diagnoses=(
            Diagnosis(x / hi, "you divided by the max only; subtract the min and divide by the range"),
            Diagnosis((hi - x) / (hi - lo), "that is the range flipped: the min maps to 0, the max to 1"),
            Diagnosis((x - lo) / hi, "divide by the range max − min, not by the max"),
        ),
    )


@register
def batch_norm(
    rng: np.random.Generator,
    batch: draw.IntSpec = (3, 6),
    gamma: draw.RealSpec = (0.5, 2),
    beta: draw.RealSpec = (-1, 1),
    eps: draw.RealSpec = 1e-5,
) -> Problem:
    """Training-mode BatchNorm output of one element of a mini-batch feature (biased batch variance)."""
    size = draw.integer(rng, batch)
    if size < 2:
        raise ValueError(f"batch must be at least 2, got {size}")
    epsilon = draw.real(rng, eps, decimals=8)
    for _ in range(MAX_REDRAWS):
        x = np.round(rng.normal(float(rng.integers(-3, 4)), 1.5, size=size), 1)
        g = draw.real(rng, gamma, decimals=1)
        b = draw.real(rng, beta, decimals=1)
        if x.var() < 0.01:
            continue
        index = int(rng.integers(size))
        y = float(_batch_norm(x, g, b, epsilon)[index])
        x_hat = float(_batch_norm(x, 1.0, 0.0, epsilon)[index])
        if abs(y) >= 0.1 and abs(x_hat) >= 0.1:
            break
    mean, var = float(x.mean()), float(x.var())
    unbiased = float(_batch_norm(x, g, b, epsilon, ddof=1)[index])
    return Problem(
        prompt=(
            "A BatchNorm layer in training mode sees this mini-batch of one feature:\n"
            f"  x: {fmt.vec(x)}\n"
            f"with γ = {fmt.num(g)}, β = {fmt.num(b)}, ε = {fmt.num(epsilon)}.\n"
            "It normalises with the batch mean and the biased batch variance (divided by the batch size).\n"
            f"What is its output for the {_ordinal(index + 1)} element, x = {fmt.num(x[index])}? "
            "Give 3 decimals."
        ),
        given={"x": x, "index": index, "gamma": g, "beta": b, "eps": epsilon},
        answer=y,
        tolerance=DEC3,
        solution=(
            f"mean = {fmt.num(mean)}, var = Σ(x − mean)² / {size} = {fmt.num(var)}\n"
            f"x̂ = (x − mean) / √(var + ε) = ({fmt.num(x[index])} − {_p(mean)}) / "
            f"√({fmt.num(var)} + {fmt.num(epsilon)}) = {fmt.num(x_hat)}\n"
            f"y = γ·x̂ + β = {fmt.num(g)}·{_p(x_hat)} {_signed(b)} = {fmt.num(y)}"
        ),
        diagnoses=(
            Diagnosis(
                unbiased,
                f"you used the unbiased variance (÷ {size - 1}); BatchNorm normalises "
                f"with the biased one (÷ {size})",
            ),
            Diagnosis(x_hat, "that is x̂ before the affine step: apply y = γ·x̂ + β"),
            Diagnosis(g * x_hat, f"you forgot to add β = {fmt.num(b)}"),
        ),
    )


@register
def one_hot_width(
    rng: np.random.Generator, features: draw.IntSpec = (2, 4), drop: Any = (None, "first")
) -> Problem:
    """Number of columns OneHotEncoder outputs for categorical features with given cardinalities."""
    n_features = draw.integer(rng, features)
    if not 1 <= n_features <= len(_CATEGORICAL):
        raise ValueError(f"features must be from 1 to {len(_CATEGORICAL)}, got {n_features}")
    drop_mode = draw.one_of(rng, drop)
    if drop_mode not in _DROPS:
        raise ValueError(f"drop must be one of {list(_DROPS)}, got {drop_mode!r}")
    picked = sorted(rng.choice(len(_CATEGORICAL), size=n_features, replace=False).tolist())
    names = [_CATEGORICAL[i][0] for i in picked]
    cards = [int(rng.integers(_CATEGORICAL[i][1], _CATEGORICAL[i][2], endpoint=True)) for i in picked]
    width = _one_hot_width(cards, drop_mode)

    total = sum(cards)
    binary = sum(1 for c in cards if c == 2)
    lines = "\n".join(f"  {name}: {c} categories" for name, c in zip(names, cards, strict=True))
    if drop_mode is None:
        rule = f"drop=None keeps one column per category: {' + '.join(map(str, cards))} = {width}"
    elif drop_mode == "first":
        rule = (
            f"drop='first' keeps (categories − 1) per feature: {' + '.join(f'({c} − 1)' for c in cards)} "
            f"= {total} − {n_features} = {width}"
        )
    else:
        rule = (
            f"drop='if_binary' keeps one column for a two-category feature ({binary} here), all columns "
            f"otherwise: {' + '.join(str(1 if c == 2 else c) for c in cards)} = {width}"
        )
    if drop_mode == "first":
        forgot_drop = "drop='first' removes one column (the first category) from every feature"
    else:
        forgot_drop = "drop='if_binary' keeps a single column for each feature with exactly two categories"
    mistakes = [
        Diagnosis(total, forgot_drop),
        Diagnosis(
            total - n_features, f"that drops one column from every feature; drop={drop_mode!r} does not"
        ),
        Diagnosis(
            int(np.prod(cards)),
            "that is the number of category combinations; one-hot encodes each feature on its own, "
            "so the widths add up",
        ),
        Diagnosis(n_features, "one-hot gives each category its own column, not each feature"),
    ]
    return Problem(
        prompt=(
            "A table has these categorical columns (number of distinct categories in the training data):\n"
            f"{lines}\n"
            f"How many columns does sklearn's OneHotEncoder(drop={drop_mode!r}) output for them?\n"
            "Give the exact count."
        ),
        given={"features": names, "categories": cards, "drop": drop_mode},
        answer=width,
        unit="count",
        solution=f"One column per category of every feature, minus the dropped ones.\n{rule}",
        diagnoses=tuple(mistakes),
    )
