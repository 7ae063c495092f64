"""The grammar of formula problems, checked without running anything.

Formula cards write their `answer` and the `{...}` placeholders of `prompt` and `solution` as small
expressions. This module decides which expressions are allowed (an `ast` allow-list: arithmetic,
comparisons, indexing, calls of named functions, the card's params; no attributes, imports, lambdas or
dunder names) and which param specs are well formed, so the loader refuses a bad or malicious card with
its `file:line` before anything is evaluated. `quizapp.problems.formula` evaluates what passes."""

from __future__ import annotations

import ast
import keyword
import warnings
from collections.abc import Iterator
from typing import Any

MAX_EXPRESSION = 400  # characters

# Functions an expression may call. `quizapp.problems.formula` implements exactly these names.
MATH_FUNCTIONS = frozenset(
    {
        "abs", "sqrt", "exp", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "tanh", "arctan",
        "sigmoid", "relu", "softmax", "floor", "ceil", "round", "min", "max", "sum", "mean", "std", "var",
        "median", "prod", "dot", "norm", "clip", "argmax", "argmin", "sort", "cumsum", "len", "array",
        "where", "comb", "factorial", "maximum", "minimum", "count_nonzero", "outer", "matmul",
    }
)  # fmt: skip
METRIC_FUNCTIONS = frozenset(
    {
        "roc_auc_score", "average_precision_score", "precision_score", "recall_score", "f1_score",
        "fbeta_score", "accuracy_score", "balanced_accuracy_score", "log_loss", "matthews_corrcoef",
        "confusion_matrix", "mean_squared_error", "mean_absolute_error", "r2_score", "brier_score_loss",
        "hinge_loss", "cohen_kappa_score",
    }
)  # fmt: skip
FUNCTIONS = MATH_FUNCTIONS | METRIC_FUNCTIONS
CONSTANTS = frozenset({"pi", "e"})

# Param specs: a fixed value, or a mapping with exactly one of these keys (plus the options listed).
DISTRIBUTIONS: dict[str, frozenset[str]] = {
    "uniform": frozenset({"round", "size"}),
    "normal": frozenset({"round", "size"}),
    "int": frozenset({"size"}),
    "choice": frozenset(),
    "labels": frozenset({"positive_rate"}),
    "scores": frozenset({"separation", "round"}),
}

_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword,
    ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Subscript, ast.Slice,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd, ast.Not,
    ast.And, ast.Or, ast.BitAnd, ast.BitOr, ast.Invert,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
)  # fmt: skip
_REFUSED = {
    ast.Attribute: "attribute access (`a.b`) is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "`:=` is not allowed",
    ast.Starred: "`*` unpacking is not allowed",
    ast.Dict: "dict literals are not allowed",
    ast.Set: "set literals are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Await: "await is not allowed",
}


def expression_problem(text: str, names: frozenset[str] | set[str]) -> str | None:
    """Why `text` is not an allowed expression over `names` (params), or None when it is allowed."""
    if len(text) > MAX_EXPRESSION:
        return f"expression longer than {MAX_EXPRESSION} characters"
    name = text.strip()
    if name.isascii() and name.isidentifier() and not keyword.iskeyword(name):  # `{a}`: needs no parse
        return _name_problem(name, names)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SyntaxWarning)  # e.g. `1if x`: Python guesses, we refuse
            tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, SyntaxWarning) as error:
        reason = error.msg if isinstance(error, SyntaxError) else str(error)
        return f"`{text.strip()}` is not a valid expression ({reason})"
    nodes = list(ast.walk(tree))
    if any(isinstance(node, ast.Attribute) for node in nodes):  # the escape route: name it first
        return _REFUSED[ast.Attribute]
    for node in nodes:
        if isinstance(node, ast.Name):
            if problem := _name_problem(node.id, names):
                return problem
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                called = ast.unparse(node.func)
                return f"`{called}` is not a function formulas may call"
        elif isinstance(node, ast.keyword):
            if node.arg is None:
                return "`**` unpacking is not allowed"
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float | str | bool):
                return f"constant {node.value!r} is not allowed"
        elif type(node) in _REFUSED:
            return _REFUSED[type(node)]
        elif not isinstance(node, _NODES):
            return f"`{type(node).__name__}` is not allowed in formulas"
    return None


def _name_problem(name: str, names: frozenset[str] | set[str]) -> str | None:
    """Why the name `name` may not appear in a formula over `names` (params), or None."""
    if "__" in name:
        return f"`{name}`: dunder names are not allowed"
    if name not in names and name not in FUNCTIONS and name not in CONSTANTS:
        known = ", ".join(sorted(names)) or "none"
        return f"unknown name `{name}` (params: {known}; functions: see `quizapp schema`)"
    return None


