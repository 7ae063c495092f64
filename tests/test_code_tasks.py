"""Code cards: every bank card's reference passes and its stub fails; references match independent values;
the comparison is exact or allclose as the task says."""

from __future__ import annotations

import numpy as np
import pytest

from quizapp.content.bank import Bank, content_dirs, load_bank
from quizapp.content.schema import CodeCard
from quizapp.problems.code_check import batch_problems, mismatch, spec_for
from quizapp.problems.code_codec import dumps, loads
from quizapp.problems.code_tasks import TASKS


@pytest.fixture(scope="module")
def full_bank() -> Bank:
    return load_bank(content_dirs([]))


def _code_cards(bank: Bank) -> list[CodeCard]:
    return [card for card in bank.cards.values() if isinstance(card, CodeCard)]


def test_the_bank_has_at_least_30_code_cards_using_every_task(full_bank: Bank) -> None:
    cards = _code_cards(full_bank)
    assert len(cards) >= 30
    assert {card.task for card in cards} == set(TASKS)


def test_every_reference_passes_and_every_stub_fails(full_bank: Bank) -> None:
    # Two sandbox runs for the whole bank (all references, then all stubs), for two seeds.
    for seed in (0, 1):
        assert batch_problems(_code_cards(full_bank), seed) == {}


def test_a_wrong_reference_and_a_passing_stub_are_reported() -> None:
    double = "def double(x):\n    return 2 * x\n"
    good = CodeCard(
        id="good",
        kind="code",
        prompt="p",
        signature="def double(x):",
        reference=double,
        tests=[{"args": [[1.0, 2.0]]}],
    )
    lazy = CodeCard(
        id="lazy",
        kind="code",
        prompt="p",
        signature="def double(x):",
        reference=double,
        stub=double,
        tests=[{"args": [[1.0, 2.0]]}],
    )
    broken = CodeCard(
        id="broken",
        kind="code",
        prompt="p",
        task="softmax",
        signature="def softmax(x):",
        reference="def softmax(x):\n    return x\n",
    )
    found = batch_problems([good, lazy, broken])
    assert "good" not in found
    assert found["lazy"] == ["the stub passes every test: it must fail"]
    assert found["broken"][0].startswith("seed 0: the reference fails test 1")


def test_each_seed_draws_fresh_tests_and_the_same_seed_the_same_ones() -> None:
    spec = spec_for(CodeCard(id="code-softmax-stable", kind="code", prompt="p", task="softmax"))
    first, again, other = spec.tests(1), spec.tests(1), spec.tests(2)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0][0], other[0][0])


@pytest.mark.parametrize(
    ("task", "args", "expected"),
    [
        # hand-worked values
        ("softmax", (np.array([0.0, np.log(3.0)]),), [0.25, 0.75]),
        ("sigmoid", (np.array([0.0, 800.0, -800.0]),), [0.5, 1.0, 0.0]),
        ("logsumexp", (np.array([1000.0, 1000.0]),), 1000 + np.log(2)),
        ("roc_auc", (np.array([1, 0, 1, 0]), np.array([0.9, 0.9, 0.8, 0.1])), (0.5 + 1 + 0 + 1) / 4),
        ("iou", (np.array([0.0, 0, 2, 2]), np.array([1.0, 1, 3, 3])), 1 / 7),
        (
            "nms",
            (np.array([[0.0, 0, 2, 2], [0.0, 0, 2, 2.1], [5.0, 5, 6, 6]]), np.array([0.6, 0.9, 0.8]), 0.5),
            [1, 2],
        ),
        ("gini_impurity", (np.array([0, 0, 1, 1]),), 0.5),
        ("entropy", (np.array([0, 1, 2, 3]),), 2.0),
        ("ndcg_at_k", (np.array([0.0, 1.0]), 2), (1 / np.log2(3)) / 1.0),
        ("kfold_indices", (5, 2), [([3, 4], [0, 1, 2]), ([0, 1, 2], [3, 4])]),
        ("precision_recall_f1", (np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0])), (0.5, 0.5, 0.5)),
        ("clip_by_global_norm", ([np.array([3.0]), np.array([4.0])], 1.0), [[0.6], [0.8]]),
        ("conv2d", (np.arange(16.0).reshape(4, 4), np.ones((2, 2)), 2, 0), [[10.0, 18.0], [42.0, 50.0]]),
        (
            "tfidf",
            (np.array([[1, 0], [1, 1]]),),
            [
                [1.0, 0.0],
                [
                    1 / np.sqrt(1 + (np.log(1.5) + 1) ** 2),
                    (np.log(1.5) + 1) / np.sqrt(1 + (np.log(1.5) + 1) ** 2),
                ],
            ],
        ),
    ],
)
def test_references_match_independent_values(task: str, args: tuple, expected: object) -> None:
    got = TASKS[task].reference(*args)
    if task == "kfold_indices":
        assert [(t.tolist(), s.tolist()) for t, s in got] == expected
    else:
        assert (
            mismatch(
                np.asarray(expected, dtype=float) if not isinstance(expected, tuple) else expected,
                got,
                "close",
            )
            is None
        )


def test_nms_tests_catch_suppressing_at_exactly_the_threshold() -> None:
    # "suppressed when its IoU with a kept box is above the threshold": IoU == threshold keeps the box.
    def nms_suppressing_ties(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
        keep: list[int] = []
        for i in np.argsort(-scores):
            lo = np.maximum(boxes[i, :2], boxes[keep, :2])
            hi = np.minimum(boxes[i, 2:], boxes[keep, 2:])
            inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
            area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
            if np.all(inter / (area(boxes[i]) + area(boxes[keep]) - inter) < threshold):
                keep.append(int(i))
        return np.array(keep, dtype=int)

    for seed in range(3):
        cases = TASKS["nms"].tests(np.random.default_rng(seed))
        assert any(
            mismatch(TASKS["nms"].reference(*args), nms_suppressing_ties(*args), "exact") is not None
            for args in cases
        )


def test_comparison_is_exact_for_indices_and_close_for_floats() -> None:
    assert mismatch(np.array([1, 2]), np.array([1, 2]), "exact") is None
    assert mismatch(np.array([1, 2]), np.array([2, 1]), "exact") == "values differ (compared exactly)"
    assert mismatch(np.array([1.0, 2.0]), np.array([1.0 + 1e-9, 2.0]), "close") is None
    assert mismatch(np.array([1.0, 2.0]), np.array([1.001, 2.0]), "close") is not None
    assert mismatch(np.zeros((2, 3)), np.zeros((3, 2)), "close") == "shape (3, 2), expected (2, 3)"
    assert mismatch((1.0, 2.0), (1.0,), "close") == "expected 2 items, got 1"
    assert mismatch(1.0, None, "close") == "expected a number or array, got NoneType"


def test_codec_round_trips_arrays_tuples_and_specials() -> None:
    value = (np.arange(6, dtype=np.int16).reshape(2, 3), [np.float32(1.5), float("nan")], np.zeros((0, 3)))
    back = loads(dumps(value))
    assert isinstance(back, tuple) and back[0].dtype == np.int16 and back[0].shape == (2, 3)
    assert back[1][0].dtype == np.float32 and np.isnan(back[1][1]) and back[2].shape == (0, 3)
