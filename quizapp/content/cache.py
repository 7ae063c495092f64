"""A cache of loaded topic files, so an unchanged bank starts without parsing YAML again.

An entry is keyed by the file's resolved path, size and modification time; the whole cache is dropped
when quizapp's content code or pydantic changes. It lives in the user's cache folder and is only ever
a shortcut: any failure to read or write it falls back to loading the files.

Each entry holds the file's lean index (`FileIndex`: plain data, no pydantic) next to its cards pickled
on their own: the app starts from the indexes alone, and a file's cards are unpickled when one of them
is first needed (`quizapp check` unpickles one file)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_cache_dir

from quizapp.content.files import read_regular_file
from quizapp.content.index import FileIndex

if TYPE_CHECKING:
    from quizapp.content.schema import Card

CACHE_ENV = "QUIZAPP_CACHE"  # a folder, or "off"
Key = tuple[str, str, int, int]
Entry = tuple[FileIndex, bytes | memoryview]  # the file's index and its cards (a tuple of models), pickled
MAGIC = b"quizapp-bank-cache\n"
HEADER_START = len(MAGIC) + 8  # then the header's length (8 bytes, little-endian) and the header
MAX_CACHE_BYTES = 512 << 20  # far above any real bank's cache; a larger file is ignored, not read


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
    """Loaded files by (resolved path, path as given, size, mtime); `save` writes it back if changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dirty = False
        self._entries: dict[Key, Entry] | None = None  # read on first use, inside load_bank

    @property
    def entries(self) -> dict[Key, Entry]:
        """The stored results; an unreadable or outdated file counts as an empty cache.

        The file is a header (the fingerprint, and per entry its index and where its cards lie) followed
        by every file's pickled cards: an entry's cards are a view into the bytes read, never copied."""
        if self._entries is None:
            self._entries = {}
            try:  # never blocks: a FIFO or device in the cache's place is refused, not opened
                data, _ = read_regular_file(self.path, MAX_CACHE_BYTES)
                view = memoryview(data)
                if view[: len(MAGIC)] != MAGIC:
                    return self._entries
                length = int.from_bytes(view[len(MAGIC) : HEADER_START], "little")
                stored = pickle.loads(view[HEADER_START : HEADER_START + length])
                if stored.get("fingerprint") == code_fingerprint():
                    base = HEADER_START + length
                    self._entries = {
                        key: (index, view[base + start : base + end])
                        for key, (index, start, end) in stored["entries"].items()
                    }
            except Exception:  # missing, special (NotReadable), truncated or foreign: start empty
                self._entries = {}
        return self._entries

    @staticmethod
    def key(file: Path) -> Key | None:
        """The cache key of `file`, or None when it can't be stat'ed or isn't a regular file."""
        try:
            found = file.stat()
            if not stat.S_ISREG(found.st_mode):  # a FIFO, device or folder is never cached
                return None
            return str(file.resolve()), str(file), found.st_size, found.st_mtime_ns
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop, from resolve()
            return None

    def get(self, key: Key) -> Entry | None:
        """The index and pickled cards stored for `key`, if any (nothing is unpickled here)."""
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
        """Write the cache atomically (temp file + rename); errors are ignored."""
        if not self.dirty:
            return
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            where: dict[Key, tuple[FileIndex, int, int]] = {}
            offset = 0
            for key, (index, cards) in self.entries.items():
                where[key] = (index, offset, offset + len(cards))
                offset += len(cards)
            header = pickle.dumps(
                {"fingerprint": code_fingerprint(), "entries": where}, protocol=pickle.HIGHEST_PROTOCOL
            )
            with tempfile.NamedTemporaryFile("wb", dir=self.path.parent, delete=False) as handle:
                temporary = handle.name
                handle.write(MAGIC + len(header).to_bytes(HEADER_START - len(MAGIC), "little") + header)
                for _, cards in self.entries.values():
                    handle.write(cards)
            os.replace(temporary, self.path)
            self.dirty = False
        except Exception:  # a full disk, a read-only folder, anything pickle refuses: no cache
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
