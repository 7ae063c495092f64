"""A flashcard: the front, then on reveal the back and the explanation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Markdown, Static

from quizapp.content.schema import Flashcard


class FlashcardView(VerticalScroll):
    """Shows a flashcard; the screen sets `revealed` (attributes down)."""

    revealed: reactive[bool] = reactive(False)

    def __init__(self, card: Flashcard, reveal_key: str = "space") -> None:
        super().__init__(classes="card-view")
        self.card, self.reveal_key = card, reveal_key

    def compose(self) -> ComposeResult:
        yield Markdown(self.card.front, classes="prompt")
        yield Static(f"press {self.reveal_key} to reveal", classes="hint", id="reveal-hint")
        yield Markdown(self.card.back, classes="answer", id="back")
        if self.card.explain:
            yield Markdown(self.card.explain, classes="explain", id="explain")

    def watch_revealed(self, revealed: bool) -> None:
        self.set_class(revealed, "-revealed")
