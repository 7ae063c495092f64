"""Classification metrics: confusion matrices, precision/recall/F, ROC and PR curves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import clear_of_halfway, give_up, until
from quizapp.problems.registry import register
from quizapp.wording import plural

MAX_TRIES = 2000


@register
@clear_of_halfway
def roc_auc(rng: np.random.Generator, n: draw.IntSpec = (6, 10), separation: draw.RealSpec = 1.0) -> Problem:
    """ROC AUC of a handful of scores and labels, by counting ranked pairs."""
    from sklearn.metrics import roc_auc_score

    for _ in range(MAX_TRIES):  # a perfect (or perfectly wrong) ranking makes a trivial question: redraw
        y = draw.labels(rng, draw.integer(rng, n))
        s = draw.scores(rng, y, draw.real(rng, separation))
        auc = float(roc_auc_score(y, s))
        if 0.0 < auc < 1.0:
            break
    else:
        raise ValueError(f"every draw ranked perfectly; lower `separation` (got {separation})")

    pos, neg = s[y == 1], s[y == 0]
    wins = int((pos[:, None] > neg[None, :]).sum())
    ties = int((pos[:, None] == neg[None, :]).sum())
    pairs = len(pos) * len(neg)
    accuracy = float(np.mean((s >= 0.5) == (y == 1)))
    tie_text = f" and {plural(ties, 'tie')}, each counting ½" if ties else ""
    return Problem(
        prompt=(
            f"A classifier gives these scores to {len(y)} examples:\n"
            f"  scores: {fmt.vec(s)}\n  labels: {fmt.vec(y)}\n"
            "What is the ROC AUC? A tied positive–negative pair counts ½ (as in sklearn's roc_auc_score).\n"
            "Give 3 decimals."
        ),
        given={"scores": s, "labels": y},
        answer=auc,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            "AUC is the probability that a random positive scores above a random negative.\n"
            f"{len(pos)} positives × {len(neg)} negatives = {pairs} pairs; "
            f"the positive wins {wins}{tie_text}.\n"
            f"AUC = ({wins} + ½·{ties}) / {pairs} = {fmt.fixed(auc, 3)}"
        ),
        diagnoses=(
            Diagnosis(1 - auc, "that is 1 − AUC: you counted the pairs a negative wins"),
            Diagnosis(accuracy, "that is the accuracy at threshold 0.5; AUC uses every threshold"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Shared helpers: labels with hard predictions, confusion cells, diagnoses kept apart from the truth.

ChoiceSpec = float | Sequence[float]  # one value, or a list of choices (draw.one_of)


def _cells(y: np.ndarray, yhat: np.ndarray) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) of binary labels `y` and hard predictions `yhat`, by counting."""
    y, yhat = np.asarray(y), np.asarray(yhat)
    tp = int(np.sum((y == 1) & (yhat == 1)))
    fp = int(np.sum((y == 0) & (yhat == 1)))
    fn = int(np.sum((y == 1) & (yhat == 0)))
    tn = int(np.sum((y == 0) & (yhat == 0)))
    return tp, fp, fn, tn


