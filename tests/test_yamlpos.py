"""yamlpos reads YAML as PyYAML's safe loader does, and keeps positions only as deep as asked."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.content.yamlpos import YamlSyntaxError, parse

# Plain scalars that YAML 1.1 reads as something other than text, and near misses that stay text.
TRICKY = [
    *("yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~", "nul"),
    *("0", "017", "0o17", "0x1F", "0b101", "1_000", "-1", "+7", "1:20", "190:20:30", "1e3", "1.0e+3"),
    *(".5", "-.inf", ".NaN", ".nan.", "3.", "2020-01-01", "2001-12-14t21:59:43.10-05:00", "2020-1-1"),
    *("=", "<<x", "a: b", "#x", "x #y", "'q'", '"d"', "[1, yes]", "{a: on}", "- x", "tag-3", "level-1"),
]


def safe_load(text: str) -> object:
    return yaml.load(text, Loader=yaml.SafeLoader)  # the pure-Python reference, not the C loader


@pytest.mark.parametrize("value", TRICKY)
def test_a_value_reads_as_the_safe_loader_reads_it(value: str) -> None:
    text = f"k: {value}\n{value}: k\nl:\n  - {value}\n"
    try:
        expected = safe_load(text)
    except yaml.YAMLError:
        with pytest.raises(YamlSyntaxError):
            parse(text)
        return
    for _ in range(2):  # the second time from remembered tags
        assert repr(parse(text).data) == repr(expected)
        assert repr(parse(text, max_depth=0).data) == repr(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TRICKY) | st.text("abyYnNoO01:-._ ~=<+e#'[]{},", max_size=10), max_size=6))
def test_any_plain_mapping_reads_as_the_safe_loader_reads_it(values: list[str]) -> None:
    text = "".join(f"k{i}: {value}\n" for i, value in enumerate(values))
    try:
        expected = safe_load(text)
    except yaml.YAMLError:
        with pytest.raises(YamlSyntaxError):
            parse(text, max_depth=2)
        return
    assert repr(parse(text, max_depth=2).data) == repr(expected)


def test_merge_and_value_keys_apply_as_in_the_safe_loader() -> None:
    text = "base: {a: 1, b: 2}\ncard:\n  <<: {a: 1, b: 2}\n  b: 3\n  =: v\n"
    assert parse(text).data == safe_load(text)
    assert parse(text, max_depth=1).data == {"base": {"a": 1, "b": 2}, "card": {"a": 1, "b": 3, "=": "v"}}


CARDS = textwrap.dedent(
    """\
    topic: t
    cards:
      - id: a
        options:
          - {text: x, why: y}
      - id: b
        id: c
    """
)


def test_positions_and_keys_are_kept_down_to_max_depth_only() -> None:
    full, shallow = parse(CARDS), parse(CARDS, max_depth=2)
    assert shallow.data == full.data
    assert shallow.values[("cards", 1)] == full.values[("cards", 1)] == (6, 5)
    assert shallow.keys[("cards",)] == full.keys[("cards",)] == (2, 1)
    assert ("cards", 0, "id") not in shallow.values
    assert ("cards", 0, "id") not in shallow.keys
    assert full.keys[("cards", 0, "id")] == (3, 5)
    assert full.values[("cards", 0, "options", 0, "why")] == (5, 24)
    assert shallow.values == {path: at for path, at in full.values.items() if len(path) <= 2}
    assert shallow.keys == {path: at for path, at in full.keys.items() if len(path) <= 2}


def test_a_duplicate_key_below_max_depth_is_still_reported_where_it_is() -> None:
    assert parse(CARDS, max_depth=2).duplicates == parse(CARDS).duplicates == [(("cards", 1, "id"), (7, 5))]
