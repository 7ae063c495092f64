"""Content files that used to stop the app: each is refused with `file:line:col: message` or skipped
with a message, the other files of the folder still load, and `quizapp validate` returns.

Cases that could hang (aliases, FIFOs, devices) run the CLI in a subprocess with a timeout, so a regression
fails instead of hanging the suite. Positions are counted by hand from the text each test writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.content import files as files_module
from quizapp.content.bank import Bank, content_dirs, load_bank
from quizapp.content.files import MAX_TOPIC_BYTES
from quizapp.content.loader import load_file
from quizapp.content.yamlpos import MAX_DEPTH, YamlSyntaxError, parse

GOOD = """\
topic: good
title: Good
summary: Loads whatever its neighbours are.
cards:
  - id: good-card
    kind: flashcard
    front: Q?
    back: A.
"""
HEADER = "topic: {topic}\ntitle: T\nsummary: S.\n"  # three lines; what a test adds starts on line 4

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this OS")


def folder_with_good(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD, encoding="utf-8")
    return folder


def only_problems(bank: Bank) -> list[str]:
    return [str(problem) for problem in bank.problems]


def assert_good_loaded(bank: Bank) -> None:
    assert bank.topics["good"].card_ids == ("good-card",)


def validate(*paths: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`quizapp validate PATHS` in a fresh process; a hang fails the test after 20 s instead of blocking."""
    return subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "validate", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "QUIZAPP_CACHE": "off", **(env or {})},
        check=False,
    )


# --- nesting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [500, 998])
def test_deep_flow_nesting_is_refused_at_the_first_node_too_deep(tmp_path: Path, levels: int) -> None:
    folder = folder_with_good(tmp_path)
    path = folder / "deep.yaml"
    path.write_text(HEADER.format(topic="deep") + "cards: " + "[" * levels + "]" * levels + "\n")
    bank = load_bank([folder])
    # `cards: ` is 7 characters; the k-th `[` (column 7 + k) opens the node k levels deep.
    assert only_problems(bank) == [
        f"{path}:4:{7 + MAX_DEPTH + 1}: YAML error: nested more than 32 levels deep"
    ]
    assert_good_loaded(bank)


def test_deep_block_nesting_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(HEADER.format(topic="deep") + "cards:\n" + "- " * 998 + "x\n")
    # Line 5: the k-th `- ` (column 2k - 1) starts the sequence k levels deep.
    assert [str(p) for p in load_file(path).problems] == [
        f"{path}:5:{2 * (MAX_DEPTH + 1) - 1}: YAML error: nested more than 32 levels deep"
    ]


def test_nesting_up_to_the_limit_is_accepted() -> None:
    # The top mapping's value is level 1: `a` then 31 lists makes 32 levels; one more list is refused.
    located = parse("a: " + "[" * 31 + "1" + "]" * 31 + "\n")
    inner = located.data["a"]
    for _ in range(30):
        inner = inner[0]
    assert inner == [1]
    with pytest.raises(YamlSyntaxError, match="nested more than 32 levels") as refused:
        parse("a: " + "[" * 32 + "1" + "]" * 32 + "\n")
    assert (refused.value.line, refused.value.col) == (1, 4 + 32)  # the `1`, 33 levels deep


def test_nesting_beyond_libyaml_s_own_limit_is_a_positioned_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "deeper.yaml"
    path.write_text("cards: " + "[" * 5000 + "]" * 5000 + "\n")
    [problem] = load_file(path).problems
    assert problem.line == 1 and problem.message.startswith("YAML syntax error:")


# --- aliases -----------------------------------------------------------------------------------------


def billion_laughs() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return HEADER.format(topic="laughs") + "\n".join(lines) + "\n"


ALIAS_MESSAGE = "anchors and aliases are not allowed in content; write the value out"


