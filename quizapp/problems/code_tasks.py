# ruff: noqa: E501  (solutions are code in strings, kept one statement per line)
"""The code exercises: for each task a signature, a NumPy solution to reveal, a reference that computes the
truth (NumPy/SciPy/scikit-learn where a library does), and a test generator `tests(rng) -> [args, ...]`
that draws fresh inputs of varied shapes plus the edge cases (ties, zeros, large logits, a single class)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Args = tuple[Any, ...]
Compare = Literal["close", "exact"]


@dataclass(frozen=True)
class CodeTask:
    """One exercise: what the learner writes, and how it is checked."""

    name: str
    signature: str
    solution: str  # the body after the signature: shown on reveal, and run in the sandbox by validate
    explanation: str
    reference: Callable[..., Any]
    tests: Callable[[np.random.Generator], list[Args]]
    compare: Compare = "close"

    @property
    def function(self) -> str:
        """The function's name."""
        return self.signature.split("def ", 1)[1].split("(", 1)[0].strip()

    @property
    def stub(self) -> str:
        """Starter code: the signature and a body that fails every test."""
        return (
            f"import numpy as np\n\n\n{self.signature}\n    # your code here\n    raise NotImplementedError\n"
        )

    @property
    def solution_source(self) -> str:
        """The whole reference solution as the learner sees it."""
        return f"import numpy as np\n\n\n{self.signature}\n{self.solution.rstrip()}\n"


TASKS: dict[str, CodeTask] = {}


def task(
    name: str, signature: str, solution: str, explanation: str, compare: Compare = "close"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `reference` (the decorated function) with its `tests` generator attached as `.tests`."""

    def register(reference: Callable[..., Any]) -> Callable[..., Any]:
        tests: Callable[[np.random.Generator], list[Args]] = reference.tests  # type: ignore[attr-defined]
        TASKS[name] = CodeTask(name, signature, solution, explanation, reference, tests, compare)
        return reference

    return register


def gen(
    tests: Callable[[np.random.Generator], list[Args]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach a test generator to a reference function."""

    def attach(reference: Callable[..., Any]) -> Callable[..., Any]:
        reference.tests = tests  # type: ignore[attr-defined]
        return reference

    return attach


def _shape(rng: np.random.Generator) -> tuple[int, ...]:
    return tuple(int(d) for d in rng.integers(1, 7, size=int(rng.integers(1, 3))))


def _labels(rng: np.random.Generator, n: int, k: int = 2) -> np.ndarray:
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)  # every class present
    return rng.permutation(y)


# -- activations and losses --------------------------------------------------------------------


