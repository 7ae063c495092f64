"""Databases that must not be touched: a newer quizapp's, another program's, a file that is not SQLite.
Each is refused with a clear message and left byte for byte as it was; an empty file or a new path is
fine. A read-only file opens read-only."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURE_BANK, NOW

from quizapp.store import repo
from quizapp.store.db import (
    SCHEMA_VERSION,
    DatabaseRefused,
    DatabaseTooNew,
    NotAQuizappDatabase,
    is_read_only,
    open_db,
    schema_version,
)


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file in `folder` (the database and any -wal/-shm/-journal next to it) by content hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _rollback_journal_db(path: Path, *statements: str) -> None:
    """A SQLite file in rollback-journal mode (header bytes 18-19 = 1, 1), built with plain sqlite3."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    assert path.read_bytes()[18:20] == b"\x01\x01"


def test_a_newer_schema_is_refused_before_anything_changes(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    db = open_db(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.execute("PRAGMA journal_mode = DELETE")  # as a newer quizapp might leave it
    db.close()
    assert path.read_bytes()[18:20] == b"\x01\x01"
    before = _fingerprint(tmp_path)
    with pytest.raises(DatabaseTooNew, match="schema version 99"):
        open_db(path)
    assert _fingerprint(tmp_path) == before  # not even switched to WAL (header bytes 18-19)


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    _rollback_journal_db(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    before = _fingerprint(tmp_path)
    with pytest.raises(NotAQuizappDatabase, match=r"another program's SQLite database \(tables: notes\)"):
        open_db(path)
    assert _fingerprint(tmp_path) == before


def test_another_programs_meta_table_is_not_taken_for_quizapps(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    _rollback_journal_db(path, "CREATE TABLE meta (name TEXT, data BLOB)", "CREATE TABLE items (x)")
    before = _fingerprint(tmp_path)
    with pytest.raises(NotAQuizappDatabase):
        open_db(path)
    assert _fingerprint(tmp_path) == before


@pytest.mark.parametrize(
    "content",
    [b"name,score\nada,3\n" * 50, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "corrupt-sqlite-header"],
)
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "q.db"
    path.write_bytes(content)
    with pytest.raises(NotAQuizappDatabase, match=r"not a SQLite file|cannot be read"):
        open_db(path)
    assert _fingerprint(tmp_path) == {"q.db": hashlib.sha256(content).hexdigest()}


def test_an_empty_file_and_a_new_path_become_quizapp_databases(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (empty, tmp_path / "new" / "q.db"):
        db = open_db(path)
        assert schema_version(db) == SCHEMA_VERSION and not is_read_only(db)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_half_created_file_with_only_an_empty_meta_table_is_finished(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    _rollback_journal_db(path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    assert schema_version(open_db(path)) == SCHEMA_VERSION


def test_two_processes_creating_one_new_file_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    script = f"from quizapp.store.db import open_db; open_db({str(path)!r})"
    runs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE) for _ in range(3)]
    for run in runs:
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err.decode()
    assert sqlite3.connect(path).execute("SELECT value FROM meta").fetchall() == [(str(SCHEMA_VERSION),)]


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A quizapp database with one review that this process cannot write: chmod for a normal user;
    for root (who ignores file modes) the immutable attribute, where the filesystem allows it."""
    path = tmp_path / "ro" / "q.db"
    db = open_db(path)
    graded = repo.CardState("alpha-one", "alpha", "flashcard", 1, 0, 1.0, 5.0, NOW, NOW)
    repo.record_review(db, None, graded, repo.Review("alpha-one", NOW, 3))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield path
        path.chmod(0o644)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a filesystem without chattr +i: no way to make a read-only file")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_file_opens_read_only_and_writes_nothing(read_only: Path) -> None:
    before = hashlib.sha256(read_only.read_bytes()).hexdigest()
    db = open_db(read_only)
    assert is_read_only(db)
    assert repo.get_card(db, "alpha-one") is not None and repo.review_count(db, "alpha-one") == 1
    with pytest.raises(sqlite3.OperationalError):
        repo.record_drill(db, "alpha-one", NOW, 1, True, "x")
    db.close()
    assert hashlib.sha256(read_only.read_bytes()).hexdigest() == before


def test_a_refusal_is_a_database_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    path.write_text("hello")
    with pytest.raises(DatabaseRefused):
        open_db(path)


async def test_the_tui_on_a_read_only_file_says_so_and_never_writes(read_only: Path) -> None:
    from quizapp.settings import Settings
    from quizapp.tui.app import make_app
    from quizapp.tui.screens.browse import BrowseScreen
    from quizapp.tui.screens.study import Phase, StudyScreen

    before = hashlib.sha256(read_only.read_bytes()).hexdigest()
    app = make_app([FIXTURE_BANK], read_only, Settings(), now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        assert "read-only" in app.screen.sub_title
        assert any("opened it read-only" in str(n.message) for n in app._notifications)
        await pilot.press("enter")  # study the highlighted topic
        screen = app.screen
        assert isinstance(screen, StudyScreen) and screen.phase is Phase.DONE
        assert "read-only" in str(screen.query_one("#done").render())
        await pilot.press("escape")
        app.push_screen(BrowseScreen("alpha-one"))
        await pilot.pause()
        await pilot.press("s", "r")
        assert any("nothing can be changed" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+q")
    assert app.return_code == 0  # no traceback on quit (it used to checkpoint the WAL)
    assert hashlib.sha256(read_only.read_bytes()).hexdigest() == before


def test_opening_an_up_to_date_file_does_not_wait_for_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    open_db(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = open_db(path)  # used to take the write lock to create `meta`: "database is locked"
        assert schema_version(started) == SCHEMA_VERSION
    finally:
        other.execute("ROLLBACK")


@pytest.mark.parametrize("kind", ["foreign", "garbage", "newer"])
def test_the_cli_refuses_with_a_message_and_exit_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "q.db"
    if kind == "foreign":
        _rollback_journal_db(path, "CREATE TABLE notes (body TEXT)")
    elif kind == "garbage":
        path.write_bytes(b"\x00\x01garbage" * 100)
    else:
        db = open_db(path)
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        db.close()
    before = _fingerprint(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "--db", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        env={**os.environ, "QUIZAPP_CACHE": "off"},
    )
    assert run.returncode == 2, run.stderr
    assert "cannot open the database" in run.stderr and "Traceback" not in run.stderr
    assert _fingerprint(tmp_path) == before


def test_a_database_in_a_read_only_folder_opens_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "ro-folder"
    path = folder / "q.db"
    open_db(path).close()  # WAL mode, closed cleanly: no -wal or -shm left, none can be created
    if os.geteuid() != 0:
        folder.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a filesystem without chattr +i")
    try:
        db = open_db(path)
        assert is_read_only(db) and schema_version(db) == SCHEMA_VERSION
        db.close()
    finally:
        if os.geteuid() != 0:
            folder.chmod(0o755)
        else:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert sorted(p.name for p in folder.iterdir()) == ["q.db"]
