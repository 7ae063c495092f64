"""Metrics generators: each truth checked against an independent count or formula, and hand-worked cases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from quizapp.problems import fmt, metrics
from quizapp.problems.check import check, expected_text
from quizapp.problems.model import Problem
from quizapp.problems.registry import get

SEEDS = range(30)
NAMES = (
    "roc_auc",
    "confusion_cells",
    "precision",
    "recall",
    "specificity",
    "f1",
    "f_beta",
    "balanced_accuracy",
    "tpr_fpr",
    "average_precision",
    "threshold_for_recall",
    "mcc",
)


def make(name: str, seed: int, **params: Any) -> Problem:
    return get(f"metrics.{name}").fn(np.random.default_rng(seed), **params)


def cells(given: dict[str, Any]) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) by walking the two lists (no NumPy, no scikit-learn)."""
    tp = fp = fn = tn = 0
    for label, predicted in zip(given["labels"], given["predictions"], strict=True):
        if label == 1 and predicted == 1:
            tp += 1
        elif label == 0 and predicted == 1:
            fp += 1
        elif label == 1:
            fn += 1
        else:
            tn += 1
    return tp, fp, fn, tn


def typed(value: Any) -> str:
    """A value as a user would type it, with enough digits not to count as a coarse answer."""
    if isinstance(value, list):
        return "[" + ", ".join(f"{float(v):.6f}" for v in value) + "]"
    return f"{float(value):.6f}"


# ---- hand-worked instances (the data is pinned too, so a change in drawing shows up here) -------------

LABELS_1 = [1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1]
PREDICTIONS_1 = [1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0]
# Position by position: TP at 0, 2, 9 (3); FP at 7 (1); FN at 4, 12 (2); the other 7 are TN.


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("confusion_cells", [3, 1, 2, 7]),
        ("precision", 3 / 4),  # TP / (TP + FP)
        ("recall", 3 / 5),  # TP / (TP + FN)
        ("specificity", 7 / 8),  # TN / (TN + FP)
        ("f1", 2 * 3 / (2 * 3 + 1 + 2)),  # 2TP / (2TP + FP + FN) = 6/9
    ],
)
def test_hand_worked_seed_1(name: str, expected: Any) -> None:
    p = make(name, 1)
    assert p.given == {"labels": LABELS_1, "predictions": PREDICTIONS_1}
    assert p.answer == pytest.approx(expected)


def test_roc_auc_hand_worked() -> None:
    p = make("roc_auc", 1)
    assert p.given == {
        "scores": [0.22, 0.55, 0.22, 0.73, 0.22, 0.57, 0.88, 0.02, 0.29, 0.7],
        "labels": [0, 1, 0, 1, 0, 0, 1, 0, 1, 1],
    }
    # Negatives 0.22, 0.22, 0.22, 0.57, 0.02. Positive 0.55 and 0.29 beat 4 of them (not 0.57);
    # 0.73, 0.88 and 0.7 beat all 5: 4 + 5 + 5 + 4 + 5 = 23 of 25 pairs.
    assert p.answer == 23 / 25


def test_roc_auc_never_poses_a_perfect_ranking() -> None:
    assert all(0 < make("roc_auc", seed).answer < 1 for seed in range(100))  # type: ignore[operator]


def test_f_beta_hand_worked() -> None:
    p = make("f_beta", 2)
    assert p.given["beta"] == 2
    assert cells(p.given) == (3, 3, 1, 4)
    # P = 3/6 = 0.5, R = 3/4 = 0.75; F2 = 5·0.5·0.75 / (4·0.5 + 0.75) = 1.875 / 2.75
    assert p.answer == pytest.approx(1.875 / 2.75)


def test_balanced_accuracy_hand_worked() -> None:
    # This draw is half-way at 3 decimals (0.5625), so the registered generator draws again past it.
    p = metrics.balanced_accuracy.__wrapped__(np.random.default_rng(1))  # type: ignore[attr-defined]
    assert make("balanced_accuracy", 1).answer != pytest.approx(0.5625)
    assert cells(p.given) == (1, 2, 3, 14)
    # TPR = 1/4, TNR = 14/16; mean 0.5625 (plain accuracy 15/20 = 0.75 is the trap)
    assert p.answer == pytest.approx(0.5625)
    assert p.diagnoses[0].value == pytest.approx(0.75)


def test_tpr_fpr_hand_worked() -> None:
    p = make("tpr_fpr", 4)
    assert p.given["threshold"] == 0.5
    assert p.given["scores"] == [0.62, 0.3, 0.27, 0.53, 0.44, 0.25, 0.21, 0.77, 0.08, 0.88, 0.76]
    assert p.given["labels"] == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1]
    # ≥ 0.5: 0.62 (neg), 0.53, 0.77, 0.88, 0.76 (pos): TPR = 4/6, FPR = 1/5
    assert p.answer == pytest.approx([4 / 6, 1 / 5])


