"""Fit FSRS parameters to a review log with fsrs-rs-python (the Rust FSRS core Anki uses), honestly.

A card's reviews become training items the way Anki builds them: each review is (rating, days since the
card's previous review), days counted in study days (a day begins at `day_starts_at` local time), and
every review on a later study day than the one before it is one item: the card's history up to it, whose
last rating the model must predict. Items are ordered by the time of that last review; the earliest
80% fit the parameters and the latest 20% judge them (a time-series split), against fsrs's defaults on
the same held-out reviews. The parameters kept are fitted on everything.

The Rust module is imported inside the functions that need it: never on the app's start path.

`python -m quizapp.srs.optimize` measures the fit of a whole log in a process of its own (Stats runs it:
pure-Python item building over every review would hold the UI process's GIL for seconds)."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizapp.store.review_log import LoggedReview

Item = tuple[tuple[int, int], ...]  # (rating, delta study days) of one card's reviews, up to a predicted one
Progress = Callable[[int, int, str], None]  # (step, of steps, what is being done)

MIN_ITEMS = 100  # below this the Rust optimizer fits little or nothing, and 20% held out says nothing
HELD_OUT = 0.2  # the latest fifth of the predicted reviews judges the fit
PARAMETER_COUNT = 21  # FSRS-6, what fsrs.Scheduler (py-fsrs 6) takes
DECIMALS = 4  # as Anki shows them; also takes f32 noise (0.8000000119) back inside py-fsrs's bounds
STEPS = 4
QUARTER_HOUR = 900  # seconds


class NotEnoughReviews(ValueError):
    """Too few reviews to fit or to judge a fit; the message says how many there are and are needed."""


def study_day(moment: datetime, starts_at: int, tz: tzinfo | None = None) -> date:
    """The local date of the study day `moment` falls in (a day begins at `starts_at` o'clock)."""
    return (moment.astimezone(tz) - timedelta(hours=starts_at)).date()


@dataclass(frozen=True)
class Items:
    """A review log as training items, oldest predicted review first."""

    items: list[Item] = field(default_factory=list)
    reviews: int = 0  # reviews in the histories used
    cards: int = 0


def review_items(reviews: Iterable[LoggedReview], starts_at: int, tz: tzinfo | None = None) -> Items:
    """Anki's training items from a log in any order.

    A card's history starts at its last restart (reset to new), if any. An item is a card's history up
    to a review made on a later study day than the one before; items are ordered by that review's time."""
    by_card: dict[str, list[LoggedReview]] = {}
    for review in reviews:
        by_card.setdefault(review.card_id, []).append(review)
    dated: list[tuple[datetime, str, int, Item]] = []
    days: dict[int, date] = {}  # study day by quarter hour: time zones and their changes keep to those
    used = 0
    for card_id, history in by_card.items():
        history.sort(key=lambda r: r.reviewed_at)
        starts = [i for i, r in enumerate(history) if r.restart]
        history = history[starts[-1] :] if starts else history
        used += len(history)
        steps: list[tuple[int, int]] = []
        previous: date | None = None
        for n, review in enumerate(history):
            window = int(review.reviewed_at.timestamp()) // QUARTER_HOUR
            day = days.get(window)
            if day is None:
                day = days[window] = study_day(review.reviewed_at, starts_at, tz)
            delta = 0 if previous is None else (day - previous).days
            steps.append((review.rating, delta))
            previous = day
            if delta > 0:
                dated.append((review.reviewed_at, card_id, n, tuple(steps)))
    dated.sort(key=lambda d: d[:3])
    return Items([item for *_, item in dated], used, len(by_card))


def parameter_problem(parameters: Sequence[float]) -> str | None:
    """Why fsrs.Scheduler would refuse `parameters` (count, a value out of its bounds), or None."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    if len(parameters) != PARAMETER_COUNT:
        return f"FSRS-6 takes {PARAMETER_COUNT} parameters, not {len(parameters)}"
    for i, (value, low, high) in enumerate(
        zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    ):
        if not (math.isfinite(value) and low <= value <= high):
            return f"parameter {i} is {value}, outside fsrs's bounds {low} to {high}"
    return None


def scheduler_parameters(raw: Sequence[float]) -> list[float]:
    """What the Rust optimizer returned, as parameters fsrs.Scheduler accepts: 4 decimals (its f32 values
    overshoot py-fsrs's bounds in the 8th digit), FSRS-5's 19 extended as FSRS-6 reads them (no
    short-term exponent, decay 0.5). ValueError, saying why, for anything else."""
    values = [round(float(v), DECIMALS) for v in raw]
    if len(values) == 19:
        values += [0.0, 0.5]
    problem = parameter_problem(values)
    if problem:
        raise ValueError(f"the optimizer's parameters can't be used: {problem}")
    return values


def default_parameters() -> list[float]:
    """fsrs's default FSRS-6 parameters."""
    from fsrs.scheduler import DEFAULT_PARAMETERS

    return list(DEFAULT_PARAMETERS)


@dataclass(frozen=True)
class Fit:
    """How well parameters predict reviews, as fsrs-rs (and Anki) measure it: log loss and the binned
    RMSE of recall probability, both weighting later reviews more (0.25 for the first, up to 1)."""

    log_loss: float
    rmse: float

    def to_json(self) -> dict[str, float]:
        """{"log_loss", "rmse"}."""
        return {"log_loss": round(self.log_loss, 6), "rmse": round(self.rmse, 6)}


def _rust_items(items: Sequence[Item]) -> list[Any]:
    """The items as fsrs-rs objects; one FSRSReview per distinct (rating, delta) pair, shared (the items
    of a card repeat its earlier reviews, so a long log holds many times more reviews than it made)."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    reviews: dict[tuple[int, int], Any] = {}
    found = []
    for item in items:
        found.append(FSRSItem([reviews.get(r) or reviews.setdefault(r, FSRSReview(*r)) for r in item]))
    return found


def evaluate(items: Sequence[Item], parameters: Sequence[float]) -> Fit:
    """The fit of `parameters` on `items` (each item's last review is the one predicted)."""
    from fsrs_rs_python import FSRS

    if not items:
        raise NotEnoughReviews("no reviews on a later day than the card's previous one to judge a fit by")
    found = FSRS(list(parameters)).evaluate(_rust_items(items))
    return Fit(float(found.log_loss), float(found.rmse_bins))


def fit(items: Sequence[Item]) -> list[float]:
    """Parameters fitted to `items`, as fsrs.Scheduler takes them."""
    from fsrs_rs_python import FSRS

    return scheduler_parameters(FSRS([]).compute_parameters(_rust_items(items)))


@dataclass(frozen=True)
class Optimized:
    """The outcome of `optimize`: held-out fit of the defaults and of parameters fitted without those
    reviews, and the parameters fitted on everything (worth keeping only when `better`)."""

    reviews: int
    cards: int
    items: int
    held_out: int
    default: Fit
    fitted: Fit
    parameters: list[float]

    @property
    def better(self) -> bool:
        """The fitted parameters predict the held-out reviews better (lower log loss) than the defaults."""
        return self.fitted.log_loss < self.default.log_loss

    def to_json(self) -> dict[str, Any]:
        """The `quizapp optimize --json` document."""
        return {
            "reviews": self.reviews,
            "cards": self.cards,
            "predicted": self.items,
            "held_out": self.held_out,
            "default": self.default.to_json(),
            "fitted": self.fitted.to_json(),
            "better": self.better,
            "parameters": self.parameters,
        }

    def summary(self) -> str:
        """The result in words, with the numbers."""
        gain = 1 - self.fitted.log_loss / self.default.log_loss if self.default.log_loss else 0.0
        lines = [
            f"{self.reviews:,} reviews of {self.cards:,} cards; {self.items:,} predicted reviews "
            f"(on a later day than the card's previous one), the latest {self.held_out:,} held out",
            f"held-out log loss: defaults {self.default.log_loss:.4f}, fitted {self.fitted.log_loss:.4f}"
            + (f" ({gain:.1%} lower)" if self.better else ""),
            f"held-out RMSE:     defaults {self.default.rmse:.4f}, fitted {self.fitted.rmse:.4f}",
        ]
        if not self.better:
            lines.append("the fitted parameters predict no better than the defaults: not used, nothing saved")
        return "\n".join(lines)


def optimize(found: Items, progress: Progress | None = None) -> Optimized:
    """Fit on the earlier 80% of predicted reviews, compare with the defaults on the latest 20%, then fit
    on everything. Raises NotEnoughReviews when there are fewer than MIN_ITEMS predicted reviews."""
    items = found.items
    if len(items) < MIN_ITEMS:
        raise NotEnoughReviews(
            f"fitting needs at least {MIN_ITEMS} reviews made on a later study day than the card's "
            f"previous review; this log has {len(items)} (of {found.reviews} reviews)"
        )
    say = progress or (lambda step, steps, what: None)
    cut = len(items) - max(1, round(len(items) * HELD_OUT))
    train, test = items[:cut], items[cut:]
    say(1, STEPS, f"fitting on the earlier {len(train):,} predicted reviews")
    trial = fit(train)
    say(2, STEPS, f"judging on the latest {len(test):,}")
    default, fitted = evaluate(test, default_parameters()), evaluate(test, trial)
    say(3, STEPS, f"fitting on all {len(items):,}")
    parameters = fit(items)
    say(4, STEPS, "done")
    return Optimized(found.reviews, found.cards, len(items), len(test), default, fitted, parameters)


@dataclass(frozen=True)
class LogFit:
    """How well parameters predict a whole log (in-sample), over how many predicted reviews."""

    fit: Fit
    predicted: int


def measure_log(db_path: str, parameters: Sequence[float] | None, starts_at: int) -> LogFit:
    """The fit of `parameters` (fsrs's defaults when None) over every review in the database file.
    Raises NotEnoughReviews when no review can be predicted."""
    from quizapp.store.review_log import all_reviews

    db = sqlite3.connect(db_path, timeout=5)
    try:
        reviews = all_reviews(db)
    finally:
        db.close()
    items = review_items(reviews, starts_at).items
    return LogFit(evaluate(items, parameters or default_parameters()), len(items))


def main() -> None:
    """The process Stats runs: a JSON request {"db", "parameters", "day_starts_at"} on stdin, a JSON
    answer on stdout: {"log_loss", "rmse", "predicted"}, or {"error"} when there is too little to judge.
    It runs at a lower priority: on two cores it would otherwise take CPU from the UI it reports to."""
    if hasattr(os, "nice"):
        os.nice(10)
    request = json.load(sys.stdin)
    try:
        found = measure_log(request["db"], request["parameters"], request["day_starts_at"])
    except NotEnoughReviews as error:
        json.dump({"error": str(error)}, sys.stdout)
        return
    json.dump({**found.fit.to_json(), "predicted": found.predicted}, sys.stdout)


if __name__ == "__main__":
    main()
