"""A numeric problem: the prompt and its data, a typed answer, then the verdict and the worked solution."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Markdown, Static

from quizapp.content.schema import NumericCard
from quizapp.problems.check import Verdict, check, expected_text
from quizapp.problems.model import Problem

GIVE_UP = "?"
HINT = "0.25 · 1/4 · 25% · 2.5e-3 · [0.2, 0.8]   enter: submit   ?: solution"


class NumericView(VerticalScroll):
    """Shows one generated problem and checks what the user types; posts `NumericView.Answered`."""

    class Answered(Message):
        """A gradable answer (correct or wrong), or a give-up (verdict None)."""

        def __init__(self, text: str, verdict: Verdict | None) -> None:
            super().__init__()
            self.text, self.verdict = text, verdict

    def __init__(self, card: NumericCard, problem: Problem, seed: int) -> None:
        super().__init__(classes="card-view")
        self.card, self.problem, self.seed = card, problem, seed
        self.answered = False

    def compose(self) -> ComposeResult:
        yield Static(Text(self.problem.prompt), classes="prompt numeric-prompt")
        yield Static(HINT, classes="hint", id="answer-hint")
        yield Input(placeholder="your answer", id="answer")
        yield Static(id="feedback")
        yield Static(id="verdict")
        yield Static(id="solution")
        if self.card.explain:
            yield Markdown(self.card.explain, classes="explain", id="explain")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Check the answer: unusable or imprecise answers are explained and asked again."""
        event.stop()
        if self.answered:
            return
        text = event.value.strip()
        if text == GIVE_UP:
            self.show_outcome(text, None)
            return
        verdict = check(self.problem, text)
        if not verdict.gradable:
            self.query_one("#feedback", Static).update(Text(verdict.message, style="bold yellow"))
            return
        self.show_outcome(text, verdict)

    def show_outcome(self, text: str, verdict: Verdict | None) -> None:
        """Lock the input, show the verdict, the likely mistake and the worked solution."""
        self.answered = True
        answer_input = self.query_one(Input)
        answer_input.disabled = True
        self.query_one("#feedback", Static).update("")
        if verdict is None:
            expected = expected_text(self.problem.answer, self.problem.tolerance, self.problem.unit)
            shown = Text(f"The answer is {expected}.", style="bold")
        elif verdict.correct:
            shown = Text(f"✓ {verdict.message}", style="bold green")
        else:
            shown = Text(f"✗ {verdict.message}", style="bold red")
            if verdict.diagnosis:
                shown.append(f"\nLikely mistake: {verdict.diagnosis}", style="italic")
        self.query_one("#verdict", Static).update(shown)
        self.query_one("#solution", Static).update(
            Text.assemble(("Solution\n", "bold"), self.problem.solution)
        )
        self.add_class("-answered")
        self.post_message(self.Answered(text, verdict))
