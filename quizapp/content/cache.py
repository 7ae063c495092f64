"""A cache of loaded topic files, so an unchanged bank starts without parsing YAML again.

An entry is keyed by the file's resolved path, size and modification time; the whole cache is dropped
when quizapp's content code or pydantic changes. It lives in the user's cache folder and is only ever
a shortcut: any failure to read or write it falls back to loading the files.

Each entry holds a lean summary (the file's topic id and card ids) next to the file's result pickled on
its own, so one card can be found without unpickling every file (`quizapp check`)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pydantic
from platformdirs import user_cache_dir

from quizapp.content.files import read_regular_file

if TYPE_CHECKING:
    from quizapp.content.loader import FileResult

CACHE_ENV = "QUIZAPP_CACHE"  # a folder, or "off"
Key = tuple[str, str, int, int]
Summary = tuple[str | None, tuple[str, ...]]  # topic id (None: no usable topic), card ids in file order
Entry = tuple[Summary, bytes]  # the summary and the pickled FileResult
MAX_CACHE_BYTES = 512 << 20  # far above any real bank's cache; a larger file is ignored, not read


def default_cache_file(environ: dict[str, str] | None = None) -> Path | None:
    """Where the cache lives: `QUIZAPP_CACHE` (a folder, or `off` for none), else the user cache folder."""
    env = os.environ if environ is None else environ
    setting = env.get(CACHE_ENV, "")
    if setting.lower() == "off":
        return None
    folder = Path(setting).expanduser() if setting else Path(user_cache_dir("quizapp", appauthor=False))
    return folder / "bank.pickle"


def code_fingerprint() -> str:
    """Changes whenever the code that turns YAML into models may have changed."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(pydantic.VERSION.encode())  # not importlib.metadata: 40 ms at start-up
    for name in ("schema.py", "expressions.py", "files.py", "loader.py", "yamlpos.py", "cache.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


class FileCache:
    """Loaded files by (resolved path, path as given, size, mtime); `save` writes it back if changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dirty = False
        self._entries: dict[Key, Entry] | None = None  # read on first use, inside load_bank

    @property
    def entries(self) -> dict[Key, Entry]:
        """The stored results; an unreadable or outdated file counts as an empty cache."""
        if self._entries is None:
            self._entries = {}
            try:  # never blocks: a FIFO or device in the cache's place is refused, not opened
                data, _ = read_regular_file(self.path, MAX_CACHE_BYTES)
                stored = pickle.loads(data)
                if (
                    isinstance(stored, dict)
                    and stored.get("fingerprint") == code_fingerprint()
                    and isinstance(stored.get("entries"), dict)
                ):
                    self._entries = stored["entries"]
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

    def summary(self, key: Key) -> Summary | None:
        """The topic id and card ids stored for `key`, if any, without unpickling the file's result."""
        entry = self.entries.get(key)
        return None if entry is None else entry[0]

    def get(self, key: Key) -> FileResult | None:
        """The stored result for `key`, if any; an entry that no longer unpickles is dropped."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            result: FileResult = pickle.loads(entry[1])
        except Exception:  # a class renamed under an unchanged fingerprint, a damaged entry: parse again
            del self.entries[key]
            self.dirty = True
            return None
        return result

    def put(self, key: Key, result: FileResult) -> None:
        """Remember `result` for `key`; a result pickle refuses is simply not cached."""
        try:
            topic = result.topic
            summary: Summary = (
                (topic.header.topic, tuple(card.id for card in topic.cards))
                if topic is not None
                else (None, ())
            )
            self.entries[key] = (summary, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # anything pickle refuses: this file is parsed again next time
            return
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
            with tempfile.NamedTemporaryFile("wb", dir=self.path.parent, delete=False) as handle:
                temporary = handle.name
                pickle.dump(
                    {"fingerprint": code_fingerprint(), "entries": self.entries},
                    handle,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            os.replace(temporary, self.path)
            self.dirty = False
        except Exception:  # a full disk, a read-only folder, anything pickle refuses: no cache
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