@task(
    "sigmoid",
    "def sigmoid(z: np.ndarray) -> np.ndarray:",
    "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
    "exp(−z) overflows for z ≪ 0: use e^−|z| and pick the form by sign, so nothing overflows.",
)
@gen(
    lambda rng: [
        (rng.normal(0, 10, size=_shape(rng)),),
        (np.array([-800.0, -30.0, 0.0, 30.0, 800.0]),),
        (np.zeros((2, 3)),),
        (rng.uniform(-50, 50, size=(4, 5)),),
    ]
)
def sigmoid(z: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return np.asarray(expit(z))


@task(
    "softmax",
    "def softmax(x: np.ndarray) -> np.ndarray:",
    "    e = np.exp(x - x.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
    "Subtracting the row maximum changes nothing mathematically (it cancels) but keeps exp ≤ 1: no overflow.",
)
@gen(
    lambda rng: [
        (rng.normal(0, 3, size=(int(rng.integers(1, 6)), int(rng.integers(2, 8)))),),
        (np.array([1000.0, 1001.0, 1002.0]),),
        (np.array([[2.0, 2.0, 2.0], [-5.0, 0.0, 5.0]]),),
        (rng.normal(size=(int(rng.integers(1, 5)), 1)),),
        (rng.uniform(-60, 60, size=(2, 3, 4)),),
    ]
)
def softmax(x: np.ndarray) -> np.ndarray:
    from scipy.special import softmax as scipy_softmax

    return np.asarray(scipy_softmax(x, axis=-1))


@task(
    "logsumexp",
    "def logsumexp(x: np.ndarray) -> np.ndarray:",
    "    m = x.max(axis=-1, keepdims=True)\n"
    "    return (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))[..., 0]",
    "log Σ e^x = m + log Σ e^(x−m) with m the maximum: every exponent is ≤ 0.",
)
@gen(
    lambda rng: [
        (rng.normal(0, 5, size=(int(rng.integers(1, 6)), int(rng.integers(1, 8)))),),
        (np.array([1000.0, 1000.0]),),
        (np.array([-1000.0, -1001.0, -999.0]),),
        (rng.uniform(-80, 80, size=(3, 2, 5)),),
    ]
)
def logsumexp(x: np.ndarray) -> np.ndarray:
    from scipy.special import logsumexp as scipy_lse

    return np.asarray(scipy_lse(x, axis=-1))


@task(
    "bce_with_logits",
    "def bce_with_logits(logits: np.ndarray, y: np.ndarray) -> float:",
    "    return float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))",
    "log(1 + e^z) − yz, written as max(z, 0) − yz + log1p(e^−|z|): exact and finite for any logit.",
)
@gen(
    lambda rng: [
        (rng.normal(0, 3, size=(n := int(rng.integers(2, 20)))), _labels(rng, n).astype(float)),
        (np.array([-100.0, 100.0, 0.0, 40.0]), np.array([1.0, 0.0, 1.0, 1.0])),
        (np.zeros(3), np.array([1.0, 1.0, 1.0])),
    ]
)
def bce_with_logits(logits: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


@task(
    "cross_entropy_logits",
    "def cross_entropy_logits(logits: np.ndarray, y: np.ndarray) -> float:",
    "    m = logits.max(axis=1, keepdims=True)\n"
    "    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))\n"
    "    return float(np.mean(lse - logits[np.arange(len(y)), y]))",
    "−log softmax(z)_y = logsumexp(z) − z_y: no softmax, no log of 0. Index each row by its label.",
)
@gen(
    lambda rng: [
        (
            rng.normal(0, 2, size=(n := int(rng.integers(2, 12)), k := int(rng.integers(2, 6)))),
            _labels(rng, n, k),
        ),
        (np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])),
        (rng.normal(size=(4, 1)), np.zeros(4, dtype=int)),
    ]
)
def cross_entropy_logits(logits: np.ndarray, y: np.ndarray) -> float:
    from scipy.special import logsumexp as scipy_lse

    return float(np.mean(scipy_lse(logits, axis=1) - logits[np.arange(len(y)), y]))


# -- classification metrics ---------------------------------------------------------------------


def _pred_pair(rng: np.random.Generator, k: int = 2) -> Args:
    n = int(rng.integers(5, 30))
    y = _labels(rng, n, k)
    flip = rng.random(n) < 0.3
    return y, np.where(flip, rng.integers(0, k, size=n), y)


@task(
    "accuracy",
    "def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:",
    "    return float(np.mean(y_true == y_pred))",
    "The fraction of positions where prediction equals label.",
)
@gen(lambda rng: [_pred_pair(rng), _pred_pair(rng, 4), (np.array([1, 1]), np.array([0, 0]))])
def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


@task(
    "precision_recall_f1",
    "def precision_recall_f1(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float, float]:",
    "    tp = np.sum((y_pred == 1) & (y_true == 1))\n"
    "    fp = np.sum((y_pred == 1) & (y_true == 0))\n"
    "    fn = np.sum((y_pred == 0) & (y_true == 1))\n"
    "    p = tp / (tp + fp) if tp + fp else 0.0\n"
    "    r = tp / (tp + fn) if tp + fn else 0.0\n"
    "    f = 2 * p * r / (p + r) if p + r else 0.0\n"
    "    return float(p), float(r), float(f)",
    "Precision TP/(TP+FP), recall TP/(TP+FN), F1 their harmonic mean; 0 where a denominator is 0.",
)
@gen(
    lambda rng: [
        _pred_pair(rng),
        _pred_pair(rng),
        (np.array([1, 0, 1, 0]), np.array([0, 0, 0, 0])),
        (np.array([0, 0, 1]), np.array([1, 1, 1])),
    ]
)
def precision_recall_f1(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float, float]:
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
    return float(p), float(r), float(f)


@task(
    "confusion_matrix",
    "def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:",
    "    m = np.zeros((k, k), dtype=int)\n    np.add.at(m, (y_true, y_pred), 1)\n    return m",
    "Row = true class, column = predicted class; np.add.at counts repeated index pairs (m[i, j] += 1 does not).",
    compare="exact",
)
@gen(
    lambda rng: (
        [(*_pred_pair(rng, k), k) for k in (2, int(rng.integers(3, 6)))]
        + [(np.array([0, 0]), np.array([0, 0]), 3)]
    )
)
def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    from sklearn.metrics import confusion_matrix as sk_cm

    return np.asarray(sk_cm(y_true, y_pred, labels=list(range(k))))


