"""`quizapp problem`, `check` and `drill`: the JSON contract, exit codes, and a piped drill."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quizapp.cli import attach_dash_values, main
from quizapp.content.bank import CONTENT_ENV, content_dirs, load_bank
from quizapp.content.schema import NumericCard
from quizapp.drill import drill_plan
from quizapp.problems.check import expected_text
from quizapp.problems.registry import make_problem

TOPIC = """\
topic: clitopic
title: CLI topic
summary: Cards for the command-line tests.
cards:
  - id: cli-third
    kind: numeric
    prompt: "What is {a} / 3? Give 3 decimals."
    params: {a: {int: [1, 2]}}
    answer: a / 3
    tolerance: {decimals: 3}
    solution: "{a} / 3 = {answer}"
  - id: cli-auc
    kind: numeric
    generator: metrics.roc_auc
  - id: cli-negative
    kind: numeric
    prompt: "What is -{a} / 400? Give 4 decimals."
    params: {a: {int: [1, 2]}}
    answer: -a / 400
    tolerance: {decimals: 4}
    solution: "-{a} / 400 = {answer}"
  - id: cli-flash
    kind: flashcard
    front: Q?
    back: A.
"""


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "clitopic.yaml").write_text(TOPIC, encoding="utf-8")
    monkeypatch.setenv(CONTENT_ENV, str(folder))
    return folder


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    return json.loads(out)  # type: ignore[no-any-return]


def test_problem_json_has_the_contract_keys(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["problem", "cli-third", "--seed", "4", "--json"]) == 0
    shown = _json(capsys)
    assert set(shown) == {"card_id", "seed", "prompt", "given", "unit", "tolerance"}
    assert shown["card_id"] == "cli-third" and shown["seed"] == 4
    assert shown["tolerance"] == {"decimals": 3} and shown["unit"] == "real"
    a = shown["given"]["a"]  # type: ignore[index]
    assert shown["prompt"] == f"What is {a} / 3? Give 3 decimals."
    assert main(["problem", "cli-third", "--seed", "4", "--json", "--reveal"]) == 0
    revealed = _json(capsys)
    assert revealed["answer"] == pytest.approx(a / 3)
    assert revealed["solution"] == f"{a} / 3 = {a / 3:.3f}"
    assert {k: revealed[k] for k in shown} == shown


def test_problem_without_a_seed_prints_the_one_it_drew(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["problem", "cli-auc"]) == 0
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line.startswith("cli-auc (seed ") and first_line.endswith(")")


@pytest.mark.parametrize(
    ("answer", "code", "status"),
    [("right", 0, "correct"), ("5", 1, "wrong"), ("five", 2, "unusable"), ("0.3", 2, "imprecise")],
)
def test_check_exit_codes_and_json(
    content: Path, capsys: pytest.CaptureFixture[str], answer: str, code: int, status: str
) -> None:
    card = load_bank(content_dirs()).cards["cli-third"]
    assert isinstance(card, NumericCard)
    problem = make_problem(card, 9)
    expected = expected_text(problem.answer, problem.tolerance)
    typed = expected if answer == "right" else answer
    if status == "imprecise":
        typed = f"{float(problem.answer):.1f}"  # type: ignore[arg-type]
    assert main(["check", "cli-third", "--seed", "9", "--answer", typed, "--json"]) == code
    verdict = _json(capsys)
    assert set(verdict) >= {"correct", "expected", "parsed", "message", "diagnosis"}
    assert verdict["status"] == status and verdict["correct"] is (code == 0)
    assert verdict["expected"] == expected and verdict["message"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["check", "no-such-card", "--seed", "1", "--answer", "1"], "no card with id `no-such-card`"),
        (
            ["check", "cli-flash", "--seed", "1", "--answer", "1"],
            "`cli-flash` is a flashcard, not a numeric card",
        ),
        (["problem"], "give a CARD_ID"),
        (["drill", "no-such-topic"], "unknown topic"),
    ],
)
def test_unusable_commands_exit_2_with_a_message(
    content: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    assert main(args) == 2
    assert says in capsys.readouterr().err


def test_problem_generators_names_every_generator(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["problem", "--generators"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 30
    assert any(line.startswith("metrics.roc_auc ") for line in lines)


def test_drill_scores_piped_answers(
    content: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = load_bank(content_dirs())
    plan = drill_plan(bank, ["clitopic"], 3, seed=12)
    truths = []
    for card_id, seed in plan:
        card = bank.cards[card_id]
        assert isinstance(card, NumericCard)
        problem = make_problem(card, seed)
        truths.append(expected_text(problem.answer, problem.tolerance, problem.unit))
    # right, then junk (asked again) and wrong, then a give-up
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{truths[0]}\nabc\n-7\n?\n"))
    assert main(["drill", "clitopic", "-n", "3", "--seed", "12"]) == 0
    out = capsys.readouterr().out
    assert out.count("✓") == 1 and out.count("✗") == 2
    assert "is not a number" in out  # the junk line was explained, then asked again
    assert out.rstrip().endswith("score: 1/3 (33%)")


def test_drill_stops_at_end_of_input(content: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["drill", "-n", "5", "--seed", "1"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("score: 0/0 (0%)")


def test_drill_through_a_real_pipe(content: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "drill", "clitopic", "-n", "2", "--seed", "3"],
        input="?\nq\n",
        capture_output=True,
        text=True,
        env={**os.environ, CONTENT_ENV: str(content)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Solution:" in result.stdout
    assert result.stdout.rstrip().endswith("score: 0/1 (0%)")


def test_validate_runs_numeric_cards_and_reports_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "runtime.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            topic: runtime
            title: Runtime
            summary: Cards that only fail when run.
            cards:
              - id: rt-zero
                kind: numeric
                prompt: "What is {a} / 0?"
                params: {a: 1}
                answer: a / 0
              - id: rt-unknown
                kind: numeric
                generator: metrics.roc_aux
              - id: rt-param
                kind: numeric
                generator: metrics.roc_auc
                params: {bins: 3}
            """
        ),
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{path}:5:5: card `rt-zero`: seed 0: `a / 0` failed: division by zero"
    assert lines[1].startswith(
        f"{path}:10:5: card `rt-unknown`: unknown generator `metrics.roc_aux`; did you mean"
    )
    assert (
        lines[2]
        == f"{path}:13:5: card `rt-param`: metrics.roc_auc has no param bins (it takes: n, separation)"
    )


