"""A read-only view of any card (Browse): its text, answers and reasons; for numeric cards, a variant; for
code cards, the starter stub in a read-only Python editor, as Study will show it.

Everything the author wrote is shown as plain text (`rich.text.Text`), never as markup: a card may contain
[brackets]. The screen sets what is shown (attributes down); this widget neither reads the store nor works."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import LoadingIndicator, Static, TextArea

from quizapp.content.schema import Card, ChoiceCard, CodeCard, Flashcard, NumericCard
from quizapp.problems.check import expected_text
from quizapp.problems.model import Problem

HEADING = "bold"
MUTED = "dim"
CODE_HINT = "Press t to study it: Study opens this stub in an editor that runs the tests (ctrl+r)."


def _heading(text: Text, title: str) -> None:
    """Append a section title on its own line, after a blank line unless it is the first thing."""
    if text.plain:
        text.append("\n\n")
    text.append(f"{title}\n", style=HEADING)


def card_body(card: Card) -> Text:
    """What a card asks and what answers it, as plain text with a little styling."""
    text = Text()
    if isinstance(card, Flashcard):
        _heading(text, "Front")
        text.append(card.front)
        _heading(text, "Back")
        text.append(card.back)
    elif isinstance(card, ChoiceCard):
        _heading(text, "Question (select all that apply)" if card.multiple else "Question")
        text.append(card.question)
        for option in card.options:
            text.append("\n\n")
            if option.correct:
                text.append("✓ ", style="bold green")
            else:
                text.append("✗ ", style="bold red")
            text.append(option.text, style="bold" if option.correct else "")
            if option.why:
                text.append("\n  ")
                text.append(option.why, style="italic")
    elif isinstance(card, NumericCard):
        if card.generator is not None:
            _heading(text, "Generated problem")
            text.append(card.generator)
            if card.params:
                text.append("\n")
                text.append(_params(card.params), style=MUTED)
        else:
            _heading(text, "Prompt template")
            text.append(card.prompt or "")
            _heading(text, "Answer formula")
            text.append(card.answer or "")
            if card.params:
                text.append("\n")
                text.append(_params(card.params), style=MUTED)
    elif isinstance(card, CodeCard):
        from quizapp.problems.code_check import CodeCardError, spec_for

        _heading(text, "Prompt")
        text.append(card.prompt)
        try:
            spec = spec_for(card)
        except (CodeCardError, ValueError) as error:
            text.append(f"\n{error}", style="bold red")
        else:  # the stub is shown in an editor below (CardPreview), not here
            _heading(text, "Signature")
            text.append(spec.signature, style="bold")
            _heading(text, "Reference solution")
            text.append(spec.solution.rstrip("\n"))
            if spec.explanation and not card.explain:
                _heading(text, "Explanation")
                text.append(spec.explanation, style=MUTED)
    if card.explain:
        _heading(text, "Explanation")
        text.append(card.explain, style=MUTED)
    return text


def code_stub(card: Card) -> str | None:
    """A code card's starter stub (None for other kinds, or a code card that cannot be checked)."""
    if not isinstance(card, CodeCard):
        return None
    from quizapp.problems.code_check import CodeCardError, spec_for

    try:
        return spec_for(card).stub
    except (CodeCardError, ValueError):
        return None


def problem_body(problem: Problem, seed: int) -> Text:
    """A generated numeric problem: its prompt, the answer as it should be typed, the worked solution."""
    text = Text()
    text.append(f"Variant (seed {seed})\n", style=HEADING)
    text.append(problem.prompt)
    text.append("\n\nAnswer: ", style=HEADING)
    text.append(expected_text(problem.answer, problem.tolerance, problem.unit))
    text.append("\n\nSolution\n", style=HEADING)
    text.append(problem.solution)
    return text


def _params(params: dict[str, object]) -> str:
    """Params on one line each, e.g. `a: {"int": [1, 5]}`."""
    return "\n".join(f"{name}: {json.dumps(value, default=str)}" for name, value in params.items())


