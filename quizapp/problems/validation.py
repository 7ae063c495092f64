"""Validation: k-fold and stratified splits, fit counts of LOOCV, grid search and nested CV, class weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import clear_of_halfway
from quizapp.problems.registry import register

# Hyperparameters of a gradient-boosting model and the values a grid may try, in the order they are listed.
_GRID_POOL: dict[str, list[Any]] = {
    "learning_rate": [0.01, 0.03, 0.1, 0.3, 1.0],
    "max_depth": [2, 3, 4, 6, 8],
    "n_estimators": [100, 200, 400, 800, 1600],
    "subsample": [0.5, 0.6, 0.7, 0.8, 1.0],
    "min_samples_leaf": [1, 2, 5, 10, 20],
}


def _integer_at_least(rng: np.random.Generator, spec: draw.IntSpec, minimum: int, what: str) -> int:
    """An integer drawn from `spec` (a value or an inclusive range) that is at least `minimum`."""
    if isinstance(spec, int | np.integer):
        if spec < minimum:
            raise ValueError(f"{what} must be at least {minimum}, got {spec}")
        return int(spec)
    if not isinstance(spec, list | tuple) or len(spec) != 2:
        raise ValueError(f"{what}: expected an integer or a range [low, high], got {spec!r}")
    low, high = max(int(spec[0]), minimum), int(spec[1])
    if low > high:
        raise ValueError(f"{what} must be at least {minimum}, but its range is {list(spec)}")
    return draw.integer(rng, [low, high])


def _fold_list(k: int) -> str:
    return f"a list of the {k} fold sizes, fold 1 first"


def _kfold_test_sizes(n: int, k: int) -> np.ndarray:
    """Test-fold sizes of sklearn's KFold(n_splits=k) without shuffling, on n examples."""
    from sklearn.model_selection import KFold

    return np.array([len(test) for _, test in KFold(n_splits=k).split(np.zeros((n, 1)))])


def _stratified_positive_counts(n_pos: int, n_neg: int, k: int) -> np.ndarray:
    """Positives per test fold of StratifiedKFold(n_splits=k), positives listed first, then negatives."""
    from sklearn.model_selection import StratifiedKFold

    y = np.r_[np.ones(n_pos, dtype=int), np.zeros(n_neg, dtype=int)]
    splits = StratifiedKFold(n_splits=k).split(np.zeros((len(y), 1)), y)
    return np.array([int(y[test].sum()) for _, test in splits])


def _balanced_weights(counts: np.ndarray) -> np.ndarray:
    """sklearn's compute_class_weight("balanced") for classes 0..C-1 with these counts."""
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.arange(len(counts))
    y = np.repeat(classes, counts)
    return np.asarray(compute_class_weight("balanced", classes=classes, y=y), dtype=float)


def _ranges(sizes: np.ndarray, value: int) -> str:
    """`folds 1–3 get` style text for the folds whose size equals `value`."""
    folds = [i + 1 for i, size in enumerate(sizes) if size == value]
    if len(folds) == 1:
        return f"fold {folds[0]} gets"
    return f"folds {folds[0]}–{folds[-1]} get"


def _split_text(total: int, k: int, sizes: np.ndarray, what: str) -> str:
    base, extra = divmod(total, k)
    if extra == 0:
        return f"{total} // {k} = {base} remainder 0: every fold gets {base} {what}."
    return (
        f"{total} // {k} = {base} remainder {extra}: {_ranges(sizes, base + 1)} {base + 1}, "
        f"{_ranges(sizes, base)} {base}."
    )


