"""Loading topic files: every broken file becomes `path:line:col: message` problems, the rest still loads.

Line and column numbers in the expectations are counted by hand from the fixture text (1-based; the
first line of each dedented fixture is line 1).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from quizapp.content.bank import Bank, load_bank
from quizapp.content.loader import load_file
from quizapp.content.problem import Problem


def write(folder: Path, name: str, text: str) -> Path:
    """Write a dedented topic file (creating folders); line 1 is the first line after the opening quotes."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    """The problems of one file, as the lines `quizapp validate` prints."""
    return [str(problem) for problem in load_file(path).problems]


def bank_of(folder: Path) -> Bank:
    return load_bank([folder])


# --- YAML syntax -------------------------------------------------------------------------------------


def test_unclosed_bracket_is_a_syntax_error_at_the_first_bad_token(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "unclosed.yaml",
        """\
        topic: unclosed
        title: Unclosed
        summary: A flow sequence that never closes.
        tags: [alpha, beta
        cards: []
        """,
    )
    result = load_file(path)
    assert result.topic is None
    [problem] = result.problems
    # The scanner only notices at the `:` after `cards` (line 5, column 6); the wording of the rest
    # depends on libyaml vs the pure-Python parser, the start does not.
    assert (problem.path, problem.line, problem.col) == (str(path), 5, 6)
    assert str(problem).startswith(f"{path}:5:6: YAML syntax error: while parsing a flow sequence")


def test_bad_indentation_is_a_syntax_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "indent.yaml",
        """\
        topic: indent
        title: Indent
        summary: One key indented a column too far.
        cards:
          - id: indent-card
            kind: flashcard
             front: Q?
            back: A.
        """,
    )
    result = load_file(path)
    assert result.topic is None
    [problem] = result.problems
    assert str(problem).startswith(f"{path}:7:11: YAML syntax error: mapping values are not allowed")


# --- card kinds, required keys, types ----------------------------------------------------------------


def test_unknown_card_kind_points_at_the_kind_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "kinds.yaml",
        """\
        topic: kinds
        title: Kinds
        summary: One card with a misspelt kind.
        cards:
          - id: kinds-good
            kind: flashcard
            front: Q?
            back: A.
          - id: kinds-bad
            kind: flashcrd
            front: Q?
            back: A.
        """,
    )
    assert problems_of(path) == [
        f"{path}:10:11: unknown card kind `flashcrd`: expected one of flashcard, choice, numeric, code"
    ]


def test_missing_required_card_key_points_at_the_card(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "missing.yaml",
        """\
        topic: missing
        title: Missing
        summary: Cards lacking a required key.
        cards:
          - id: missing-back
            kind: flashcard
            front: Q?
          - id: missing-kind
            front: Q?
            back: A.
        """,
    )
    assert problems_of(path) == [
        f"{path}:5:5: missing required key `back` in this flashcard card",
        f"{path}:8:5: missing required key `kind` (one of flashcard, choice, numeric, code)",
    ]


def test_missing_required_topic_key_skips_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nosummary.yaml",
        """\
        topic: nosummary
        title: No summary
        cards:
          - id: nosummary-card
            kind: flashcard
            front: Q?
            back: A.
        """,
    )
    result = load_file(path)
    assert result.topic is None
    assert [str(p) for p in result.problems] == [f"{path}:1:1: missing required key `summary` in this topic"]


def test_topic_problems_and_card_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "both.yaml",
        """\
        topic: both
        title: ""
        summary: An empty title and a bad card.
        cards:
          - id: both-good
            kind: flashcard
            front: Q?
            back: A.
          - id: both-bad
            kind: flashcard
            front: Q?
        """,
    )
    result = load_file(path)
    assert result.topic is None  # an unusable header still skips the file
    assert [str(p) for p in result.problems] == [
        f"{path}:2:8: `title`: String should have at least 1 character",
        f"{path}:9:5: missing required key `back` in this flashcard card",
    ]


def test_options_given_as_a_string_is_a_type_error_at_the_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "types.yaml",
        """\
        topic: types
        title: Types
        summary: Options must be a list.
        cards:
          - id: types-options
            kind: choice
            question: Which?
            options: just one string
        """,
    )
    assert problems_of(path) == [f"{path}:8:14: `options`: Input should be a valid list"]


def test_correct_maybe_is_not_a_boolean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "truthy.yaml",
        """\
        topic: truthy
        title: Truthy
        summary: correct must be true or false.
        cards:
          - id: truthy-card
            kind: choice
            question: Which?
            options:
              - text: Alpha
                correct: maybe
              - text: Beta
        """,
    )
    [problem] = load_file(path).problems
    assert (problem.line, problem.col) == (10, 18)
    assert problem.message.startswith("`options[0].correct`: Input should be a valid boolean")


# --- keys --------------------------------------------------------------------------------------------


def test_unknown_card_key_points_at_the_key_and_lists_allowed_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "extra.yaml",
        """\
        topic: extra
        title: Extra
        summary: A key the card schema does not know.
        cards:
          - id: extra-card
            kind: flashcard
            front: Q?
            back: A.
            hint: Think.
        """,
    )
    assert problems_of(path) == [
        f"{path}:9:5: unknown key `hint` in this flashcard card"
        " (allowed: id, tags, references, explain, kind, front, back)"
    ]


def test_unknown_topic_key_points_at_the_key_and_skips_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "extratopic.yaml",
        """\
        topic: extratopic
        title: Extra
        summary: A key the topic schema does not know.
          # an indented comment does not move the key
        author: someone
        """,
    )
    result = load_file(path)
    assert result.topic is None
    assert [str(p) for p in result.problems] == [
        f"{path}:5:1: unknown key `author` in this topic"
        " (allowed: topic, title, summary, tags, references, cards)"
    ]


def test_unknown_key_in_a_nested_option_points_at_that_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nested.yaml",
        """\
        topic: nested
        title: Nested
        summary: An option with a typo.
        cards:
          - id: nested-card
            kind: choice
            question: Which?
            options:
              - {text: Alpha, correct: true}
              - {text: Beta, corect: true}
        """,
    )
    assert problems_of(path) == [
        f"{path}:10:22: unknown key `corect` in `options[1]` (allowed: text, correct, why)"
    ]


def test_unknown_key_in_a_tolerance_lists_the_tolerance_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tol.yaml",
        """\
        topic: tol
        title: Tolerance
        summary: A tolerance with a typo.
        cards:
          - id: tol-card
            kind: numeric
            prompt: "What is {a} / 3?"
            params: {a: {int: [1, 5]}}
            answer: a / 3
            tolerance:
              rtol: 0.01
              digits: 2
        """,
    )
    assert problems_of(path) == [
        f"{path}:12:7: unknown key `digits` in `tolerance` (allowed: rtol, decimals, sigfigs)"
    ]


def test_duplicate_key_is_reported_at_the_second_occurrence_and_the_card_still_loads(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "dupkey.yaml",
        """\
        topic: dupkey
        title: Duplicate keys
        title: Duplicate keys again
        summary: The later value wins, silently in plain YAML.
        cards:
          - id: dupkey-card
            kind: flashcard
            front: First?
            back: A.
            front: Second?
        """,
    )
    assert problems_of(path) == [
        f"{path}:3:1: duplicate key `title`: a later value would silently win",
        f"{path}:10:5: duplicate key `cards[0].front`: a later value would silently win",
    ]
    bank = load_bank([path])
    assert bank.topics["dupkey"].title == "Duplicate keys again"
    assert bank.cards["dupkey-card"].front == "Second?"


# --- file shape --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"], ids=repr)
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    result = load_file(path)
    assert result.topic is None
    assert [str(p) for p in result.problems] == [
        f"{path}:1:1: file is empty: expected a topic with topic, title, summary, cards"
    ]


def test_top_level_list_instead_of_a_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "listy.yaml",
        """\
        - topic: listy
          title: Listy
          summary: A list, not a mapping.
        """,
    )
    result = load_file(path)
    assert result.topic is None
    assert [str(p) for p in result.problems] == [
        f"{path}:1:1: expected a mapping (topic: ..., title: ...), found a list"
    ]


def test_cards_must_be_a_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cardmap.yaml",
        """\
        topic: cardmap
        title: Cards as a mapping
        summary: cards holds a mapping.
        cards:
          id: cardmap-card
          kind: flashcard
        """,
    )
    result = load_file(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:5:3: `cards` must be a list of cards, found a mapping"
    ]
    assert result.topic is not None
    assert result.topic.cards == ()


def test_card_that_is_a_plain_string(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "plain.yaml",
        """\
        topic: plain
        title: Plain
        summary: A card written as a bare string.
        cards:
          - id: plain-good
            kind: flashcard
            front: Q?
            back: A.
          - What is a bare question?
        """,
    )
    assert problems_of(path) == [f"{path}:9:5: a card must be a mapping (id: ..., kind: ...), found a string"]
    assert list(load_bank([path]).cards) == ["plain-good"]


# --- ids ---------------------------------------------------------------------------------------------


def test_bad_id_patterns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ids.yaml",
        """\
        topic: ids
        title: Ids
        summary: Ids must be lowercase words joined by single dashes.
        cards:
          - id: Bad_Id
            kind: flashcard
            front: Q?
            back: A.
          - id: ids-tagged
            kind: flashcard
            tags: [fine, Not Fine]
            front: Q?
            back: A.
        """,
    )
    assert problems_of(path) == [
        f"{path}:5:9: `id`: 'Bad_Id' is not an id: use lowercase letters, digits, dashes",
        f"{path}:11:18: `tags[1]`: 'Not Fine' is not an id: use lowercase letters, digits, dashes",
    ]


def test_bad_topic_id_skips_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad--topic.yaml",
        """\
        topic: bad--topic
        title: Double dash
        summary: Not an id.
        """,
    )
    result = load_file(path)
    assert result.topic is None
    assert [str(p) for p in result.problems] == [
        f"{path}:1:8: `topic`: 'bad--topic' is not an id: use lowercase letters, digits, dashes"
    ]


def test_topic_id_not_matching_the_file_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "named.yaml",
        """\
        # The file is named.yaml, the topic says otherwise.
        topic: other
        title: Other
        summary: Mismatched id.
        """,
    )
    assert problems_of(path) == [f"{path}:2:8: topic id `other` differs from the file name `named.yaml`"]
    assert "other" in load_bank([path]).topics  # still loads: the id is what the SRS state keys on


def test_duplicate_card_id_across_two_files_names_the_first(tmp_path: Path) -> None:
    first = write(
        tmp_path,
        "first.yaml",
        """\
        topic: first
        title: First
        summary: Defines the card.
        cards:
          - id: shared
            kind: flashcard
            front: First copy?
            back: A.
        """,
    )
    second = write(
        tmp_path,
        "second.yaml",
        """\
        topic: second
        title: Second
        summary: Defines it again.
        cards:
          - id: second-own
            kind: flashcard
            front: Q?
            back: A.
          - kind: flashcard
            id: shared
            front: Second copy?
            back: A.
        """,
    )
    bank = bank_of(tmp_path)
    assert [str(p) for p in bank.problems] == [
        f"{second}:9:5: duplicate card id `shared`: first defined at {first}:5:5"
    ]
    assert bank.cards["shared"].front == "First copy?"
    assert bank.topic_of["shared"] == "first"
    assert bank.topics["second"].card_ids == ("second-own",)


def test_duplicate_topic_id_skips_the_second_file(tmp_path: Path) -> None:
    text = """\
        topic: same
        title: Same
        summary: Two files with one topic id.
        cards:
          - id: {card}
            kind: flashcard
            front: Q?
            back: A.
        """
    first = write(tmp_path / "a", "same.yaml", text.format(card="same-a"))
    second = write(tmp_path / "b", "same.yaml", "# a copy\n" + textwrap.dedent(text.format(card="same-b")))
    bank = bank_of(tmp_path)
    assert [str(p) for p in bank.problems] == [
        f"{second}:2:8: duplicate topic id `same`: first defined at {first}:1:8; file skipped"
    ]
    assert bank.topics["same"].path == first
    assert list(bank.cards) == ["same-a"]


# --- encoding ----------------------------------------------------------------------------------------


def test_not_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"topic: latin\ntitle: caf\xe9\nsummary: Latin-1.\n")
    result = load_file(path)
    assert result.topic is None
    # "topic: latin\n" is 13 bytes, "title: caf" 10 more: the bad byte is at offset 23.
    assert [str(p) for p in result.problems] == [f"{path}:1:1: not UTF-8 text (byte 23)"]


# --- model validators --------------------------------------------------------------------------------


def test_choice_card_with_no_correct_option(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nocorrect.yaml",
        """\
        topic: nocorrect
        title: No correct
        summary: Every option is wrong.
        cards:
          - id: nocorrect-card
            kind: choice
            question: Which?
            options:
              - text: Alpha
              - text: Beta
                correct: false
        """,
    )
    assert problems_of(path) == [f"{path}:5:5: a choice card needs at least one option with `correct: true`"]


def test_numeric_card_with_neither_generator_nor_answer(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "numeric.yaml",
        """\
        topic: numeric
        title: Numeric
        summary: A prompt and nothing to grade it with.
        cards:
          - id: numeric-card
            kind: numeric
            prompt: "What is {a} + 1?"
            params: {a: {int: [1, 5]}}
        """,
    )
    assert problems_of(path) == [
        f"{path}:5:5: a numeric card needs either `generator` or `answer` (a formula)"
    ]


def test_code_card_whose_reference_does_not_define_the_signature_function(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "code.yaml",
        """\
        topic: code
        title: Code
        summary: The reference defines the wrong function.
        cards:
          - id: code-card
            kind: code
            prompt: Return the mean of x.
            signature: "def mean(x):"
            reference: |
              import numpy as np
              def average(x):
                  return np.mean(x)
            tests:
              - args: [[1, 2, 3]]
        """,
    )
    assert problems_of(path) == [f"{path}:5:5: reference does not define `mean` named by the signature"]


# --- what still loads, and which files are read ------------------------------------------------------


def test_good_cards_of_a_file_with_one_bad_card_still_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mixed.yaml",
        """\
        topic: mixed
        title: Mixed
        summary: Two good cards around a bad one.
        cards:
          - id: mixed-one
            kind: flashcard
            front: Q?
            back: A.
          - id: mixed-bad
            kind: choice
            question: Which?
            options: []
          - id: mixed-two
            kind: numeric
            prompt: "What is {a} doubled?"
            params: {a: {int: [1, 5]}}
            answer: 2 * a
        """,
    )
    bank = bank_of(tmp_path)
    assert [str(p) for p in bank.problems] == [
        f"{path}:12:14: `options`: List should have at least 2 items after validation, not 0"
    ]
    assert list(bank.cards) == ["mixed-one", "mixed-two"]
    assert bank.topics["mixed"].card_ids == ("mixed-one", "mixed-two")
    assert bank.topic_of["mixed-two"] == "mixed"


def test_one_broken_file_does_not_stop_another_from_loading(tmp_path: Path) -> None:
    broken = write(tmp_path, "aaa-broken.yaml", "topic: [aaa-broken\n")
    write(
        tmp_path,
        "zzz-good.yaml",
        """\
        topic: zzz-good
        title: Good
        summary: Loads despite its broken neighbour.
        cards:
          - id: zzz-card
            kind: flashcard
            front: Q?
            back: A.
        """,
    )
    bank = bank_of(tmp_path)
    assert [p.path for p in bank.problems] == [str(broken)]
    assert list(bank.topics) == ["zzz-good"]
    assert list(bank.cards) == ["zzz-card"]


def test_files_in_hidden_folders_and_hidden_files_are_skipped(tmp_path: Path) -> None:
    good = """\
        topic: {topic}
        title: T
        summary: S.
        """
    write(tmp_path, "visible.yaml", good.format(topic="visible"))
    write(tmp_path / "sub", "nested.yaml", good.format(topic="nested"))
    write(tmp_path / ".drafts", "draft.yaml", "topic: [broken\n")
    write(tmp_path / "sub" / ".git", "hidden.yaml", good.format(topic="hidden"))
    write(tmp_path, ".scratch.yaml", good.format(topic="scratch"))
    bank = bank_of(tmp_path)
    assert bank.problems == []
    assert sorted(bank.topics) == ["nested", "visible"]


def test_yml_suffix_is_loaded_and_other_suffixes_are_ignored(tmp_path: Path) -> None:
    write(
        tmp_path,
        "short.yml",
        """\
        topic: short
        title: Short suffix
        summary: .yml works too.
        cards:
          - id: short-card
            kind: flashcard
            front: Q?
            back: A.
        """,
    )
    write(tmp_path, "notes.txt", "not: [yaml\n")
    write(tmp_path, "README.md", "# not a topic\n")
    bank = bank_of(tmp_path)
    assert bank.problems == []
    assert list(bank.topics) == ["short"]
    assert bank.topics["short"].path == tmp_path / "short.yml"
    assert list(bank.cards) == ["short-card"]


def test_problems_are_sorted_by_path_then_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        topic: a
        title: A
        summary: Defines a card and has a late problem.
        cards:
          - id: a-card
            kind: flashcard
            front: Q?
            back: A.
          - id: a-bad
            kind: choice
            question: Which?
            options: []
        """,
    )
    second = write(
        tmp_path,
        "b.yaml",
        """\
        topic: b
        title: B
        summary: Its duplicate-card problem is found after its own problems.
        cards:
          - id: b-card
            kind: flashcard
            front: Q?
            back: A.
          - id: a-card
            kind: flashcard
            front: Q?
            back: A.
          - id: b-other
            kind: flashcrd
            front: Q?
            back: A.
            front: again
        """,
    )
    bank = bank_of(tmp_path)
    # load_file reports b's duplicate key (line 17) before its bad kind (line 14), and load_bank finds
    # the duplicate card (line 9) last of all: only sorting puts them in this order.
    assert [(Path(p.path).name, p.line) for p in bank.problems] == [
        ("a.yaml", 12),
        ("b.yaml", 9),
        ("b.yaml", 14),
        ("b.yaml", 17),
    ]
    assert bank.problems[1] == Problem(
        str(second), 9, 5, f"duplicate card id `a-card`: first defined at {tmp_path / 'a.yaml'}:5:5"
    )


