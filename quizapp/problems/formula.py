"""Formula problems written in YAML: draw the params, evaluate the answer, fill the templates.

Expressions are evaluated by walking their `ast` (never `eval`), over the allow-list of
`quizapp.content.expressions`, which the loader has already checked."""

from __future__ import annotations

import ast
import functools
import math
import operator
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from quizapp.content import expressions
from quizapp.content.schema import NumericCard, Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Problem, as_value
from quizapp.problems.registry import ProblemError

MAX_ELEMENTS = 100_000  # no intermediate array may grow beyond this
MAX_REDRAWS = 20  # draws whose answer is not a finite number are drawn again, up to this many times


def _sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _softmax(x: Any) -> Any:
    z = np.asarray(x, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _small_int(x: Any, what: str) -> int:
    value = float(x)
    if value != int(value) or not 0 <= value <= 1000:
        raise ValueError(f"{what} takes whole numbers from 0 to 1000, got {fmt.num(value)}")
    return int(value)


def _comb(n: Any, k: Any) -> int:
    return math.comb(_small_int(n, "comb"), _small_int(k, "comb"))


def _factorial(n: Any) -> int:
    return math.factorial(_small_int(n, "factorial"))


def _min(*args: Any, **kwargs: Any) -> Any:
    """`min(x)` is the smallest element; `min(a, b, ...)` the smallest argument (Python's meaning)."""
    return np.min(args[0], **kwargs) if len(args) == 1 else functools.reduce(np.minimum, args)


def _max(*args: Any, **kwargs: Any) -> Any:
    """`max(x)` is the largest element; `max(a, b, ...)` the largest argument."""
    return np.max(args[0], **kwargs) if len(args) == 1 else functools.reduce(np.maximum, args)


def _round(x: Any, decimals: int = 0) -> Any:
    return np.round(x, int(decimals))


MATH: dict[str, Callable[..., Any]] = {
    "abs": np.abs, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "arctan": np.arctan,
    "sigmoid": _sigmoid, "relu": lambda x: np.maximum(x, 0), "softmax": _softmax, "floor": np.floor,
    "ceil": np.ceil, "round": _round, "min": _min, "max": _max, "sum": np.sum, "mean": np.mean,
    "std": np.std, "var": np.var, "median": np.median, "prod": np.prod, "dot": np.dot,
    "norm": np.linalg.norm, "clip": np.clip, "argmax": np.argmax, "argmin": np.argmin, "sort": np.sort,
    "cumsum": np.cumsum, "len": len, "array": np.asarray, "where": np.where, "comb": _comb,
    "factorial": _factorial, "maximum": np.maximum, "minimum": np.minimum,
    "count_nonzero": np.count_nonzero, "outer": np.outer, "matmul": np.matmul,
}  # fmt: skip
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
assert set(MATH) == expressions.MATH_FUNCTIONS, "formula functions and the content grammar must agree"

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}  # fmt: skip
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}  # fmt: skip


def function(name: str) -> Callable[..., Any]:
    """The implementation of an allowed function; sklearn.metrics is imported on first use."""
    if name in MATH:
        return MATH[name]
    if name in expressions.METRIC_FUNCTIONS:
        import sklearn.metrics

        found: Callable[..., Any] = getattr(sklearn.metrics, name)
        return found
    raise ValueError(f"`{name}` is not a function formulas may call")


def evaluate(text: str, env: Mapping[str, Any]) -> Any:
    """The value of an allowed expression over `env`; ValueError with a plain message otherwise."""
    problem = expressions.expression_problem(text, set(env))
    if problem:
        raise ValueError(problem)
    tree = ast.parse(text.strip(), mode="eval")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _eval(tree.body, env)
        except (TypeError, IndexError, KeyError, ArithmeticError, ValueError) as error:
            raise ValueError(f"`{text.strip()}` failed: {error}") from None


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    result = _eval_node(node, env)
    if isinstance(result, np.ndarray) and result.size > MAX_ELEMENTS:
        raise ValueError(f"an intermediate array has more than {MAX_ELEMENTS} elements")
    return result


def _eval_node(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return np.asarray([_eval(item, env) for item in node.elts])
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.Invert):
            return np.invert(operand)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if isinstance(left, str) or isinstance(right, str):
            raise TypeError("arithmetic on text")
        if isinstance(node.op, ast.Pow):
            return np.power(np.asarray(left, dtype=float), right)  # floats: no huge integers
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.BoolOp):
        values = (_eval(value, env) for value in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left, result = _eval(node.left, env), True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, env)
            result = result & _COMPARE[type(op)](left, right)
            left = right
        return result
    if isinstance(node, ast.IfExp):
        return _eval(node.body, env) if _eval(node.test, env) else _eval(node.orelse, env)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)  # guaranteed by the grammar check
        args = [_eval(arg, env) for arg in node.args]
        kwargs = {kw.arg: _eval(kw.value, env) for kw in node.keywords if kw.arg is not None}
        return function(node.func.id)(*args, **kwargs)
    if isinstance(node, ast.Subscript):
        return _eval(node.value, env)[_index(node.slice, env)]
    raise ValueError(f"`{type(node).__name__}` is not allowed in formulas")


