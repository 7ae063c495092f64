"""The `quizapp` command line: validate, schema, --help, and where the bank's folders come from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quizapp import __version__
from quizapp.cli import main
from quizapp.content.bank import CONTENT_ENV, builtin_content_dir, content_dirs, load_bank

CARD_DEFS = {"flashcard": "Flashcard", "choice": "ChoiceCard", "numeric": "NumericCard", "code": "CodeCard"}


def write(folder: Path, name: str, text: str) -> Path:
    """Write a dedented topic file (creating folders); line 1 is the first line after the opening quotes."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def clean_topic(folder: Path, topic: str, cards: int = 1) -> Path:
    """A valid topic file `topic.yaml` with `cards` flashcards `topic-1`, `topic-2`, ..."""
    body = "".join(
        f"  - id: {topic}-{n}\n    kind: flashcard\n    front: Question {n}?\n    back: Answer {n}.\n"
        for n in range(1, cards + 1)
    )
    return write(folder, f"{topic}.yaml", f"topic: {topic}\ntitle: T\nsummary: S.\ncards:\n{body}")


def broken_folder(folder: Path) -> tuple[Path, Path]:
    """Two files with one problem each (and one good card in the first), for the broken-bank tests."""
    kinds = write(
        folder,
        "kinds.yaml",
        """\
        topic: kinds
        title: Kinds
        summary: One good card, one misspelt kind.
        cards:
          - id: kinds-good
            kind: flashcard
            front: Q?
            back: A.
          - id: kinds-bad
            kind: flashcrd
        """,
    )
    syntax = write(folder, "syntax.yaml", "topic: syntax\ntitle: [Unclosed\n")
    return kinds, syntax


@pytest.fixture(autouse=True)
def _no_content_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set QUIZAPP_CONTENT themselves when they mean to."""
    monkeypatch.delenv(CONTENT_ENV, raising=False)


# --- validate ----------------------------------------------------------------------------------------


def test_validate_clean_folder_exits_0_with_ok_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_topic(tmp_path, "first", cards=2)
    clean_topic(tmp_path / "nested", "second", cards=1)
    assert main(["validate", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "ok: 3 cards in 2 topics\n"


def test_validate_a_single_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = clean_topic(tmp_path, "solo", cards=2)
    clean_topic(tmp_path, "ignored", cards=5)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().err == "ok: 2 cards in 1 topic\n"


def test_validate_broken_folder_prints_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kinds, syntax = broken_folder(tmp_path)
    assert main(["validate", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == (
        f"{kinds}:10:11: unknown card kind `flashcrd`: expected one of flashcard, choice, numeric, code"
    )
    # A flow sequence left open at the end of the file: reported where the input ends.
    assert lines[1].startswith(f"{syntax}:3:1: YAML syntax error: ")
    assert len(lines) == 2
    assert err == "2 problems; 1 card in 1 topic loaded\n"


def test_validate_nonexistent_path_exits_1_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_topic(tmp_path, "real")
    missing = tmp_path / "nope"
    assert main(["validate", str(tmp_path), str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{missing}: no such file or folder\n"  # and nothing else: no ok, no summary


def test_validate_without_path_checks_the_builtin_bank_and_it_is_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Guard on the shipped content: every built-in topic file must validate."""
    shipped = sorted(builtin_content_dir().glob("*.yaml"))
    assert shipped, "the built-in bank has no topic files"
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    bank = load_bank([builtin_content_dir()])
    assert len(bank.topics) == len(shipped)
    assert err == f"ok: {len(bank.cards):,} cards in {len(shipped)} topics\n"


def test_validate_without_path_includes_content_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kinds, _ = broken_folder(tmp_path / "extra")
    builtin = load_bank([builtin_content_dir()])
    assert main(["validate", "--content", str(tmp_path / "extra")]) == 1
    out, err = capsys.readouterr()
    assert f"{kinds}:10:11: unknown card kind `flashcrd`" in out
    assert err == f"2 problems; {len(builtin.cards) + 1:,} cards in {len(builtin.topics) + 1} topics loaded\n"


def test_validate_with_paths_ignores_content_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_topic(tmp_path / "checked", "checked")
    broken_folder(tmp_path / "extra")
    args = ["validate", "--content", str(tmp_path / "extra"), str(tmp_path / "checked")]
    assert main(args) == 0
    assert capsys.readouterr().err == "ok: 1 card in 1 topic\n"