def placeholders(text: str) -> Iterator[tuple[str, str, str]]:
    """Split a template into (literal, expression, format spec) pieces; `{{` and `}}` are literal braces.

    The format spec follows the last `:` outside brackets, e.g. `{auc:.3f}`."""
    literal: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in "{}" and text[i : i + 2] in ("{{", "}}"):
            literal.append(char)
            i += 2
            continue
        if char == "}":
            raise ValueError(f"unmatched `}}` at character {i + 1}")
        if char != "{":
            literal.append(char)
            i += 1
            continue
        depth, j, colon = 0, i + 1, -1
        while j < len(text):
            c = text[j]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == ":" and depth == 0:
                colon = j
            elif c == "}" and depth == 0:
                break
            elif c == "{":
                raise ValueError(f"`{{` inside a placeholder at character {j + 1}")
            j += 1
        if j >= len(text):
            raise ValueError(f"unclosed `{{` at character {i + 1}")
        body = text[i + 1 : j]
        expression, spec = (body[: colon - i - 1], body[colon - i :]) if colon >= 0 else (body, "")
        if not expression.strip():
            raise ValueError(f"empty placeholder at character {i + 1}")
        yield "".join(literal), expression, spec
        literal = []
        i = j + 1
    if literal:
        yield "".join(literal), "", ""


def template_problem(text: str, names: frozenset[str] | set[str]) -> str | None:
    """Why a `{...}` template is not allowed, or None."""
    try:
        pieces = list(placeholders(text))
    except ValueError as error:
        return str(error)
    for _, expression, spec in pieces:
        if not expression:
            continue
        problem = expression_problem(expression, names)
        if problem:
            return f"in `{{{expression}}}`: {problem}"
        if spec and not _valid_spec(spec):
            return f"in `{{{expression}:{spec}}}`: `{spec}` is not a number format (e.g. .3f, .2%, .3g)"
    return None


def param_spec_problem(name: str, spec: Any, earlier: set[str]) -> str | None:
    """Why a formula param spec is malformed, or None. `earlier` are the params defined before it."""
    if not name.isidentifier() or "__" in name or name in FUNCTIONS or name in CONSTANTS or name == "answer":
        return f"param `{name}`: not a usable name (a Python identifier that is not a function or `answer`)"
    if not isinstance(spec, dict):
        return None if _constant(spec) else f"param `{name}`: expected a number, a list or a distribution"
    kinds = [key for key in spec if key in DISTRIBUTIONS]
    if len(kinds) != 1:
        return f"param `{name}`: give exactly one of {', '.join(DISTRIBUTIONS)}"
    kind = kinds[0]
    extra = set(spec) - {kind} - DISTRIBUTIONS[kind]
    if extra:
        allowed = ", ".join(sorted(DISTRIBUTIONS[kind])) or "no options"
        return f"param `{name}`: `{kind}` takes {allowed}, not {', '.join(sorted(extra))}"
    value = spec[kind]
    if kind in ("uniform", "normal", "int"):
        if not (isinstance(value, list) and len(value) == 2 and all(_number(v) for v in value)):
            return f"param `{name}`: `{kind}` takes two numbers, e.g. [0, 1]"
        if kind != "normal" and value[0] > value[1]:
            return f"param `{name}`: empty range {value}"
        if kind == "int" and not all(isinstance(v, int) for v in value):
            return f"param `{name}`: `int` takes two integers"
    elif kind == "choice":
        if not (isinstance(value, list) and value and all(_constant(v) for v in value)):
            return f"param `{name}`: `choice` takes a non-empty list of values"
    elif kind == "labels":
        if not (isinstance(value, int) and 2 <= value <= 1000):
            return f"param `{name}`: `labels` takes a count from 2 to 1000"
    elif kind == "scores" and value not in earlier:
        return f"param `{name}`: `scores` names an earlier `labels` param, got {value!r}"
    for option in ("round", "size"):
        if option in spec and not (isinstance(spec[option], int) and 0 <= spec[option] <= 1000):
            return f"param `{name}`: `{option}` takes an integer from 0 to 1000"
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _constant(value: Any) -> bool:
    if isinstance(value, list):
        return all(_constant(v) for v in value)
    return isinstance(value, int | float | str | bool)


def _valid_spec(spec: str) -> bool:
    try:
        format(1.5, spec)
    except ValueError:
        return False
    return True
