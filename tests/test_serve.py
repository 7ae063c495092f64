"""`quizapp serve`: the app behind textual-serve answers a browser on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import FIXTURE_BANK


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return str(response.read().decode("utf-8"))
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "quizapp.cli", "serve", "--port", str(port), "--content", str(FIXTURE_BANK)],
        env={**os.environ, "QUIZAPP_DB": str(tmp_path / "q.db")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = _get(f"http://127.0.0.1:{port}/", time.monotonic() + 60)
        assert "<div>quizapp</div>" in page  # the title textual-serve shows above the terminal
        assert f"ws://127.0.0.1:{port}/ws" in page  # the terminal connects back to this server
    finally:
        server.terminate()
        server.wait(timeout=20)