@pytest.mark.parametrize(
    "where",
    [("top", "top"), ("sub", "sub"), ("top", "sub")],
    ids=["before-subcommand", "after-subcommand", "before-and-after"],
)
def test_content_option_adds_up_wherever_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: tuple[str, str]
) -> None:
    one = write(tmp_path / "one", "one.yaml", "topic: one\ntitle: [\n")
    two = write(tmp_path / "two", "two.yaml", "topic: two\ntitle: [\n")
    top: list[str] = []
    sub: list[str] = []
    for place, folder in zip(where, (one.parent, two.parent), strict=True):
        (top if place == "top" else sub).extend(["--content", str(folder)])
    assert main([*top, "validate", *sub]) == 1
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines()] == [str(one), str(two)]


def test_quizapp_content_env_adds_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_topic(tmp_path / "env-a", "env-a", cards=2)
    clean_topic(tmp_path / "env-b", "env-b", cards=1)
    clean_topic(tmp_path / "flag", "flag", cards=1)
    monkeypatch.setenv(CONTENT_ENV, f"{tmp_path / 'env-a'}{os.pathsep}{os.pathsep}{tmp_path / 'env-b'}")
    dirs = content_dirs([tmp_path / "flag"])
    assert dirs == [builtin_content_dir(), tmp_path / "env-a", tmp_path / "env-b", tmp_path / "flag"]
    bank = load_bank(dirs)
    assert bank.problems == []
    assert {"env-a", "env-b", "flag"} <= set(bank.topics)
    assert bank.topics["env-a"].card_ids == ("env-a-1", "env-a-2")
    assert len(bank.topics) == len(load_bank([builtin_content_dir()]).topics) + 3


def test_content_dirs_without_env_is_just_the_builtin_bank_and_dedupes(tmp_path: Path) -> None:
    assert content_dirs() == [builtin_content_dir()]
    environ = {CONTENT_ENV: str(tmp_path)}
    assert content_dirs([tmp_path, builtin_content_dir()], environ=environ) == [
        builtin_content_dir(),
        tmp_path,
    ]


def test_validate_reads_quizapp_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kinds, syntax = broken_folder(tmp_path)
    monkeypatch.setenv(CONTENT_ENV, str(tmp_path))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines()] == [str(kinds), str(syntax)]


# --- schema ------------------------------------------------------------------------------------------


def test_schema_is_json_with_the_four_card_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "quizapp topic file"
    assert set(schema["required"]) >= {"topic", "title", "summary"}
    assert schema["additionalProperties"] is False

    cards = schema["properties"]["cards"]
    assert cards["type"] == "array"
    union = cards["items"]
    refs = {item["$ref"] for item in union["oneOf"]}
    assert refs == {f"#/$defs/{name}" for name in CARD_DEFS.values()}
    assert union["discriminator"]["propertyName"] == "kind"
    assert union["discriminator"]["mapping"] == {kind: f"#/$defs/{name}" for kind, name in CARD_DEFS.items()}

    defs = schema["$defs"]
    for kind, name in CARD_DEFS.items():
        model = defs[name]
        assert model["additionalProperties"] is False, name
        assert model["properties"]["kind"]["const"] == kind
        assert {"id", "kind"} <= set(model["required"])
    assert defs["Option"]["additionalProperties"] is False


def test_schema_indent_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--indent", "5"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith(" " * 5 + '"')
    assert not out.splitlines()[1].startswith(" " * 6)
    assert json.loads(out)["properties"]["cards"]