@register
def kfold_sizes(rng: np.random.Generator, n: draw.IntSpec = (10, 103), k: draw.IntSpec = (3, 10)) -> Problem:
    """Test-fold sizes of sklearn's KFold: the first n % k folds get one extra example."""
    n_splits = _integer_at_least(rng, k, 2, "k")
    n_samples = _integer_at_least(rng, n, n_splits, "n")
    sizes = _kfold_test_sizes(n_samples, n_splits)

    base, extra = divmod(n_samples, n_splits)
    last_takes_rest = [base] * (n_splits - 1) + [base + extra]
    return Problem(
        prompt=(
            f"sklearn's KFold(n_splits={n_splits}) (no shuffling) splits {n_samples} examples.\n"
            f"How many examples are in each test fold? Answer as {_fold_list(n_splits)}, exact counts."
        ),
        given={"n": n_samples, "k": n_splits},
        answer=sizes.tolist(),
        unit="count",
        solution=(
            "KFold gives every fold n // k examples, and one more to each of the first n % k folds.\n"
            f"{_split_text(n_samples, n_splits, sizes, 'examples')}\n"
            f"Sizes = {fmt.vec(sizes)} (sum {n_samples})"
        ),
        diagnoses=(
            Diagnosis(
                [base] * n_splits,
                f"those sum to {base * n_splits}, not {n_samples}: the {extra} left over go one each "
                "to the first folds",
            ),
            Diagnosis(
                sizes[::-1].tolist(), "sklearn gives the extra examples to the first folds, not the last"
            ),
            Diagnosis(
                last_takes_rest,
                "the remainder is spread one per fold over the first folds, not dumped in the last one",
            ),
            Diagnosis(
                (n_samples - sizes).tolist(),
                "those are the training-set sizes; the question asks for the test folds",
            ),
        ),
    )


@register
def stratified_counts(
    rng: np.random.Generator,
    n_pos: draw.IntSpec = (5, 40),
    n_neg: draw.IntSpec = (20, 200),
    k: draw.IntSpec = (3, 10),
) -> Problem:
    """Positives in each test fold of StratifiedKFold on a data set that lists the positives first."""
    n_splits = _integer_at_least(rng, k, 2, "k")
    positives = _integer_at_least(rng, n_pos, n_splits, "n_pos")
    negatives = _integer_at_least(rng, n_neg, n_splits, "n_neg")
    counts = _stratified_positive_counts(positives, negatives, n_splits)

    total = positives + negatives
    plain = _kfold_test_sizes(total, n_splits)
    stops = np.cumsum(plain)
    starts = stops - plain
    unstratified = np.clip(np.minimum(stops, positives) - starts, 0, None)
    base = positives // n_splits
    return Problem(
        prompt=(
            f"A data set lists {positives} positives first, then {negatives} negatives ({total} examples).\n"
            f"It is split by sklearn's StratifiedKFold(n_splits={n_splits}) (no shuffling), which spreads\n"
            "each class as evenly as possible over the test folds, the leftover positives going to the "
            "first folds.\n"
            f"How many positives are in each test fold? Answer as a list of {n_splits} exact counts,\n"
            "fold 1 first."
        ),
        given={"n_pos": positives, "n_neg": negatives, "k": n_splits},
        answer=counts.tolist(),
        unit="count",
        solution=(
            "Stratification splits the positives on their own, as evenly as possible.\n"
            f"{_split_text(positives, n_splits, counts, 'positives')}\n"
            f"Each test fold keeps about the overall positive rate {fmt.num(positives / total, 2)}.\n"
            f"Positives per fold = {fmt.vec(counts)}"
        ),
        diagnoses=(
            Diagnosis(
                unstratified.tolist(),
                "that is plain KFold on this ordered data: the positives pile up in the first folds. "
                "StratifiedKFold spreads them",
            ),
            Diagnosis(
                [base] * n_splits,
                f"those sum to {base * n_splits}, not {positives}: the leftover positives go one each "
                "to the first folds",
            ),
            Diagnosis(counts[::-1].tolist(), "the leftover positives go to the first folds, not the last"),
        ),
    )


