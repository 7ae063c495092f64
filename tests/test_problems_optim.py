"""optim generators: SGD, momentum and Adam steps, and learning-rate schedules, checked independently."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from quizapp.problems import fmt
from quizapp.problems.model import Problem
from quizapp.problems.optim import adam_step, lr_schedule, momentum_step, sgd_step
from quizapp.problems.registry import get

SEEDS = range(40)


def _rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def _exact(x: float) -> Fraction:
    """The decimal the prompt shows, as an exact fraction."""
    return Fraction(str(x))


def _has_numbers(p: Problem, *values: float) -> None:
    for value in values:
        assert fmt.num(value) in p.prompt, (value, p.prompt)


def test_the_catalogue_names_and_params_are_registered() -> None:
    assert set(get("optim.sgd_step").params) == {"dim", "lr"}
    assert set(get("optim.momentum_step").params) == {"beta", "lr"}
    assert set(get("optim.adam_step").params) == {"t", "lr"}
    assert {"kind"} <= set(get("optim.lr_schedule").params)


def test_sgd_step_by_hand() -> None:
    p = sgd_step(_rng(), dim=2, lr=0.1)
    assert p.given == {"w": [0.5, 1.59], "grad": [1.65, -1.65], "lr": 0.1}
    # lr·g = [0.165, −0.165];  w − lr·g = [0.5 − 0.165, 1.59 + 0.165] = [0.335, 1.755]
    assert p.answer == pytest.approx([0.335, 1.755])
    assert p.tolerance.decimals == 4
    assert "[0.3350, 1.7550]" in p.solution
    assert "Answer as [w1, w2]" in p.prompt
    _has_numbers(p, 0.5, 1.59, 1.65, -1.65, 0.1)


@pytest.mark.parametrize("seed", SEEDS)
def test_sgd_step_matches_exact_decimal_arithmetic(seed: int) -> None:
    p = sgd_step(_rng(seed))
    w, g, lr = p.given["w"], p.given["grad"], _exact(p.given["lr"])
    expected = [float(_exact(wi) - lr * _exact(gi)) for wi, gi in zip(w, g, strict=True)]
    answer = p.answer if isinstance(p.answer, list) else [p.answer]
    assert answer == pytest.approx(expected, abs=1e-12)
    assert all(fmt.fixed(a, p.tolerance.decimals or 0) in p.solution for a in answer)


def test_sgd_step_with_one_weight_is_a_scalar() -> None:
    p = sgd_step(_rng(3), dim=1)
    assert isinstance(p.answer, float)
    assert "new weight?" in p.prompt


def test_momentum_step_by_hand() -> None:
    p = momentum_step(_rng(), beta=0.9, lr=0.1)
    assert p.given == {"w": 0.5, "v": 1.59, "grad": 1.1, "beta": 0.9, "lr": 0.1}
    # PyTorch: v ← 0.9 × 1.59 + 1.1 = 2.531;  w ← 0.5 − 0.1 × 2.531 = 0.2469
    assert p.answer == pytest.approx(0.2469)
    assert "0.2469" in p.solution
    _has_numbers(p, 0.5, 1.59, 1.1, 0.9, 0.1)
    # the averaging convention: v = 0.9 × 1.59 + 0.1 × 1.1 = 1.541; w = 0.5 − 0.1541 = 0.3459
    messages = {round(float(d.value), 6): d.message for d in p.diagnoses}  # type: ignore[arg-type]
    assert "averaging convention" in messages[0.3459]
    assert "plain SGD" in messages[0.39]  # 0.5 − 0.1 × 1.1


@pytest.mark.parametrize("seed", SEEDS)
def test_momentum_step_matches_exact_decimal_arithmetic(seed: int) -> None:
    p = momentum_step(_rng(seed))
    given = {key: _exact(value) for key, value in p.given.items()}
    velocity = given["beta"] * given["v"] + given["grad"]
    assert p.answer == pytest.approx(float(given["w"] - given["lr"] * velocity), abs=1e-12)
    assert fmt.fixed(p.answer, 4) in p.solution


def test_adam_step_by_hand() -> None:
    p = adam_step(_rng(), t=2, lr=0.01)
    assert p.given == {"w": 0.5, "m": 0.038, "v": 0.0001444, "grad": 1.59, "t": 2, "lr": 0.01}
    # m = 0.9 × 0.038 + 0.1 × 1.59 = 0.1932;  v = 0.999 × 0.0001444 + 0.001 × 1.59² = 0.0026723556
    # m̂ = 0.1932 / 0.19 = 1.016842;  v̂ = 0.0026723556 / 0.001999 = 1.336846;  √v̂ = 1.156220
    # step = 0.01 × 1.016842 / 1.156220 = 0.0087945;  w = 0.5 − 0.0087945 = 0.4912055
    assert p.answer == pytest.approx(0.4912055, abs=1e-7)
    assert p.tolerance.decimals == 5
    assert "0.49121" in p.solution
    _has_numbers(p, 0.5, 0.038, 0.0001444, 1.59, 0.01)


@pytest.mark.parametrize("seed", SEEDS)
def test_adam_first_step_moves_by_lr_against_the_gradient_sign(seed: int) -> None:
    # A known property of Adam: at t = 1, m̂ = g and v̂ = g², so the step is lr·sign(g) (up to ε).
    p = adam_step(_rng(seed), t=1)
    w, g, lr = p.given["w"], p.given["grad"], p.given["lr"]
    assert p.answer == pytest.approx(w - lr * math.copysign(1.0, g), abs=1e-6)
    assert "first step" in p.prompt


@pytest.mark.parametrize("seed", SEEDS)
def test_adam_step_matches_the_papers_efficient_form(seed: int) -> None:
    # Kingma & Ba, section 2: α_t = α·√(1 − β2^t)/(1 − β1^t), θ ← θ − α_t·m_t/(√v_t + ε̂)
    p = adam_step(_rng(seed))
    w, m, v, g, t, lr = (p.given[key] for key in ("w", "m", "v", "grad", "t", "lr"))
    m_t = 0.9 * m + 0.1 * g
    v_t = 0.999 * v + 0.001 * g * g
    alpha_t = lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
    assert p.answer == pytest.approx(w - alpha_t * m_t / math.sqrt(v_t), abs=1e-7)
    k = p.tolerance.decimals
    assert k is not None and fmt.fixed(p.answer, k) in p.solution
    # the band (±0.51·10^−k) is far smaller than the step itself, so the step is what gets checked
    assert 10.0**-k < abs(p.answer - w) / 20


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # StepLR: ⌊30/10⌋ = 3 decays: 0.1 × 0.1³ = 1e-4; epoch 29 has had only 2: 0.1 × 0.1² = 0.001
        ({"kind": "step", "lr0": 0.1, "epoch": 30, "step_size": 10, "gamma": 0.1}, 1e-4),
        ({"kind": "step", "lr0": 0.1, "epoch": 29, "step_size": 10, "gamma": 0.1}, 1e-3),
        # ExponentialLR: 0.1 × 0.9² = 0.081
        ({"kind": "exponential", "lr0": 0.1, "epoch": 2, "gamma": 0.9}, 0.081),
        # Cosine, halfway: cos(π/2) = 0, so lr = lr0 / 2
        ({"kind": "cosine", "lr0": 0.1, "epoch": 50, "t_max": 100}, 0.05),
        # with η_min = 0.001: 0.001 + 0.099 × (1 + 0)/2 = 0.0505
        ({"kind": "cosine", "lr0": 0.1, "epoch": 5, "t_max": 10, "eta_min": 0.001}, 0.0505),
    ],
)
def test_lr_schedule_by_hand(params: dict[str, object], expected: float) -> None:
    p = lr_schedule(_rng(), **params)  # type: ignore[arg-type]
    assert p.answer == pytest.approx(expected)
    assert f"epoch {params['epoch']}" in p.prompt
    assert fmt.num(p.answer, 5) in p.solution


def test_lr_schedule_step_boundary_has_the_off_by_one_diagnosis() -> None:
    p = lr_schedule(_rng(), kind="step", lr0=0.1, epoch=30, step_size=10, gamma=0.1)
    assert "StepLR(step_size=10, gamma=0.1)" in p.prompt
    assert any(d.value == pytest.approx(1e-3) and "t − 1" in d.message for d in p.diagnoses)


def _simulate(p: Problem) -> float:
    """The schedule run epoch by epoch, the way PyTorch's recursive (chainable) form updates it."""
    kind, lr, epoch, text = p.given["kind"], p.given["lr0"], p.given["epoch"], p.given["scheduler"]
    args = dict(part.split("=") for part in text[text.index("(") + 1 : -1].split(", "))
    if kind == "step":
        for e in range(1, epoch + 1):
            if e % int(args["step_size"]) == 0:
                lr *= float(args["gamma"])
    elif kind == "exponential":
        for _ in range(epoch):
            lr *= float(args["gamma"])
    else:
        t_max, low = int(args["T_max"]), float(args["eta_min"])
        for t in range(
            epoch
        ):  # PyTorch docs: η_{t+1} = η_min + (η_t − η_min)·(1 + cos(π(t+1)/T))/(1 + cos(πt/T))
            lr = low + (lr - low) * (1 + math.cos(math.pi * (t + 1) / t_max)) / (
                1 + math.cos(math.pi * t / t_max)
            )
    return lr


@pytest.mark.parametrize("seed", range(60))
def test_lr_schedule_matches_an_epoch_by_epoch_simulation(seed: int) -> None:
    p = lr_schedule(_rng(seed))
    assert p.answer == pytest.approx(_simulate(p), rel=1e-9)
    assert p.tolerance.sigfigs == 3 and "Give 3 significant figures." in p.prompt
    assert fmt.num(p.given["lr0"]) in p.prompt


def test_lr_schedule_draws_every_kind() -> None:
    kinds = {lr_schedule(_rng(seed)).given["kind"] for seed in range(30)}
    assert kinds == {"step", "exponential", "cosine"}


def test_bad_params_are_value_errors() -> None:
    with pytest.raises(ValueError):
        lr_schedule(_rng(), kind="linear")
    with pytest.raises(ValueError):
        momentum_step(_rng(), beta=1.5)
    with pytest.raises(ValueError):
        adam_step(_rng(), t=0)
