"""What the bank needs of one topic file without its card bodies: the lean index the app starts from.

A `FileIndex` holds plain tuples and strings only, so reading it back never imports pydantic, the schema
or PyYAML; the cards themselves (pydantic models) are pickled apart and unpickled on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from quizapp.content.problem import Problem

if TYPE_CHECKING:
    from quizapp.content.loader import FileResult

Position = tuple[int, int]  # 1-based line and column


class TopicInfo(NamedTuple):
    """A topic file's header, and where its topic id is."""

    id: str
    title: str
    summary: str
    tags: tuple[str, ...]
    references: tuple[str, ...]
    position: Position


class FileIndex(NamedTuple):
    """One loaded file: its topic (None: unusable), its valid cards in file order, its problems.

    When `topic` is None the cards never load, but their ids are still checked for duplicates."""

    topic: TopicInfo | None
    card_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    tags: tuple[tuple[str, ...], ...]  # each card's own tags
    positions: tuple[Position, ...]
    problems: tuple[Problem, ...]


def index_of(result: FileResult) -> FileIndex:
    """The lean index of a loaded file."""
    if result.topic is None:
        ids = tuple(card_id for card_id, _ in result.skipped_cards)
        positions = tuple(position for _, position in result.skipped_cards)
        return FileIndex(None, ids, ("",) * len(ids), ((),) * len(ids), positions, result.problems)
    loaded, header = result.topic, result.topic.header
    topic = TopicInfo(
        header.topic,
        header.title,
        header.summary,
        tuple(header.tags),
        tuple(header.references),
        loaded.position,
    )
    cards = loaded.cards
    return FileIndex(
        topic,
        tuple(card.id for card in cards),
        tuple(card.kind for card in cards),
        tuple(tuple(card.tags) for card in cards),
        loaded.card_positions,
        result.problems,
    )
