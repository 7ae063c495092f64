"""`quizapp code`: stub, reveal, running a file (exit 0 passed / 1 failed / 2 could not run), JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.cli import main

SOFTMAX = """\
import numpy as np


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""


@pytest.fixture(autouse=True)
def short_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QUIZAPP_SETTINGS", str(tmp_path / "settings.toml"))
    (tmp_path / "settings.toml").write_text("code_time_limit = 2\n", encoding="utf-8")


def test_stub_and_reveal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", "code-softmax-stable", "--stub"]) == 0
    stub = capsys.readouterr().out
    assert "def softmax(x: np.ndarray) -> np.ndarray:" in stub and "raise NotImplementedError" in stub
    assert main(["code", "code-softmax-stable", "--reveal"]) == 0
    assert "x.max(axis=-1, keepdims=True)" in capsys.readouterr().out


def test_exit_codes_for_passed_failed_and_could_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, naive, hang = tmp_path / "good.py", tmp_path / "naive.py", tmp_path / "hang.py"
    good.write_text(SOFTMAX, encoding="utf-8")
    naive.write_text("import numpy as np\ndef softmax(x):\n    return np.exp(x) / np.exp(x).sum()\n")
    hang.write_text("def softmax(x):\n    while True:\n        pass\n")
    assert main(["code", "code-softmax-stable", "--file", str(good), "--seed", "4"]) == 0
    assert "seed 4: all 5 tests passed" in capsys.readouterr().out
    assert main(["code", "code-softmax-stable", "--file", str(naive), "--seed", "4", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["passed"] is False and out["seed"] == 4 and out["card_id"] == "code-softmax-stable"
    assert out["first_failure"]["expected"].startswith("array shape")
    assert main(["code", "code-softmax-stable", "--file", str(hang), "--seed", "4"]) == 2
    assert "took longer than 2 s" in capsys.readouterr().out
    assert main(["code", "no-such-card", "--stub"]) == 2
    assert main(["code", "code-softmax-stable", "--file", str(tmp_path / "missing.py")]) == 2


def test_a_real_process_with_the_stub_fails_with_status_1(tmp_path: Path) -> None:
    stub = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "code", "code-iou", "--stub"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if stub.returncode != 0:  # quizapp.cli may have no __main__ guard: use the console script
        stub = subprocess.run(
            ["quizapp", "code", "code-iou", "--stub"], capture_output=True, text=True, timeout=60
        )
    (tmp_path / "stub.py").write_text(stub.stdout, encoding="utf-8")
    result = subprocess.run(
        ["quizapp", "code", "code-iou", "--file", str(tmp_path / "stub.py"), "--seed", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "NotImplementedError" in result.stdout and "0/6 tests passed" in result.stdout