@task(
    "roc_auc",
    "def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:",
    "    pos, neg = scores[y == 1], scores[y == 0]\n"
    "    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()\n"
    "    return float(wins / (len(pos) * len(neg)))",
    "AUC = P(a random positive scores above a random negative), a tie counting ½ (the Mann–Whitney U / n₊n₋).",
)
@gen(
    lambda rng: [
        (y := _labels(rng, int(rng.integers(4, 30))), rng.normal(size=len(y)) + y),
        (y := _labels(rng, 12), np.round(rng.random(12), 1)),
        (np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])),
        (np.array([1, 0, 0]), np.array([0.9, 0.1, 0.2])),
    ]
)
def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, scores))


@task(
    "kfold_indices",
    "def kfold_indices(n: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:",
    "    sizes = np.full(k, n // k)\n    sizes[: n % k] += 1\n    out, start = [], 0\n"
    "    for size in sizes:\n        test = np.arange(start, start + size)\n"
    "        train = np.concatenate([np.arange(0, start), np.arange(start + size, n)])\n"
    "        out.append((train, test))\n        start += size\n    return out",
    "Contiguous folds like sklearn's KFold without shuffling: the first n mod k folds get one extra sample.",
    compare="exact",
)
@gen(lambda rng: [(int(rng.integers(5, 40)), int(rng.integers(2, 6))), (10, 5), (7, 7), (11, 3)])
def kfold_indices(n: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold

    return [(train, test) for train, test in KFold(k).split(np.zeros(n))]


@task(
    "stratified_folds",
    "def stratified_fold_of(y: np.ndarray, k: int) -> np.ndarray:",
    "    fold = np.empty(len(y), dtype=int)\n"
    "    for label in np.unique(y):\n        where = np.flatnonzero(y == label)\n"
    "        fold[where] = np.arange(len(where)) % k\n    return fold",
    "Deal each class's samples round-robin over the k folds, in order: every fold gets each class in "
    "proportion (±1).",
    compare="exact",
)
@gen(
    lambda rng: [
        (_labels(rng, int(rng.integers(6, 30)), int(rng.integers(2, 4))), int(rng.integers(2, 5))),
        (np.zeros(5, dtype=int), 2),
    ]
)
def stratified_fold_of(y: np.ndarray, k: int) -> np.ndarray:
    fold = np.empty(len(y), dtype=int)
    for label in np.unique(y):
        rank = np.cumsum(y == label) - 1
        fold[y == label] = rank[y == label] % k
    return fold


# -- preprocessing --------------------------------------------------------------------------------


def _matrix_with_constant(rng: np.random.Generator) -> np.ndarray:
    x = rng.normal(5, 3, size=(int(rng.integers(2, 10)), int(rng.integers(2, 5))))
    x[:, 0] = 7.0
    return x


@task(
    "standardize",
    "def standardize(X: np.ndarray) -> np.ndarray:",
    "    std = X.std(axis=0)\n    return (X - X.mean(axis=0)) / np.where(std == 0, 1.0, std)",
    "Per column (x − mean)/std with the population std (ddof=0), as StandardScaler; a constant column becomes 0.",
)
@gen(
    lambda rng: [
        (rng.normal(3, 10, size=(int(rng.integers(2, 12)), int(rng.integers(1, 5)))),),
        (_matrix_with_constant(rng),),
    ]
)
def standardize(X: np.ndarray) -> np.ndarray:
    from sklearn.preprocessing import StandardScaler

    return np.asarray(StandardScaler().fit_transform(X))


@task(
    "minmax_scale",
    "def minmax_scale(X: np.ndarray) -> np.ndarray:",
    "    lo, hi = X.min(axis=0), X.max(axis=0)\n    span = np.where(hi > lo, hi - lo, 1.0)\n    return (X - lo) / span",
    "Per column (x − min)/(max − min) into [0, 1], as MinMaxScaler; a constant column becomes 0.",
)
@gen(
    lambda rng: [
        (rng.uniform(-9, 9, size=(int(rng.integers(2, 12)), int(rng.integers(1, 5)))),),
        (_matrix_with_constant(rng),),
    ]
)
def minmax_scale(X: np.ndarray) -> np.ndarray:
    from sklearn.preprocessing import MinMaxScaler

    return np.asarray(MinMaxScaler().fit_transform(X))


@task(
    "one_hot",
    "def one_hot(y: np.ndarray, k: int) -> np.ndarray:",
    "    out = np.zeros((len(y), k), dtype=int)\n    out[np.arange(len(y)), y] = 1\n    return out",
    "One row per label with a single 1 in the label's column; k columns even when a class is absent.",
    compare="exact",
)
@gen(
    lambda rng: [
        (rng.integers(0, k := int(rng.integers(2, 7)), size=int(rng.integers(1, 15))), k),
        (np.array([0, 0, 0]), 4),
    ]
)
def one_hot(y: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k, dtype=int)[y]


# -- layers --------------------------------------------------------------------------------------


@task(
    "dropout_forward",
    "def dropout_forward(x: np.ndarray, p: float, u: np.ndarray) -> np.ndarray:",
    "    keep = u >= p\n    return x * keep / (1 - p)",
    "Inverted dropout: drop where u < p, scale survivors by 1/(1 − p) so the expected activation is unchanged "
    "and inference needs no rescaling.",
)
@gen(
    lambda rng: (
        [
            (rng.normal(size=s), float(rng.choice([0.1, 0.25, 0.5, 0.8])), rng.random(s))
            for s in (_shape(rng), (3, 4))
        ]
        + [(np.ones(4), 0.0, np.array([0.0, 0.3, 0.6, 0.9]))]
    )
)
def dropout_forward(x: np.ndarray, p: float, u: np.ndarray) -> np.ndarray:
    return np.where(u < p, 0.0, x / (1 - p))


@task(
    "batchnorm_forward",
    "def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:",
    "    mean = x.mean(axis=0)\n    var = x.var(axis=0)\n    return gamma * (x - mean) / np.sqrt(var + eps) + beta",
    "Training mode: normalise each feature over the batch (axis 0) with the biased variance, then γ·x̂ + β.",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(2, 3, size=(int(rng.integers(2, 10)), d := int(rng.integers(1, 6)))),
                rng.normal(size=d),
                rng.normal(size=d),
            )
            for _ in range(2)
        ]
        + [(np.ones((3, 2)), np.ones(2), np.zeros(2))]
    )
)
def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    z = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return gamma * z + beta


