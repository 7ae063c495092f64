"""Run a learner's function in a separate, limited Python process and bring back what each call returned.

The child is a fresh `python -I` (no user site, no PYTHON* variables) with a clean environment, an empty
temporary working directory, limits on CPU time, address space, file size and processes, and an audit hook
that refuses fork/exec/spawn/kill; the whole process group is killed at the wall-clock limit. The harness
writes its results (with a per-run token) only after every test ran, so a crash, `sys.exit()` or
`os._exit(0)` can never look like a pass. This guards against accidents, not against someone attacking
their own machine."""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizapp.problems import code_codec

MEMORY_MB = 512
FILE_MB = 16
OUTPUT_CHARS = 2000  # printed output kept for the learner
STARTUP_S = 1.5  # interpreter start and `import numpy`, on top of the learner's time limit

_BODY = r'''

def _limits(job):
    import resource
    cpu = job["cpu_seconds"]
    for limit, value in (
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_AS, job["memory_bytes"]),
        (resource.RLIMIT_FSIZE, job["file_bytes"]),
        (resource.RLIMIT_NPROC, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass


class _Capped:
    """sys.stdout/sys.stderr for the learner's prints: keeps the first `cap` characters, counts the rest."""

    def __init__(self, cap):
        self.cap, self.parts, self.kept, self.total = cap, [], 0, 0

    def write(self, text):
        text = str(text)
        self.total += len(text)
        if self.kept < self.cap:
            piece = text[: self.cap - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


_BLOCKED = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
            "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn"}


def _hook(event, args):
    if event in _BLOCKED:
        raise PermissionError(f"{event} is not allowed in an exercise")


def _trimmed(error):
    import traceback
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "solution.py"]
    lines = traceback.format_list(frames) if frames else []
    return ("Traceback (your code):\n" if lines else "") + "".join(lines) + "".join(
        traceback.format_exception_only(type(error), error))


def _main():
    import copy
    import linecache
    import signal
    import sys
    work = sys.argv[1]
    token = sys.stdin.readline().strip()
    with open(work + "/job.json", encoding="utf-8") as handle:
        job = json.load(handle)
    _limits(job)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    tests = [decode(t) for t in job["tests"]]
    source = job["source"]
    linecache.cache["solution.py"] = (len(source), None, source.splitlines(True), "solution.py")
    progress = open(work + "/progress", "w", buffering=1)
    out = _Capped(job["output_chars"])
    result = {"token": token, "outcomes": [], "stage": "load"}
    namespace = {"__name__": "solution", "np": np}
    sys.addaudithook(_hook)
    sys.stdout = sys.stderr = out
    try:
        exec(compile(source, "solution.py", "exec"), namespace)
    except SystemExit as error:
        result["stage"] = "exit"
        result["error"] = f"called sys.exit({error.code!r}) while loading"
    except MemoryError:
        result["stage"] = "memory"
    except BaseException as error:
        result["error"] = _trimmed(error)
    else:
        function = namespace.get(job["function"])
        if not callable(function):
            result["error"] = f"your code does not define a function `{job['function']}`"
        else:
            result["stage"] = "tests"
            for index, args in enumerate(tests):
                progress.write(f"{index}\n")
                try:
                    value = function(*copy.deepcopy(args))
                    result["outcomes"].append({"ok": True, "value": encode(value)})
                except SystemExit as error:
                    result["stage"] = "exit"
                    result["error"] = f"called sys.exit({error.code!r}) in test {index + 1}"
                    break
                except MemoryError:
                    result["stage"] = "memory"
                    break
                except BaseException as error:
                    result["outcomes"].append({"ok": False, "error": _trimmed(error)})
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    result["output"] = "".join(out.parts)
    result["output_chars"] = out.total
    result["done"] = True
    text = json.dumps(result)
    with open(work + "/result.json", "w", encoding="utf-8") as handle:
        handle.write(text)


_main()
'''


def _harness() -> str:
    return Path(code_codec.__file__).read_text(encoding="utf-8") + _BODY