def test_billion_laughs_is_refused_at_the_first_alias_and_validate_returns(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    path = folder / "laughs.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    expected = f"{path}:5:10: YAML alias `*a0`: {ALIAS_MESSAGE}"  # line 5 is `a1: &a1 [*a0, ...`
    done = validate(folder)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [expected]
    bank = load_bank([folder])
    assert only_problems(bank) == [expected]
    assert_good_loaded(bank)


@pytest.mark.parametrize(
    ("body", "position", "name"),
    [
        ("front: &q Q?\nback: *q\n", "5:7", "q"),  # one harmless alias: still refused
        ("base: &b {x: 1}\nmore:\n  <<: *b\n", "6:7", "b"),  # a merge key's alias
        ("loop: &l [*l]\n", "4:11", "l"),  # a list that contains itself
    ],
    ids=["scalar", "merge", "recursive"],
)
def test_every_alias_is_refused(tmp_path: Path, body: str, position: str, name: str) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(HEADER.format(topic="alias") + body, encoding="utf-8")
    result = load_file(path)
    assert result.topic is None
    assert [str(p) for p in result.problems] == [f"{path}:{position}: YAML alias `*{name}`: {ALIAS_MESSAGE}"]


def test_ampersands_and_asterisks_in_text_are_not_aliases(tmp_path: Path) -> None:
    path = tmp_path / "prose.yaml"
    path.write_text(
        HEADER.format(topic="prose").replace("S.", '"Q&A on **bold** claims & *emphasis*"'),
        encoding="utf-8",
    )
    result = load_file(path)
    assert result.problems == () and result.topic is not None
    assert result.topic.header.summary == "Q&A on **bold** claims & *emphasis*"


# --- special files -----------------------------------------------------------------------------------


@needs_fifo
def test_a_fifo_in_a_folder_is_skipped_with_a_message_and_never_opened(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    fifo = folder / "pipe.yaml"
    os.mkfifo(fifo)
    expected = f"{fifo}:1:1: skipped: a named pipe (FIFO), not a regular file"
    done = validate(folder)
    assert (done.returncode, done.stdout.splitlines()) == (1, [expected])
    assert "1 card in 1 topic" in done.stderr
    bank = load_bank([folder])
    assert only_problems(bank) == [expected]
    assert_good_loaded(bank)


@needs_fifo
def test_a_fifo_named_on_the_command_line_is_skipped(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done = validate(fifo)
    assert (done.returncode, done.stdout) == (
        1,
        f"{fifo}:1:1: skipped: a named pipe (FIFO), not a regular file\n",
    )


@needs_fifo
def test_app_start_with_a_fifo_in_the_content_and_in_the_cache_s_place_does_not_block(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    os.mkfifo(folder / "pipe.yaml")
    cache = tmp_path / "cache"
    cache.mkdir()
    os.mkfifo(cache / "bank.pickle")
    # `quizapp problem` loads the bank with the cache, as the TUI does, then looks the card up.
    done = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "problem", "no-such-card"],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "QUIZAPP_CONTENT": str(folder), "QUIZAPP_CACHE": str(cache)},
        check=False,
    )
    assert done.returncode == 2
    assert "no card with id `no-such-card`" in done.stderr


def test_a_device_named_like_a_topic_is_skipped(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (folder / "zero.yaml").symlink_to("/dev/zero")  # read, it would never end
    done = validate(folder)
    assert done.stdout.splitlines() == [
        f"{folder / 'zero.yaml'}:1:1: skipped: a character device, not a regular file"
    ]


def test_links_that_go_nowhere_and_folders_named_like_topics_are_skipped_with_a_message(
    tmp_path: Path,
) -> None:
    folder = folder_with_good(tmp_path)
    (folder / "loop.yaml").symlink_to("loop.yaml")
    (folder / "dangling.yaml").symlink_to("missing.yaml")
    (folder / "drafts.yaml").mkdir()
    (folder / "drafts.yaml" / "inner.yaml").write_text(HEADER.format(topic="inner"), encoding="utf-8")
    (folder / "linked.yaml").symlink_to("good.yaml")  # a link to a good file: loads (a duplicate topic)
    bank = load_bank([folder])
    good, linked = folder / "good.yaml", folder / "linked.yaml"
    assert only_problems(bank) == [
        f"{folder / 'dangling.yaml'}:1:1: skipped: a broken symbolic link (to missing.yaml)",
        f"{folder / 'drafts.yaml'}:1:1: skipped: a folder, not a regular file",
        f"{linked}:1:8: duplicate topic id `good`: first defined at {good}:1:8; file skipped",
        f"{linked}:1:8: topic id `good` differs from the file name `linked.yaml`",
        f"{linked}:5:5: duplicate card id `good-card`: also defined at {good}:5:5",
        f"{folder / 'loop.yaml'}:1:1: skipped: a symbolic link loop",
    ]
    assert sorted(bank.topics) == ["good", "inner"]  # the folder's own topic files still load
    assert_good_loaded(bank)


def test_a_content_folder_that_is_a_symlink_loop_is_skipped_not_fatal(tmp_path: Path) -> None:
    loop = tmp_path / "one"
    loop.symlink_to(tmp_path / "two")
    (tmp_path / "two").symlink_to(loop)
    folders = content_dirs([loop], environ={"QUIZAPP_CONTENT": str(loop)})  # raised RuntimeError
    assert folders[1:] == [loop]
    assert only_problems(load_bank([loop])) == [f"{loop}:1:1: skipped: a symbolic link loop"]


def test_a_link_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    (folder / "again").symlink_to(folder)  # would loop forever if followed
    bank = load_bank([folder])
    assert bank.problems == []
    assert_good_loaded(bank)


def test_an_unreadable_file_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, where chmod 000 does not stop a read: the refusal is simulated at the open.
    folder = folder_with_good(tmp_path)
    locked = folder / "locked.yaml"
    locked.write_text(HEADER.format(topic="locked"), encoding="utf-8")
    real_open = os.open

    def refusing_open(path: object, flags: int, *args: object) -> int:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(files_module.os, "open", refusing_open)
    bank = load_bank([folder])
    assert only_problems(bank) == [f"{locked}:1:1: skipped: cannot read file: Permission denied"]
    assert_good_loaded(bank)


# --- size, encoding, odd shapes ----------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_skipped_unread(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    path = folder / "huge.yaml"
    path.write_text("topic: huge\nsummary: " + "x" * MAX_TOPIC_BYTES + "\n", encoding="utf-8")
    size = len("topic: huge\nsummary: ") + MAX_TOPIC_BYTES + 1
    bank = load_bank([folder])
    assert only_problems(bank) == [
        f"{path}:1:1: skipped: file too large: {size:,} bytes (the limit is 1,048,576)"
    ]
    assert_good_loaded(bank)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"topic: latin\ntitle: caf\xe9\n", "1:1: not UTF-8 text (byte 23)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "1:1: not UTF-8 text (byte 0)"),
        ("topic: wide\n".encode("utf-16"), "1:1: not UTF-8 text but UTF-16: save it as UTF-8"),
        # valid UTF-8 with a NUL: the 12th character of line 2 (`title: ` is 7, `café` 4 more)
        (
            b"topic: nul\ntitle: caf\xc3\xa9\x00\n",
            "2:12: YAML error: control characters are not allowed (U+0000)",
        ),
        (b"just a sentence\n", "1:1: expected a mapping (topic: ..., title: ...), found a string"),
        (b"42\n", "1:1: expected a mapping (topic: ..., title: ...), found a number"),
        (b"- a\n- b\n", "1:1: expected a mapping (topic: ..., title: ...), found a list"),
        (b"", "1:1: file is empty: expected a topic with topic, title, summary, cards"),
        # a tab may not indent: the scanner stops at it
        (
            b"topic: tabs\ntitle: T\nsummary: S.\ncards:\n\t- id: x\n",
            "5:1: YAML syntax error: while scanning",
        ),
    ],
    ids=["latin-1", "binary", "utf-16", "nul", "scalar", "number", "list", "empty", "tab"],
)
def test_unusable_bytes_and_shapes(tmp_path: Path, content: bytes, expected: str) -> None:
    folder = folder_with_good(tmp_path)
    path = folder / "odd.yaml"
    path.write_bytes(content)
    bank = load_bank([folder])
    [problem] = only_problems(bank)
    assert problem.startswith(f"{path}:{expected}")
    assert_good_loaded(bank)