# --- help and version --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], "usage: quizapp [-h]"),
        (["-h"], "QUIZAPP_CONTENT"),
        (["validate", "--help"], "usage: quizapp validate"),
        (["schema", "--help"], "usage: quizapp schema"),
        (["study", "--help"], "usage: quizapp study"),
    ],
)
def test_help_exits_0(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert expected in capsys.readouterr().out


def test_top_level_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("study", "validate", "schema"):
        assert f"    {command} " in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"quizapp {__version__}\n"


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validte"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'validte'" in capsys.readouterr().err


# --- the installed module as a process ---------------------------------------------------------------


def run_quizapp(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key != CONTENT_ENV}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "quizapp.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def test_process_validate_broken_folder(tmp_path: Path) -> None:
    kinds, syntax = broken_folder(tmp_path)
    result = run_quizapp("validate", str(tmp_path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{kinds}:10:11: unknown card kind `flashcrd`: expected one of flashcard, choice, numeric, code"
    )
    assert lines[1].startswith(f"{syntax}:3:1: YAML syntax error: ")
    assert result.stderr == "2 problems; 1 card in 1 topic loaded\n"


def test_process_validate_clean_and_schema(tmp_path: Path) -> None:
    clean_topic(tmp_path, "clean", cards=3)
    result = run_quizapp("validate", str(tmp_path))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "ok: 3 cards in 1 topic\n")
    schema = run_quizapp("schema")
    assert schema.returncode == 0
    assert "cards" in json.loads(schema.stdout)["properties"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not an SQLite file, just text that happens to be long enough" * 20, "not a database"),
        (None, "unable to open"),  # a folder where the file should be
    ],
)
def test_an_unusable_database_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, expected: str
) -> None:
    db = tmp_path / "q.db"
    if content is None:
        db.mkdir()
    else:
        db.write_bytes(content)
    assert main(["--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"cannot open the database {db}" in err and expected in err


# --- newcomer paths: topics, ids on a mistake, clashes, pipes -----------------------------------------


def test_topics_lists_ids_titles_and_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean_topic(tmp_path, "zz-mine", cards=3)
    assert main(["topics", "--content", str(tmp_path), "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["zz-mine"] == {"id": "zz-mine", "title": "T", "cards": 3, "by_kind": {"flashcard": 3}}
    builtin = load_bank([builtin_content_dir()])
    assert set(rows) == {*builtin.topics, "zz-mine"}
    assert main(["topics", "--content", str(tmp_path)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("zz-mine "))
    assert line.endswith("T  (3 cards: 3 flashcard)")


@pytest.mark.parametrize("argv", [["drill", "nope"], ["study", "--topic", "nope"]])
def test_an_unknown_topic_lists_the_valid_ids(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_topic(tmp_path, "zz-mine")
    assert main([*argv, "--content", str(tmp_path), "--db", str(tmp_path / "q.db")]) == 2
    err = capsys.readouterr().err
    assert "unknown topic nope" in err
    assert "known topics: " in err and "zz-mine" in err and "roc-auc" in err


def test_problem_list_gives_numeric_card_ids_that_problem_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["problem", "--list"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    ids = {row[0]: row[1] for row in rows}
    assert ids["roc-auc-from-scores"] == "metrics.roc_auc"
    card_id = rows[0][0]
    assert main(["problem", card_id, "--seed", "1"]) == 0  # what --list prints, problem takes
    assert capsys.readouterr().out.startswith(f"{card_id} (seed 1)")


def test_validate_a_folder_reports_ids_taken_in_the_bank_it_joins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "mine.yaml",
        """\
        topic: mine
        title: T
        summary: S.
        cards:
          - id: roc-auc-from-scores
            kind: flashcard
            front: Q?
            back: A.
        """,
    )
    assert main(["validate", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}:5:5: card id `roc-auc-from-scores` is already used at ")
    assert "in the bank this joins" in out
    assert err == "1 problem; 1 card in 1 topic loaded\n"
    assert main(["validate", "--alone", str(tmp_path)]) == 0
    assert capsys.readouterr().err == "ok: 1 card in 1 topic\n"


def test_validate_names_a_choice_value_that_always_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """a = 1 divides by zero on every draw: the 50 seeds may all draw a = 2 or 3 and say OK."""
    path = write(
        tmp_path,
        "div.yaml",
        """\
        topic: div
        title: T
        summary: S.
        cards:
          - id: div-one
            kind: numeric
            tolerance: {decimals: 3}
            params:
              a: {choice: [1, 2, 3]}
              b: {int: [1, 9]}
            prompt: "What is 1/({a} - 1) + {b}? Give 3 decimals."
            answer: 1 / (a - 1) + b
        """,
    )
    assert main(["validate", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:5:5: card `div-one`: `a` = 1 never gives a usable problem (")


def test_schema_accepts_the_bank_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--db", str(tmp_path / "q.db"), "--content", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "quizapp topic file"


def test_output_into_a_closed_pipe_is_quiet() -> None:
    """`quizapp problem --list | head -1`: no BrokenPipeError traceback."""
    environ = {key: value for key, value in os.environ.items() if key != CONTENT_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-m", "quizapp.cli", "problem", "--list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before the first line
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_validate_summary_comes_after_the_problem_lines_in_one_pipe(tmp_path: Path) -> None:
    broken_folder(tmp_path)
    environ = {key: value for key, value in os.environ.items() if key != CONTENT_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "validate", "--alone", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=environ,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.splitlines()[-1] == "2 problems; 1 card in 1 topic loaded"