class CardPreview(VerticalScroll):
    """Shows one card (or a message when there is none) and, below it, a generated variant or a code
    card's stub.

    CSS shows `#preview-loading` only with the class `-loading`, `#preview-problem` only with `-variant`;
    the stub's editor and its hint are shown only for a code card."""

    DEFAULT_CSS = """
    CardPreview #preview-code {
        height: auto;
        max-height: 20;
    }
    CardPreview #preview-code-hint {
        margin: 1 0 0 0;
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="preview-meta", markup=False)
        yield Static(id="preview-body", markup=False)
        # the stub's editor comes with the first code card shown (`_code`): making one takes ~45 ms
        hint = Static(id="preview-code-hint", markup=False)
        hint.display = False
        yield hint
        yield LoadingIndicator(id="preview-loading")
        yield Static(id="preview-problem", markup=False)

    def show_card(self, card: Card, meta: Text, hint: str = "") -> None:
        """Show `card` under `meta` (its topic, tags and state); clears any variant."""
        self.query_one("#preview-meta", Static).update(meta)
        body = card_body(card)
        stub = code_stub(card)
        if stub is not None:
            _heading(body, "Starter stub")
            body.rstrip()
            self._code(stub, hint or CODE_HINT)
        else:
            if hint:
                body.append(f"\n\n{hint}", style=MUTED)
            self._code(None)
        self.query_one("#preview-body", Static).update(body)
        self._variant(None)
        self.scroll_home(animate=False)

    def show_meta(self, meta: Text) -> None:
        """Refresh the card's topic, tags and state, keeping the rest (e.g. after suspending it)."""
        self.query_one("#preview-meta", Static).update(meta)

    def show_message(self, message: str) -> None:
        """No card: show `message` instead (e.g. when nothing matches the search)."""
        self.query_one("#preview-meta", Static).update(Text(message, style="bold"))
        self.query_one("#preview-body", Static).update("")
        self._code(None)
        self._variant(None)

    def show_loading(self) -> None:
        """A variant is being generated."""
        self._variant(None)
        self.add_class("-loading")

    def show_problem(self, problem: Problem, seed: int) -> None:
        """Show a generated variant with its answer and worked solution."""
        self._variant(problem_body(problem, seed))

    def show_problem_error(self, error: str) -> None:
        """The card could not generate a problem."""
        self._variant(Text(f"This card cannot pose a problem: {error}", style="bold red"))

    @property
    def variant_text(self) -> str:
        """The variant shown, as plain text ("" when none)."""
        if not self.has_class("-variant"):
            return ""
        return str(self.query_one("#preview-problem", Static).render())

    def _code(self, stub: str | None, hint: str = "") -> None:
        """Show `stub` in the read-only editor with `hint` below it, or hide both (None)."""
        hint_widget = self.query_one("#preview-code-hint", Static)
        text = (stub or "").rstrip("\n")
        editors = self.query("#preview-code").results(TextArea)
        editor = next(editors, None)
        if editor is None and stub is not None:
            editor = TextArea.code_editor(
                text, language="python", read_only=True, soft_wrap=True, id="preview-code"
            )  # wrapped: the pane is narrow, and a read-only view has nothing to scroll sideways for
            editor.can_focus = False  # Browse's keys and focus order stay as they are
            self.mount(editor, before=hint_widget)
        elif editor is not None and editor.text != text:  # loading compiles the highlighting again
            editor.load_text(text)
        if editor is not None:
            editor.display = stub is not None
        hint_widget.display = stub is not None
        hint_widget.update(hint if stub is not None else "")

    def _variant(self, content: Text | None) -> None:
        self.remove_class("-loading")
        self.set_class(content is not None, "-variant")
        problem = self.query_one("#preview-problem", Static)
        problem.update(content or "")
        if content is not None:
            self.call_after_refresh(self.scroll_to_widget, problem, top=True, animate=False)
