"""Check a learner's code for a code card: draw the tests from a seed, compute the expected values, run the
learner's function in the sandbox and compare (np.allclose, or exactly for integers and index sets)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from quizapp.content.schema import CodeCard, function_name
from quizapp.problems import sandbox
from quizapp.problems.code_codec import Opaque
from quizapp.problems.code_tasks import TASKS, Args, CodeTask, Compare

RTOL, ATOL = 1e-5, 1e-8
MAX_SHOWN = 300  # characters of a value shown in a failure


class CodeCardError(ValueError):
    """The card cannot be checked (unknown task, a reference that fails)."""


@dataclass(frozen=True)
class CodeSpec:
    """Everything the learner sees and the checker needs for one code card."""

    card_id: str
    prompt: str
    signature: str
    function: str
    stub: str
    solution: str
    explanation: str
    compare: Compare
    task: CodeTask | None
    card: CodeCard

    def tests(self, seed: int) -> list[Args]:
        """The test inputs for `seed`: fixed edge cases and random draws, fresh for each seed."""
        rng = np.random.default_rng([seed, *self.card_id.encode()])
        if self.task is not None:
            return self.task.tests(rng)
        out: list[Args] = []
        for test in self.card.tests:
            if test.args is not None:
                out.append(tuple(np.asarray(a) if isinstance(a, list) else a for a in test.args))
            else:
                assert test.random is not None
                spec = test.random
                out.append((rng.uniform(spec.low, spec.high, size=tuple(spec.shape)),))
        return out


def spec_for(card: CodeCard) -> CodeSpec:
    """Resolve a card into its spec: a registered `task`, or the card's own reference and tests."""
    task = None
    if card.task is not None:
        task = TASKS.get(card.task)
        if task is None:
            raise CodeCardError(f"unknown code task `{card.task}` (known: {', '.join(sorted(TASKS))})")
    signature = card.signature or (task.signature if task else "")
    function = function_name(signature)
    stub = card.stub or (
        task.stub
        if task and not card.signature
        else f"import numpy as np\n\n\n{signature}\n    # your code here\n    raise NotImplementedError\n"
    )
    solution = card.reference or (task.solution_source if task else "")
    explanation = card.explain or (task.explanation if task else "")
    return CodeSpec(
        card.id,
        card.prompt,
        signature,
        function,
        stub,
        solution,
        explanation,
        task.compare if task else "close",
        task,
        card,
    )


@dataclass(frozen=True)
class TestResult:
    """One test: passed, or why not (input, expected and returned values, or the learner's traceback)."""

    passed: bool
    args: Args
    expected: Any = None
    got: Any = None
    message: str = ""