@task(
    "layernorm_forward",
    "def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:",
    "    mean = x.mean(axis=-1, keepdims=True)\n    var = x.var(axis=-1, keepdims=True)\n"
    "    return gamma * (x - mean) / np.sqrt(var + eps) + beta",
    "Normalise each example over its features (the last axis), independent of the batch; then γ·x̂ + β.",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(1, 4, size=(*_shape(rng), d := int(rng.integers(2, 7)))),
                rng.normal(size=d),
                rng.normal(size=d),
            )
            for _ in range(2)
        ]
        + [(np.full((2, 3), 5.0), np.ones(3), np.zeros(3))]
    )
)
def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=-1, keepdims=True) + eps) + beta


def _attention_case(rng: np.random.Generator) -> Args:
    nq, nk, d, dv = (int(v) for v in rng.integers(1, 6, size=4))
    mask = rng.random((nq, nk)) < 0.7
    mask[np.arange(nq), rng.integers(0, nk, size=nq)] = True  # every query may attend somewhere
    return rng.normal(size=(nq, d)), rng.normal(size=(nk, d)), rng.normal(size=(nk, dv)), mask


@task(
    "attention",
    "def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray) -> np.ndarray:",
    "    scores = q @ k.T / np.sqrt(q.shape[-1])\n    scores = np.where(mask, scores, -np.inf)\n"
    "    scores = scores - scores.max(axis=-1, keepdims=True)\n    w = np.exp(scores)\n"
    "    return (w / w.sum(axis=-1, keepdims=True)) @ v",
    "softmax(QKᵀ/√d) V, with masked-out scores set to −∞ before the softmax (weight exactly 0); subtract the "
    "row max for stability.",
)
@gen(
    lambda rng: [
        _attention_case(rng),
        _attention_case(rng),
        (np.eye(2) * 50, np.eye(2) * 50, np.eye(2), np.array([[True, True], [False, True]])),
    ]
)
def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    from scipy.special import softmax as scipy_softmax

    scores = np.where(mask, q @ k.T / np.sqrt(q.shape[-1]), -np.inf)
    return np.asarray(scipy_softmax(scores, axis=-1) @ v)