@register
def loocv_fits(rng: np.random.Generator, n: draw.IntSpec = (20, 500)) -> Problem:
    """Number of model fits in leave-one-out cross-validation."""
    from sklearn.model_selection import LeaveOneOut

    n_samples = _integer_at_least(rng, n, 2, "n")
    fits = int(LeaveOneOut().get_n_splits(np.zeros((n_samples, 1))))
    return Problem(
        prompt=(
            f"You estimate a model's error by leave-one-out cross-validation on {n_samples} examples\n"
            "(no final refit on all the data). How many times is the model fitted? Give the exact count."
        ),
        given={"n": n_samples},
        answer=fits,
        unit="count",
        solution=(
            "LOOCV holds out each example once and fits on the other n − 1.\n"
            f"One fit per example: {fits} fits, each on {n_samples - 1} examples."
        ),
        diagnoses=(
            Diagnosis(n_samples - 1, "n − 1 is the training-set size of each fit, not the number of fits"),
            Diagnosis(1, "every held-out example needs its own fit: one per example"),
            Diagnosis(n_samples + 1, "the question excludes the final refit on all the data"),
        ),
    )


@register
def grid_search_fits(
    rng: np.random.Generator,
    grid: draw.IntSpec = (2, 5),
    params: draw.IntSpec = (2, 4),
    k: draw.IntSpec = (3, 10),
    refit: Any = (True, False),
) -> Problem:
    """Total model fits done by GridSearchCV: candidates × folds, plus one refit."""
    from sklearn.model_selection import KFold, ParameterGrid

    n_params = draw.integer(rng, params)
    if not 1 <= n_params <= len(_GRID_POOL):
        raise ValueError(f"params must be from 1 to {len(_GRID_POOL)}, got {n_params}")
    names = sorted(rng.choice(len(_GRID_POOL), size=n_params, replace=False).tolist())
    param_grid: dict[str, list[Any]] = {}
    for index in names:
        name, values = list(_GRID_POOL.items())[index]
        count = draw.integer(rng, grid)
        if not 1 <= count <= len(values):
            raise ValueError(f"grid must be from 1 to {len(values)} values per hyperparameter, got {count}")
        picked = sorted(rng.choice(len(values), size=count, replace=False).tolist())
        param_grid[name] = [values[i] for i in picked]
    n_splits = _integer_at_least(rng, k, 2, "k")
    do_refit = bool(draw.one_of(rng, refit))

    candidates = len(ParameterGrid(param_grid))
    folds = KFold(n_splits=n_splits).get_n_splits()
    fits = candidates * folds + int(do_refit)

    sizes = [len(values) for values in param_grid.values()]
    grid_lines = "\n".join(f"  {name}: {fmt.vec(values)}" for name, values in param_grid.items())
    refit_line = (
        f"refit=True fits the best candidate once more on all the data: {candidates * folds} + 1 = {fits}"
        if do_refit
        else f"refit=False: no final fit. Total = {fits}"
    )
    mistakes = [
        Diagnosis(
            candidates + int(do_refit), f"each candidate is fitted once per fold: multiply by cv={n_splits}"
        ),
        Diagnosis(
            sum(sizes) * folds + int(do_refit),
            "the grid tries every combination: multiply the numbers of values, don't add them",
        ),
    ]
    if do_refit:
        mistakes.insert(
            0, Diagnosis(candidates * folds, "refit=True adds one final fit of the best candidate")
        )
    else:
        mistakes.insert(0, Diagnosis(candidates * folds + 1, "refit=False: there is no final fit"))
    return Problem(
        prompt=(
            f"GridSearchCV(GradientBoostingClassifier(), param_grid, cv={n_splits}, refit={do_refit}) "
            "searches this grid:\n"
            f"{grid_lines}\n"
            "How many times is a model fitted in total? Give the exact count."
        ),
        given={"param_grid": param_grid, "k": n_splits, "refit": do_refit},
        answer=fits,
        unit="count",
        solution=(
            f"Candidates = {' × '.join(str(s) for s in sizes)} = {candidates} combinations.\n"
            f"Each is fitted once per fold: {candidates} × {folds} = {candidates * folds}.\n"
            f"{refit_line}"
        ),
        diagnoses=tuple(mistakes),
    )


