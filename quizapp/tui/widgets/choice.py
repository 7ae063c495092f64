"""A multiple-choice card: pick with letter keys; afterwards every option shows why."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, Static

from quizapp.content.schema import ChoiceCard, Option

LETTERS = string.ascii_lowercase


def option_order(card: ChoiceCard, seed: int) -> list[int]:
    """The order options are shown in: shuffled by `seed` (stable for a given review) if asked."""
    order = list(range(len(card.options)))
    if card.shuffle:
        random.Random(f"{card.id}:{seed}").shuffle(order)
    return order


@dataclass(frozen=True)
class Outcome:
    """Whether the picked set equals the correct set, and the picked options' indices in the file."""

    correct: bool
    picked: str


class OptionRow(Horizontal):
    """One option: its key, then its text; after answering a mark and the reason, indented."""

    def __init__(self, letter: str, index: int, option: Option) -> None:
        super().__init__(classes="option")
        self.letter, self.index, self.option = letter, index, option
        self.selected = False
        self.answered = False

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {self.letter} ", style="bold reverse"), classes="option-key")
        yield Static(classes="option-body")

    def on_mount(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        """Redraw from `selected` and `answered`."""
        box = "[x] " if self.selected else "[ ] "
        text = Text.assemble(box, self.option.text)
        if self.answered:
            if self.option.correct and self.selected:
                text.append("  ✓ correct", style="bold green")
            elif self.option.correct:
                text.append("  ✓ correct, you missed it", style="bold yellow")
            elif self.selected:
                text.append("  ✗ your answer", style="bold red")
            if self.option.why:
                text.append(f"\n{self.option.why}", style="italic")
        self.query_one(".option-body", Static).update(text)
        self.set_class(self.selected, "-selected")
        self.set_class(self.answered and self.option.correct, "-correct")
        self.set_class(self.answered and self.selected and not self.option.correct, "-wrong")


class ChoiceView(VerticalScroll):
    """Shows a choice card and grades the pick; posts `ChoiceView.Answered` (messages up)."""

    class Answered(Message):
        """The user submitted a pick."""

        def __init__(self, outcome: Outcome) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self, card: ChoiceCard, seed: int, submit_key: str = "enter") -> None:
        super().__init__(classes="card-view")
        self.card, self.submit_key = card, submit_key
        self.order = option_order(card, seed)
        self.answered = False

    def compose(self) -> ComposeResult:
        yield Markdown(self.card.question, classes="prompt")
        if self.card.multiple:
            # Authors often end the question with "Select all that apply." already: don't say it twice.
            asked = "select all" in self.card.question.lower()
            what = "Toggle each right option" if asked else "Select all that apply"
            yield Static(f"{what}, then press {self.submit_key}.", classes="hint")
        for letter, index in zip(LETTERS, self.order, strict=False):
            yield OptionRow(letter, index, self.card.options[index])
        if self.card.explain:
            yield Markdown(self.card.explain, classes="explain", id="explain")

    @property
    def rows(self) -> list[OptionRow]:
        """The option rows in display order."""
        return list(self.query(OptionRow))

    def press_letter(self, letter: str) -> None:
        """Pick (single answer: submits at once) or toggle (several answers) the option `letter`."""
        if self.answered or letter not in LETTERS[: len(self.order)]:
            return
        row = self.rows[LETTERS.index(letter)]
        if self.card.multiple:
            row.selected = not row.selected
            row.refresh_text()
        else:
            row.selected = True
            self.submit()

    def submit(self) -> None:
        """Grade the current selection and show every option's reason."""
        rows = self.rows
        if self.answered or not any(row.selected for row in rows):
            return
        self.answered = True
        for row in rows:
            row.answered = True
            row.refresh_text()
        self.add_class("-answered")
        correct = all(row.selected == row.option.correct for row in rows)
        picked = ",".join(str(row.index) for row in sorted(rows, key=lambda r: r.index) if row.selected)
        self.post_message(self.Answered(Outcome(correct, picked)))