@task(
    "conv2d",
    "def conv2d(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:",
    "    x = np.pad(x, padding)\n    kh, kw = w.shape\n"
    "    oh, ow = (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1\n"
    "    out = np.empty((oh, ow))\n    for i in range(oh):\n        for j in range(ow):\n"
    "            out[i, j] = np.sum(x[i * stride : i * stride + kh, j * stride : j * stride + kw] * w)\n"
    "    return out",
    "Cross-correlation (no kernel flip, as deep-learning 'convolution'), zero padding on every side; output "
    "size ⌊(n + 2p − k)/s⌋ + 1.",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(size=(int(rng.integers(3, 9)), int(rng.integers(3, 9)))),
                rng.normal(size=(k := int(rng.integers(1, 4)), k)),
                int(rng.integers(1, 3)),
                int(rng.integers(0, 2)),
            )
            for _ in range(3)
        ]
        + [(np.arange(16.0).reshape(4, 4), np.ones((2, 2)), 2, 0), (np.ones((3, 3)), np.ones((3, 3)), 1, 1)]
    )
)
def conv2d(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    from scipy.signal import correlate2d

    return np.asarray(correlate2d(np.pad(x, padding), w, mode="valid")[::stride, ::stride])


@task(
    "max_pool",
    "def max_pool(x: np.ndarray, size: int, stride: int) -> np.ndarray:",
    "    oh, ow = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1\n"
    "    out = np.empty((oh, ow))\n    for i in range(oh):\n        for j in range(ow):\n"
    "            out[i, j] = x[i * stride : i * stride + size, j * stride : j * stride + size].max()\n"
    "    return out",
    "Slide a size×size window by `stride` (no padding) and keep each window's maximum.",
)
@gen(
    lambda rng: (
        [
            (rng.normal(size=(int(rng.integers(2, 9)), int(rng.integers(2, 9)))), 2, int(rng.integers(1, 3)))
            for _ in range(3)
        ]
        + [(np.zeros((4, 4)), 2, 2), (-np.arange(9.0).reshape(3, 3), 3, 1)]
    )
)
def max_pool(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size))[::stride, ::stride]
    return np.asarray(windows.max(axis=(-2, -1)), dtype=float)


# -- detection -----------------------------------------------------------------------------------


def _box(rng: np.random.Generator) -> np.ndarray:
    x1, y1 = rng.uniform(0, 10, size=2)
    return np.array([x1, y1, x1 + rng.uniform(0.5, 6), y1 + rng.uniform(0.5, 6)])


@task(
    "iou",
    "def iou(a: np.ndarray, b: np.ndarray) -> float:",
    "    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))\n    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))\n"
    "    inter = w * h\n    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter\n"
    "    return float(inter / union)",
    "Boxes are [x1, y1, x2, y2]; clamp the overlap's width and height at 0 (disjoint boxes have IoU 0).",
)
@gen(
    lambda rng: (
        [(_box(rng), _box(rng)) for _ in range(3)]
        + [
            (np.array([0.0, 0, 1, 1]), np.array([2.0, 2, 3, 3])),
            (np.array([0.0, 0, 1, 1]), np.array([1.0, 0, 2, 1])),
            (np.array([0.0, 0, 2, 2]), np.array([0.0, 0, 2, 2])),
        ]
    )
)
def iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, float(min(a[2], b[2]) - max(a[0], b[0])))
    h = max(0.0, float(min(a[3], b[3]) - max(a[1], b[1])))
    inter = w * h
    return inter / float((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _iou_matrix(boxes: np.ndarray) -> np.ndarray:
    lo = np.maximum(boxes[:, None, :2], boxes[None, :, :2])
    hi = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=-1)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=-1)
    return np.asarray(inter / (area[:, None] + area[None, :] - inter))


def _nms_case(rng: np.random.Generator) -> Args:
    n = int(rng.integers(1, 9))
    boxes = np.array([_box(rng) for _ in range(n)])
    return boxes, rng.permutation(n) / n + 0.05, float(rng.choice([0.3, 0.5, 0.7]))


@task(
    "nms",
    "def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:",
    "    order = np.argsort(-scores)\n    keep = []\n    while len(order):\n        i = order[0]\n"
    "        keep.append(i)\n        rest = order[1:]\n"
    "        lo = np.maximum(boxes[i, :2], boxes[rest, :2])\n        hi = np.minimum(boxes[i, 2:], boxes[rest, 2:])\n"
    "        inter = np.prod(np.clip(hi - lo, 0, None), axis=1)\n"
    "        area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])\n"
    "        order = rest[inter / (area(boxes[i]) + area(boxes[rest]) - inter) <= threshold]\n"
    "    return np.array(keep, dtype=int)",
    "Greedy: take the best-scoring box, drop every remaining box whose IoU with it exceeds the threshold, repeat. "
    "Return kept indices, best first.",
    compare="exact",
)
@gen(
    lambda rng: (
        [_nms_case(rng) for _ in range(3)]
        + [(np.array([[0.0, 0, 2, 2], [0.0, 0, 2, 2], [5.0, 5, 6, 6]]), np.array([0.6, 0.9, 0.8]), 0.5)]
        # IoU exactly at the threshold (2/4 = 0.5): kept, since only IoU above the threshold suppresses
        + [(np.array([[0.0, 0, 3, 1], [1.0, 0, 4, 1]]), np.array([0.9, 0.8]), 0.5)]
    )
)
def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    overlaps = _iou_matrix(boxes)
    keep: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if all(overlaps[i, j] <= threshold for j in keep):
            keep.append(int(i))
    return np.array(keep, dtype=int)