@dataclass(frozen=True)
class Report:
    """The outcome of one run of the learner's code."""

    seed: int
    verdict: str | None  # why nothing could be graded (time, memory, exit, load error), else None
    results: list[TestResult]
    output: str = ""
    output_chars: int = 0

    @property
    def passed(self) -> bool:
        """True exactly when every test ran and matched."""
        return self.verdict is None and bool(self.results) and all(r.passed for r in self.results)

    @property
    def first_failure(self) -> TestResult | None:
        """The first failing test, if any."""
        return next((r for r in self.results if not r.passed), None)

    def summary(self) -> str:
        """One line: 'all 5 tests passed', '3/5 tests passed' or the verdict."""
        if self.verdict is not None:
            return f"Your code {self.verdict}" if not self.verdict.startswith("your") else self.verdict
        good = sum(r.passed for r in self.results)
        if good == len(self.results):
            return f"all {good} tests passed"
        return f"{good}/{len(self.results)} tests passed"

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form for `quizapp code --json`."""
        failure = self.first_failure
        return {
            "seed": self.seed,
            "passed": self.passed,
            "verdict": self.verdict,
            "tests": [r.passed for r in self.results],
            "first_failure": None
            if failure is None
            else {
                "args": [describe(a) for a in failure.args],
                "expected": describe(failure.expected),
                "got": describe(failure.got),
                "message": failure.message,
            },
            "output": self.output,
        }


def describe(value: Any) -> str:
    """A value as the learner should see it: arrays with shape and dtype, trimmed."""
    if isinstance(value, np.ndarray):
        body = np.array2string(value, precision=6, threshold=40, separator=", ")
        text = f"array shape {value.shape} {value.dtype}: {body}"
    elif isinstance(value, tuple | list):
        text = ("(" if isinstance(value, tuple) else "[") + ", ".join(describe(v) for v in value)
        text += ")" if isinstance(value, tuple) else "]"
    elif isinstance(value, Opaque):
        text = f"{value.type_name} {value.text}"
    elif isinstance(value, np.generic):
        text = f"{value.item()!r} ({value.dtype})"
    else:
        text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def mismatch(expected: Any, got: Any, compare: Compare) -> str | None:
    """Why `got` is not `expected` (None when it matches)."""
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list):
            return f"expected a {type(expected).__name__} of {len(expected)}, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items, got {len(got)}"
        for index, (e, g) in enumerate(zip(expected, got, strict=True)):
            why = mismatch(e, g, compare)
            if why:
                return f"item {index}: {why}"
        return None
    if isinstance(got, Opaque) or got is None:
        return f"expected a number or array, got {type(got).__name__ if got is None else got.type_name}"
    try:
        e_arr = np.asarray(expected)
        g_arr = np.asarray(got)
        if g_arr.dtype == object:
            return "returned something that is not a number or array"
        if e_arr.shape != g_arr.shape:
            return f"shape {g_arr.shape}, expected {e_arr.shape}"
        if compare == "exact":
            return None if np.array_equal(e_arr, g_arr) else "values differ (compared exactly)"
        ok = np.allclose(g_arr.astype(float), e_arr.astype(float), rtol=RTOL, atol=ATOL, equal_nan=False)
        return None if ok else "values differ (beyond np.allclose tolerance)"
    except (TypeError, ValueError) as error:
        return f"could not compare: {error}"


def expected_values(spec: CodeSpec, tests: list[Args], *, time_limit: float = 10.0) -> list[Any]:
    """The truth for each test: the task's reference in this process, or the card's YAML reference in the
    sandbox (author code runs there too)."""
    if spec.task is not None:
        return [spec.task.reference(*copy.deepcopy(args)) for args in tests]
    run = sandbox.run_function(spec.solution, spec.function, tests, time_limit=time_limit)
    if run.verdict is not None or not all(o.ok for o in run.outcomes):
        failed = run.verdict or next(o.error for o in run.outcomes if not o.ok)
        raise CodeCardError(f"the card's reference fails: {failed}")
    return [o.value for o in run.outcomes]


def run_checks(spec: CodeSpec, source: str, seed: int, *, time_limit: float = 5.0) -> Report:
    """Run the learner's `source` on the tests for `seed` and compare with the expected values."""
    tests = spec.tests(seed)
    expected = expected_values(spec, tests)
    run = sandbox.run_function(source, spec.function, tests, time_limit=time_limit)
    if run.verdict is not None:
        return Report(seed, run.verdict, [], run.output, run.output_chars)
    results = []
    for args, want, outcome in zip(tests, expected, run.outcomes, strict=True):
        if not outcome.ok:
            results.append(TestResult(False, args, want, None, outcome.error))
            continue
        why = mismatch(want, outcome.value, spec.compare)
        results.append(TestResult(why is None, args, want, outcome.value, why or ""))
    return Report(seed, None, results, run.output, run.output_chars)


_DISPATCH = """
import json as _json
_SOURCES = _json.loads({sources!r})
_SPACES = {{}}


def dispatch(key, function, *args):
    if key not in _SPACES:
        space = {{"np": np, "__name__": key}}
        exec(_SOURCES[key], space)
        _SPACES[key] = space
    return _SPACES[key][function](*args)
"""


def batch_problems(cards: list[CodeCard], seed: int = 0, *, time_limit: float = 60.0) -> dict[str, list[str]]:
    """What `quizapp validate` reports for code cards: each reference must pass its tests for `seed` and
    each stub must fail them. Two sandbox runs in all (references, then stubs), not two per card."""
    import json

    found: dict[str, list[str]] = {}
    specs: list[CodeSpec] = []
    for card in cards:
        try:
            specs.append(spec_for(card))
        except (CodeCardError, ValueError) as error:
            found[card.id] = [str(error)]
    plan: list[tuple[CodeSpec, list[Args], list[Any]]] = []
    for spec in specs:
        try:
            tests = spec.tests(seed)
            plan.append((spec, tests, expected_values(spec, tests)))
        except Exception as error:  # an author's reference or generator failing: reported, never raised
            found[spec.card_id] = [f"seed {seed}: {type(error).__name__}: {error}"]
    for role in ("reference", "stub"):
        sources = {spec.card_id: spec.solution if role == "reference" else spec.stub for spec, _, _ in plan}
        calls = [(spec.card_id, spec.function, *args) for spec, tests, _ in plan for args in tests]
        source = _DISPATCH.format(sources=json.dumps(sources))
        run = sandbox.run_function(source, "dispatch", calls, time_limit=time_limit)
        if run.verdict is not None:
            for spec, _, _ in plan:
                found.setdefault(spec.card_id, []).append(f"the {role} could not run: {run.verdict}")
            continue
        outcomes = iter(run.outcomes)
        for spec, _tests, expected in plan:
            whys = []
            for want in expected:
                outcome = next(outcomes)
                whys.append(
                    outcome.error.strip().splitlines()[-1]
                    if not outcome.ok
                    else mismatch(want, outcome.value, spec.compare)
                )
            if role == "reference" and any(whys):
                found.setdefault(spec.card_id, []).append(
                    f"seed {seed}: the reference fails test {next(i for i, w in enumerate(whys) if w) + 1}: "
                    f"{next(w for w in whys if w)}"
                )
            if role == "stub" and not any(whys):
                found.setdefault(spec.card_id, []).append("the stub passes every test: it must fail")
    return found
