"""Export topics to an Anki package (.apkg) with genanki: one sub-deck per topic under "quizapp".

Flashcards become Front/Back notes; a choice card lists its options on the front and, on the back, the
correct ones and each option's "why"; a numeric card becomes a few generated instances, each with its
worked solution and the seed that drew it; a code card shows its prompt and the reference solution. Note
GUIDs and deck ids derive from card and topic ids, so importing a newer export into Anki updates the
notes instead of duplicating them. A card's tags (its own and its topic's) become Anki tags.

genanki is imported inside the functions: never on the app's start path."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.content.schema import ChoiceCard, CodeCard, Flashcard, NumericCard

if TYPE_CHECKING:
    from quizapp.content.bank import Bank

ROOT_DECK = "quizapp"
MODEL_ID = 1_607_392_319  # the note type's id: fixed forever, so Anki recognises it on every import
NUMERIC_SEEDS = (1, 2, 3)  # instances exported per numeric card: the same every export (stable GUIDs)
FIELDS = ("Front", "Back", "Notes")
LETTERS = "ABCDEFGH"
CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.notes { color: #777; font-size: 15px; }
pre { white-space: pre-wrap; }
"""


@dataclass(frozen=True)
class NoteSpec:
    """One Anki note before genanki sees it: HTML fields, tags, and what its GUID is made from."""

    key: tuple[str, ...]
    front: str
    back: str
    notes: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class Exported:
    """What an export wrote: notes per topic id, and the cards left out with the reason."""

    notes: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Notes written."""
        return sum(self.notes.values())


def as_html(text: str) -> str:
    """Plain text as an HTML field: escaped, line breaks kept."""
    return html.escape(text.strip(), quote=False).replace("\n", "<br>")


def stable_id(*parts: str) -> int:
    """A positive id that never changes for the same parts (Anki's deck ids must stay put)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def deck_name(title: str) -> str:
    """A topic's deck under the root deck (`::` inside a title would make a deeper deck)."""
    return f"{ROOT_DECK}::{title.replace('::', ':')}"


def anki_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Tags as Anki stores them: no spaces, sorted."""
    return tuple(sorted({tag.replace(" ", "_") for tag in tags if tag}))


def _notes_field(card: Any) -> str:
    parts = []
    if card.explain:
        parts.append(as_html(card.explain))
    if card.references:
        parts.append("References: " + "; ".join(as_html(r) for r in card.references))
    return "<br><br>".join(parts)


def flashcard_note(card: Flashcard, tags: tuple[str, ...]) -> NoteSpec:
    """A flashcard as a Front/Back note."""
    return NoteSpec((card.id,), as_html(card.front), as_html(card.back), _notes_field(card), tags)


def choice_note(card: ChoiceCard, tags: tuple[str, ...]) -> NoteSpec:
    """The question with lettered options; on the back the correct letters, then every option's why."""
    options = card.options
    front = (
        as_html(card.question)
        + "<br><br>"
        + "<br>".join(f"{LETTERS[i]}. {as_html(o.text)}" for i, o in enumerate(options))
    )
    correct = [LETTERS[i] for i, o in enumerate(options) if o.correct]
    lines = [f"<b>Correct: {', '.join(correct)}</b>"]
    for i, option in enumerate(options):
        mark = "✓" if option.correct else "✗"
        why = f" — {as_html(option.why)}" if option.why else ""
        lines.append(f"{mark} {LETTERS[i]}. {as_html(option.text)}{why}")
    return NoteSpec((card.id,), front, "<br>".join(lines), _notes_field(card), tags)


def numeric_notes(card: NumericCard, tags: tuple[str, ...]) -> list[NoteSpec]:
    """A few instances of a numeric card, each with its answer, worked solution and seed."""
    from quizapp.problems.check import expected_text
    from quizapp.problems.registry import make_problem

    notes = []
    for seed in NUMERIC_SEEDS:
        problem = make_problem(card, seed)  # ProblemError: the caller skips the card
        front = as_html(problem.prompt) + f'<br><br><span class="notes">quizapp {card.id}, seed {seed}</span>'
        answer = expected_text(problem.answer, problem.tolerance, problem.unit)
        back = f"<b>{as_html(answer)}</b><br><br><pre>{html.escape(problem.solution.strip())}</pre>"
        notes.append(NoteSpec((card.id, str(seed)), front, back, _notes_field(card), tags))
    return notes


def code_note(card: CodeCard, tags: tuple[str, ...]) -> NoteSpec:
    """The exercise and its signature; the solution on the back (the card's own, or its registered
    exercise's). CodeCardError for a card naming an unknown exercise: the caller skips it."""
    from quizapp.problems.code_check import spec_for

    spec = spec_for(card)
    front = as_html(card.prompt) + (
        f"<br><br><pre>{html.escape(spec.signature)}</pre>" if spec.signature else ""
    )
    back = f"<pre>{html.escape(spec.solution.strip())}</pre>"
    notes = _notes_field(card) or (as_html(spec.explanation) if spec.explanation else "")
    return NoteSpec((card.id,), front, back, notes, tags)


def topic_notes(bank: Bank, topic_id: str, skipped: list[str]) -> list[NoteSpec]:
    """Every card of a topic as notes; a card that can't be exported is named in `skipped`."""
    from quizapp.problems.code_check import CodeCardError
    from quizapp.problems.registry import ProblemError

    found: list[NoteSpec] = []
    for card_id in bank.topics[topic_id].card_ids:
        card = bank.cards[card_id]
        tags = anki_tags(sorted(bank.card_tags(card_id)))
        if isinstance(card, Flashcard):
            found.append(flashcard_note(card, tags))
        elif isinstance(card, ChoiceCard):
            found.append(choice_note(card, tags))
        elif isinstance(card, NumericCard):
            try:
                found += numeric_notes(card, tags)
            except ProblemError as error:
                skipped.append(f"{card_id}: {error}")
        elif isinstance(card, CodeCard):
            try:
                found.append(code_note(card, tags))
            except CodeCardError as error:
                skipped.append(f"{card_id}: {error}")
    return found


def note_model() -> Any:
    """quizapp's note type: Front, Back and Notes (explanation, references)."""
    import genanki  # type: ignore[import-untyped]

    return genanki.Model(
        MODEL_ID,
        "quizapp",
        fields=[{"name": name} for name in FIELDS],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}'
                '{{#Notes}}<br><br><div class="notes">{{Notes}}</div>{{/Notes}}',
            }
        ],
        css=CSS,
    )


def export_anki(bank: Bank, path: Path, topics: Sequence[str] = ()) -> Exported:
    """Write the given topics (all when empty) to `path` as an .apkg; KeyError for an unknown topic."""
    import genanki

    unknown = [t for t in topics if t not in bank.topics]
    if unknown:
        raise KeyError(", ".join(unknown))
    model = note_model()
    result = Exported()
    decks = []
    for topic_id in topics or list(bank.topics):
        topic = bank.topics[topic_id]
        deck = genanki.Deck(stable_id("quizapp-deck", topic_id), deck_name(topic.title), topic.summary)
        specs = topic_notes(bank, topic_id, result.skipped)
        for spec in specs:
            deck.add_note(
                genanki.Note(
                    model=model,
                    fields=[spec.front, spec.back, spec.notes],
                    tags=list(spec.tags),
                    guid=genanki.guid_for("quizapp", *spec.key),
                )
            )
        result.notes[topic_id] = len(specs)
        decks.append(deck)
    genanki.Package(decks).write_to_file(str(path))
    return result