# -- unsupervised ----------------------------------------------------------------------------------


@task(
    "kmeans_assign",
    "def kmeans_assign(X: np.ndarray, C: np.ndarray) -> np.ndarray:",
    "    d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=-1)\n    return d.argmin(axis=1)",
    "Squared Euclidean distance of every point to every centroid (broadcast n×k×d), argmin per point; a tie "
    "goes to the lower index.",
    compare="exact",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(size=(int(rng.integers(1, 20)), d := int(rng.integers(1, 4)))),
                rng.normal(size=(int(rng.integers(1, 5)), d)),
            )
            for _ in range(3)
        ]
        + [(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[-1.0, 0.0], [1.0, 0.0]]))]
    )
)
def kmeans_assign(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    from sklearn.metrics import pairwise_distances_argmin

    return np.asarray(pairwise_distances_argmin(X, C))


@task(
    "kmeans_update",
    "def kmeans_update(X: np.ndarray, labels: np.ndarray, C: np.ndarray) -> np.ndarray:",
    "    new = C.astype(float).copy()\n    for j in range(len(C)):\n        if np.any(labels == j):\n"
    "            new[j] = X[labels == j].mean(axis=0)\n    return new",
    "Each centroid moves to the mean of its points; a centroid with no points stays where it was.",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(size=(n := int(rng.integers(3, 20)), d := int(rng.integers(1, 4)))),
                rng.integers(0, k := int(rng.integers(1, 5)), size=n),
                rng.normal(size=(k, d)),
            )
            for _ in range(2)
        ]
        + [(np.array([[1.0], [3.0]]), np.array([0, 0]), np.array([[0.0], [9.0]]))]
    )
)
def kmeans_update(X: np.ndarray, labels: np.ndarray, C: np.ndarray) -> np.ndarray:
    counts = np.bincount(labels, minlength=len(C))[:, None]
    sums = np.zeros_like(C, dtype=float)
    np.add.at(sums, labels, X)
    return np.where(counts > 0, sums / np.maximum(counts, 1), C)


@task(
    "pca_reconstruct",
    "def pca_reconstruct(X: np.ndarray, k: int) -> np.ndarray:",
    "    mean = X.mean(axis=0)\n    _, _, vt = np.linalg.svd(X - mean, full_matrices=False)\n"
    "    v = vt[:k].T\n    return (X - mean) @ v @ v.T + mean",
    "Centre, take the top-k right singular vectors V_k, project and map back: (X − μ)V_kV_kᵀ + μ. Signs of "
    "singular vectors cancel, so the reconstruction is unique.",
)
@gen(
    lambda rng: [
        (
            rng.normal(size=(int(rng.integers(5, 15)), d := int(rng.integers(2, 5))))
            * rng.uniform(0.5, 4, size=d),
            int(rng.integers(1, d)),
        )
        for _ in range(3)
    ]
)
def pca_reconstruct(X: np.ndarray, k: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    pca = PCA(n_components=k, svd_solver="full").fit(X)
    return np.asarray(pca.inverse_transform(pca.transform(X)))


# -- models and optimisers ---------------------------------------------------------------------------


@task(
    "normal_equation",
    "def normal_equation(X: np.ndarray, y: np.ndarray) -> np.ndarray:",
    "    return np.linalg.solve(X.T @ X, X.T @ y)",
    "Least squares: w = (XᵀX)⁻¹Xᵀy; solve the system rather than invert (lstsq/pinv also handle rank loss).",
)
@gen(
    lambda rng: [
        (
            X := rng.normal(size=(int(rng.integers(4, 20)), int(rng.integers(1, 4)))),
            X @ rng.normal(size=X.shape[1]) + rng.normal(0, 0.1, size=len(X)),
        )
        for _ in range(3)
    ]
)
def normal_equation(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(np.linalg.lstsq(X, y, rcond=None)[0])


@task(
    "logreg_gradient",
    "def logreg_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:",
    "    p = 1 / (1 + np.exp(-(X @ w)))\n    return X.T @ (p - y) / len(y)",
    "The gradient of the mean log loss is Xᵀ(σ(Xw) − y)/n: the sigmoid's derivative cancels against the log's.",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(size=(d := int(rng.integers(1, 5)))),
                rng.normal(size=(n := int(rng.integers(2, 15)), d)),
                _labels(rng, n).astype(float),
            )
            for _ in range(3)
        ]
        + [(np.zeros(2), np.ones((3, 2)), np.array([1.0, 0.0, 1.0]))]
    )
)
def logreg_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return np.asarray(X.T @ (expit(X @ w) - y) / len(y))


