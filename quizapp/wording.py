"""Counted nouns in messages: '1 topic', '2 topics', never '1 topics' or '1 topic(s)'."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and `word`, in the plural unless count is 1: plural(3, "card") == "3 cards".

    `many` is the plural when adding an s is wrong: plural(2, "match", "matches")."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
