"""A cache of loaded topic files, so an unchanged bank starts without parsing YAML again.

An entry is keyed by the file's path, device, inode, size and modification time; the whole cache is dropped
when quizapp's content code or pydantic changes. It lives in the user's cache folder and is only ever
a shortcut: any failure to read or write it falls back to loading the files.

Each entry holds the file's lean index (`FileIndex`: plain data, no pydantic); its cards are pickled on
their own into a second file beside it (`bank.cards`). The app starts from the indexes alone, and a
file's cards are read and unpickled when one of them is first needed (`quizapp check` reads one file's).
Both files carry the same random token: cards written by another quizapp since the indexes were read
are never mixed in (the caller parses that topic file again instead)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import secrets
import stat
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from platformdirs import user_cache_dir

from quizapp.content.files import open_regular_file, read_regular_file, write_atomically
from quizapp.content.index import FileIndex

if TYPE_CHECKING:
    from quizapp.content.schema import Card

CACHE_ENV = "QUIZAPP_CACHE"  # a folder, or "off"
Key = tuple[str, int, int, int, int]  # path as given (problems name it), device, inode, size, mtime_ns
MAX_CACHE_BYTES = 64 << 20  # the indexes of 10,000 cards take ~1 MB; a larger file is ignored, not read
TOKEN_BYTES = 16


class StoredCards(NamedTuple):
    """Where an entry's pickled cards lie in the cards file."""

    start: int
    end: int


Entry = tuple[FileIndex, bytes | StoredCards]  # the file's index and its pickled cards (a tuple of models)


def default_cache_file(environ: dict[str, str] | None = None) -> Path | None:
    """Where the cache lives: `QUIZAPP_CACHE` (a folder, or `off` for none), else the user cache folder."""
    env = os.environ if environ is None else environ
    setting = env.get(CACHE_ENV, "")
    if setting.lower() == "off":
        return None
    folder = Path(setting).expanduser() if setting else Path(user_cache_dir("quizapp", appauthor=False))
    return folder / "bank.pickle"


CODE_FILES = ("schema.py", "expressions.py", "files.py", "loader.py", "yamlpos.py", "problem.py", "index.py")


