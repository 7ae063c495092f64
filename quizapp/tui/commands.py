"""The command palette (ctrl+p): jump to a screen, study a topic or a tag, open a card in Browse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from quizapp.tui.base import quiz_app

SCREENS: dict[str, str] = {
    "home": "Home: topics, today and the forecast",
    "browse": "Browse: search and manage every card",
    "stats": "Stats: reviews, retention and accuracy",
    "drill": "Drill: free practice of numeric problems",
    "settings": "Settings: limits, theme and keys",
}
MAX_CARD_HITS = 40  # enough to scroll through; the palette ranks by match score anyway


class QuizCommands(Provider):
    """Screens, study sessions (everything, a topic, a tag) and cards, by fuzzy match."""

    def commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        """(text, what to do, help) for everything but cards."""
        app = quiz_app(self.screen)
        for name, text in SCREENS.items():
            yield f"Go to {text.split(':')[0]}", partial(app.action_open_screen, name), text
        yield "Study everything due", partial(app.study_everything), "Start a session over all topics"
        for topic_id, topic in sorted(app.bank.topics.items(), key=lambda item: item[1].title):
            yield f"Study topic: {topic.title}", partial(app.study_topic, topic_id), topic.summary[:120]
        tags = sorted({tag for card_id in app.bank.cards for tag in app.bank.card_tags(card_id)})
        for tag in tags:
            yield f"Study tag: #{tag}", partial(app.study_tag, tag), "Every card with this tag"

    async def discover(self) -> Hits:
        """Shown before anything is typed: the screens and 'study everything'."""
        for text, command, help_text in self.commands():
            if text.startswith(("Go to", "Study everything")):
                yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        """Everything whose text matches `query`; cards by id or by their question."""
        matcher = self.matcher(query)
        for text, command, help_text in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
        app = quiz_app(self.screen)
        found = 0
        for card_id, card in app.bank.cards.items():
            text = f"Card: {card_id} — {card.text[:80]}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score * 0.9, matcher.highlight(text), partial(app.open_card, card_id), help=card.kind
                )
                found += 1
                if found >= MAX_CARD_HITS:
                    return
