"""The SQLite store: migrations, pragmas, one transaction per grade, kill-safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from functools import partial
from pathlib import Path
from sqlite3 import Connection

import pytest
from conftest import NOW
from sqlite_utils import Database

from quizapp.store import db as store_db
from quizapp.store import repo
from quizapp.store.db import (
    SCHEMA_VERSION,
    DatabaseTooNew,
    checkpoint,
    database_file,
    default_db_path,
    open_db,
    schema_version,
)
from quizapp.store.repo import CardState, Review


def _state(card_id: str = "alpha-one", **changes: object) -> CardState:
    fields: dict[str, object] = dict(
        card_id=card_id,
        topic="alpha",
        kind="flashcard",
        state=1,
        step=0,
        stability=1.0,
        difficulty=5.0,
        due=NOW,
        last_review=NOW,
    )
    fields.update(changes)
    return CardState(**fields)  # type: ignore[arg-type]


def test_migrates_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "q.db"
    db = open_db(path)
    assert path.exists()
    assert schema_version(db) == SCHEMA_VERSION == 5
    tables = set(Database(db).table_names())
    assert {"cards", "reviews", "meta", "drills"} <= tables
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    expected = {"cards_due", "cards_state_due", "reviews_card_time", "reviews_time_cover", "drills_time"}
    assert expected <= indexes and "reviews_time" not in indexes  # migration 5 replaced it


def test_a_version_1_file_migrates_and_keeps_its_reviews(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "q.db"
    with monkeypatch.context() as patch:
        patch.setattr(store_db, "MIGRATIONS", store_db.MIGRATIONS[:1])
        patch.setattr(store_db, "SCHEMA_VERSION", 1)
        old = open_db(path)
        repo.record_review(old, None, _state(), Review("alpha-one", NOW, 3))
        old.close()
    db = open_db(path)
    assert schema_version(db) == SCHEMA_VERSION
    assert repo.get_card(db, "alpha-one") == _state()
    plan = " ".join(
        str(row[-1])
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT card_id FROM cards WHERE due <= ? AND state IN (1, 3)", ["x"]
        )
    )
    assert "cards_state_due" in plan


def test_pragmas(db: Connection) -> None:
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == store_db.BUSY_TIMEOUT_MS


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    db = open_db(path)
    repo.record_review(db, None, _state(), Review("alpha-one", NOW, 3))
    db.close()
    again = open_db(path)
    assert schema_version(again) == SCHEMA_VERSION
    assert again.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1


def test_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    db = open_db(path)
    Database(db)["meta"].upsert({"key": "schema_version", "value": "99"}, pk="key")
    db.close()
    with pytest.raises(DatabaseTooNew, match="schema version 99"):
        open_db(path)


def test_a_failing_migration_rolls_back_and_keeps_the_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "q.db"
    open_db(path).close()

    def broken(db: Database) -> None:
        db.execute("ALTER TABLE cards ADD COLUMN note TEXT")
        raise RuntimeError("migration failed half-way")

    monkeypatch.setattr(store_db, "MIGRATIONS", [*store_db.MIGRATIONS, broken])
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="half-way"):
        open_db(path)
    plain = sqlite3.connect(path)
    columns = {row[1] for row in plain.execute("PRAGMA table_info(cards)")}
    assert "note" not in columns
    version = plain.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert version == str(SCHEMA_VERSION)


def test_a_later_migration_keeps_existing_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "q.db"
    db = open_db(path)
    repo.record_review(db, None, _state(), Review("alpha-one", NOW, 3))
    db.close()

    def add_note(db: Database) -> None:
        db["cards"].add_column("note", str)

    monkeypatch.setattr(store_db, "MIGRATIONS", [*store_db.MIGRATIONS, add_note])
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    migrated = open_db(path)
    assert schema_version(migrated) == SCHEMA_VERSION + 1
    assert [row["card_id"] for row in Database(migrated)["cards"].rows] == ["alpha-one"]
    assert "note" in Database(migrated)["cards"].columns_dict


def test_record_review_writes_card_and_review_together(db: Connection) -> None:
    review_id = repo.record_review(db, None, _state(), Review("alpha-one", NOW, 3, 1200, None, None))
    row = Database(db)["reviews"].get(review_id)
    assert (row["card_id"], row["rating"], row["duration_ms"], row["state_before"]) == (
        "alpha-one",
        3,
        1200,
        repo.NEW,
    )
    assert row["card_before"] is None
    assert repo.get_card(db, "alpha-one") == _state()


def test_a_failed_review_insert_leaves_the_card_untouched(db: Connection) -> None:
    before = _state(stability=1.0)
    repo.record_review(db, None, before, Review("alpha-one", NOW, 3))
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON reviews BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        repo.record_review(db, before, _state(stability=9.0), Review("alpha-one", NOW, 4))
    assert repo.get_card(db, "alpha-one") == before
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1


def test_undo_restores_the_previous_state_and_deletes_the_row(db: Connection) -> None:
    first = _state(stability=1.0)
    second = _state(stability=7.5, state=2, step=None)
    repo.record_review(db, None, first, Review("alpha-one", NOW, 3))
    last = repo.record_review(db, first, second, Review("alpha-one", NOW, 4))
    assert repo.undo_review(db, last) == "alpha-one"
    assert repo.get_card(db, "alpha-one") == first
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
    assert repo.undo_review(db, last) is None


def test_undoing_the_first_review_makes_the_card_new_again(db: Connection) -> None:
    review_id = repo.record_review(db, None, _state(), Review("alpha-one", NOW, 3))
    repo.undo_review(db, review_id)
    assert repo.get_card(db, "alpha-one") is None
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0


def test_times_round_trip_as_utc_and_naive_times_are_refused() -> None:
    text = repo.to_db(NOW)
    assert text == "2026-03-02T12:00:00.000000+00:00"
    assert repo.from_db(text) == NOW
    with pytest.raises(ValueError, match="naive"):
        repo.to_db(datetime(2026, 1, 1))


def test_database_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_db_path({"QUIZAPP_DB": str(tmp_path / "x.db")}) == tmp_path / "x.db"
    fallback = default_db_path({})
    assert fallback.name == "quizapp.db"
    assert "quizapp" in fallback.parent.parts[-1] or "quizapp" in str(fallback.parent)


def test_a_killed_process_loses_no_committed_review(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    script = textwrap.dedent(
        f"""
        import os, signal
        from datetime import UTC, datetime
        from quizapp.settings import Settings
        from quizapp.srs.scheduler import Reviewer
        from quizapp.store.db import open_db
        db = open_db({str(path)!r})
        reviewer = Reviewer(db, Settings(), lambda: datetime(2026, 3, 2, 12, tzinfo=UTC))
        reviewer.grade("alpha-one", topic="alpha", kind="flashcard", rating=3)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
    assert os.path.exists(path)
    db = open_db(path)
    assert db.execute("SELECT card_id, rating FROM reviews").fetchall() == [("alpha-one", 3)]
    assert repo.get_card(db, "alpha-one") is not None


