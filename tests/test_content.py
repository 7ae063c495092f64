"""The built-in bank: clean, and never below the coverage the product promises (issue: content bank)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from quizapp.content.bank import builtin_content_dir, load_bank
from quizapp.content.schema import ID_PATTERN, ChoiceCard, NumericCard

BANK = load_bank([builtin_content_dir()])
STARTERS = (
    "vanishing-gradients",
    "roc-auc",
    "imbalanced-data",
    "dropout",
    "cross-validation",
    "discriminative-vs-generative",
    "precision-recall",
)
REQUIRED_TOPICS = (
    *STARTERS,
    "batch-normalization",
    "activation-functions",
    "weight-initialization",
    "optimizers",
    "loss-functions",
    "regularization",
    "feature-scaling",
    "logistic-regression",
    "linear-regression",
    "bias-variance",
    "hyperparameter-tuning",
    "evaluation-metrics",
    "naive-bayes",
    "knn",
    "decision-trees",
    "svm",
    "pca",
    "k-means",
    "cnn-basics",
    "rnn-lstm-gru",
    "attention-transformers",
    "embeddings",
    "object-detection",
    "gans",
    "data-leakage",
    "feature-encoding",
)


def _numeric_by_topic() -> Counter[str]:
    return Counter(BANK.topic_of[i] for i, card in BANK.cards.items() if isinstance(card, NumericCard))


def test_the_bank_loads_without_a_single_problem() -> None:
    assert [str(problem) for problem in BANK.problems] == []


TOPICS_2026 = (
    "transformer-llm-architecture",
    "tokenization",
    "decoding-strategies",
    "llm-pretraining-scaling",
    "llm-fine-tuning",
    "llm-alignment",
    "llm-inference-serving",
    "llm-evaluation",
    "retrieval-rag",
    "prompting-agents",
    "nlp-foundations",
    "statistics-for-ml",
    "ab-testing",
    "probability-puzzles",
    "recommender-systems",
    "ml-system-design",
    "mlops-monitoring",
    "model-compression",
)


def test_size_minimums() -> None:
    assert len(BANK.topics) >= 66
    assert len(BANK.cards) >= 1000
    assert len(_numeric_by_topic()) >= 60
    assert sum(_numeric_by_topic().values()) >= 220


def test_the_topics_interviews_ask_about_in_2026_are_there_with_three_numeric_cards_each() -> None:
    by_topic = _numeric_by_topic()
    assert {topic: by_topic[topic] for topic in TOPICS_2026 if by_topic[topic] < 3} == {}
    for topic in TOPICS_2026:
        assert 12 <= len(BANK.topics[topic].card_ids) <= 25, topic


def test_the_readme_lists_every_topic() -> None:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert [topic for topic in sorted(BANK.topics) if f"`{topic}`" not in readme] == []


def test_the_topics_interviews_ask_about_are_there() -> None:
    assert set(REQUIRED_TOPICS) <= set(BANK.topics)


@pytest.mark.parametrize("topic", sorted(BANK.topics))
def test_every_topic_has_eight_cards_of_mixed_kinds_and_real_metadata(topic: str) -> None:
    cards = [BANK.cards[i] for i in BANK.topics[topic].card_ids]
    assert len(cards) >= 8
    assert len({card.kind for card in cards}) >= 2
    assert BANK.topics[topic].summary and BANK.topics[topic].references


def test_numeric_cards_everywhere_they_fit() -> None:
    by_topic = _numeric_by_topic()
    assert sum(by_topic.values()) >= 100
    assert len(by_topic) >= 30


def test_each_starter_topic_has_at_least_two_numeric_cards() -> None:
    by_topic = _numeric_by_topic()
    assert {topic: by_topic[topic] for topic in STARTERS if by_topic[topic] < 2} == {}


def test_ids_are_stable_looking_and_unique() -> None:
    ids = [card_id for topic in BANK.topics.values() for card_id in topic.card_ids]
    assert len(ids) == len(set(ids))
    pattern = re.compile(ID_PATTERN)
    assert [i for i in [*ids, *BANK.topics] if not pattern.match(i) or len(i) > 60] == []
    # stable-looking: describes the content, not a running number like `roc-3`
    assert [i for i in ids if re.search(r"-\d+$", i)] == []


def test_every_option_of_every_choice_card_says_why() -> None:
    missing = [
        f"{card_id}: {option.text}"
        for card_id, card in BANK.cards.items()
        if isinstance(card, ChoiceCard)
        for option in card.options
        if not option.why
    ]
    assert missing == []


def _length_gives_it_away(card: ChoiceCard) -> bool:
    """Every correct option is longer than every wrong one: "pick the longest" would score it."""
    right = [len(option.text) for option in card.options if option.correct]
    wrong = [len(option.text) for option in card.options if not option.correct]
    return bool(wrong) and min(right) > max(wrong)


def test_no_topic_lets_you_guess_choice_answers_by_their_length() -> None:
    """The correct option being the longest now and then is chance (about one card in three or four); in
    more than half of a topic's choice cards it is a habit a learner can exploit without knowing anything."""
    habits = {}
    for topic_id, topic in BANK.topics.items():
        choice = [card for i in topic.card_ids if isinstance(card := BANK.cards[i], ChoiceCard)]
        longest = [card.id for card in choice if _length_gives_it_away(card)]
        if len(choice) >= 4 and len(longest) * 2 > len(choice):
            habits[topic_id] = f"{len(longest)} of {len(choice)}: {', '.join(longest)}"
    assert habits == {}


def test_the_length_check_flags_a_give_away() -> None:
    def card(texts: list[tuple[str, bool]]) -> ChoiceCard:
        options = [{"text": text, "correct": correct, "why": "w"} for text, correct in texts]
        return ChoiceCard(id="x", kind="choice", question="q?", options=options)  # type: ignore[arg-type]

    assert _length_gives_it_away(card([("the long and carefully qualified answer", True), ("short", False)]))
    assert not _length_gives_it_away(card([("brief", True), ("a long distractor, just as specific", False)]))
