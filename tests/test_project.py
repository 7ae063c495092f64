"""Guards on the project itself: CI runs what the README tells users, and the README's example is valid.

The built-in bank's own guards are in test_content.py."""

from __future__ import annotations

import re
from pathlib import Path

from quizapp.content.bank import load_bank
from quizapp.content.schema import CARD_KINDS, NumericCard
from quizapp.problems.audit import card_problems

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_them() -> None:
    commands = _readme_commands()
    assert commands == ["pip install . && quizapp", 'pip install ".[test]" && pytest']
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        for part in command.split(" && "):
            if part != "quizapp":  # the interactive app: CI runs `quizapp validate` instead
                assert re.search(rf"^{re.escape(part)}( \|\||$)", ci, re.M), part
    assert 'if [ "$status" -eq 5 ]' in ci  # pytest's "no tests collected" must fail CI


def test_the_readme_example_topic_is_valid_and_poses_its_problems(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("### A complete topic file", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    path = tmp_path / "sigmoid-basics.yaml"
    path.write_text(example, encoding="utf-8")
    bank = load_bank([path])
    assert bank.problems == [] and {card.kind for card in bank.cards.values()} == set(CARD_KINDS)
    for card in bank.cards.values():
        if isinstance(card, NumericCard):
            assert card_problems(card) == []
