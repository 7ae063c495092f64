"""The table of Browse: a DataTable that may hold only the first rows of a long list; ctrl+end asks for
the rest (the screen adds rows as the cursor or scrolling nears the end of those it holds)."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable


class CardTable(DataTable[Text]):
    """A DataTable whose owner fills it on demand: ctrl+end posts `ToBottom` before moving the cursor."""

    class ToBottom(Message):
        """The user asked for the last row of the whole list, not only of the rows held so far."""

    def action_scroll_bottom(self) -> None:
        self.post_message(self.ToBottom())
        super().action_scroll_bottom()
