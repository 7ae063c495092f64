"""Detection generators: IoU checked by counting pixels, NMS by a second, recursive implementation."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from quizapp.problems.check import check, expected_text
from quizapp.problems.detection import greedy_nms, iou_matrix
from quizapp.problems.model import Problem
from quizapp.problems.registry import get

SEEDS = range(40)


def make(name: str, seed: int, **params: Any) -> Problem:
    return get(f"detection.{name}").fn(np.random.default_rng(seed), **params)


def pixel_iou(a: list[int], b: list[int]) -> float:
    """IoU by painting both boxes on a grid of unit pixels and counting."""
    size = max(a + b) + 1
    grid_a = np.zeros((size, size), dtype=bool)
    grid_b = np.zeros((size, size), dtype=bool)
    grid_a[a[0] : a[2], a[1] : a[3]] = True
    grid_b[b[0] : b[2], b[1] : b[3]] = True
    return float((grid_a & grid_b).sum() / (grid_a | grid_b).sum())


def nms_recursive(boxes: list[list[int]], scores: list[float], threshold: float) -> list[int]:
    """Textbook NMS: take the best box, delete everything overlapping it by IoU > threshold, repeat."""
    remaining = sorted(range(len(boxes)), key=lambda i: -scores[i])
    kept = []
    while remaining:
        best, *rest = remaining
        kept.append(best)
        remaining = [i for i in rest if pixel_iou(boxes[best], boxes[i]) <= threshold]
    return kept


# ---- IoU --------------------------------------------------------------------------------------------


def test_iou_matrix_textbook_cases() -> None:
    # Unit-offset 2×2 squares: intersection 1, union 4 + 4 − 1 = 7.
    assert iou_matrix([[0, 0, 2, 2], [1, 1, 3, 3]])[0, 1] == pytest.approx(1 / 7)
    # Touching edges do not overlap; a box with itself has IoU 1.
    matrix = iou_matrix([[0, 0, 2, 2], [2, 0, 4, 2]])
    assert matrix[0, 1] == 0 and matrix[0, 0] == 1


def test_iou_hand_worked() -> None:
    p = make("iou", 1)
    assert p.given == {"box_a": [37, 1, 57, 26], "box_b": [43, 8, 56, 34]}
    # Intersection x 43..56, y 8..26: 13 × 18 = 234; areas 20·25 = 500 and 13·26 = 338; union 604.
    assert p.answer == pytest.approx(234 / 604)
    assert "234" in p.solution and "604" in p.solution


@pytest.mark.parametrize("seed", SEEDS)
def test_iou_matches_pixel_count(seed: int) -> None:
    p = make("iou", seed)
    a, b = p.given["box_a"], p.given["box_b"]
    assert p.answer == pytest.approx(pixel_iou(a, b))
    assert 0.05 <= p.answer < 1
    assert str(tuple(a)) in p.prompt and str(tuple(b)) in p.prompt


# ---- NMS --------------------------------------------------------------------------------------------


def test_greedy_nms_chain() -> None:
    # Three 10×10 boxes shifted by 2: IoU(X, Y) = IoU(Y, Z) = 8/12 ≈ 0.67, IoU(X, Z) = 6/14 ≈ 0.43.
    boxes = [[0, 0, 10, 10], [2, 0, 12, 10], [4, 0, 14, 10]]
    scores = [0.9, 0.8, 0.7]
    matrix = iou_matrix(boxes)
    # X is kept, Y is dropped by X, Z overlaps only the dropped Y (and X by 0.43 ≤ 0.5): Z is kept.
    assert greedy_nms(matrix, scores, 0.5) == [0, 2]
    # The classic bug lets the dropped Y suppress Z.
    assert greedy_nms(matrix, scores, 0.5, suppressed_suppress=True) == [0]
    # Order follows the scores, not the list.
    assert greedy_nms(matrix, [0.1, 0.3, 0.2], 0.5) == [1]


def test_nms_hand_worked() -> None:
    p = make("nms_kept", 9)
    assert p.given["boxes"] == [
        [65, 71, 92, 92],
        [49, 71, 76, 92],
        [36, 42, 62, 82],
        [38, 46, 74, 86],
        [57, 71, 84, 92],
    ]
    assert p.given["scores"] == [0.69, 0.87, 0.35, 0.68, 0.77]
    # Areas: A, B, E are 27×21 = 567, C 26×40 = 1040, D 36×40 = 1440.  By score:
    # B 0.87 kept.  E 0.77: E∩B = 19×21 = 399, IoU 399/(567 + 567 − 399) = 399/735 = 0.54 > 0.5: dropped.
    # A 0.69: A∩B = 11×21 = 231, IoU 231/903 = 0.26 (its 0.54 with E does not count, E is dropped): kept.
    # D 0.68: D∩B = 25×15 = 375, IoU 375/1632 = 0.23; D∩A = 9×15 = 135, IoU 0.07: kept.
    # C 0.35: C∩D = 24×36 = 864, IoU 864/1616 = 0.53 > 0.5: dropped.  Kept B, A, D: 3.
    assert p.answer == 3
    # Letting the dropped E suppress A (IoU 0.54) gives 2: the planted chain's diagnosis.
    assert p.diagnoses[0].value == 2 and "suppresses nothing" in p.diagnoses[0].message


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_nms_matches_recursive_implementation(seed: int, threshold: float) -> None:
    p = make("nms_kept", seed, iou_threshold=threshold)
    boxes, scores = p.given["boxes"], p.given["scores"]
    assert p.answer == len(nms_recursive(boxes, scores, threshold))
    assert 1 < p.answer < len(boxes)
    # Every IoU listed in the prompt is the pixel count, and none sits within 0.03 of the threshold.
    listed = re.findall(r"([A-Z])–([A-Z]) (\d\.\d\d)", p.prompt)
    for first, second, shown in listed:
        i, j = ord(first) - ord("A"), ord(second) - ord("A")
        assert float(shown) == pytest.approx(pixel_iou(boxes[i], boxes[j]), abs=0.0051)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert abs(pixel_iou(boxes[i], boxes[j]) - threshold) > 0.03


def test_nms_params() -> None:
    rng = np.random.default_rng(0)
    for count in (3, 8):
        assert len(get("detection.nms_kept").fn(rng, n=count).given["boxes"]) == count
    assert get("detection.nms_kept").fn(rng, iou_threshold=[0.4, 0.6]).given["iou_threshold"] in (0.4, 0.6)
    with pytest.raises(ValueError):
        get("detection.nms_kept").fn(rng, iou_threshold=1.5)
    with pytest.raises(ValueError):
        get("detection.iou").fn(rng, size=4)


# ---- both: prompt, solution, checker and diagnoses agree ---------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["iou", "nms_kept"])
def test_problem_is_consistent(name: str, seed: int) -> None:
    p = make(name, seed)
    assert p == make(name, seed)
    revealed = expected_text(p.answer, p.tolerance, p.unit)
    assert check(p, revealed).correct
    assert revealed in p.solution.splitlines()[-1]
    assert 2 <= len(p.solution.splitlines()) <= 5
    assert 1 <= len(p.diagnoses) <= 3
    for d in p.diagnoses:
        verdict = check(p, f"{float(d.value):.6f}" if p.unit != "count" else str(int(d.value)))
        assert verdict.status == "wrong" and verdict.diagnosis == d.message
