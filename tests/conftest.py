"""Shared fixtures: a small fixture bank, a temporary database, a frozen clock in UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from sqlite3 import Connection

import pytest

from quizapp.content.bank import Bank, load_bank
from quizapp.settings import Settings
from quizapp.store.db import open_db

FIXTURE_BANK = Path(__file__).parent / "fixtures" / "bank"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday noon, well inside a study day


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Local time is UTC (day boundaries use it), no animations, no writes to the user's folders."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("QUIZAPP_CACHE", "off")  # tests never write to the user's cache folder
    monkeypatch.setenv("QUIZAPP_SETTINGS", str(tmp_path_factory.mktemp("config") / "settings.toml"))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    monkeypatch.delenv("QUIZAPP_CONTENT", raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def bank() -> Bank:
    loaded = load_bank([FIXTURE_BANK])
    assert not loaded.problems, loaded.problems
    return loaded


@pytest.fixture
def db(tmp_path: Path) -> Connection:
    return open_db(tmp_path / "quizapp.db")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings() -> Settings:
    return Settings()