def test_average_precision_hand_worked() -> None:
    # 0.8875 is half-way at 3 decimals (the issue-10 case), so the registered generator draws again past it.
    p = metrics.average_precision.__wrapped__(np.random.default_rng(1))  # type: ignore[attr-defined]
    assert make("average_precision", 1).answer != pytest.approx(0.8875)
    assert p.given["scores"] == [0.64, 0.31, 0.77, 0.75, 0.47, 0.2, 0.95, 0.41]
    assert p.given["labels"] == [1, 0, 1, 0, 1, 0, 1, 0]
    # Descending: 0.95(1) 0.77(1) 0.75(0) 0.64(1) 0.47(1) ...: precision at the positives 1, 1, 3/4, 4/5
    assert p.answer == pytest.approx((1 + 1 + 3 / 4 + 4 / 5) / 4)


def test_threshold_for_recall_hand_worked() -> None:
    p = make("threshold_for_recall", 1)
    assert p.given["target"] == 0.8
    assert p.given["scores"] == [0.37, 0.68, 0.71, 0.58, 0.3, 0.23, 0.86, 0.74, 0.27, 0.15]
    assert p.given["labels"] == [1, 0, 1, 1, 0, 0, 1, 1, 0, 0]
    # Positives 0.86, 0.74, 0.71, 0.58, 0.37: recall ≥ 0.8 of 5 needs 4 of them, so t = the 4th, 0.58.
    # One score higher (0.68, a negative) flags only 3 positives: recall 0.6, the first diagnosis.
    assert p.answer == 0.58
    assert p.diagnoses[0].value == 0.68


def test_mcc_hand_worked() -> None:
    p = make("mcc", 1)
    assert p.given == {"tp": 5, "fp": 1, "fn": 3, "tn": 4}
    # (5·4 − 1·3) / √(6·8·5·7) = 17 / √1680
    assert p.answer == pytest.approx(17 / math.sqrt(1680))


# ---- every seed: the truth recomputed another way -----------------------------------------------------