def test_without_autocheckpoint_commits_stay_in_the_wal_until_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    db = open_db(path, autocheckpoint=False)
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    assert database_file(db) == str(path)
    size_before = path.stat().st_size
    for i in range(300):
        repo.record_review(db, None, _state(f"card-{i}"), Review(f"card-{i}", NOW, 3))
    assert path.stat().st_size == size_before  # nothing folded mid-commit
    checkpoint(str(path))
    assert path.stat().st_size > size_before
    assert open_db(path).execute("SELECT count(*) FROM reviews").fetchone()[0] == 300
    assert database_file(open_db(":memory:")) is None


def test_a_reset_card_is_new_again_and_keeps_its_reviews(db: Connection) -> None:
    repo.record_review(db, None, _state(), Review("alpha-one", NOW, 3))
    assert repo.reset_card(db, "alpha-one", NOW)
    state = repo.get_card(db, "alpha-one")
    assert state is not None and state.state == repo.NEW and state.stability is None and state.lapses == 0
    assert "alpha-one" not in repo.known_card_ids(db)  # offered as new
    assert "alpha-one" not in repo.due_ids(db, NOW)  # and not also as due
    assert repo.review_count(db, "alpha-one") == 1
    assert not repo.reset_card(db, "never-seen", NOW)


def test_a_never_reviewed_card_can_be_suspended_and_unsuspended(db: Connection) -> None:
    repo.set_card_suspended(db, "beta-one", "beta", "flashcard", True, NOW)
    state = repo.get_card(db, "beta-one")
    assert state is not None and state.suspended and state.state == repo.NEW
    assert "beta-one" in repo.known_card_ids(db)  # not offered as new while suspended
    repo.set_card_suspended(db, "beta-one", "beta", "flashcard", False, NOW)
    assert "beta-one" not in repo.known_card_ids(db)
    repo.set_card_suspended(db, "gamma", "beta", "flashcard", False, NOW)  # unsuspending nothing: no row
    assert repo.get_card(db, "gamma") is None


