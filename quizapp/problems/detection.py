"""Object detection: IoU of bounding boxes and greedy non-maximum suppression."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.redraw import give_up
from quizapp.problems.registry import register

MAX_TRIES = 2000
BOX_CONVENTION = "Boxes are (x1, y1, x2, y2) with x2 > x1, y2 > y1; a box's area is (x2 − x1)·(y2 − y1)."


def _area(boxes: np.ndarray) -> np.ndarray:
    """Areas of boxes (…, 4) in (x1, y1, x2, y2) form."""
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def _intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection areas of boxes `a` and `b` (broadcasting), 0 where they do not overlap."""
    width = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    height = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    return np.clip(width, 0, None) * np.clip(height, 0, None)


def iou_matrix(boxes: Any) -> np.ndarray:
    """Pairwise IoU of boxes (n, 4) in (x1, y1, x2, y2) form."""
    b = np.asarray(boxes, dtype=float)
    inter = _intersection(b[:, None, :], b[None, :, :])
    union = _area(b)[:, None] + _area(b)[None, :] - inter
    return inter / union


def greedy_nms(
    iou: np.ndarray, scores: Any, threshold: float, suppressed_suppress: bool = False
) -> list[int]:
    """Indices kept by greedy NMS given the pairwise IoU matrix, highest score first: a box is dropped when
    its IoU with a kept (higher-scoring) box is > `threshold`. With `suppressed_suppress`, dropped boxes
    suppress too (the classic bug)."""
    order = [int(i) for i in np.argsort(-np.asarray(scores, dtype=float), kind="stable")]
    kept: list[int] = []
    seen: list[int] = []
    for i in order:
        rivals = seen if suppressed_suppress else kept
        if all(iou[i, j] <= threshold for j in rivals):
            kept.append(i)
        seen.append(i)
    return kept


def _box_text(box: Sequence[int] | np.ndarray) -> str:
    return "(" + ", ".join(str(int(v)) for v in box) + ")"


def _draw_box(rng: np.random.Generator, size: int, low: int, high: int) -> np.ndarray:
    """An integer box inside [0, size]² with sides in [low, high]."""
    w, h = (int(rng.integers(low, high, endpoint=True)) for _ in range(2))
    x, y = int(rng.integers(0, size - w, endpoint=True)), int(rng.integers(0, size - h, endpoint=True))
    return np.array([x, y, x + w, y + h])