def test_a_utf8_bom_is_read_and_moves_no_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbftopic: other\ntitle: T\nsummary: S.\n")
    # Without the BOM, `other` starts at column 8 of line 1: the BOM must not shift it.
    assert [str(p) for p in load_file(path).problems] == [
        f"{path}:1:8: topic id `other` differs from the file name `bom.yaml`"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("? 0x" + "f" * 1000 + "\n: x\n", "4:3: YAML error: integer too large (over 256 bits)"),
        ("references: [" + "9" * 5000 + "]\n", "4:14: YAML error: integer too large (over 256 bits)"),
        ("5: x\n", "4:1: `[5]`: Keys should be strings"),
        ("? [a, b]\n: x\n", "4:3: YAML error: a key must be plain text, found a list"),
    ],
    ids=["hex-key", "decimal-value", "small-int-key", "list-key"],
)
def test_odd_keys_and_huge_integers(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text(HEADER.format(topic="keys") + line, encoding="utf-8")
    assert [str(p) for p in load_file(path).problems] == [f"{path}:{expected}"]


def test_a_very_long_line_loads(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    summary = "word " * 150_000  # 750 kB on one line
    path.write_text(HEADER.format(topic="long").replace("S.", summary.strip()), encoding="utf-8")
    result = load_file(path)
    assert result.problems == () and result.topic is not None
    assert result.topic.header.summary == summary.strip()


def test_huge_text_in_a_message_is_clipped(tmp_path: Path) -> None:
    path = tmp_path / "long-key.yaml"
    path.write_text(HEADER.format(topic="long-key") + "? " + "x" * 100_000 + "\n: value\n", encoding="utf-8")
    [problem] = load_file(path).problems
    assert (problem.line, problem.col) == (4, 3)
    assert problem.message.startswith("unknown key `xxxxxxxx") and len(problem.message) < 200


def test_a_syntax_error_midway_skips_the_whole_file_with_its_position(tmp_path: Path) -> None:
    # A file that is not well-formed YAML is not half-loaded: the cards before the error stay out too
    # (loading them would make the rest vanish silently); the error says where to look.
    folder = folder_with_good(tmp_path)
    path = folder / "midway.yaml"
    path.write_text(
        HEADER.format(topic="midway")
        + "cards:\n  - id: midway-one\n    kind: flashcard\n    front: Q?\n    back: A.\n"
        + "  - id: midway-two\n    kind: flashcard\n    front: [Q?\n    back: A.\n",
        encoding="utf-8",
    )
    bank = load_bank([folder])
    [problem] = bank.problems
    assert (problem.path, problem.line, problem.col) == (str(path), 12, 9)  # `back`, inside the open `[`
    assert problem.message.startswith("YAML syntax error: while parsing a flow sequence")
    assert "midway-one" not in bank.cards
    assert_good_loaded(bank)


# --- all the problems of a file in one run -----------------------------------------------------------


def test_a_topic_problem_does_not_hide_duplicate_card_ids(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    path = folder / "nosummary.yaml"
    path.write_text(
        "topic: nosummary\ntitle: No summary\ncards:\n"
        "  - id: twice\n    kind: flashcard\n    front: Q?\n    back: A.\n"
        "  - id: twice\n    kind: flashcard\n    front: Q?\n    back: A.\n"
        "  - id: good-card\n    kind: flashcard\n    front: Q?\n"
        "  - id: good-card\n    kind: flashcard\n    front: Q?\n    back: A.\n",
        encoding="utf-8",
    )
    bank = load_bank([folder])
    assert only_problems(bank) == [
        f"{path}:1:1: missing required key `summary` in this topic",
        f"{path}:8:5: duplicate card id `twice`: first defined at {path}:4:5",
        f"{path}:12:5: missing required key `back` in this flashcard card",
        f"{path}:15:5: duplicate card id `good-card`: also defined at {folder / 'good.yaml'}:5:5",
    ]
    assert "twice" not in bank.cards  # the file is still skipped
    assert_good_loaded(bank)


def test_validate_reports_every_hostile_file_and_loads_the_good_one(tmp_path: Path) -> None:
    folder = folder_with_good(tmp_path)
    (folder / "laughs.yaml").write_text(billion_laughs(), encoding="utf-8")
    (folder / "deep.yaml").write_text("cards: " + "[" * 900 + "]" * 900 + "\n", encoding="utf-8")
    (folder / "binary.yaml").write_bytes(bytes(range(256)))
    (folder / "dir.yaml").mkdir()
    (folder / "gone.yaml").symlink_to("nowhere")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe.yaml")
    done = validate(folder)
    assert done.returncode == 1
    reported = {Path(line.split(":", 1)[0]).name for line in done.stdout.splitlines()}
    expected = {"laughs.yaml", "deep.yaml", "binary.yaml", "dir.yaml", "gone.yaml"}
    assert reported == expected | ({"pipe.yaml"} if hasattr(os, "mkfifo") else set())
    assert "1 card in 1 topic" in done.stderr
