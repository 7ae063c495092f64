"""Load topic files into validated models; report every problem as `path:line:col: message`."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from quizapp.content.files import NotReadable, read_regular_file
from quizapp.content.problem import Problem
from quizapp.content.schema import CARD_KINDS, ID_PATTERN, Card, TopicHeader
from quizapp.content.yamlpos import Located, Path_, Position, YamlSyntaxError, clip, parse

CARD_ADAPTER: TypeAdapter[Card] = TypeAdapter(Card)


@dataclass(frozen=True)
class LoadedTopic:
    """The valid part of one topic file, and where each card starts (for duplicate reports)."""

    header: TopicHeader
    cards: tuple[Card, ...]
    path: Path
    position: Position  # of the topic id
    card_positions: tuple[Position, ...]


@dataclass(frozen=True)
class FileResult:
    """What loading one file gave: a topic (unless the file is unusable) and its problems.

    `skipped_cards` are the ids and positions of the valid cards of a file whose topic is unusable: they
    never load, but their ids are still checked for duplicates. `source` is the (size, mtime_ns) of the
    bytes that were parsed, None when nothing was read: only such a result may be cached."""

    topic: LoadedTopic | None
    problems: tuple[Problem, ...]
    skipped_cards: tuple[tuple[str, Position], ...] = ()
    source: tuple[int, int] | None = None


def load_file(path: Path, display: str | None = None) -> FileResult:
    """Read and validate one topic file; never raises for bad content."""
    shown = display or str(path)

    def problem(position: Position, message: str) -> Problem:
        return Problem(shown, position[0], position[1], message)

    try:
        raw, read = read_regular_file(path)
    except NotReadable as error:
        return FileResult(None, (problem((1, 1), f"skipped: {error.reason}"),))
    source = (read.st_size, read.st_mtime_ns)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            message = "not UTF-8 text but UTF-16: save it as UTF-8"
        else:
            message = f"not UTF-8 text (byte {error.start})"
        return FileResult(None, (problem((1, 1), message),), source=source)
    try:
        located = parse(text, max_depth=2)  # positions down to each card: enough for a clean file
    except YamlSyntaxError as error:
        return FileResult(None, (problem((error.line, error.col), error.message),), source=source)
    detailed: list[Located] = []

    def everywhere() -> Located:
        """Positions of every node, parsed again only when a problem needs them."""
        if not detailed:
            detailed.append(parse(text))
        return detailed[0]

    problems = [
        problem(position, f"duplicate key `{_dotted(key_path)}`: a later value would silently win")
        for key_path, position in located.duplicates
    ]
    data = located.data
    if data is None:
        problems.append(problem((1, 1), "file is empty: expected a topic with topic, title, summary, cards"))
        return FileResult(None, tuple(problems), source=source)
    if not isinstance(data, dict):
        found = _type_name(data)
        problems.append(problem((1, 1), f"expected a mapping (topic: ..., title: ...), found {found}"))
        return FileResult(None, tuple(problems), source=source)

    header_data = {key: value for key, value in data.items() if key != "cards"}
    header: TopicHeader | None = None
    try:
        header = TopicHeader.model_validate(header_data)
    except ValidationError as error:  # keep going: the cards' problems are worth reporting too
        problems.extend(_problems(error, (), everywhere(), shown, what="topic"))
    if header is not None and path.stem != header.topic:
        at = located.position(("topic",))
        problems.append(problem(at, f"topic id `{header.topic}` differs from the file name `{path.name}`"))

    raw_cards = data.get("cards", [])
    if raw_cards is None:
        raw_cards = []
    if not isinstance(raw_cards, list):
        at = located.position(("cards",))
        problems.append(problem(at, f"`cards` must be a list of cards, found {_type_name(raw_cards)}"))
        raw_cards = []

    cards: list[Card] = []
    positions: list[Position] = []
    for index, raw in enumerate(raw_cards):
        base: Path_ = ("cards", index)
        if not isinstance(raw, dict):
            at = located.position(base)
            problems.append(
                problem(at, f"a card must be a mapping (id: ..., kind: ...), found {_type_name(raw)}")
            )
            continue
        try:
            cards.append(CARD_ADAPTER.validate_python(raw))
            positions.append(located.position(base))
        except ValidationError as error:
            kind = raw.get("kind")
            problems.extend(
                _problems(error, base, everywhere(), shown, what=kind if kind in CARD_KINDS else "card")
            )
    if header is None:
        skipped = tuple((card.id, at) for card, at in zip(cards, positions, strict=True))
        return FileResult(None, tuple(problems), skipped, source)
    topic = LoadedTopic(header, tuple(cards), path, located.position(("topic",)), tuple(positions))
    return FileResult(topic, tuple(problems), source=source)


def _problems(
    error: ValidationError, base: Path_, located: Located, shown: str, what: str
) -> Iterator[Problem]:
    """Translate pydantic errors into positioned, plainly worded problems."""
    label = what if what in ("topic", "card") else f"{what} card"
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        if base and loc and loc[0] in CARD_KINDS:
            loc = loc[1:]  # the discriminated union prefixes the tag
        path = (*base, *loc)
        kind = item["type"]
        if kind == "missing":
            line, col = located.position(path[:-1])
            message = f"missing required key `{clip(loc[-1])}` in this {label}"
        elif kind == "extra_forbidden":
            line, col = located.position(path, key=True)
            owner = f"this {label}" if len(loc) == 1 else f"`{_dotted(loc[:-1])}`"
            message = f"unknown key `{clip(loc[-1])}` in {owner}{_allowed(what, loc[:-1])}"
        elif kind == "union_tag_not_found":
            line, col = located.position(path)
            message = f"missing required key `kind` (one of {', '.join(CARD_KINDS)})"
        elif kind == "union_tag_invalid":
            line, col = located.position((*path, "kind"))
            found = clip(item["ctx"].get("tag"))
            message = f"unknown card kind `{found}`: expected one of {', '.join(CARD_KINDS)}"
        else:
            line, col = located.position(path)
            if loc and loc[-1] == "[key]":  # a key of the wrong type: point at the key, name it once
                loc, path = loc[:-1], path[:-1]
                line, col = located.position(path, key=True)
            elif kind == "invalid_key":  # a number or true/false as a key of a topic or card
                line, col = located.position(path, key=True)
            text = str(item["msg"]).removeprefix("Value error, ")
            where = _dotted(loc)
            message = f"`{where}`: {text}" if where else text
            if kind == "string_pattern_mismatch":
                if item["ctx"].get("pattern") == ID_PATTERN:
                    message = (
                        f"`{where}`: {clip(repr(item['input']))} is not an id:"
                        " use lowercase letters, digits, dashes"
                    )
                elif loc and loc[-1] == "generator":
                    message = (
                        f"`{where}`: {clip(repr(item['input']))} is not a generator name: "
                        "use family.name, e.g. metrics.roc_auc"
                    )
        yield Problem(shown, line, col, message)


def _allowed(what: str, parent: tuple[str | int, ...]) -> str:
    """`(allowed: ...)` listing the keys of the model found at `parent` inside a topic or card."""
    from quizapp.content import schema

    model: Any = {
        "topic": schema.TopicFile,
        "flashcard": schema.Flashcard,
        "choice": schema.ChoiceCard,
        "numeric": schema.NumericCard,
        "code": schema.CodeCard,
    }.get(what)
    for part in parent:
        if model is None:
            return ""
        if isinstance(part, str):
            field = model.model_fields.get(part)
            model = _model_in(field.annotation) if field else None
    if model is None:
        return ""
    return f" (allowed: {', '.join(model.model_fields)})"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation like `list[Option]` or `Tolerance | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _dotted(loc: Iterable[object]) -> str:
    """`cards[0].front`; each part clipped, since keys can be huge."""
    out = ""
    for part in loc:
        text = clip(part)
        out += f"[{text}]" if isinstance(part, int) else (f".{text}" if out else text)
    return out


def _type_name(value: Any) -> str:
    names = {list: "a list", dict: "a mapping", str: "a string", bool: "true/false", int: "a number"}
    return {**names, float: "a number"}.get(type(value), f"a {type(value).__name__}")
