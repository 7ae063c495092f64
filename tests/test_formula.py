"""Formula problems: the allow-list grammar, the evaluator, param draws and templates."""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.content.expressions import expression_problem, placeholders
from quizapp.content.loader import load_file
from quizapp.content.schema import NumericCard
from quizapp.problems.formula import draw_params, evaluate, formula_problem, render
from quizapp.problems.registry import ProblemError, make_problem


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("sigmoid(0)", 0.5),
        ("softmax([0, log(3)])[1]", 0.75),  # e^0 = 1 and e^log3 = 3: 3/4
        ("comb(5, 2)", 10),
        ("mean([1, 2, 3, 6])", 3.0),
        ("std([1, 3], ddof=1)", np.sqrt(2)),
        ("2 ** 10", 1024.0),
        ("-x if x < 0 else x", 2.5),
        ("sum(array([1, 2, 3]) >= 2)", 2),
        ("norm([3, 4])", 5.0),
        ("min(3, 2)", 2.0),  # Python's meaning, not NumPy's min(a, axis)
        ("max(1, x, 0)", 1.0),
        ("max([1, 5, 2])", 5.0),
        ("round(2 / 3, 2)", 0.67),
        ("[1, 2, 3][1:]", [2, 3]),
        # scikit-learn's documented example for roc_auc_score
        ("roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])", 0.75),
        ("fbeta_score([0, 1, 1, 1], [0, 1, 0, 1], beta=2)", 5 * (1 * (2 / 3)) / (4 * 1 + 2 / 3)),
    ],
)
def test_evaluates_allowed_expressions(expression: str, value: object) -> None:
    assert np.allclose(evaluate(expression, {"x": -2.5}), value)


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("x.__class__", "attribute access"),
        ("__import__('os')", "not a function formulas may call"),
        ("open('/etc/passwd')", "not a function formulas may call"),
        ("(lambda: 1)()", "lambda"),
        ("[y for y in x]", "comprehensions"),
        ("__builtins__", "dunder"),
        ("{1: 2}", "dict literals"),
        ("undefined + 1", "unknown name `undefined`"),
        ("x +", "not a valid expression"),
        ("f'{x}'", "f-strings"),
        ("1if x else 2", "invalid decimal literal"),  # Python only warns; formulas refuse
        ("mean(*x)", "unpacking"),
    ],
)
def test_refuses_everything_else(expression: str, says: str) -> None:
    problem = expression_problem(expression, {"x"})
    assert problem is not None and says in problem
    with pytest.raises(ValueError, match=r"\w"):
        evaluate(expression, {"x": np.array([1.0])})


def test_huge_powers_and_arrays_do_not_hang_or_exhaust_memory() -> None:
    assert not np.isfinite(evaluate("9 ** 9 ** 9", {}))  # floats overflow to inf instead of a bigint
    with pytest.raises(ValueError, match="more than"):
        evaluate("outer(x, x)", {"x": np.ones(1000)})
    with pytest.raises(ValueError, match="takes whole numbers"):
        evaluate("factorial(100000)", {})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xy0123456789.+-*/%()[], <>=!&|~ifelsnotandorsqrtmeaxp_", max_size=30))
def test_no_expression_crashes_the_evaluator(expression: str) -> None:
    if expression_problem(expression, {"x", "y"}) is None:
        with contextlib.suppress(ValueError):  # a plain message is fine; any other exception fails
            evaluate(expression, {"x": np.array([1.0, 2.0]), "y": 3})


def test_param_draws_are_deterministic_and_rounded() -> None:
    params = {
        "z": {"uniform": [-4, 4], "round": 1},
        "k": {"int": [1, 3]},
        "w": {"normal": [0, 1], "round": 2, "size": 3},
        "c": {"choice": ["a", "b"]},
        "y": {"labels": 8, "positive_rate": 0.25},
        "s": {"scores": "y"},
    }
    first = draw_params(params, np.random.default_rng(5))
    again = draw_params(params, np.random.default_rng(5))
    assert all(np.array_equal(first[name], again[name]) for name in params)
    assert first["z"] == round(float(first["z"]), 1) and -4 <= first["z"] <= 4
    assert first["k"] in (1, 2, 3) and first["c"] in ("a", "b")
    assert first["w"].shape == (3,) and np.array_equal(first["w"], np.round(first["w"], 2))
    assert sorted(set(first["y"].tolist())) == [0, 1] and first["y"].sum() == 2
    assert first["s"].shape == (8,) and np.all((first["s"] > 0) & (first["s"] < 1))


def test_templates_fill_placeholders_with_format_specs() -> None:
    env = {"a": 2.0, "v": np.array([0.5, 0.25])}
    assert render("{a} and {a:.3f}, {{literal}}", env) == "2 and 2.000, {literal}"
    assert render("v = {v}, twice {2 * v:.1f}", env) == "v = [0.5, 0.25], twice [1.0, 0.5]"
    assert [expr for _, expr, _ in placeholders("{x[1:2]:.2f}")] == ["x[1:2]"]


def _card(**fields: object) -> NumericCard:
    return NumericCard.model_validate({"id": "f", "kind": "numeric", **fields})


def test_a_formula_card_poses_a_problem_computed_from_its_shown_params() -> None:
    card = _card(
        prompt="σ'(z) at z = {z}? Give 4 decimals.",
        params={"z": {"uniform": [-4, 4], "round": 1}},
        answer="sigmoid(z) * (1 - sigmoid(z))",
        tolerance={"decimals": 4},
        solution="σ(z)(1 − σ(z)) = {answer}",
    )
    problem = make_problem(card, 11)
    z = problem.given["z"]
    assert f"z = {z:g}?" in problem.prompt.replace("z = -", "z = -")
    s = 1 / (1 + np.exp(-z))
    assert problem.answer == pytest.approx(s * (1 - s))
    assert problem.solution == f"σ(z)(1 − σ(z)) = {s * (1 - s):.4f}"
    assert make_problem(card, 11) == problem  # same seed, same problem


def test_a_formula_whose_answer_is_never_finite_is_a_problem_error() -> None:
    with pytest.raises(ProblemError, match="division by zero"):
        formula_problem(_card(prompt="p", params={"a": 1}, answer="a / 0"), np.random.default_rng(0))
    with pytest.raises(ProblemError, match="not a finite number"):
        formula_problem(_card(prompt="p", params={"a": 1.0}, answer="log(a - 1)"), np.random.default_rng(0))


def test_malicious_yaml_is_refused_at_validation_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            topic: evil
            title: Evil
            summary: Tries to escape.
            cards:
              - id: evil-answer
                kind: numeric
                prompt: "What is it?"
                answer: "().__class__.__bases__[0].__subclasses__()"
              - id: evil-prompt
                kind: numeric
                prompt: "Value {__import__('os').system('true')}"
                answer: "1"
              - id: evil-param
                kind: numeric
                prompt: "Value {x}"
                params: {x: {uniform: [0, 1], exec: "rm -rf /"}}
                answer: "x"
            """
        ),
        encoding="utf-8",
    )
    result = load_file(path)
    assert result.topic is not None and result.topic.cards == ()
    messages = [str(problem) for problem in result.problems]
    assert messages[0].startswith(f"{path}:8:13: `answer`: attribute access")
    assert messages[1].startswith(f"{path}:11:13: `prompt`: in `{{__import__")
    assert messages[2].startswith(f"{path}:16:13: `params`: param `x`: `uniform` takes round, size, not exec")