def _hard_predictions(
    rng: np.random.Generator,
    n: draw.IntSpec,
    positive_rate: draw.RealSpec,
    accept: Callable[[int, int, int, int], bool],
    flip: tuple[float, float] = (0.15, 0.35),
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and hard predictions (each label flipped with a drawn error rate) whose cells pass `accept`.

    Every cell is non-empty and FP ≠ FN (so precision ≠ recall); degenerate draws are redrawn."""
    size = draw.integer(rng, n)
    rate = draw.real(rng, positive_rate)

    def attempt() -> tuple[np.ndarray, np.ndarray] | None:
        y = draw.labels(rng, size, rate)
        wrong = rng.random(size) < rng.uniform(*flip)
        yhat = np.where(wrong, 1 - y, y)
        tp, fp, fn, tn = _cells(y, yhat)
        return (y, yhat) if min(tp, fp, fn, tn) >= 1 and fp != fn and accept(tp, fp, fn, tn) else None

    return until(attempt, f"labels and predictions with n={n}, positive_rate={positive_rate}", MAX_TRIES)


def _any(*_: int) -> bool:
    return True


def _apart(truth: Any, value: Any, band: float) -> bool:
    """True when `value` differs from `truth` by more than `band` (in some component, for vectors)."""
    a, b = np.asarray(truth, dtype=float), np.asarray(value, dtype=float)
    return a.shape != b.shape or bool(np.max(np.abs(a - b)) > band)


def _diagnoses(truth: Any, band: float, *candidates: tuple[Any, str]) -> tuple[Diagnosis, ...]:
    """The candidate mistakes whose values stay more than `band` away from the truth and from each other."""
    kept: list[Diagnosis] = []
    for value, message in candidates:
        if _apart(truth, value, band) and all(_apart(d.value, value, band) for d in kept):
            kept.append(Diagnosis(value, message))
    return tuple(kept)


BAND3 = 0.002  # two answers given to 3 decimals are told apart when they differ by more than this
COUNT_BAND = 0.5


def _labels_prompt(y: np.ndarray, yhat: np.ndarray, question: str) -> str:
    return (
        f"A binary classifier's hard predictions on {len(y)} examples (1 = positive):\n"
        f"  labels:      {fmt.vec(y)}\n  predictions: {fmt.vec(yhat)}\n{question}"
    )


def _cells_line(tp: int, fp: int, fn: int, tn: int) -> str:
    return f"TP = {tp}, FP = {fp}, FN = {fn}, TN = {tn} (FP: label 0 predicted 1; FN: label 1 predicted 0)."


# ---------------------------------------------------------------------------------------------------------
# Hard predictions: confusion matrix and the metrics read from it.


@register
def confusion_cells(
    rng: np.random.Generator, n: draw.IntSpec = (10, 16), positive_rate: draw.RealSpec = 0.4
) -> Problem:
    """Count TP, FP, FN, TN from labels and hard predictions."""
    from sklearn.metrics import confusion_matrix

    y, yhat = _hard_predictions(rng, n, positive_rate, _any)
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, yhat, labels=[0, 1]).ravel())
    answer = [tp, fp, fn, tn]
    return Problem(
        prompt=_labels_prompt(
            y, yhat, "Count the cells of the confusion matrix. Answer as [TP, FP, FN, TN], exact counts."
        ),
        given={"labels": y, "predictions": yhat},
        answer=answer,
        unit="count",
        solution=(
            "TP: label 1, predicted 1.  FP: label 0, predicted 1.  FN: label 1, predicted 0.  TN: label 0, "
            "predicted 0.\n"
            f"Pair the two rows position by position: TP = {tp}, FP = {fp}, FN = {fn}, TN = {tn} "
            f"(sum {len(y)}).\n"
            f"[TP, FP, FN, TN] = {fmt.vec(answer)}"
        ),
        diagnoses=_diagnoses(
            answer,
            COUNT_BAND,
            ([tp, fn, fp, tn], "you swapped FP and FN: a false positive is a negative (label 0) predicted 1"),
            (
                [tn, fp, fn, tp],
                "that is scikit-learn's confusion_matrix(...).ravel() order [TN, FP, FN, TP]; "
                "the order asked is [TP, FP, FN, TN]",
            ),
        ),
    )


@register
def precision(
    rng: np.random.Generator, n: draw.IntSpec = (10, 16), positive_rate: draw.RealSpec = 0.4
) -> Problem:
    """Precision TP/(TP+FP) from labels and hard predictions."""
    from sklearn.metrics import precision_score

    def accept(tp: int, fp: int, fn: int, tn: int) -> bool:
        p, r, acc = tp / (tp + fp), tp / (tp + fn), (tp + tn) / (tp + fp + fn + tn)
        return _apart(p, r, BAND3) and _apart(p, acc, BAND3)

    y, yhat = _hard_predictions(rng, n, positive_rate, accept)
    tp, fp, fn, tn = _cells(y, yhat)
    value = float(precision_score(y, yhat))
    return Problem(
        prompt=_labels_prompt(y, yhat, "What is the precision? Give 3 decimals."),
        given={"labels": y, "predictions": yhat},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            "Precision = TP / (TP + FP): of the examples predicted positive, the fraction truly positive.\n"
            + _cells_line(tp, fp, fn, tn)
            + f"\nPrecision = {tp} / ({tp} + {fp}) = {fmt.fixed(value, 3)}"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            (
                tp / (tp + fn),
                "that is the recall TP/(TP+FN); precision divides by the predicted positives TP+FP",
            ),
            (
                (tp + tn) / len(y),
                "that is the accuracy (TP+TN)/n; precision looks only at predicted positives",
            ),
        ),
    )


@register
def recall(
    rng: np.random.Generator, n: draw.IntSpec = (10, 16), positive_rate: draw.RealSpec = 0.4
) -> Problem:
    """Recall (sensitivity, TPR) TP/(TP+FN) from labels and hard predictions."""
    from sklearn.metrics import recall_score

    def accept(tp: int, fp: int, fn: int, tn: int) -> bool:
        r, p, spec = tp / (tp + fn), tp / (tp + fp), tn / (tn + fp)
        return _apart(r, p, BAND3) and _apart(r, spec, BAND3)

    y, yhat = _hard_predictions(rng, n, positive_rate, accept)
    tp, fp, fn, tn = _cells(y, yhat)
    value = float(recall_score(y, yhat))
    return Problem(
        prompt=_labels_prompt(y, yhat, "What is the recall? Give 3 decimals."),
        given={"labels": y, "predictions": yhat},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            "Recall = TP / (TP + FN): of the truly positive examples, the fraction predicted positive.\n"
            + _cells_line(tp, fp, fn, tn)
            + f"\nRecall = {tp} / ({tp} + {fn}) = {fmt.fixed(value, 3)}"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            (
                tp / (tp + fp),
                "that is the precision TP/(TP+FP); recall divides by the actual positives TP+FN",
            ),
            (tn / (tn + fp), "that is the specificity TN/(TN+FP), the recall of the negative class"),
        ),
    )


@register
def specificity(
    rng: np.random.Generator, n: draw.IntSpec = (10, 16), positive_rate: draw.RealSpec = 0.4
) -> Problem:
    """Specificity (true-negative rate) TN/(TN+FP) from labels and hard predictions."""
    from sklearn.metrics import recall_score

    def accept(tp: int, fp: int, fn: int, tn: int) -> bool:
        spec, r = tn / (tn + fp), tp / (tp + fn)
        return _apart(spec, r, BAND3) and _apart(spec, 1 - spec, BAND3)

    y, yhat = _hard_predictions(rng, n, positive_rate, accept)
    tp, fp, fn, tn = _cells(y, yhat)
    value = float(recall_score(y, yhat, pos_label=0))  # specificity is the recall of the negative class
    return Problem(
        prompt=_labels_prompt(y, yhat, "What is the specificity? Give 3 decimals."),
        given={"labels": y, "predictions": yhat},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            "Specificity = TN / (TN + FP): of the truly negative examples, the fraction predicted negative.\n"
            + _cells_line(tp, fp, fn, tn)
            + f"\nSpecificity = {tn} / ({tn} + {fp}) = {fmt.fixed(value, 3)}"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            (
                tp / (tp + fn),
                "that is the recall (sensitivity) TP/(TP+FN); specificity is its twin for negatives",
            ),
            (fp / (fp + tn), "that is the false-positive rate FP/(FP+TN) = 1 − specificity"),
        ),
    )


@register
def f1(rng: np.random.Generator, n: draw.IntSpec = (10, 16), positive_rate: draw.RealSpec = 0.4) -> Problem:
    """F1 score, the harmonic mean of precision and recall, from labels and hard predictions."""
    from sklearn.metrics import f1_score

    def accept(tp: int, fp: int, fn: int, tn: int) -> bool:
        p, r = tp / (tp + fp), tp / (tp + fn)
        f = 2 * p * r / (p + r)
        return _apart(f, (p + r) / 2, BAND3) and _apart(f, (tp + tn) / (tp + fp + fn + tn), BAND3)

    y, yhat = _hard_predictions(rng, n, positive_rate, accept)
    tp, fp, fn, tn = _cells(y, yhat)
    p, r = tp / (tp + fp), tp / (tp + fn)
    value = float(f1_score(y, yhat))
    return Problem(
        prompt=_labels_prompt(y, yhat, "What is the F1 score? Give 3 decimals."),
        given={"labels": y, "predictions": yhat},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            "F1 = 2·P·R / (P + R), the harmonic mean of precision and recall (= 2TP / (2TP + FP + FN)).\n"
            + _cells_line(tp, fp, fn, tn)
            + f"\nP = {tp}/{tp + fp} = {fmt.fixed(p, 3)}, R = {tp}/{tp + fn} = {fmt.fixed(r, 3)}\n"
            f"F1 = 2·{tp} / (2·{tp} + {fp} + {fn}) = {fmt.fixed(value, 3)}"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            ((p + r) / 2, "that is the arithmetic mean (P + R)/2; F1 is the harmonic mean 2PR/(P + R)"),
            ((tp + tn) / len(y), "that is the accuracy (TP+TN)/n; F1 ignores the true negatives"),
        ),
    )


def _f_beta(p: float, r: float, beta: float) -> float:
    return (1 + beta**2) * p * r / (beta**2 * p + r)


@register
def f_beta(
    rng: np.random.Generator,
    n: draw.IntSpec = (10, 16),
    beta: ChoiceSpec = (0.5, 2),
    positive_rate: draw.RealSpec = 0.4,
) -> Problem:
    """F-beta score (β > 1 weights recall more, β < 1 precision) from labels and hard predictions."""
    from sklearn.metrics import fbeta_score

    b = float(draw.one_of(rng, beta))
    if b <= 0:
        raise ValueError(f"beta must be positive, got {b}")

    def accept(tp: int, fp: int, fn: int, tn: int) -> bool:
        p, r = tp / (tp + fp), tp / (tp + fn)
        f = _f_beta(p, r, b)
        return b == 1 or (_apart(f, _f_beta(p, r, 1), BAND3) and _apart(f, _f_beta(p, r, 1 / b), BAND3))

    y, yhat = _hard_predictions(rng, n, positive_rate, accept)
    tp, fp, fn, tn = _cells(y, yhat)
    p, r = tp / (tp + fp), tp / (tp + fn)
    value = float(fbeta_score(y, yhat, beta=b))
    favours = "recall" if b > 1 else "precision" if b < 1 else "neither"
    b2 = fmt.num(b**2)
    return Problem(
        prompt=_labels_prompt(y, yhat, f"What is the F-beta score with β = {fmt.num(b)}? Give 3 decimals."),
        given={"labels": y, "predictions": yhat, "beta": b},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            f"F_β = (1 + β²)·P·R / (β²·P + R); β = {fmt.num(b)} favours {favours}.\n"
            + _cells_line(tp, fp, fn, tn)
            + f"\nP = {tp}/{tp + fp} = {fmt.fixed(p, 3)}, R = {tp}/{tp + fn} = {fmt.fixed(r, 3)}\n"
            f"F_β = (1 + {b2})·{fmt.fixed(p, 3)}·{fmt.fixed(r, 3)} / ({b2}·{fmt.fixed(p, 3)} + "
            f"{fmt.fixed(r, 3)}) = {fmt.fixed(value, 3)}"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            (_f_beta(p, r, 1), f"that is F1 (β = 1); with β = {fmt.num(b)} use (1 + β²)PR/(β²P + R)"),
            (
                _f_beta(p, r, 1 / b),
                f"that is F_{fmt.num(1 / b)}: β² multiplies P in the denominator, you put it on R",
            ),
        ),
    )


@register
@clear_of_halfway
def balanced_accuracy(
    rng: np.random.Generator, n: draw.IntSpec = (16, 24), positive_rate: draw.RealSpec = (0.1, 0.2)
) -> Problem:
    """Balanced accuracy of a lazy classifier on imbalanced labels (vs. plain accuracy)."""
    from sklearn.metrics import balanced_accuracy_score

    size = draw.integer(rng, n)
    rate = draw.real(rng, positive_rate)
    for tries in range(MAX_TRIES + 1):
        give_up(tries, f"imbalanced labels with n={n}, positive_rate={positive_rate}", MAX_TRIES)
        y = draw.labels(rng, size, rate)
        # Lazy: says "negative" almost always, so it finds only some of the few positives.
        yhat = np.where(y == 1, rng.random(size) < 0.4, rng.random(size) < 0.08).astype(int)
        tp, fp, fn, tn = _cells(y, yhat)
        bal = (tp / (tp + fn) + tn / (tn + fp)) / 2
        accuracy, tpr = (tp + tn) / size, tp / (tp + fn)
        if tp >= 1 and fn >= 1 and tn >= 1 and _apart(bal, accuracy, 0.02) and _apart(bal, tpr, BAND3):
            break
    value = float(balanced_accuracy_score(y, yhat))
    tpr, tnr = tp / (tp + fn), tn / (tn + fp)
    return Problem(
        prompt=_labels_prompt(
            y,
            yhat,
            f"Only {tp + fn} of {size} labels are positive. What is the balanced accuracy? Give 3 decimals.",
        ),
        given={"labels": y, "predictions": yhat},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            "Balanced accuracy = (TPR + TNR) / 2, the mean recall of the two classes.\n"
            + _cells_line(tp, fp, fn, tn)
            + f"\nTPR = {tp}/{tp + fn} = {fmt.fixed(tpr, 3)}, TNR = {tn}/{tn + fp} = {fmt.fixed(tnr, 3)}\n"
            f"Balanced accuracy = ({fmt.fixed(tpr, 3)} + {fmt.fixed(tnr, 3)}) / 2 = {fmt.fixed(value, 3)} "
            f"(plain accuracy would be {fmt.fixed((tp + tn) / size, 3)})"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            (
                (tp + tn) / size,
                "that is plain accuracy (TP+TN)/n, which the majority class dominates; "
                "balanced accuracy averages the recall of each class",
            ),
            (
                tpr,
                "that is the recall of the positive class alone; average it with the negatives' recall (TNR)",
            ),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Scores: thresholds, PR curves.


def _distinct_scores(
    rng: np.random.Generator, size: int, separation: float = 1.0, gap: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """Balanced labels and scores in (0, 1), two decimals, at least `gap` apart (no tied thresholds)."""

    def attempt() -> tuple[np.ndarray, np.ndarray] | None:
        y = draw.labels(rng, size)
        s = draw.scores(rng, y, separation)
        return (y, s) if np.min(np.diff(np.sort(s))) >= gap - 1e-9 else None

    return until(attempt, f"{size} distinct scores", MAX_TRIES)


def _scores_prompt(s: np.ndarray, y: np.ndarray, question: str) -> str:
    return (
        f"A classifier gives these scores to {len(y)} examples:\n"
        f"  scores: {fmt.vec(s)}\n  labels: {fmt.vec(y)}\n{question}"
    )


@register
def tpr_fpr(
    rng: np.random.Generator, n: draw.IntSpec = (8, 12), threshold: draw.RealSpec = (0.3, 0.7)
) -> Problem:
    """True- and false-positive rates at a score threshold, answered as the vector [TPR, FPR]."""
    size = draw.integer(rng, n)
    for tries in range(MAX_TRIES + 1):
        give_up(tries, f"scores with n={n}, threshold={threshold}", MAX_TRIES)
        t = draw.real(rng, threshold)
        y, s = _distinct_scores(rng, size)
        yhat = (s >= t).astype(int)
        tp, fp, fn, tn = _cells(y, yhat)
        if min(tp, fp, fn, tn) >= 1 and fp != fn and _apart(tp / (tp + fn), fp / (fp + tn), BAND3):
            break
    tpr = float(np.mean(yhat[y == 1]))  # the share of positives flagged
    fpr = float(np.mean(yhat[y == 0]))  # the share of negatives flagged
    answer = [tpr, fpr]
    flagged = fmt.vec(np.sort(s[yhat == 1])[::-1])
    return Problem(
        prompt=_scores_prompt(
            s,
            y,
            f"Predict positive when score ≥ {fmt.num(t)}. What are the true-positive rate and the "
            "false-positive rate?\nAnswer as [TPR, FPR]. Give 3 decimals.",
        ),
        given={"scores": s, "labels": y, "threshold": t},
        answer=answer,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            f"TPR = TP / (TP + FN) (recall), FPR = FP / (FP + TN). Scores ≥ {fmt.num(t)}: {flagged}.\n"
            f"Flagged: {tp} of the {tp + fn} positives, TPR = {tp}/{tp + fn} = {fmt.fixed(tpr, 3)}\n"
            f"Flagged: {fp} of the {fp + tn} negatives, FPR = {fp}/{fp + tn} = {fmt.fixed(fpr, 3)}\n"
            f"[TPR, FPR] = [{fmt.fixed(tpr, 3)}, {fmt.fixed(fpr, 3)}]"
        ),
        diagnoses=_diagnoses(
            answer,
            BAND3,
            ([fpr, tpr], "that is [FPR, TPR]: the order asked is [TPR, FPR]"),
            (
                [tp / (tp + fp), fpr],
                "your first value is the precision TP/(TP+FP); TPR divides by the positives TP+FN",
            ),
            (
                [tpr, fp / (tp + fp)],
                "your second value is FP/(TP+FP), the share of flagged examples that are negative; "
                "FPR divides by the negatives FP+TN",
            ),
        ),
    )


@register
@clear_of_halfway
def average_precision(rng: np.random.Generator, n: draw.IntSpec = (6, 10)) -> Problem:
    """Average precision (scikit-learn's step-wise sum, no interpolation) of a few scores."""
    from sklearn.metrics import average_precision_score

    size = draw.integer(rng, n)
    for tries in range(MAX_TRIES + 1):
        give_up(tries, f"scores with n={n}", MAX_TRIES)
        y, s = _distinct_scores(rng, size)
        # Without ties, in NumPy (sklearn is called once, for the truth): precision and recall at each rank.
        ranked = y[np.argsort(-s)]
        hits = np.cumsum(ranked)
        ranks = np.flatnonzero(ranked == 1) + 1  # 1-based ranks of the positives
        guess = float(np.mean(hits[ranks - 1] / ranks))
        pos, neg = s[y == 1], s[y == 0]
        roc = float(np.mean(pos[:, None] > neg[None, :]))
        curve_r = np.concatenate([[0.0], hits / hits[-1]])
        curve_p = np.concatenate([[1.0], hits / np.arange(1, size + 1)])
        trapezoid = float(np.sum(np.diff(curve_r) * (curve_p[1:] + curve_p[:-1]) / 2))
        if _apart(guess, roc, BAND3) and _apart(guess, trapezoid, BAND3):
            break
    value = float(average_precision_score(y, s))
    terms = " + ".join(f"{k}/{rank}" for k, rank in enumerate(ranks, start=1))
    return Problem(
        prompt=_scores_prompt(
            s,
            y,
            "What is the average precision, AP = Σ (Rₖ − Rₖ₋₁)·Pₖ over the thresholds?\n"
            "(scikit-learn's average_precision_score: no interpolation.) Give 3 decimals.",
        ),
        given={"scores": s, "labels": y},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            "Recall rises only at a positive, by 1/P each time: AP = mean precision at the positives.\n"
            f"Labels sorted by descending score: {' '.join(str(v) for v in ranked)}; "
            f"the positives sit at ranks {', '.join(str(r) for r in ranks)}.\n"
            f"AP = ({terms}) / {len(ranks)} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            (roc, "that is the ROC AUC; AP summarises the precision–recall curve"),
            (
                trapezoid,
                "that is the trapezoidal area under the PR curve; AP sums rectangles ΔR·P, "
                "with no interpolation between points",
            ),
        ),
    )


@register
def threshold_for_recall(
    rng: np.random.Generator, n: draw.IntSpec = (8, 12), target: ChoiceSpec = (0.6, 0.8, 1.0)
) -> Problem:
    """The highest score threshold (one of the scores) whose recall reaches a target."""
    from sklearn.metrics import roc_curve

    goal = float(draw.one_of(rng, target))
    if not 0 < goal <= 1:
        raise ValueError(f"target recall must be in (0, 1], got {goal}")
    # Scores 0.02 apart: a neighbouring score stays a diagnosable mistake at 2 decimals.
    y, s = _distinct_scores(rng, draw.integer(rng, n), gap=0.02)
    _, tpr, thresholds = roc_curve(y, s, drop_intermediate=False)
    value = float(np.max(thresholds[tpr >= goal - 1e-12]))

    all_text = " (every positive caught)" if goal == 1 else ""
    positives = np.sort(s[y == 1])[::-1]
    needed = int(np.ceil(goal * len(positives) - 1e-9))
    descending = np.sort(s)[::-1]
    i = int(np.flatnonzero(descending == value)[0])
    candidates: list[tuple[Any, str]] = []
    if i > 0:
        above = float(descending[i - 1])
        got = int(np.sum(positives >= above))
        candidates.append(
            (
                above,
                f"at t = {fmt.num(above)} only {got} of {len(positives)} positives are flagged: recall "
                f"{fmt.fixed(got / len(positives), 3)} < {fmt.num(goal)}",
            )
        )
    if i + 1 < len(descending):
        candidates.append(
            (
                float(descending[i + 1]),
                "that is the next score down: recall still reaches the target there, "
                "but a higher threshold already does",
            )
        )
    candidates.append(
        (
            float(descending[-1]),
            "that is the lowest threshold reaching the target (it flags everything); the question asks "
            "for the highest",
        )
    )
    return Problem(
        prompt=_scores_prompt(
            s,
            y,
            "Predict positive when score ≥ t, with t one of the scores above. What is the highest "
            f"threshold t whose recall is at least {fmt.num(goal)}{all_text}? Give 2 decimals.",
        ),
        given={"scores": s, "labels": y, "target": goal},
        answer=value,
        tolerance=Tolerance(decimals=2),
        solution=(
            f"Positives' scores, highest first: {fmt.vec(positives)} ({len(positives)} positives).\n"
            f"Recall ≥ {fmt.num(goal)} needs k = ⌈{fmt.num(goal)} × {len(positives)}⌉ = {needed} positives "
            "with score ≥ t;\nthe highest such t is the k-th highest positive score: "
            f"t = {fmt.fixed(value, 2)}"
        ),
        diagnoses=_diagnoses(value, 0.005, *candidates),
    )


@register
def mcc(rng: np.random.Generator, n: draw.IntSpec = (10, 16)) -> Problem:
    """Matthews correlation coefficient from the four cells of a confusion matrix."""
    from sklearn.metrics import matthews_corrcoef

    def accept(tp: int, fp: int, fn: int, tn: int) -> bool:
        return tp * tn != fp * fn

    y, yhat = _hard_predictions(rng, n, (0.35, 0.6), accept)
    tp, fp, fn, tn = _cells(y, yhat)
    value = float(matthews_corrcoef(y, yhat))
    product = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    numerator = tp * tn - fp * fn
    return Problem(
        prompt=(
            f"A binary classifier's confusion matrix on {len(y)} examples:\n"
            f"  TP = {tp}, FP = {fp}, FN = {fn}, TN = {tn}\n"
            "What is the Matthews correlation coefficient (MCC)? Give 3 decimals."
        ),
        given={"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        answer=value,
        tolerance=Tolerance(decimals=3),
        solution=(
            "MCC = (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN))\n"
            f"Numerator = {tp}·{tn} − {fp}·{fn} = {numerator}\n"
            f"Denominator = √({tp + fp}·{tp + fn}·{tn + fp}·{tn + fn}) = √{product} "
            f"= {fmt.num(np.sqrt(product))}\n"
            f"MCC = {numerator} / {fmt.num(np.sqrt(product))} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=_diagnoses(
            value,
            BAND3,
            (numerator / product, "you forgot the square root over the product of the four margins"),
            (
                (tp + tn) / len(y),
                "that is the accuracy; MCC is a correlation in [−1, 1] using all four cells",
            ),
        ),
    )
