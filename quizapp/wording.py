"""Counted nouns in messages: '1 topic', '2 topics', never '1 topics' or '1 topic(s)'."""

from __future__ import annotations


def plural(count: float, word: str, many: str | None = None) -> str:
    """`count` and `word`, in the plural unless count is 1: plural(3, "card") == "3 cards",
    plural(0.5, "byte") == "0.5 bytes"; whole numbers get thousands separators.

    `many` is the plural when adding an s is wrong: plural(2, "match", "matches")."""
    value = float(count)
    shown = f"{int(value):,}" if value.is_integer() else f"{value:g}"
    return f"{shown} {word if count == 1 else (many or word + 's')}"
