"""The bank: every topic and card from the built-in content and the user's folders, by id."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.content.cache import FileCache, Key
from quizapp.content.files import topic_files
from quizapp.content.index import FileIndex, index_of
from quizapp.content.problem import Problem
from quizapp.heap import long_lived

if TYPE_CHECKING:
    from quizapp.content.schema import Card

CONTENT_ENV = "QUIZAPP_CONTENT"


def builtin_content_dir() -> Path:
    """The bank shipped with quizapp: inside the wheel, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "_content"
    return shipped if shipped.is_dir() else package.parent / "content"


def content_dirs(extra: Sequence[Path] = (), environ: dict[str, str] | None = None) -> list[Path]:
    """The built-in bank, then `QUIZAPP_CONTENT` (os.pathsep-separated), then `--content` folders."""
    env = os.environ if environ is None else environ
    from_env = [Path(p) for p in env.get(CONTENT_ENV, "").split(os.pathsep) if p.strip()]
    dirs: list[Path] = []
    for path in [builtin_content_dir(), *from_env, *extra]:
        if _resolved(path) not in {_resolved(d) for d in dirs}:
            dirs.append(path)
    return dirs


def _resolved(path: Path) -> Path:
    """`path` resolved; a symlink loop (RuntimeError on Python 3.11/3.12) stays as given, made absolute.

    The loader then reports it as a file it skips, rather than the app failing to start."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


@dataclass(frozen=True)
class Topic:
    """A topic as the app shows it."""

    id: str
    title: str
    summary: str
    tags: tuple[str, ...]
    references: tuple[str, ...]
    path: Path
    card_ids: tuple[str, ...]


class _PickledFile:
    """One cached file's cards, read and unpickled into the bank the first time one of them is asked for.

    When they can't be had from the cache any more (another quizapp rewrote it, a damaged entry), the
    topic file is parsed again instead."""

    def __init__(self, path: Path, pickled: Callable[[], bytes | None]) -> None:
        self.path, self.pickled = path, pickled

    def cards(self) -> Iterable[Card]:
        pickled = self.pickled()
        if pickled is not None:
            try:
                cards: tuple[Card, ...] = pickle.loads(pickled)
                return cards
            except Exception:  # a damaged entry: parse the file
                pass
        from quizapp.content.loader import load_file

        topic = load_file(self.path).topic
        return () if topic is None else topic.cards


class CardBodies(Mapping[str, "Card"]):
    """The bank's cards by id, in bank order. Ids, order and count are known at once; the card models of
    a cached file are unpickled together, the first time one of them is looked up (`bank.cards[id]`).

    Reading every value (`.values()`, `.items()`) unpickles every file: screens that need only kinds or
    tags read `Bank.kind_of` and `Bank.tags_of` instead."""

    def __init__(self) -> None:
        self._found: dict[str, Card | _PickledFile] = {}

    def __getitem__(self, card_id: str) -> Card:
        found = self._found[card_id]
        if isinstance(found, _PickledFile):
            for card in found.cards():
                if self._found.get(card.id) is found:  # replacing values: safe beside a reader's loop
                    self._found[card.id] = card
            found = self._found[card_id]
            if isinstance(found, _PickledFile):  # the file no longer holds it (changed, damaged cache)
                raise KeyError(card_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._found

    def extend(self, bodies: Iterable[tuple[str, Card | _PickledFile]]) -> None:
        """Add cards (or the pickled file that holds each) at the end."""
        self._found.update(bodies)


@dataclass
class Bank:
    """Topics and cards by id, in bank order (files sorted by path, cards in file order).

    Everything but the card models is plain data read from the cache's indexes: `kind_of` and `tags_of`
    answer what the start needs without unpickling a card."""

    topics: dict[str, Topic] = field(default_factory=dict)
    cards: CardBodies = field(default_factory=CardBodies)
    topic_of: dict[str, str] = field(default_factory=dict)
    kind_of: dict[str, str] = field(default_factory=dict)
    tags_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each card's own tags
    problems: list[Problem] = field(default_factory=list)
    positions: dict[str, tuple[Path, int, int]] = field(default_factory=dict)  # card id -> file, line, col

    def add_cards(
        self,
        topic_id: str,
        path: Path,
        index: FileIndex,
        bodies: Sequence[Card | _PickledFile],
        keep: Sequence[int] | None = None,
    ) -> None:
        """Add the cards of `index` (those at the positions `keep`, default all) at the end of the bank.

        In bulk: a warm start adds 10,000 cards this way in a few milliseconds."""
        rows = range(len(index.card_ids)) if keep is None else keep
        ids = [index.card_ids[row] for row in rows]
        self.cards.extend(zip(ids, [bodies[row] for row in rows], strict=True))
        self.topic_of.update(dict.fromkeys(ids, topic_id))
        self.kind_of.update(zip(ids, [index.kinds[row] for row in rows], strict=True))
        self.tags_of.update(zip(ids, [index.tags[row] for row in rows], strict=True))
        self.positions.update(zip(ids, [(path, *index.positions[row]) for row in rows], strict=True))

    def card_tags(self, card_id: str) -> set[str]:
        """The card's own tags plus its topic's."""
        return {*self.tags_of[card_id], *self.topics[self.topic_of[card_id]].tags}

    def select(
        self,
        topics: Iterable[str] = (),
        tags: Iterable[str] = (),
        kinds: Iterable[str] = (),
    ) -> list[str]:
        """Card ids in bank order matching every given filter (an empty filter matches all)."""
        topic_set, tag_set, kind_set = set(topics), set(tags), set(kinds)
        return [
            card_id
            for card_id, kind in self.kind_of.items()
            if (not topic_set or self.topic_of[card_id] in topic_set)
            and (not kind_set or kind in kind_set)
            and (not tag_set or self.card_tags(card_id) & tag_set)
        ]


def load_bank(paths: Iterable[Path], cache: FileCache | None = None) -> Bank:
    """Load every topic file under `paths`; bad files and cards become problems, the rest loads.

    With a `cache`, unchanged files are taken from it (their cards unpickled only when first used) and the
    cache is updated; only files that are new or changed are parsed and validated."""
    bank = Bank()
    first_topic: dict[str, tuple[int, int]] = {}
    seen: set[Key] = set()
    skipped: list[tuple[Path, FileIndex]] = []
    with long_lived():  # the bank lives as long as the app
        for path in topic_files(paths):
            key = FileCache.key(path) if cache is not None else None  # None for a special file
            entry = cache.get(key) if cache is not None and key is not None else None
            cards: Sequence[Card | _PickledFile]
            if cache is not None and entry is not None:
                bodies = _PickledFile(path, partial(cache.cards, entry[1]))
                index, cards = entry[0], (bodies,) * len(entry[0].card_ids)
            else:
                index, source, cards = _parse(path)
                # Only what was parsed from exactly the bytes the key describes: never a refusal made
                # without reading (special, too large) nor a file that changed while it was read.
                if cache is not None and key is not None and source == key[3:]:
                    cache.put(key, index, cards)
            if key is not None:
                seen.add(key)
            bank.problems.extend(index.problems)
            if index.topic is None or not _add_topic(bank, path, index, cards, first_topic):
                skipped.append((path, index))
        for path, index in skipped:  # after every loaded card is known
            _check_skipped_ids(bank, path, index)
    if cache is not None:
        cache.keep_only(seen)
        cache.save()
    bank.problems.sort()
    return bank


def _parse(path: Path) -> tuple[FileIndex, tuple[int, int] | None, tuple[Card, ...]]:
    """Parse and validate one file: its index, the (size, mtime_ns) of the bytes parsed (None when
    nothing was read) and its cards. The loader, pydantic and PyYAML are imported only when needed."""
    from quizapp.content.loader import load_file

    result = load_file(path)
    cards = result.topic.cards if result.topic is not None else ()
    return index_of(result), result.source, cards


def _check_skipped_ids(bank: Bank, path: Path, index: FileIndex) -> None:
    """Report the duplicate ids among the cards of a skipped file: fixing its topic would reveal them."""
    own: dict[str, tuple[int, int]] = {}
    for card_id, (line, col) in zip(index.card_ids, index.positions, strict=True):
        if card_id in own:
            first_line, first_col = own[card_id]
            where = f"first defined at {path}:{first_line}:{first_col}"
        elif card_id in bank.positions:
            other_path, other_line, other_col = bank.positions[card_id]
            where = f"also defined at {other_path}:{other_line}:{other_col}"
        else:
            own[card_id] = (line, col)
            continue
        bank.problems.append(Problem(str(path), line, col, f"duplicate card id `{card_id}`: {where}"))


def _add_topic(
    bank: Bank,
    path: Path,
    index: FileIndex,
    bodies: Sequence[Card | _PickledFile],
    first_topic: dict[str, tuple[int, int]],
) -> bool:
    """Add the file's topic and cards; False (and a problem) when its topic id is already taken."""
    topic = index.topic
    assert topic is not None
    shown = str(path)
    if topic.id in bank.topics:
        other = bank.topics[topic.id].path
        other_line, other_col = first_topic[topic.id]
        line, col = topic.position
        message = (
            f"duplicate topic id `{topic.id}`: first defined at {other}:{other_line}:{other_col};"
            " file skipped"
        )
        bank.problems.append(Problem(shown, line, col, message))
        return False
    first_topic[topic.id] = topic.position
    ids = index.card_ids
    keep: list[int] | None = None  # every card, unless some id is taken (the usual case: a bulk add)
    if len(set(ids)) != len(ids) or not bank.topic_of.keys().isdisjoint(ids):
        keep, here = [], dict[str, tuple[Path, int, int]]()
        for row, (card_id, (line, col)) in enumerate(zip(ids, index.positions, strict=True)):
            first = bank.positions.get(card_id) or here.get(card_id)
            if first is not None:
                other_path, other_line, other_col = first
                message = (
                    f"duplicate card id `{card_id}`: first defined at {other_path}:{other_line}:{other_col}"
                )
                bank.problems.append(Problem(shown, line, col, message))
                continue
            here[card_id] = (path, line, col)
            keep.append(row)
    bank.add_cards(topic.id, path, index, bodies, keep)
    kept = ids if keep is None else tuple(ids[row] for row in keep)
    bank.topics[topic.id] = Topic(
        id=topic.id,
        title=topic.title,
        summary=topic.summary,
        tags=topic.tags,
        references=topic.references,
        path=path,
        card_ids=kept,
    )
    return True
