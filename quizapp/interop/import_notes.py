"""Import notes as a new topic file: Anki's "Notes in Plain Text" export, or a CSV.

A .txt file is Anki's export: tab-separated fields (quoted like CSV where a field holds a tab, a quote or a
line break), optional `#key:value` header lines (`#separator:`, `#html:`, `#tags column:`). Without a
`#tags column:` header the columns are front, back and optional tags; with one, the first two other
columns are front and back and a third becomes the card's explanation. A .csv file has the columns front,
back and optional tags (a first row `front,back,...` is a header). HTML becomes plain text. Every bad row
gets a `line N: message`."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from quizapp.content.schema import ID_PATTERN

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
BLOCKS = {"div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "ul", "ol", "table"}
MAX_ID = 80


class _Text(HTMLParser):
    """Collects the text of an HTML fragment: <br> and block ends become line breaks, scripts vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self._break()

    def _break(self) -> None:
        """A block starts or ends: a new line, unless one just began."""
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """An HTML field as plain text: tags dropped, entities decoded, line breaks kept, blank runs folded."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def to_id(text: str) -> str:
    """Text as an id: lowercase letters, digits and single dashes ("" when nothing is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Note:
    """One imported note."""

    line: int
    front: str
    back: str
    tags: tuple[str, ...] = ()
    explain: str | None = None


@dataclass
class Parsed:
    """The notes of a file and one message per row that could not be used."""

    notes: list[Note] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Layout:
    """What the `#key:value` header lines of Anki's export say about the columns."""

    separator: str = "\t"
    html: bool = True
    tags: int | None = None  # the tags column (0-based), when named
    skip: frozenset[int] = frozenset()  # the guid, notetype and deck columns, when named

    @property
    def named(self) -> bool:
        """The header names the columns: every other column is a field (front, back, explanation)."""
        return self.tags is not None or bool(self.skip)


def read_header(lines: list[str], layout: Layout) -> tuple[Layout, int]:
    """The layout the header lines set, and how many lines they take."""
    separator, is_html, tags, skip = layout.separator, layout.html, layout.tags, set(layout.skip)
    start = 0
    while start < len(lines) and lines[start].startswith("#") and ":" in lines[start]:
        key, _, value = lines[start][1:].strip().partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "separator":
            separator = SEPARATORS.get(value.lower(), value[:1] or separator)
        elif key == "html":
            is_html = value.lower() == "true"
        elif key == "tags column" and value.isdigit():
            tags = int(value) - 1
        elif key in ("guid column", "notetype column", "deck column") and value.isdigit():
            skip.add(int(value) - 1)
        start += 1
    return Layout(separator, is_html, tags, frozenset(skip)), start


def parse_notes(text: str, *, csv_file: bool = False) -> Parsed:
    """Notes from Anki's plain-text export (or, with `csv_file`, a CSV of front,back[,tags])."""
    lines = text.splitlines(keepends=True)
    layout, start = read_header(lines, Layout(separator="," if csv_file else "\t"))
    reader = csv.reader(io.StringIO("".join(lines[start:]), newline=""), delimiter=layout.separator)
    parsed = Parsed()
    line = start + 1  # the line each row starts on
    for row in reader:
        first, line = line, start + reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if csv_file and first == start + 1 and [c.strip().lower() for c in row[:2]] == ["front", "back"]:
            continue
        try:
            parsed.notes.append(_note(first, row, layout))
        except ValueError as error:
            parsed.problems.append(f"line {first}: {error}")
    return parsed


def _note(line: int, row: list[str], layout: Layout) -> Note:
    """One row as a note: front, back, then tags (or, with named columns, an optional explanation)."""
    if layout.named:
        tags_cell = row[layout.tags] if layout.tags is not None and layout.tags < len(row) else ""
        fields = [cell for i, cell in enumerate(row) if i != layout.tags and i not in layout.skip]
        if len(fields) > 3:
            raise ValueError(f"{len(fields)} fields besides tags; expected front, back and an optional note")
    else:
        if len(row) > 3:
            raise ValueError(f"{len(row)} fields; expected front, back and optional tags")
        fields, tags_cell = row[:2], row[2] if len(row) > 2 else ""
    clean = [html_to_text(f) if layout.html else f.strip() for f in fields]
    if len(clean) < 2:
        raise ValueError("only one field; expected front and back separated by the separator")
    for name, raw, text in (("front", fields[0], clean[0]), ("back", fields[1], clean[1])):
        if not text:
            media = " (images and sounds are not imported)" if "<img" in raw or "[sound:" in raw else ""
            raise ValueError(
                f"the {name} is empty" + (" once its HTML is removed" if raw.strip() else "") + media
            )
    front, back = clean[0], clean[1]
    explain = clean[2] if len(clean) > 2 and clean[2] else None
    tags = tuple(dict.fromkeys(t for t in (to_id(tag) for tag in tags_cell.split()) if t))
    return Note(line, front, back, tags, explain)


def card_ids(topic: str, notes: list[Note], taken: Collection[str] = ()) -> list[str]:
    """One id per note, from the topic id and the front's first words; unique, none of `taken`."""
    used = set(taken)
    ids = []
    for note in notes:
        words = to_id(note.front)[: MAX_ID - len(topic) - 6].strip("-") or "note"
        base = f"{topic}-{words}"
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-v{n}", n + 1
        used.add(candidate)
        ids.append(candidate)
    return ids


def topic_document(topic: str, title: str, summary: str, notes: list[Note], ids: list[str]) -> dict[str, Any]:
    """The topic file's content, in the order an author writes it."""
    cards: list[dict[str, Any]] = []
    for card_id, note in zip(ids, notes, strict=True):
        card: dict[str, Any] = {"id": card_id, "kind": "flashcard", "front": note.front, "back": note.back}
        if note.explain:
            card["explain"] = note.explain
        if note.tags:
            card["tags"] = list(note.tags)
        cards.append(card)
    return {"topic": topic, "title": title, "summary": summary, "cards": cards}


def dump_yaml(document: dict[str, Any]) -> str:
    """YAML an author can edit: keys in order, multi-line text as `|` blocks, Unicode as is."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)


def valid_topic_id(topic: str) -> bool:
    """Whether `topic` is a usable topic id."""
    return bool(re.fullmatch(ID_PATTERN, topic)) and len(topic) <= MAX_ID - 10


def read_notes(path: Path) -> Parsed:
    """Parse a notes file: `.csv` as CSV, anything else as Anki's plain-text export."""
    text = path.read_text(encoding="utf-8-sig")
    return parse_notes(text, csv_file=path.suffix.lower() == ".csv")


def title_of(topic: str) -> str:
    """A title from a topic id: `linear-algebra` -> `Linear algebra`."""
    return topic.replace("-", " ").capitalize()
