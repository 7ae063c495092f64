"""Guards on the project itself: CI runs what the README tells users, and the bank ships."""

from __future__ import annotations

import re
from pathlib import Path

from quizapp.content.bank import builtin_content_dir, load_bank

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


def test_builtin_bank_is_found_and_clean() -> None:
    bank = load_bank([builtin_content_dir()])
    assert not bank.problems, "\n".join(map(str, bank.problems))
    starter = {
        "vanishing-gradients",
        "roc-auc",
        "imbalanced-data",
        "dropout",
        "cross-validation",
        "discriminative-vs-generative",
        "precision-recall",
    }
    assert starter <= set(bank.topics)
    for topic_id in starter:
        topic = bank.topics[topic_id]
        kinds = {bank.cards[card_id].kind for card_id in topic.card_ids}
        assert len(topic.card_ids) >= 6, topic_id
        assert {"flashcard", "choice"} <= kinds, topic_id
        assert topic.references, topic_id


def test_every_wrong_option_in_the_bank_says_why() -> None:
    bank = load_bank([builtin_content_dir()])
    missing = [
        f"{card.id}: {option.text}"
        for card in bank.cards.values()
        if card.kind == "choice"
        for option in card.options
        if not option.why
    ]
    assert not missing