def code_fingerprint() -> str:
    """Changes whenever the code that turns YAML into models, or pydantic, may have changed.

    pydantic's version is read from its `version.py` without importing it (that import alone is ~25 ms
    of a start that needs no model); `importlib.metadata` would cost 40 ms."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for file in (*(here / name for name in (*CODE_FILES, "cache.py")), _pydantic_version_file()):
        digest.update(file.read_bytes() if file is not None else b"no pydantic")
    return digest.hexdigest()[:16]


def _pydantic_version_file() -> Path | None:
    spec = importlib.util.find_spec("pydantic")
    if spec is None or spec.origin is None:  # pragma: no cover - pydantic is a dependency
        return None
    return Path(spec.origin).parent / "version.py"


class FileCache:
    """Loaded files by (path as given, device, inode, size, mtime); `save` writes them back if changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cards_path = path.with_suffix(".cards")
        self.dirty = False
        self._token = b""  # of the cards file that goes with the indexes read
        self._cards_fd: int | None = None  # that file, held open while this cache is in use
        self._entries: dict[Key, Entry] | None = None  # read on first use, inside load_bank

    @property
    def entries(self) -> dict[Key, Entry]:
        """The stored results; an unreadable or outdated file counts as an empty cache."""
        if self._entries is None:
            self._entries = {}
            try:  # never blocks: a FIFO or device in the cache's place is refused, not opened
                data, _ = read_regular_file(self.path, MAX_CACHE_BYTES)
                stored = pickle.loads(data)
                if stored["fingerprint"] == code_fingerprint():
                    self._token = stored["token"]
                    self._entries = {
                        key: (index, StoredCards(start, end))
                        for key, (index, start, end) in stored["entries"].items()
                    }
                    self._open_cards()
            except Exception:  # missing, special (NotReadable), truncated or foreign: start empty
                self._entries = {}
        return self._entries

    def _open_cards(self) -> None:
        """Hold the cards file that goes with these indexes open: another quizapp replacing it later
        (a new file renamed over it) leaves this one readable through the descriptor."""
        try:
            self._cards_fd = open_regular_file(self.cards_path)
        except Exception:  # NotReadable: gone, special, unreadable; the cards are parsed again
            self._cards_fd = None
        else:
            weakref.finalize(self, os.close, self._cards_fd)  # closed with the cache (the bank's lifetime)

    def cards(self, pickled: bytes | StoredCards) -> bytes | None:
        """An entry's pickled cards; None when the cards file no longer holds them (another quizapp
        replaced it since the indexes were read, or it is gone or damaged)."""
        if isinstance(pickled, bytes):
            return pickled
        found = self._read_cards([pickled])
        return None if found is None else found[0]

    def _read_cards(self, parts: Sequence[StoredCards]) -> list[bytes] | None:
        """The given parts of the cards file, if it is still the one the indexes were read with."""
        fd = self._cards_fd
        if not self._token or fd is None:
            return None
        try:
            token, *found = [os.pread(fd, end - start, start) for start, end in [(0, TOKEN_BYTES), *parts]]
        except Exception:  # closed, or no pread (Windows): the cards are parsed again
            return None
        if token != self._token or any(
            len(part) != end - start for part, (start, end) in zip(found, parts, strict=True)
        ):
            return None
        return found

    @staticmethod
    def key(file: Path) -> Key | None:
        """The cache key of `file`, or None when it can't be stat'ed or isn't a regular file."""
        try:
            found = file.stat()
            if not stat.S_ISREG(found.st_mode):  # a FIFO, device or folder is never cached
                return None
            return str(file), found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns
        except OSError:  # missing, a symlink loop, unreadable folder
            return None

    def get(self, key: Key) -> Entry | None:
        """The index stored for `key`, and its cards (bytes, or where they are: see `cards`), if any."""
        entry = self.entries.get(key)
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], FileIndex)):
            return None
        return entry

    def put(self, key: Key, index: FileIndex, cards: Sequence[Card]) -> None:
        """Remember `index` and `cards` for `key`; anything pickle refuses is simply not cached."""
        try:
            self.entries[key] = (index, pickle.dumps(tuple(cards), protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # this file is parsed again next time
            return
        self.dirty = True

    def forget(self, key: Key) -> None:
        """Drop the entry for `key` (its cards would not unpickle)."""
        if self.entries.pop(key, None) is not None:
            self.dirty = True

    def keep_only(self, keys: set[Key]) -> None:
        """Forget entries for files that are gone or changed."""
        stale = self.entries.keys() - keys
        for key in stale:
            del self.entries[key]
        self.dirty = self.dirty or bool(stale)

    def save(self) -> None:
        """Write both files atomically (temp file + rename: the cards first, then the indexes that
        point into them); errors are ignored. Entries whose cards can't be read back are dropped."""
        if not self.dirty:
            return
        stored = [cards for _, cards in self.entries.values() if isinstance(cards, StoredCards)]
        found = dict(zip(stored, self._read_cards(stored) or [], strict=False))
        token = secrets.token_bytes(TOKEN_BYTES)
        where: dict[Key, tuple[FileIndex, int, int]] = {}
        chunks: list[bytes] = [token]
        offset = TOKEN_BYTES
        for key, (index, cards) in self.entries.items():
            pickled = found.get(cards) if isinstance(cards, StoredCards) else cards
            if pickled is None:  # the cards file changed meanwhile: this file is parsed again next time
                continue
            where[key] = (index, offset, offset + len(pickled))
            chunks.append(pickled)
            offset += len(pickled)
        try:
            header = {"fingerprint": code_fingerprint(), "token": token, "entries": where}
            write_atomically(self.cards_path, chunks, durable=False)
        except Exception:  # unreadable code files, a full disk, a read-only folder: no cache
            return
        try:
            write_atomically(
                self.path, [pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)], durable=False
            )
            self.dirty = False
        except Exception:  # anything pickle refuses, a folder in the way: no cards without indexes
            with contextlib.suppress(OSError):
                os.unlink(self.cards_path)