def auc_by_ranks(scores: list[float], labels: list[int]) -> float:
    """Mann–Whitney: (sum of the positives' ranks − P(P+1)/2) / (P·N), ties given their mean rank."""
    order = sorted(scores)
    rank = {s: (order.index(s) + 1 + len(order) - order[::-1].index(s)) / 2 for s in scores}
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    n_pos, n_neg = len(pos), len(scores) - len(pos)
    return (sum(rank[s] for s in pos) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_auc_matches_rank_formula(seed: int) -> None:
    p = make("roc_auc", seed)
    assert p.answer == pytest.approx(auc_by_ranks(p.given["scores"], p.given["labels"]))


@pytest.mark.parametrize("seed", SEEDS)
def test_confusion_metrics_match_counts(seed: int) -> None:
    p = make("confusion_cells", seed)
    assert p.answer == list(map(float, cells(p.given)))
    tp, fp, fn, tn = cells(make("precision", seed).given)
    assert make("precision", seed).answer == pytest.approx(tp / (tp + fp))
    tp, fp, fn, tn = cells(make("recall", seed).given)
    assert make("recall", seed).answer == pytest.approx(tp / (tp + fn))
    tp, fp, fn, tn = cells(make("specificity", seed).given)
    assert make("specificity", seed).answer == pytest.approx(tn / (tn + fp))
    tp, fp, fn, tn = cells(make("f1", seed).given)
    assert make("f1", seed).answer == pytest.approx(2 * tp / (2 * tp + fp + fn))
    tp, fp, fn, tn = cells(make("balanced_accuracy", seed).given)
    assert make("balanced_accuracy", seed).answer == pytest.approx((tp / (tp + fn) + tn / (tn + fp)) / 2)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("beta", [0.5, 2, 3])
def test_f_beta_matches_count_formula(seed: int, beta: float) -> None:
    p = make("f_beta", seed, beta=beta)
    tp, fp, fn, _ = cells(p.given)
    b2 = beta * beta
    assert p.given["beta"] == beta
    assert p.answer == pytest.approx((1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp))
    assert f"β = {fmt.num(beta)}" in p.prompt


@pytest.mark.parametrize("seed", SEEDS)
def test_tpr_fpr_matches_counts(seed: int) -> None:
    p = make("tpr_fpr", seed)
    t = p.given["threshold"]
    pairs = list(zip(p.given["scores"], p.given["labels"], strict=True))
    tpr = sum(1 for s, y in pairs if y == 1 and s >= t) / sum(y for _, y in pairs)
    fpr = sum(1 for s, y in pairs if y == 0 and s >= t) / sum(1 - y for _, y in pairs)
    assert p.answer == pytest.approx([tpr, fpr])
    assert fpr > 0 and tpr > 0 and 0.3 <= t <= 0.7


def step_ap(scores: list[float], labels: list[int]) -> float:
    """Σ (R_k − R_{k−1}) · P_k, one step per distinct threshold, from the highest score down."""
    total, previous = 0.0, 0.0
    positives = sum(labels)
    for t in sorted(set(scores), reverse=True):
        flagged = [y for s, y in zip(scores, labels, strict=True) if s >= t]
        recall, precision = sum(flagged) / positives, sum(flagged) / len(flagged)
        total += (recall - previous) * precision
        previous = recall
    return total


@pytest.mark.parametrize("seed", SEEDS)
def test_average_precision_matches_step_sum(seed: int) -> None:
    p = make("average_precision", seed)
    assert p.answer == pytest.approx(step_ap(p.given["scores"], p.given["labels"]))
    roc = [d for d in p.diagnoses if "ROC AUC" in d.message]
    if roc:
        assert roc[0].value == pytest.approx(auc_by_ranks(p.given["scores"], p.given["labels"]))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("target", [0.5, 0.6, 0.8, 1.0])
def test_threshold_for_recall_is_highest_reaching_target(seed: int, target: float) -> None:
    p = make("threshold_for_recall", seed, target=target)
    pairs = list(zip(p.given["scores"], p.given["labels"], strict=True))
    positives = sum(y for _, y in pairs)

    def recall(t: float) -> float:
        return sum(1 for s, y in pairs if y == 1 and s >= t) / positives

    best = max(t for t, _ in pairs if recall(t) >= target)
    assert p.answer == best
    assert all(recall(t) < target for t, _ in pairs if t > best)


@pytest.mark.parametrize("seed", SEEDS)
def test_mcc_matches_formula(seed: int) -> None:
    p = make("mcc", seed)
    tp, fp, fn, tn = (p.given[k] for k in ("tp", "fp", "fn", "tn"))
    expected = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    assert p.answer == pytest.approx(expected)
    assert p.answer != 0


# ---- every generator: prompt, solution, checker and diagnoses agree ----------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_problem_is_consistent(name: str, seed: int) -> None:
    p = make(name, seed)
    assert p == make(name, seed)  # deterministic for a seed
    revealed = expected_text(p.answer, p.tolerance, p.unit)
    assert check(p, revealed).correct
    answer_text = revealed.strip("[]").split(", ") if isinstance(p.answer, list) else [revealed]
    for part in answer_text:
        assert part in p.solution, (part, p.solution)
    for key in ("labels", "predictions", "scores"):
        if key in p.given:
            assert fmt.vec(p.given[key]) in p.prompt
    for key in ("tp", "fp", "fn", "tn"):
        if key in p.given:
            assert f"{key.upper()} = {p.given[key]}" in p.prompt
    assert 2 <= len(p.solution.splitlines()) <= 5
    assert 1 <= len(p.diagnoses) <= 3 or name == "roc_auc"
    for d in p.diagnoses:
        verdict = check(p, typed(d.value))
        if name != "roc_auc":  # roc_auc's diagnoses may equal its truth (e.g. AUC = 1 = accuracy)
            assert verdict.status == "wrong"
            assert verdict.diagnosis == d.message


def test_params_accept_ranges_and_choices() -> None:
    rng = np.random.default_rng(0)
    p = get("metrics.precision").fn(rng, n=[20, 30], positive_rate=[0.3, 0.5])
    assert 20 <= len(p.given["labels"]) <= 30
    p = get("metrics.f_beta").fn(rng, beta=[0.5, 2, 3])
    assert p.given["beta"] in (0.5, 2, 3)
    p = get("metrics.tpr_fpr").fn(rng, n=10, threshold=0.5)
    assert len(p.given["scores"]) == 10 and p.given["threshold"] == 0.5
    p = get("metrics.threshold_for_recall").fn(rng, target=0.75)
    assert "at least 0.75" in p.prompt
    p = get("metrics.balanced_accuracy").fn(rng, n=40, positive_rate=0.1)
    assert sum(p.given["labels"]) == 4


@pytest.mark.parametrize(
    ("name", "params"),
    [("f_beta", {"beta": -1}), ("threshold_for_recall", {"target": 1.5}), ("precision", {"n": 2})],
)
def test_bad_params_raise_value_error(name: str, params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make(name, 0, **params)


def test_roc_auc_prompt_states_how_ties_count() -> None:
    p = make("roc_auc", 2)
    assert "tied positive–negative pair counts ½" in p.prompt
