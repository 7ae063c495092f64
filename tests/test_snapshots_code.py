"""Snapshot tests of the code exercise in Study at 100×30 and 80×24: a failing first run, its details."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import NOW

from quizapp.settings import Settings
from quizapp.tui.app import QuizApp, StudyFilter, make_app

TOPIC = """\
topic: coding
title: Coding
summary: Code cards for snapshots.
cards:
  - id: code-iou
    kind: code
    task: iou
    prompt: Compute the intersection over union of two boxes given as [x1, y1, x2, y2].
"""
WRONG = """\
import numpy as np


def iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union)
"""


def _app(tmp_path: Path) -> QuizApp:
    content = tmp_path / "content"
    content.mkdir()
    (content / "coding.yaml").write_text(TOPIC, encoding="utf-8")
    settings = Settings(theme="textual-dark", code_time_limit=3)
    return make_app(
        [content], tmp_path / "q.db", settings, now=NOW, study=StudyFilter(topics=("coding",)), seed=5
    )


async def _run_wrong(pilot) -> None:  # type: ignore[no-untyped-def]
    view = pilot.app.screen.query_one("CodeExerciseView")
    editor = view.query_one("TextArea")
    editor.cursor_blink = False
    editor.load_text(WRONG)
    view.action_run_tests()  # what ctrl+r does (the Pilot test presses the key)
    for _ in range(1000):
        await pilot.app.screen.workers.wait_for_complete()
        await pilot.pause()
        if view.runs:
            break
        await asyncio.sleep(0.02)
    editor.move_cursor((0, 0))
    await pilot.pause()


async def _fresh(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one("TextArea").cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
def test_code_exercise_after_a_failing_run(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_run_wrong)


def test_code_exercise_with_the_stub(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=(100, 30), run_before=_fresh)
