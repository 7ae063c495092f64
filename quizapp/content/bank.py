"""The bank: every topic and card from the built-in content and the user's folders, by id."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from quizapp.content.cache import FileCache, Key
from quizapp.content.files import topic_files
from quizapp.content.loader import LoadedTopic, load_file
from quizapp.content.problem import Problem
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


@dataclass
class Bank:
    """Topics and cards by id, in bank order (files sorted by path, cards in file order)."""

    topics: dict[str, Topic] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    topic_of: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    positions: dict[str, tuple[Path, int, int]] = field(default_factory=dict)  # card id -> file, line, col

    def card_tags(self, card_id: str) -> set[str]:
        """The card's own tags plus its topic's."""
        return {*self.cards[card_id].tags, *self.topics[self.topic_of[card_id]].tags}

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
            for card_id, card in self.cards.items()
            if (not topic_set or self.topic_of[card_id] in topic_set)
            and (not kind_set or card.kind in kind_set)
            and (not tag_set or self.card_tags(card_id) & tag_set)
        ]


def load_bank(paths: Iterable[Path], cache: FileCache | None = None) -> Bank:
    """Load every topic file under `paths`; bad files and cards become problems, the rest loads.

    With a `cache`, unchanged files are taken from it and the cache is updated."""
    bank = Bank()
    first_topic: dict[str, tuple[int, int]] = {}
    seen: set[Key] = set()
    skipped: list[tuple[Path, tuple[tuple[str, tuple[int, int]], ...]]] = []
    with _gc_paused():
        for path in topic_files(paths):
            key = FileCache.key(path) if cache is not None else None  # None for a special file
            result = cache.get(key) if cache is not None and key is not None else None
            if result is None:
                result = load_file(path)
                # Only what was parsed from exactly the bytes the key describes: never a refusal made
                # without reading (special, too large) nor a file that changed while it was read.
                if cache is not None and key is not None and result.source == key[2:]:
                    cache.put(key, result)
            if key is not None:
                seen.add(key)
            bank.problems.extend(result.problems)
            if result.topic is not None:
                if not _add_topic(bank, result.topic, first_topic):
                    ids = (card.id for card in result.topic.cards)
                    skipped.append((path, tuple(zip(ids, result.topic.card_positions, strict=True))))
            elif result.skipped_cards:
                skipped.append((path, result.skipped_cards))
        for path, cards in skipped:  # after every loaded card is known
            _check_skipped_ids(bank, path, cards)
    if cache is not None:
        cache.keep_only(seen)
        cache.save()
    bank.problems.sort()
    return bank


def find_card(paths: Iterable[Path], card_id: str, cache: FileCache | None = None) -> Card | None:
    """`load_bank(paths, cache).cards.get(card_id)`, unpickling only the file that holds the card.

    The cache's summaries (topic id, card ids) settle which file wins, as `load_bank` would: a topic id
    already taken skips its file, and the first definition of a card id wins. When any file is missing
    from the cache (new, changed, no cache at all), the whole bank is loaded instead, filling the cache."""
    if cache is None:
        return load_bank(paths).cards.get(card_id)
    summaries: list[tuple[Key, str | None, tuple[str, ...]]] = []
    for path in topic_files(paths):
        key = FileCache.key(path)
        if key is None:  # a special file: load_bank refuses it without reading, so it holds no card
            continue
        summary = cache.summary(key)
        if summary is None:
            return load_bank(paths, cache).cards.get(card_id)
        summaries.append((key, *summary))
    taken: set[str] = set()
    for key, topic, card_ids in summaries:
        if topic is None or topic in taken:
            continue
        taken.add(topic)
        if card_id in card_ids:
            result = cache.get(key)
            if result is None or result.topic is None:  # the entry didn't unpickle: load it all
                return load_bank(paths, cache).cards.get(card_id)
            return next(card for card in result.topic.cards if card.id == card_id)
    return None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading allocates many long-lived objects: the cyclic GC would only rescan them, again and again.

    Afterwards they are moved to the permanent generation (`gc.freeze`), out of later collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _check_skipped_ids(bank: Bank, path: Path, cards: Iterable[tuple[str, tuple[int, int]]]) -> None:
    """Report the duplicate ids among the cards of a skipped file: fixing its topic would reveal them."""
    own: dict[str, tuple[int, int]] = {}
    for card_id, (line, col) in cards:
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
    loaded: LoadedTopic,
    first_topic: dict[str, tuple[int, int]],
) -> bool:
    """Add the topic and its cards; False (and a problem) when its topic id is already taken."""
    header, shown = loaded.header, str(loaded.path)
    if header.topic in bank.topics:
        other = bank.topics[header.topic].path
        other_line, other_col = first_topic[header.topic]
        line, col = loaded.position
        message = (
            f"duplicate topic id `{header.topic}`: first defined at {other}:{other_line}:{other_col};"
            " file skipped"
        )
        bank.problems.append(Problem(shown, line, col, message))
        return False
    first_topic[header.topic] = loaded.position
    kept: list[str] = []
    for card, (line, col) in zip(loaded.cards, loaded.card_positions, strict=True):
        if card.id in bank.cards:
            other_path, other_line, other_col = bank.positions[card.id]
            message = f"duplicate card id `{card.id}`: first defined at {other_path}:{other_line}:{other_col}"
            bank.problems.append(Problem(shown, line, col, message))
            continue
        bank.cards[card.id] = card
        bank.topic_of[card.id] = header.topic
        bank.positions[card.id] = (loaded.path, line, col)
        kept.append(card.id)
    bank.topics[header.topic] = Topic(
        id=header.topic,
        title=header.title,
        summary=header.summary,
        tags=tuple(header.tags),
        references=tuple(header.references),
        path=loaded.path,
        card_ids=tuple(kept),
    )
    return True