@task(
    "sgd_momentum_step",
    "def sgd_momentum_step(w: np.ndarray, grad: np.ndarray, v: np.ndarray, lr: float, beta: float)"
    " -> tuple[np.ndarray, np.ndarray]:",
    "    v = beta * v + grad\n    return w - lr * v, v",
    "PyTorch's form: v ← βv + g, w ← w − ηv. Return the new weights and the new velocity.",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(size=(s := _shape(rng))),
                rng.normal(size=s),
                rng.normal(size=s),
                float(rng.choice([0.1, 0.01])),
                float(rng.choice([0.9, 0.5])),
            )
            for _ in range(3)
        ]
        + [(np.ones(2), np.zeros(2), np.zeros(2), 0.1, 0.9)]
    )
)
def sgd_momentum_step(
    w: np.ndarray, grad: np.ndarray, v: np.ndarray, lr: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    velocity = beta * v + grad
    return w - lr * velocity, velocity


@task(
    "adam_step",
    "def adam_step(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float = 0.001,"
    " b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:",
    "    m = b1 * m + (1 - b1) * g\n    v = b2 * v + (1 - b2) * g**2\n"
    "    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)\n    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v",
    "Moments m, v are updated first, then bias-corrected by 1 − βᵗ (t counts from 1), then w ← w − η·m̂/(√v̂ + ε).",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(size=(s := _shape(rng))),
                rng.normal(size=s),
                rng.normal(0, 0.1, size=s),
                rng.random(s) * 0.01,
                int(rng.integers(1, 50)),
                float(rng.choice([0.001, 0.01, 0.1])),
            )
            for _ in range(3)
        ]
        + [(np.ones(3), np.zeros(3), np.zeros(3), np.zeros(3), 1, 0.1)]
    )
)
def adam_step(
    w: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float = 0.001,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m2 = b1 * m + (1 - b1) * g
    v2 = b2 * v + (1 - b2) * np.square(g)
    return w - lr * (m2 / (1 - b1**t)) / (np.sqrt(v2 / (1 - b2**t)) + eps), m2, v2


@task(
    "clip_by_global_norm",
    "def clip_by_global_norm(grads: list[np.ndarray], max_norm: float) -> list[np.ndarray]:",
    "    norm = np.sqrt(sum(np.sum(g**2) for g in grads))\n    scale = max_norm / max(norm, max_norm)\n"
    "    return [g * scale for g in grads]",
    "One norm over all gradients together; if it exceeds max_norm, scale every gradient by max_norm/norm "
    "(direction kept); otherwise leave them alone.",
)
@gen(
    lambda rng: (
        [
            (
                [rng.normal(0, 3, size=_shape(rng)) for _ in range(int(rng.integers(1, 4)))],
                float(rng.choice([0.5, 1.0, 5.0])),
            )
            for _ in range(3)
        ]
        + [([np.zeros(3), np.zeros((2, 2))], 1.0), ([np.array([0.3, 0.4])], 1.0)]
    )
)
def clip_by_global_norm(grads: list[np.ndarray], max_norm: float) -> list[np.ndarray]:
    norm = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads])))
    return [g * (max_norm / norm if norm > max_norm else 1.0) for g in grads]


# -- text, retrieval, trees ------------------------------------------------------------------------


