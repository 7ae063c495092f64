"""Read a file the user pointed at without ever blocking or reading without bound.

`stat` never blocks, opening a named pipe (FIFO) for reading does: so a path is stat'ed first and only a
regular file is opened, with `O_NONBLOCK` (no effect on a regular file) and checked again on the open
descriptor, in case it was swapped between the two. Reads stop one byte past the limit. Settings and the
parsed-bank cache can use the same two functions as the content loader."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

MAX_TOPIC_BYTES = 1 << 20  # 1 MiB: 60x the largest built-in topic; a hostile 1 MiB file parses in ~1-3 s

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotReadable(Exception):
    """A path that is not a readable regular file, or is too large; `reason` says which, plainly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words: `a folder`, `a named pipe (FIFO)`, ..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def regular_file_stat(path: Path) -> os.stat_result:
    """`path`'s stat (following symlinks) if it is a regular file; else `NotReadable` saying why."""
    try:
        found = os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotReadable("a symbolic link loop") from None
        if error.errno == errno.ENOENT and os.path.islink(path):
            try:
                target = os.readlink(path)
            except OSError:  # pragma: no cover - removed in between
                target = "?"
            raise NotReadable(f"a broken symbolic link (to {target})") from None
        raise NotReadable(f"cannot read file: {error.strerror}") from None
    if not stat.S_ISREG(found.st_mode):
        raise NotReadable(f"{kind_of(found.st_mode)}, not a regular file")
    return found


def is_regular_file(path: Path) -> bool:
    """True when `path` (following symlinks) is a regular file; never blocks."""
    try:
        regular_file_stat(path)
    except NotReadable:
        return False
    return True


def read_regular_file(path: Path, limit: int = MAX_TOPIC_BYTES) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file `path` (at most `limit`) and the stat of what was read.

    Raises `NotReadable` for anything else (a FIFO, a device, a folder, a broken or looping link, an
    unreadable or too large file); never blocks on a special file."""
    found = regular_file_stat(path)
    if found.st_size > limit:
        raise NotReadable(_too_large(found.st_size, limit))
    with _opened_regular(path) as (fd, opened):
        chunks: list[bytes] = []
        size = 0
        step = max(opened.st_size + 1, 1 << 16)  # a regular file: usually one read, and one more for EOF
        while size <= limit:
            chunk = os.read(fd, min(step, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew since the stat
            raise NotReadable(f"file too large: over {limit:,} bytes (the limit)")
        return b"".join(chunks), os.fstat(fd)


def open_regular_file(path: Path) -> int:
    """A read-only descriptor of the regular file `path`, for `os.pread` (the caller closes it).

    Raises `NotReadable` as `read_regular_file` does; never blocks on a special file."""
    regular_file_stat(path)
    with _opened_regular(path) as (fd, _):
        return os.dup(fd)


@contextmanager
def _opened_regular(path: Path) -> Iterator[tuple[int, os.stat_result]]:
    """A read-only descriptor of `path` and its stat, once it is known to be a regular file."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise NotReadable(f"cannot read file: {error.strerror}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # swapped for something else since the stat
            raise NotReadable(f"{kind_of(opened.st_mode)}, not a regular file")
        yield fd, opened
    except OSError as error:
        raise NotReadable(f"cannot read file: {error.strerror}") from None
    finally:
        os.close(fd)


def write_atomically(path: Path, chunks: Iterable[bytes], *, durable: bool = True) -> None:
    """Replace `path` with `chunks` in one step (a temporary file in the same folder, then os.replace):
    readers see the old file or the new one, never a part. The file keeps its permissions; `durable`
    flushes it to disk first (a file the user wrote; not needed for a cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with open(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _too_large(size: int, limit: int) -> str:
    return f"file too large: {size:,} bytes (the limit is {limit:,})"


TOPIC_SUFFIXES = (".yaml", ".yml")


def topic_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every topic file under `paths` (files as given, folders searched recursively), sorted.

    Hidden files and folders are left out and symbolic links to folders are not followed (no loops).
    Anything else named like a topic file is listed, whatever it is (a folder, a FIFO, a broken link):
    `load_file` then says why it is skipped, without opening it."""
    for path in paths:
        if path.is_dir():
            yield from sorted(_walk(path))
        else:
            yield path


def _walk(top: Path) -> Iterator[Path]:
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:  # unlistable (permissions, removed meanwhile): nothing to load from it
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:  # pragma: no cover - removed meanwhile
                continue
            if is_folder:
                folders.append(folder / entry.name)
            if os.path.splitext(entry.name)[1] in TOPIC_SUFFIXES:
                yield folder / entry.name