def _index(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Slice):
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if part is None else _integer(_eval(part, env)) for part in parts))
    if isinstance(node, ast.Tuple):
        return tuple(_index(item, env) for item in node.elts)
    value = _eval(node, env)
    return value if isinstance(value, np.ndarray) else _integer(value)


def _integer(value: Any) -> int:
    if float(value) != int(value):
        raise IndexError(f"index {value} is not a whole number")
    return int(value)


def draw_params(params: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The value of each param, drawn in the order written (a `scores` param reads an earlier `labels`)."""
    env: dict[str, Any] = {}
    for name, spec in params.items():
        env[name] = _draw(spec, rng, env)
    return env


def _draw(spec: Any, rng: np.random.Generator, env: Mapping[str, Any]) -> Any:
    if not isinstance(spec, dict):
        is_numeric = isinstance(spec, list) and all(isinstance(v, int | float | list) for v in spec)
        return np.asarray(spec, dtype=float) if is_numeric else spec
    size: int | None = spec.get("size")
    if "uniform" in spec:
        low, high = spec["uniform"]
        return np.round(rng.uniform(low, high, size=size), spec.get("round", 2))
    if "normal" in spec:
        mean, std = spec["normal"]
        return np.round(rng.normal(mean, std, size=size), spec.get("round", 2))
    if "int" in spec:
        low, high = spec["int"]
        return rng.integers(low, high, endpoint=True, size=size)
    if "choice" in spec:
        return draw.one_of(rng, spec["choice"])
    if "labels" in spec:
        return draw.labels(rng, spec["labels"], spec.get("positive_rate", 0.5))
    labels = env[spec["scores"]]
    return draw.scores(rng, labels, spec.get("separation", 1.0), spec.get("round", 2))


def render(template: str, env: Mapping[str, Any], shown: Mapping[str, str] | None = None) -> str:
    """A template with each `{expression:spec}` replaced by its formatted value.

    A bare `{name}` found in `shown` is replaced by that text (the answer, formatted as it is graded)."""
    out: list[str] = []
    for literal, expression, spec in expressions.placeholders(template):
        out.append(literal)
        if expression.strip() in (shown or {}) and not spec:
            out.append((shown or {})[expression.strip()])
        elif expression:
            out.append(format_value(evaluate(expression, env), spec))
    return "".join(out)


def format_value(value: Any, spec: str = "") -> str:
    """A value as a prompt shows it: numbers by `spec` (default: 4 significant digits), text as is."""
    if isinstance(value, str | bool):
        return str(value)
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        return str(value)
    if not spec:
        return fmt.value(array)
    if array.ndim == 0:
        return format(float(array), spec)
    return "[" + ", ".join(format_value(item, spec) for item in array) + "]"


def formula_problem(card: NumericCard, rng: np.random.Generator) -> Problem:
    """The problem a formula card poses for this rng."""
    assert card.answer is not None and card.prompt is not None  # guaranteed by the schema
    tolerance = card.tolerance or Tolerance()
    for _ in range(MAX_REDRAWS):
        try:
            env = draw_params(card.params, rng)
            raw = evaluate(card.answer, env)
            answer = as_value(raw)
            usable = bool(np.all(np.isfinite(answer)))
            if usable and card.require is not None:
                usable = bool(np.all(evaluate(card.require, {**env, "answer": raw})))
        except (ValueError, TypeError) as error:
            raise ProblemError(str(error)) from None
        if usable:
            break
    else:
        if card.require is None:
            raise ProblemError(f"the answer was not a finite number in {MAX_REDRAWS} draws")
        raise ProblemError(f"no draw in {MAX_REDRAWS} gave a finite answer with `{card.require}` true")
    from quizapp.problems.check import expected_text

    answer_text = expected_text(answer, tolerance, card.unit)
    try:
        prompt = render(card.prompt, env)
        worked = (
            render(card.solution, {**env, "answer": raw}, {"answer": answer_text}) if card.solution else ""
        )
    except ValueError as error:
        raise ProblemError(str(error)) from None
    solution = worked if "{answer" in (card.solution or "") else f"{worked}\n= {answer_text}".strip()
    given = {name: value for name, value in env.items() if not isinstance(value, str)}
    return Problem(prompt, given, answer, solution, card.unit, tolerance)
