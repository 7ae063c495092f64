"""What every screen shares: typed access to the app, which owns the bank, the store and the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from quizapp.store.pending import PendingWrites
    from quizapp.tui.app import QuizApp


def quiz_app(node: DOMNode) -> QuizApp:
    """The running QuizApp (its bank, db, settings, clock, reviewer and problem seeds)."""
    return cast("QuizApp", node.app)


def app_pending_writes(node: DOMNode) -> PendingWrites:
    """A queue for writes that may meet a locked database: notices are the app's toasts and retries run
    on the app's timer, so leaving the screen doesn't drop them."""
    from quizapp.store.pending import PendingWrites

    app = node.app

    def notify(text: str, warning: bool) -> None:
        app.notify(text, title="Database", severity="warning" if warning else "information", markup=False)

    return PendingWrites(
        quiz_app(node).db, notify=notify, schedule=lambda s, callback: app.set_timer(s, callback)
    )