@task(
    "tfidf",
    "def tfidf(counts: np.ndarray) -> np.ndarray:",
    "    n = counts.shape[0]\n    df = (counts > 0).sum(axis=0)\n    idf = np.log((1 + n) / (1 + df)) + 1\n"
    "    x = counts * idf\n    norms = np.linalg.norm(x, axis=1, keepdims=True)\n"
    "    return x / np.where(norms == 0, 1.0, norms)",
    "scikit-learn's default: smoothed idf = ln((1 + n)/(1 + df)) + 1, tf·idf, then each row scaled to unit L2 "
    "norm (an empty document stays zeros).",
)
@gen(
    lambda rng: (
        [(rng.poisson(0.8, size=(int(rng.integers(1, 8)), int(rng.integers(2, 8)))),) for _ in range(3)]
        + [(np.array([[1, 0, 2], [0, 0, 0], [3, 1, 0]]),)]
    )
)
def tfidf(counts: np.ndarray) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfTransformer

    return np.asarray(TfidfTransformer().fit_transform(counts).toarray())


@task(
    "cosine_top_k",
    "def cosine_top_k(query: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:",
    "    sims = docs @ query / (np.linalg.norm(docs, axis=1) * np.linalg.norm(query))\n"
    "    return np.argsort(-sims, kind='stable')[:k]",
    "Cosine = dot product over the product of norms; the k indices of the largest, most similar first.",
    compare="exact",
)
@gen(
    lambda rng: (
        [
            (
                rng.normal(size=(d := int(rng.integers(2, 6)))),
                rng.normal(size=(n := int(rng.integers(2, 12)), d)),
                int(rng.integers(1, n + 1)),
            )
            for _ in range(3)
        ]
        + [(np.array([1.0, 0.0]), np.array([[10.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), 2)]
    )
)
def cosine_top_k(query: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:
    from sklearn.metrics.pairwise import cosine_similarity

    sims = cosine_similarity(docs, query[None, :])[:, 0]
    return np.asarray(np.argsort(-sims, kind="stable")[:k])


@task(
    "ndcg_at_k",
    "def ndcg_at_k(relevance: np.ndarray, k: int) -> float:",
    "    discounts = 1 / np.log2(np.arange(2, k + 2))\n    dcg = np.sum(relevance[:k] * discounts[: len(relevance[:k])])\n"
    "    ideal = np.sort(relevance)[::-1][:k]\n    idcg = np.sum(ideal * discounts[: len(ideal)])\n"
    "    return float(dcg / idcg) if idcg > 0 else 0.0",
    "relevance is in the order the system ranked the items. DCG@k = Σ rel_i / log₂(i + 1) over the top k; "
    "divide by the DCG of the ideal order (0 when nothing is relevant).",
)
@gen(
    lambda rng: (
        [
            (
                rng.integers(0, 4, size=(n := int(rng.integers(2, 12)))).astype(float),
                int(rng.integers(1, n + 1)),
            )
            for _ in range(3)
        ]
        + [(np.zeros(4), 3), (np.array([0.0, 0.0, 3.0]), 1)]
    )
)
def ndcg_at_k(relevance: np.ndarray, k: int) -> float:
    from sklearn.metrics import ndcg_score

    if not np.any(relevance > 0):
        return 0.0
    ranks = np.arange(len(relevance), 0, -1, dtype=float)  # the system's order: first item scored highest
    return float(ndcg_score(relevance[None, :], ranks[None, :], k=k))


@task(
    "entropy",
    "def entropy(labels: np.ndarray) -> float:",
    "    _, counts = np.unique(labels, return_counts=True)\n    p = counts / counts.sum()\n"
    "    return float(-np.sum(p * np.log2(p)))",
    "H = −Σ p log₂ p over the classes present (absent classes contribute 0); a single class has entropy 0.",
)
@gen(
    lambda rng: (
        [(rng.integers(0, int(rng.integers(2, 5)), size=int(rng.integers(1, 30))),) for _ in range(3)]
        + [(np.array([2, 2, 2]),), (np.array([0, 1]),)]
    )
)
def entropy(labels: np.ndarray) -> float:
    from scipy.stats import entropy as scipy_entropy

    return float(scipy_entropy(np.unique(labels, return_counts=True)[1], base=2))


@task(
    "gini_impurity",
    "def gini_impurity(labels: np.ndarray) -> float:",
    "    _, counts = np.unique(labels, return_counts=True)\n    p = counts / counts.sum()\n"
    "    return float(1 - np.sum(p**2))",
    "G = 1 − Σ p²: the chance two draws with replacement disagree; 0 for a pure node.",
)
@gen(
    lambda rng: (
        [(rng.integers(0, int(rng.integers(2, 5)), size=int(rng.integers(1, 30))),) for _ in range(3)]
        + [(np.array([1, 1, 1]),)]
    )
)
def gini_impurity(labels: np.ndarray) -> float:
    counts = np.bincount(np.unique(labels, return_inverse=True)[1].ravel())
    return float(1 - np.sum((counts / counts.sum()) ** 2))
