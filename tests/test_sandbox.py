"""The sandbox: every way learner code can go wrong gets a verdict, never a pass, within a bounded time."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from quizapp.problems.sandbox import STARTUP_S, run_function

LIMIT = 1.0
BOUND_S = 30  # a hung sandbox fails the test instead of hanging the suite


@contextmanager
def bounded(seconds: int = BOUND_S) -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"the sandbox did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(source: str, tests: list[tuple] | None = None, **limits: float):  # type: ignore[no-untyped-def]
    with bounded():
        return run_function(
            source, "f", tests if tests is not None else [(1,), (2,)], time_limit=LIMIT, **limits
        )


def test_values_come_back_with_dtype_and_shape() -> None:
    result = run(
        "def f(x):\n    return np.asarray(x) * 2\n", [(np.arange(3, dtype=np.int32),), (2.5,), ([[1.0]],)]
    )
    assert result.verdict is None
    first, second, third = (o.value for o in result.outcomes)
    assert first.dtype == np.int32 and first.tolist() == [0, 2, 4]
    assert float(second) == 5.0 and third.shape == (1, 1)


def test_infinite_loop_is_stopped_at_the_time_limit() -> None:
    result = run("def f(x):\n    while True:\n        pass\n")
    assert result.verdict == "took longer than 1 s (stopped)"
    assert not result.outcomes
    assert result.seconds < LIMIT + STARTUP_S + 10  # stopped by the limit, not by the test's alarm


def test_memory_bomb_is_a_memory_verdict() -> None:
    result = run("def f(x):\n    return bytearray(2**31)\n")
    assert result.verdict == "used more than 512 MB"
    result = run("big = np.ones(2**30)\ndef f(x):\n    return x\n", memory_mb=256)
    assert result.verdict == "used more than 256 MB"


def test_fork_loop_is_refused_and_contained() -> None:
    source = (
        "import os, subprocess\n"
        "def f(x):\n"
        "    if x == 1:\n"
        "        while True:\n"
        "            os.fork()\n"
        "    subprocess.run(['true'])\n"
    )
    result = run(source)
    assert result.verdict is None
    assert [o.ok for o in result.outcomes] == [False, False]
    assert "os.fork is not allowed" in result.outcomes[0].error
    assert "subprocess.Popen is not allowed" in result.outcomes[1].error


def test_early_exits_never_pass() -> None:
    assert run("import os\nos._exit(0)\ndef f(x):\n    return x\n").verdict == (
        "exited (status 0) before the tests ran: no test passed"
    )
    assert run("import os\ndef f(x):\n    if x == 2:\n        os._exit(0)\n    return x\n").verdict == (
        "exited (status 0) during test 2: no test passed"
    )
    assert (
        run("import sys\nsys.exit()\ndef f(x):\n    return x\n").verdict
        == "called sys.exit(None) while loading"
    )
    assert run("import sys\ndef f(x):\n    sys.exit(0)\n").verdict == "called sys.exit(0) in test 1"


def test_faking_the_results_file_does_not_pass() -> None:
    source = (
        "import json, os, sys\n"
        "fake = {'done': True, 'token': 'x', 'stage': 'tests', 'outcomes': [{'ok': True, 'value': 1}]}\n"
        "open(sys.argv[1] + '/result.json', 'w').write(json.dumps(fake))\n"
        "os._exit(0)\n"
    )
    assert run(source).verdict == "exited (status 0) before the tests ran: no test passed"


def test_raising_gives_the_learners_traceback_only() -> None:
    result = run("def helper(x):\n    return 1 / (x - x)\n\ndef f(x):\n    return helper(x)\n")
    error = result.outcomes[0].error
    assert 'File "solution.py", line 5, in f' in error and "line 2, in helper" in error
    assert "ZeroDivisionError: division by zero" in error
    assert "_main" not in error and "harness" not in error


def test_printing_megabytes_is_capped_and_the_tests_still_run() -> None:
    result = run("import os\ndef f(x):\n    print('x' * 5_000_000)\n    return x\n")
    assert result.verdict is None and [o.value for o in result.outcomes] == [1, 2]
    assert len(result.output) == 2000 and result.output_chars > 10_000_000


def test_syntax_error_and_missing_function_are_verdicts() -> None:
    assert "SyntaxError" in (run("def f(x):\n    return x +\n").verdict or "")
    assert run("def g(x):\n    return x\n").verdict == "your code does not define a function `f`"


def test_clean_environment_and_empty_working_directory() -> None:
    source = "import os, sys\ndef f(x):\n"
    source += "    return [sorted(os.listdir('.')), sorted(os.environ), sys.flags.isolated]\n"
    result = run(source, [(0,)])
    listing, env, isolated = result.outcomes[0].value
    assert listing == [] and isolated == 1
    assert set(env) <= {
        "PATH",
        "LANG",
        "LC_CTYPE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    }