# --- YAML that parses but cannot be built, and other wording -----------------------------------------


def test_bad_generator_name_is_called_a_generator_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "gen.yaml",
        """\
        topic: gen
        title: Generator
        summary: A misspelt generator.
        cards:
          - id: gen-card
            kind: numeric
            generator: Metrics.ROC-AUC
        """,
    )
    assert problems_of(path) == [
        f"{path}:7:16: `generator`: 'Metrics.ROC-AUC' is not a generator name: "
        "use family.name, e.g. metrics.roc_auc"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("title: !foo Unknown tag", "3:8: YAML error: could not determine a constructor for the tag '!foo'"),
        ("title: !!int abc", "3:8: YAML error: cannot read 'abc' as tag:yaml.org,2002:int: "),
        ("<<: 5", "3:5: YAML error: expected a mapping or list of mappings for merging, but found scalar"),
    ],
    ids=["unknown-tag", "bad-int", "bad-merge"],
)
def test_yaml_construction_errors_become_positioned_problems(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = write(tmp_path, "tagged.yaml", f"topic: tagged\nsummary: S.\n{line}\n")
    result = load_file(path)
    assert result.topic is None
    [problem] = result.problems
    assert str(problem).startswith(f"{path}:{expected}")


def test_yaml_construction_error_does_not_stop_the_bank(tmp_path: Path) -> None:
    write(tmp_path, "tagged.yaml", "topic: tagged\ntitle: !foo T\nsummary: S.\n")
    write(tmp_path, "plain.yaml", "topic: plain\ntitle: T\nsummary: S.\n")
    bank = bank_of(tmp_path)
    assert [(Path(p.path).name, p.line, p.col) for p in bank.problems] == [("tagged.yaml", 2, 8)]
    assert list(bank.topics) == ["plain"]


def test_unhashable_key_becomes_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "setkey.yaml", "topic: setkey\ntitle: T\nsummary: S.\n? !!set {a: null}\n: x\n")
    [problem] = load_file(path).problems
    assert (problem.line, problem.col) == (4, 3)