def _negative_truth(content: Path) -> str:
    """The truth of cli-negative for seed 3 as it should be typed, e.g. `-0.0050`."""
    card = load_bank(content_dirs()).cards["cli-negative"]
    assert isinstance(card, NumericCard)
    problem = make_problem(card, 3)
    a = problem.given["a"]
    assert float(problem.answer) == -a / 400  # type: ignore[arg-type]
    return expected_text(problem.answer, problem.tolerance)


@pytest.mark.parametrize(
    "form",
    [
        ["--answer", "{}"],
        ["--answer={}"],
        ["--ans", "{}"],  # an abbreviation, as argparse allows
        ["--answer", "{} "],
    ],
)
def test_negative_answers_are_read_however_the_option_is_written(
    content: Path, capsys: pytest.CaptureFixture[str], form: list[str]
) -> None:
    truth = _negative_truth(content)
    assert truth.startswith("-")
    answer = [part.format(truth) for part in form]
    assert main(["check", "cli-negative", "--seed", "3", *answer, "--json"]) == 0
    assert _json(capsys)["status"] == "correct"
    # as scientific notation (argparse alone refused `-2.5e-3`: "expected one argument") and Unicode minus
    scientific = f"{float(truth) * 1000:.1f}e-3"
    for typed in (scientific, "−" + truth[1:], f"-{truth[1:]}".replace("-0.", "-.")):
        assert main(["check", "cli-negative", "--seed", "3", "--answer", typed, "--json"]) == 0, typed
        assert _json(capsys)["parsed"] == pytest.approx(float(truth))


@pytest.mark.parametrize(
    ("typed", "says"),
    [("-1 2", "asks for one number, you typed 2"), ("-abc", "`-abc` is not a number"), ("-", "not a number")],
)
def test_answers_starting_with_a_dash_reach_the_checker(
    content: Path, capsys: pytest.CaptureFixture[str], typed: str, says: str
) -> None:
    assert main(["check", "cli-negative", "--seed", "3", "--answer", typed, "--json"]) == 2
    assert says in _json(capsys)["message"]  # type: ignore[operator]


def test_a_missing_answer_is_still_argparses_error(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", "cli-negative", "--seed", "3", "--answer", "--json"])
    assert exited.value.code == 2
    assert "--answer: expected one argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "joined"),
    [
        (["check", "c", "--answer", "-2.5e-3"], ["check", "c", "--answer=-2.5e-3"]),
        (["check", "c", "--seed", "-1", "--answer", "-x"], ["check", "c", "--seed=-1", "--answer=-x"]),
        (["check", "c", "--answer", "0.5", "--seed", "3"], ["check", "c", "--answer", "0.5", "--seed", "3"]),
        (["check", "c", "--answer", "--json"], ["check", "c", "--answer", "--json"]),
        (["check", "c", "--answer=-1", "--an", "-2"], ["check", "c", "--answer=-1", "--an=-2"]),
        (["check", "c", "--", "--answer", "-1"], ["check", "c", "--", "--answer", "-1"]),
        (["drill", "-n", "-3", "--answer"], ["drill", "-n", "-3", "--answer"]),
    ],
)
def test_dash_values_are_attached_to_their_option(argv: list[str], joined: list[str]) -> None:
    assert attach_dash_values(argv) == joined


@pytest.mark.parametrize("seed", ["0", "9223372036854775807", "00042"])
def test_seeds_in_range_are_accepted(content: Path, capsys: pytest.CaptureFixture[str], seed: str) -> None:
    assert main(["problem", "cli-third", "--seed", seed, "--json"]) == 0
    assert _json(capsys)["seed"] == int(seed)


@pytest.mark.parametrize(
    "args",
    [
        ["problem", "cli-third", "--seed", "-1"],
        ["problem", "cli-third", "--seed", "9223372036854775808"],
        ["check", "cli-third", "--seed", "−1", "--answer", "1"],
        ["check", "cli-third", "--seed", "1.5", "--answer", "1"],
        ["drill", "--seed", "-1e3"],
        ["drill", "--seed", "x"],
    ],
)
def test_seeds_out_of_range_exit_2_naming_the_range(
    content: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "a seed is a whole number from 0 to 9223372036854775807 (2**63 - 1)" in capsys.readouterr().err


@pytest.mark.parametrize("n", ["0", "-3", "1001"])
def test_drill_counts_are_bounded(content: Path, capsys: pytest.CaptureFixture[str], n: str) -> None:
    with pytest.raises(SystemExit):
        main(["drill", "-n", n])
    assert "number of problems is a whole number from 1 to 1000" in capsys.readouterr().err