@register
def iou(rng: np.random.Generator, size: draw.IntSpec = (20, 100)) -> Problem:
    """IoU of two overlapping axis-aligned boxes with integer corners."""
    side = draw.integer(rng, size)
    if side < 8:
        raise ValueError(f"size must be at least 8, got {side}")
    low, high = max(2, side // 5), max(3, side // 2)
    for tries in range(MAX_TRIES + 1):
        give_up(tries, f"two overlapping boxes with size={size}", MAX_TRIES)
        a, b = _draw_box(rng, side, low, high), _draw_box(rng, side, low, high)
        inter = float(_intersection(a, b))
        area_a, area_b = float(_area(a)), float(_area(b))
        contained = inter in (area_a, area_b)  # one box inside the other: IoU = a ratio of areas
        if inter > 0 and not contained and inter / (area_a + area_b - inter) >= 0.05:
            break
    value = float(iou_matrix([a, b])[0, 1])
    union = area_a + area_b - inter
    x1, x2 = max(a[0], b[0]), min(a[2], b[2])
    y1, y2 = max(a[1], b[1]), min(a[3], b[3])
    candidates = (
        (inter / area_a, "that is intersection / area of A; IoU divides by the union of both boxes"),
        (inter / area_b, "that is intersection / area of B; IoU divides by the union of both boxes"),
        (
            inter / (area_a + area_b),
            "you divided by area A + area B; the union counts the intersection once: A + B − intersection",
        ),
    )
    kept: list[Diagnosis] = []
    seen = [value]
    for mistake, message in candidates:
        if all(abs(mistake - other) > 0.002 for other in seen):  # told apart at 3 decimals
            kept.append(Diagnosis(mistake, message))
            seen.append(mistake)
    return Problem(
        prompt=(
            f"Two bounding boxes on a {side}×{side} image:\n  A: {_box_text(a)}\n  B: {_box_text(b)}\n"
            f"{BOX_CONVENTION}\nWhat is their intersection over union (IoU)? Give 3 decimals."
        ),
        given={"box_a": a, "box_b": b},
        answer=value,
        unit="probability",
        tolerance=Tolerance(decimals=3),
        solution=(
            f"Intersection: x from max({a[0]}, {b[0]}) = {x1} to min({a[2]}, {b[2]}) = {x2}, "
            f"y from {y1} to {y2}: {x2 - x1} × {y2 - y1} = {fmt.num(inter)}\n"
            f"Areas: A = {a[2] - a[0]} × {a[3] - a[1]} = {fmt.num(area_a)}, "
            f"B = {b[2] - b[0]} × {b[3] - b[1]} = {fmt.num(area_b)}; "
            f"union = {fmt.num(area_a)} + {fmt.num(area_b)} − {fmt.num(inter)} = {fmt.num(union)}\n"
            f"IoU = {fmt.num(inter)} / {fmt.num(union)} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=tuple(kept),
    )


def _cluster_boxes(rng: np.random.Generator, count: int, threshold: float) -> np.ndarray:
    """`count` integer boxes inside [0, 100]² around 2 or 3 objects: some overlap a lot, some not at all.

    Some boxes are near-duplicates of an earlier one, jittered less the higher the IoU threshold."""
    centres = rng.integers(30, 71, size=(int(rng.integers(2, 4)), 2))
    centre = centres[rng.integers(len(centres), size=count)] + rng.integers(-8, 9, size=(count, 2))
    sides = rng.integers(20, 41, size=(count, 2))
    corner = centre - sides // 2
    boxes = np.concatenate([corner, corner + sides], axis=1)
    jitter = max(1, round(12 * (1 - threshold)))
    for i in range(1, count):
        if rng.random() < 0.3:
            twin = boxes[int(rng.integers(i))] + rng.integers(-jitter, jitter + 1, size=4)
            if twin[2] > twin[0] and twin[3] > twin[1]:
                boxes[i] = np.clip(twin, 0, 100)
    return boxes


def _chain_boxes(rng: np.random.Generator, threshold: float, margin: float) -> np.ndarray | None:
    """Three equal boxes X, Y, Z shifted right by dx each: IoU(X, Y) = IoU(Y, Z) > threshold > IoU(X, Z).

    For width w, a shift d gives IoU (w − d)/(w + d); None when no integer shift fits the threshold."""
    w, h = int(rng.integers(24, 37)), int(rng.integers(20, 37))
    above, below = threshold + margin, threshold - margin
    low = w * (1 - below) / (1 + below) / 2  # IoU(X, Z) < below  ⇔  2·dx > w(1 − below)/(1 + below)
    high = w * (1 - above) / (1 + above)  # IoU(X, Y) > above  ⇔  dx < w(1 − above)/(1 + above)
    shifts = np.arange(int(np.floor(low)) + 1, int(np.ceil(high)))
    if len(shifts) == 0:
        return None
    dx = int(rng.choice(shifts))
    x, y = int(rng.integers(2, 98 - w - 2 * dx, endpoint=True)), int(rng.integers(2, 98 - h, endpoint=True))
    return np.array([[x + k * dx, y, x + k * dx + w, y + h] for k in range(3)])


@register
def nms_kept(
    rng: np.random.Generator,
    n: draw.IntSpec = (4, 6),
    iou_threshold: float | Sequence[float] = (0.5,),
) -> Problem:
    """How many of a few scored boxes survive greedy non-maximum suppression."""
    count = draw.integer(rng, n)
    threshold = float(draw.one_of(rng, iou_threshold))
    if not 3 <= count <= 12:
        raise ValueError(f"n must be between 3 and 12 boxes, got {count}")
    if not 0 < threshold < 1:
        raise ValueError(f"iou_threshold must be in (0, 1), got {threshold}")
    margin = min(0.03, threshold / 3, (1 - threshold) / 3)
    # Often plant a chain (X suppresses Y, Y overlaps Z, Z survives): the classic greedy-NMS trap.
    want_chain = bool(rng.random() < 0.4)
    for tries in range(MAX_TRIES + 1):
        give_up(tries, f"boxes with n={n}, iou_threshold={iou_threshold}", MAX_TRIES)
        b = _cluster_boxes(rng, count, threshold)
        chain = _chain_boxes(rng, threshold, margin) if want_chain else None
        if chain is not None:
            b[:3] = chain
        scores = np.sort(rng.choice(np.arange(30, 100), size=count, replace=False))[::-1] / 100
        shuffle = rng.permutation(count)  # the chain, if any, had the top three scores in order X, Y, Z
        b, scores = b[shuffle], scores[shuffle]
        matrix = iou_matrix(b)
        # No IoU near the threshold: the answer must not hinge on rounding.
        if np.any(np.abs(matrix[np.triu_indices(count, 1)] - threshold) <= margin):
            continue
        kept = greedy_nms(matrix, scores, threshold)
        chained = len(greedy_nms(matrix, scores, threshold, suppressed_suppress=True))
        # Some but not all boxes suppressed.
        if 1 < len(kept) < count and (chained != len(kept) or not want_chain):
            break

    names = [chr(ord("A") + i) for i in range(count)]
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    steps = []
    kept_so_far: list[int] = []
    for i in order:
        if i in kept:
            steps.append(f"{names[i]} kept")
            kept_so_far.append(i)
        else:
            j = max(kept_so_far, key=lambda k: matrix[i, k])
            steps.append(f"{names[i]} dropped (IoU with {names[j]} {matrix[i, j]:.2f})")
    loners = int(np.sum(np.all((matrix <= threshold) | np.eye(count, dtype=bool), axis=1)))
    answer = len(kept)
    candidates = (
        (chained, "a suppressed box suppresses nothing: compare each box only with the boxes already kept"),
        (count - answer, "that is the number of boxes suppressed; the question asks how many are kept"),
        (
            loners,
            "you dropped every box that overlaps another; NMS keeps the best-scoring box of each group",
        ),
    )
    diagnoses: list[Diagnosis] = []
    for value, message in candidates:
        if value != answer and all(value != d.value for d in diagnoses):
            diagnoses.append(Diagnosis(value, message))
    pairs_text = [
        f"{names[i]}–{names[j]} {matrix[i, j]:.2f}"
        for i, j in zip(*np.triu_indices(count, 1), strict=True)
        if matrix[i, j] > 0
    ]
    overlaps = "\n".join("  " + ", ".join(pairs_text[k : k + 6]) for k in range(0, len(pairs_text), 6))
    listing = "\n".join(
        f"  {name}: {_box_text(box)}  score {fmt.fixed(score, 2)}"
        for name, box, score in zip(names, b, scores, strict=True)
    )
    return Problem(
        prompt=(
            f"A detector outputs {count} boxes (x1, y1, x2, y2) for one class, with scores:\n{listing}\n"
            f"IoU of the overlapping pairs (all other pairs 0):\n{overlaps}\n"
            f"Greedy NMS visits the boxes by descending score and drops a box whose IoU with an already kept "
            f"box is > {fmt.num(threshold)}.\nHow many boxes are kept? Give the exact count."
        ),
        given={"boxes": b, "scores": scores, "iou_threshold": threshold},
        answer=answer,
        unit="count",
        solution=(
            "Visit by score, keep a box unless it overlaps a kept box by IoU > "
            f"{fmt.num(threshold)} (a dropped box suppresses nothing).\n"
            + "; ".join(steps)
            + f".\nKept: {', '.join(names[i] for i in kept)}: {answer} boxes"
        ),
        diagnoses=tuple(diagnoses),
    )