@register
@clear_of_halfway
def class_weights(
    rng: np.random.Generator, classes: draw.IntSpec = (2, 4), n: draw.IntSpec = (50, 500)
) -> Problem:
    """Weight of one class under sklearn's class_weight="balanced", from the class counts."""
    n_classes = _integer_at_least(rng, classes, 2, "classes")
    n_samples = _integer_at_least(rng, n, 5 * n_classes, "n")
    minimum = max(2, n_samples // (10 * n_classes))
    shares = rng.dirichlet(np.ones(n_classes))
    counts = minimum + rng.multinomial(n_samples - minimum * n_classes, shares)
    asked = int(rng.integers(n_classes))
    weights = _balanced_weights(counts)
    weight = float(weights[asked])
    count = int(counts[asked])

    lines = "\n".join(f"  class {c}: {int(m)}" for c, m in enumerate(counts))
    return Problem(
        prompt=(
            f"A training set of {n_samples} examples has {n_classes} classes with these counts:\n"
            f"{lines}\n"
            f'What weight does sklearn\'s class_weight="balanced" give class {asked}?\n'
            "Give 3 significant figures."
        ),
        given={"counts": counts, "class": asked},
        answer=weight,
        tolerance=Tolerance(sigfigs=3),
        solution=(
            "balanced weight = n_samples / (n_classes · count of the class)\n"
            f"= {n_samples} / ({n_classes} · {count}) = {n_samples} / {n_classes * count}\n"
            f"= {fmt.num(weight)}"
        ),
        diagnoses=(
            Diagnosis(count / n_samples, "that is the class's share of the data; the weight is its inverse"),
            Diagnosis(
                n_samples / count,
                f"divide by the number of classes too: n / (n_classes · count), n_classes = {n_classes}",
            ),
            Diagnosis(count * n_classes / n_samples, "that is upside down: n_samples / (n_classes · count)"),
        ),
    )


@register
def nested_cv_fits(
    rng: np.random.Generator,
    outer: draw.IntSpec = (3, 5),
    inner: draw.IntSpec = (3, 5),
    candidates: draw.IntSpec = (4, 20),
) -> Problem:
    """Total model fits in nested cross-validation with a refitting grid search inside."""
    from sklearn.model_selection import KFold

    outer_k = _integer_at_least(rng, outer, 2, "outer")
    inner_k = _integer_at_least(rng, inner, 2, "inner")
    n_candidates = _integer_at_least(rng, candidates, 1, "candidates")
    outer_folds = KFold(n_splits=outer_k).get_n_splits()
    inner_folds = KFold(n_splits=inner_k).get_n_splits()
    per_outer = n_candidates * inner_folds + 1
    fits = outer_folds * per_outer

    return Problem(
        prompt=(
            f"Nested cross-validation: cross_val_score(search, X, y, cv={outer_k}) with\n"
            f"  search = GridSearchCV(model, param_grid, cv={inner_k}, refit=True)\n"
            f"and a param_grid of {n_candidates} candidate settings.\n"
            "How many times is the model fitted in total? (No final fit on all the data afterwards.)\n"
            "Give the exact count."
        ),
        given={"outer": outer_k, "inner": inner_k, "candidates": n_candidates},
        answer=fits,
        unit="count",
        solution=(
            f"Inside each outer training set: {n_candidates} candidates × {inner_k} inner folds "
            f"= {n_candidates * inner_k} fits, + 1 refit of the best = {per_outer}.\n"
            f"The search runs once per outer fold: {outer_k} × {per_outer} = {fits}"
        ),
        diagnoses=(
            Diagnosis(
                outer_k * n_candidates * inner_k,
                "refit=True refits the best candidate on each outer training set: + 1 per outer fold",
            ),
            Diagnosis(per_outer, f"the whole search runs once per outer fold: multiply by {outer_k}"),
            Diagnosis(
                outer_k * n_candidates * inner_k + 1,
                "the inner search refits once in every outer fold, not once overall",
            ),
        ),
    )