@dataclass(frozen=True)
class Outcome:
    """One call of the learner's function: its return value, or the exception it raised (trimmed)."""

    ok: bool
    value: Any = None
    error: str = ""


@dataclass(frozen=True)
class Run:
    """What running the learner's code produced. `verdict` is None when every test was called (each
    outcome then says how it went); otherwise it says why nothing can be graded, and nothing passes."""

    verdict: str | None
    outcomes: list[Outcome] = field(default_factory=list)
    output: str = ""
    output_chars: int = 0
    seconds: float = 0.0


def _seconds(limit: float) -> str:
    return f"{limit:g} s"


def run_function(
    source: str,
    function: str,
    tests: list[tuple[Any, ...]],
    *,
    time_limit: float = 5.0,
    memory_mb: int = MEMORY_MB,
) -> Run:
    """Define `source` in a sandboxed child and call `function(*args)` for each test. Never raises for
    anything the learner's code does; blocks up to `time_limit` + start-up time."""
    token = secrets.token_hex(16)
    job = {
        "source": source,
        "function": function,
        "tests": [code_codec.encode(tuple(args)) for args in tests],
        "cpu_seconds": math.ceil(time_limit) + 2,
        "memory_bytes": memory_mb << 20,
        "file_bytes": FILE_MB << 20,
        "output_chars": OUTPUT_CHARS,
    }
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    with (
        tempfile.TemporaryDirectory(prefix="quizapp-job-") as private,
        tempfile.TemporaryDirectory(prefix="quizapp-run-") as cwd,
    ):
        Path(private, "job.json").write_text(json.dumps(job), encoding="utf-8")
        started = time.monotonic()
        with open(Path(private, "stdout"), "wb") as stdout:
            process = subprocess.Popen(
                [sys.executable, "-I", "-c", _harness(), private],
                stdin=subprocess.PIPE,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                start_new_session=True,  # its own process group: killed whole
                close_fds=True,
            )
            assert process.stdin is not None
            try:
                process.stdin.write(f"{token}\n".encode())
                process.stdin.close()
            except OSError:
                pass
            timed_out = False
            try:
                process.wait(timeout=time_limit + STARTUP_S)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                _kill_group(process)
        seconds = time.monotonic() - started
        return _read(Path(private), token, process.returncode, timed_out, time_limit, memory_mb, seconds)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _read(
    private: Path, token: str, code: int, timed_out: bool, limit: float, memory_mb: int, seconds: float
) -> Run:
    raw = _printed(private)
    if timed_out or code in (-signal.SIGXCPU, -signal.SIGKILL):
        return Run(f"took longer than {_seconds(limit)} (stopped)", output=raw, seconds=seconds)
    try:
        result = json.loads((private / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = None
    if not isinstance(result, dict) or result.get("token") != token or not result.get("done"):
        started = (
            (private / "progress").read_text(encoding="utf-8").split()
            if (private / "progress").exists()
            else []
        )
        when = f"during test {len(started)}" if started else "before the tests ran"
        how = f"status {code}" if code >= 0 else f"signal {signal.Signals(-code).name}"
        return Run(f"exited ({how}) {when}: no test passed", output=raw, seconds=seconds)
    output = str(result.get("output", ""))
    chars = int(result.get("output_chars", 0))
    stage = result.get("stage")
    if stage == "memory":
        return Run(f"used more than {memory_mb} MB", output=output, output_chars=chars, seconds=seconds)
    if stage in ("exit", "load"):
        return Run(str(result.get("error", "exited")), output=output, output_chars=chars, seconds=seconds)
    outcomes = [
        Outcome(True, code_codec.decode(item["value"]))
        if item.get("ok")
        else Outcome(False, error=item["error"])
        for item in result.get("outcomes", [])
    ]
    return Run(None, outcomes, output, chars, seconds)


def _printed(private: Path) -> str:
    try:
        with open(private / "stdout", "rb") as handle:
            return handle.read(OUTPUT_CHARS).decode("utf-8", "replace")
    except OSError:
        return ""
