"""Snapshot tests (pytest-textual-snapshot) of Drill at 100×30: frozen clock, fixed seed, fixed theme."""

from __future__ import annotations

from pathlib import Path

from conftest import NOW

from quizapp.settings import Settings
from quizapp.tui.app import QuizApp, make_app

SIZE = (100, 30)
TOPICS = {
    "activations.yaml": (
        "topic: activations\ntitle: Activations\nsummary: Derivatives of activations.\ncards:\n"
        "  - id: num-sigmoid\n    kind: numeric\n"
        '    prompt: "What is σ\'(z) at z = {z}? Give 4 decimals."\n'
        "    params: {z: {uniform: [-4, 4], round: 1}}\n"
        "    answer: sigmoid(z) * (1 - sigmoid(z))\n    tolerance: {decimals: 4}\n"
        '    solution: "σ\'(z) = σ(z)(1 − σ(z)) = {answer}"\n'
        "    explain: The sigmoid's slope peaks at 0.25, at z = 0.\n"
    ),
    "scaling.yaml": (
        "topic: scaling\ntitle: Feature scaling\nsummary: Standardising features.\ncards:\n"
        "  - id: num-zscore\n    kind: numeric\n"
        '    prompt: "A feature has mean {m} and standard deviation {s}. What is the z-score of {x}? '
        'Give 3 decimals."\n'
        "    params: {m: {int: [10, 20]}, s: {int: [2, 5]}, x: {int: [5, 30]}}\n"
        "    answer: (x - m) / s\n    tolerance: {decimals: 3}\n"
        '    solution: "z = ({x} − {m}) / {s} = {answer}"\n'
    ),
}


def _app(tmp_path: Path) -> QuizApp:
    content = tmp_path / "content"
    content.mkdir()
    for name, text in TOPICS.items():
        (content / name).write_text(text, encoding="utf-8")
    return make_app([content], tmp_path / "q.db", Settings(theme="textual-dark"), now=NOW, seed=3)


def test_drill_after_one_answer(snap_compare, tmp_path: Path) -> None:
    async def answer_one(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.action_open_screen("drill")
        await pilot.pause()
        await pilot.press("s")  # nothing picked: all topics
        while not pilot.app.screen.query("NumericView"):
            await pilot.app.screen.workers.wait_for_complete()
            await pilot.pause()
        view = pilot.app.screen.query_one("NumericView")
        view.query_one("Input").value = f"{float(view.problem.answer):.4f}"
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=answer_one)


def test_drill_topic_picker(snap_compare, tmp_path: Path) -> None:
    async def pick(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.action_open_screen("drill")
        await pilot.pause()
        await pilot.press("down", "space")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=pick)
