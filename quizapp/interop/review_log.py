"""A review log as a file, in py-fsrs's `ReviewLog` columns: card_id, review_rating, review_time (ISO 8601
with a UTC offset), review_duration (milliseconds, may be empty). CSV with a header row, or JSON (a list
of objects with those keys). `quizapp export reviews` writes it; `quizapp optimize --from-csv` reads it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quizapp.store.review_log import LoggedReview

COLUMNS = ("card_id", "review_rating", "review_time", "review_duration")
MAX_SHOWN = 20  # problems listed before "... and N more"


class ReviewLogError(ValueError):
    """A log that can't be used as it is; `problems` holds one `line N: message` each."""

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = [f"{path}: {p}" for p in self.problems[:MAX_SHOWN]]
        if len(self.problems) > MAX_SHOWN:
            shown.append(f"{path}: ... and {len(self.problems) - MAX_SHOWN} more")
        super().__init__("\n".join(shown))


def to_row(review: LoggedReview) -> dict[str, Any]:
    """One review in the file's columns."""
    return {
        "card_id": review.card_id,
        "review_rating": review.rating,
        "review_time": review.reviewed_at.astimezone(UTC).isoformat(),
        "review_duration": review.duration_ms,
    }


def write_csv(reviews: Iterable[LoggedReview]) -> str:
    """The log as CSV text (an empty duration is an empty field)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for review in reviews:
        row = to_row(review)
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def write_json(reviews: Iterable[LoggedReview]) -> str:
    """The log as a JSON list of objects."""
    return json.dumps([to_row(r) for r in reviews], indent=1, ensure_ascii=False) + "\n"


def write_file(path: Path, reviews: Iterable[LoggedReview]) -> None:
    """Write `.json` as JSON, anything else as CSV."""
    text = write_json(reviews) if path.suffix.lower() == ".json" else write_csv(reviews)
    path.write_text(text, encoding="utf-8", newline="")


def parse_row(row: Mapping[str, Any]) -> LoggedReview:
    """One review from a row of the file; ValueError with what is wrong."""
    card_id = row.get("card_id")
    if card_id is None or str(card_id).strip() == "":
        raise ValueError("card_id is empty")
    rating = _whole(row.get("review_rating"), "review_rating")
    if rating not in (1, 2, 3, 4):
        raise ValueError(f"review_rating {rating} is not 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)")
    when = row.get("review_time")
    if not isinstance(when, str) or not when.strip():
        raise ValueError("review_time is empty")
    try:
        at = datetime.fromisoformat(when.strip())
    except ValueError:
        raise ValueError(
            f"review_time {when!r} is not an ISO 8601 time, e.g. 2024-05-01T09:30:00+00:00"
        ) from None
    if at.tzinfo is None:
        raise ValueError(f"review_time {when!r} has no UTC offset (add +00:00 or Z)")
    duration = row.get("review_duration")
    ms = None if duration is None or str(duration).strip() == "" else _whole(duration, "review_duration")
    if ms is not None and ms < 0:
        raise ValueError(f"review_duration {ms} is negative")
    return LoggedReview(str(card_id).strip(), at.astimezone(UTC), rating, ms)


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    text = "" if value is None else str(value).strip()
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 18):
        raise ValueError(f"{name} {text!r} is not a whole number" if text else f"{name} is empty")
    return int(text)


def parse_csv(text: str, path: str = "<csv>") -> list[LoggedReview]:
    """The reviews of a CSV log; ReviewLogError listing every bad row as `line N: message`.

    Columns are found by the header's names (others are ignored); blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    if any(c not in header for c in COLUMNS if c != "review_duration"):
        shown = ",".join(header) or "nothing"
        raise ReviewLogError(path, [f"line 1: the header is {shown}; it needs {', '.join(COLUMNS)}"])
    reviews, problems = [], []
    end = reader.line_num  # the line the previous row ended on (a quoted field may hold line breaks)
    for cells in reader:
        line, end = end + 1, reader.line_num
        if not cells or not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(f"line {line}: more fields than the {len(header)} columns")
            continue
        try:
            reviews.append(parse_row(dict(zip(header, cells, strict=False))))
        except ValueError as error:
            problems.append(f"line {line}: {error}")
    if problems:
        raise ReviewLogError(path, problems)
    return reviews


def parse_json(text: str, path: str = "<json>") -> list[LoggedReview]:
    """The reviews of a JSON log (a list of objects); ReviewLogError with `item N: message` per bad one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReviewLogError(path, [f"line {error.lineno}: not JSON: {error.msg}"]) from None
    if not isinstance(data, list):
        raise ReviewLogError(path, ["a review log is a JSON list of objects"])
    reviews, problems = [], []
    for n, row in enumerate(data, 1):
        try:
            if not isinstance(row, dict):
                raise ValueError("not an object")
            reviews.append(parse_row(row))
        except ValueError as error:
            problems.append(f"item {n}: {error}")
    if problems:
        raise ReviewLogError(path, problems)
    return reviews


def read_file(path: Path) -> list[LoggedReview]:
    """Read a `.json` log as JSON, anything else as CSV; OSError or ReviewLogError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReviewLogError(str(path), [f"not UTF-8 text (byte {error.start})"]) from None
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path))
    return parse_csv(text, str(path))
