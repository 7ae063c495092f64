"""What every screen shares: typed access to the app, which owns the bank, the store and the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp


def quiz_app(node: DOMNode) -> QuizApp:
    """The running QuizApp (its bank, db, settings, clock, reviewer and problem seeds)."""
    return cast("QuizApp", node.app)