def test_the_drill_log_is_apart_from_the_schedule(db: Connection) -> None:
    drill_id = repo.record_drill(db, "alpha-four", NOW, 42, True, "0.5")
    assert db.execute("SELECT card_id, seed, correct FROM drills WHERE id = ?", [drill_id]).fetchone() == (
        "alpha-four",
        42,
        1,
    )
    assert repo.get_card(db, "alpha-four") is None and repo.review_count(db, "alpha-four") == 0


def test_undoing_a_review_that_was_followed_by_another_is_refused(db: Connection) -> None:
    first = repo.record_review(db, None, _state(stability=1.0), Review("alpha-one", NOW, 3))
    repo.record_review(db, _state(stability=1.0), _state(stability=4.0), Review("alpha-one", NOW, 4))
    with pytest.raises(repo.ReviewSuperseded, match="alpha-one"):
        repo.undo_review(db, first)  # restoring its card_before would wipe the later grade
    assert repo.get_card(db, "alpha-one") == _state(stability=4.0)
    assert repo.review_count(db, "alpha-one") == 2


def test_a_write_transaction_rolls_back_everything_on_error(db: Connection) -> None:
    with pytest.raises(RuntimeError, match="boom"), store_db.write_transaction(db):
        repo.record_review(db, None, _state(), Review("alpha-one", NOW, 3))  # joins the transaction
        raise RuntimeError("boom")
    assert repo.get_card(db, "alpha-one") is None and repo.review_count(db, "alpha-one") == 0
    assert not db.in_transaction


def test_pending_writes_wait_for_a_lock_keep_their_order_and_run_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizapp.store.pending import PendingWrites

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 20)
    path = tmp_path / "q.db"
    db = open_db(path)
    notices: list[tuple[str, bool]] = []
    scheduled: list[object] = []
    writes = PendingWrites(db, notify=lambda text, warning: notices.append((text, warning)),
                           schedule=lambda seconds, callback: scheduled.append(callback))  # fmt: skip
    done: list[int] = []
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    for seed in (1, 2):
        write = partial(repo.record_drill, db, "alpha-four", NOW, seed, True, None)
        assert not writes.submit(write, lambda drill_id: done.append(drill_id))
    assert len(writes) == 2 and done == [] and len(scheduled) == 1
    assert len(notices) == 1 and "database is locked" in notices[0][0] and notices[0][1]
    other.execute("ROLLBACK")
    assert writes.retry() and len(writes) == 0
    assert db.execute("SELECT seed FROM drills ORDER BY id").fetchall() == [(1,), (2,)]
    assert done == [1, 2] and notices[-1] == ("Saved.", False)
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 20  # a retry's short timeout is undone
