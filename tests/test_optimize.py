"""Fitting FSRS parameters: training items as Anki builds them, a fit that beats the defaults on reviews it
never saw, parameters fsrs.Scheduler accepts, and `quizapp optimize` end to end."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import fsrs
import pytest

from quizapp.cli import main
from quizapp.interop.review_log import write_csv
from quizapp.settings import Settings, load_settings, validate_settings
from quizapp.srs import optimize
from quizapp.srs.scheduler import make_scheduler
from quizapp.store import review_log
from quizapp.store.db import open_db
from quizapp.store.repo import CardState, Review, record_review
from quizapp.store.review_log import LoggedReview, all_reviews

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
# A learner unlike fsrs's average: first memories last longer, and forgetting follows a flatter curve.
TRUE_PARAMETERS = list(fsrs.scheduler.DEFAULT_PARAMETERS)
TRUE_PARAMETERS[0:4] = [0.6, 2.0, 5.0, 20.0]
TRUE_PARAMETERS[8] = 1.3
TRUE_PARAMETERS[20] = 0.35


def simulate(cards: int = 300, days: int = 150, seed: int = 7) -> list[LoggedReview]:
    """Reviews scheduled by the app's defaults, recalled with the probability the true parameters give."""
    rng = random.Random(seed)
    truth = fsrs.Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    app = fsrs.Scheduler(enable_fuzzing=False)
    end = START + timedelta(days=days)
    log = []
    for c in range(cards):
        now = START + timedelta(days=rng.randrange(days // 2), hours=rng.random() * 10)
        shown, memory = fsrs.Card(card_id=c, due=now), fsrs.Card(card_id=c, due=now)
        while now < end:
            if memory.last_review is None:
                rating = rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.6, 0.1])[0]
            elif rng.random() > truth.get_card_retrievability(memory, now):
                rating = 1
            else:
                rating = rng.choices([2, 3, 4], [0.1, 0.8, 0.1])[0]
            log.append(LoggedReview(f"card-{c}", now, rating, 5000, restart=memory.last_review is None))
            shown, _ = app.review_card(shown, fsrs.Rating(rating), now)
            memory, _ = truth.review_card(memory, fsrs.Rating(rating), now)
            now = shown.due + timedelta(minutes=rng.random() * 60)
    return log


@pytest.fixture(scope="module")
def log() -> list[LoggedReview]:
    return simulate()


def review(card: str, at: datetime, rating: int = 3, restart: bool = False) -> LoggedReview:
    return LoggedReview(card, at, rating, None, restart)


# -- items -----------------------------------------------------------------------------------------


def test_study_day_begins_at_the_configured_hour() -> None:
    utc = UTC
    assert optimize.study_day(datetime(2024, 3, 2, 3, 59, tzinfo=utc), 4, utc) == date(2024, 3, 1)
    assert optimize.study_day(datetime(2024, 3, 2, 4, 0, tzinfo=utc), 4, utc) == date(2024, 3, 2)
    plus2 = timezone(timedelta(hours=2))  # 02:30 UTC is 04:30 there: already the new day
    assert optimize.study_day(datetime(2024, 3, 2, 2, 30, tzinfo=utc), 4, plus2) == date(2024, 3, 2)


def test_items_are_review_prefixes_ending_on_a_later_study_day() -> None:
    utc = UTC
    t0 = datetime(2024, 1, 1, 10, tzinfo=utc)
    found = optimize.review_items(
        [
            review("a", t0 + timedelta(days=3), 3),  # given out of order on purpose
            review("a", t0, 1),
            review("a", t0 + timedelta(minutes=10), 3),  # same study day: delta 0, no item
            review("a", t0 + timedelta(hours=20), 2),  # 06:00 next morning: one study day later
            review("b", t0 + timedelta(hours=17, minutes=30), 4),  # 03:30: still the same study day
        ],
        starts_at=4,
        tz=utc,
    )
    assert found.items == [
        ((1, 0), (3, 0), (2, 1)),
        ((1, 0), (3, 0), (2, 1), (3, 2)),
    ]
    assert (found.reviews, found.cards) == (5, 2)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"])
def test_study_days_across_a_daylight_saving_change_and_odd_offsets(zone: str) -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    first = datetime(2024, 3, 29, tzinfo=UTC)  # Berlin moves its clocks on March 31
    times = [first + timedelta(minutes=37 * k) for k in range(4 * 24 * 60 // 37)]
    found = optimize.review_items([review("a", t) for t in times], starts_at=4, tz=tz)
    days = [optimize.study_day(t, 4, tz) for t in times]  # each computed directly
    deltas = [0] + [(b - a).days for a, b in pairwise(days)]
    last = max(i for i, d in enumerate(deltas) if d > 0)
    assert found.items[-1] == tuple((3, d) for d in deltas[: last + 1])
    assert len(found.items) == sum(d > 0 for d in deltas) >= 3


def test_a_reset_card_starts_its_history_again() -> None:
    utc = UTC
    t0 = datetime(2024, 1, 1, 10, tzinfo=utc)
    found = optimize.review_items(
        [
            review("a", t0, 3, restart=True),
            review("a", t0 + timedelta(days=2), 1),
            review("a", t0 + timedelta(days=5), 4, restart=True),  # reset to new, then learnt again
            review("a", t0 + timedelta(days=9), 3),
        ],
        starts_at=4,
        tz=utc,
    )
    assert found.items == [((4, 0), (3, 4))]  # like Anki: the reviews before the reset are left out
    assert found.reviews == 2


# -- parameters ------------------------------------------------------------------------------------


def test_optimizer_parameters_become_what_fsrs_scheduler_accepts() -> None:
    from fsrs_rs_python import DEFAULT_PARAMETERS

    # f32 values overshoot py-fsrs's bounds in the 8th digit (0.1 as f32 is 0.10000000149...)
    raw = [float(p) for p in DEFAULT_PARAMETERS]
    raw[20] = 0.800000011920929  # the f32 nearest 0.8, py-fsrs's upper bound for the decay
    params = optimize.scheduler_parameters(raw)
    assert len(params) == 21 and params[20] == 0.8
    fsrs.Scheduler(parameters=params)
    five = optimize.scheduler_parameters(raw[:19])  # FSRS-5: no short-term exponent, decay 0.5
    assert five[19:] == [0.0, 0.5]
    with pytest.raises(ValueError, match=r"parameter 4 is 20\.0"):
        optimize.scheduler_parameters([*raw[:4], 20.0, *raw[5:]])
    with pytest.raises(ValueError, match="21 parameters, not 7"):
        optimize.scheduler_parameters(raw[:7])


def test_settings_refuse_parameters_the_scheduler_would_refuse() -> None:
    with pytest.raises(ValueError, match="21 parameters"):
        validate_settings({"fsrs_parameters": [0.5] * 5})
    fitted = list(TRUE_PARAMETERS)
    assert make_scheduler(Settings(fsrs_parameters=fitted)).parameters == tuple(fitted)
    assert make_scheduler(Settings()).parameters == fsrs.scheduler.DEFAULT_PARAMETERS


def test_a_bad_parameter_list_in_the_file_is_reported_and_the_defaults_used(tmp_path, monkeypatch) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(f"new_per_day = 7\nfsrs_parameters = {[*TRUE_PARAMETERS[:20], 9.0]}\n")
    monkeypatch.setenv("QUIZAPP_SETTINGS", str(path))
    settings, problems = load_settings()
    assert settings.fsrs_parameters is None and settings.new_per_day == 7
    assert problems == [
        f"{path}: fsrs_parameters = {[*TRUE_PARAMETERS[:20], 9.0]}: Value error, parameter 20 is 9.0, "
        "outside fsrs's bounds 0.1 to 0.8; using fsrs's defaults"
    ]


def log_loss(items: list[optimize.Item], w: list[float]) -> float:
    """Log loss by hand: the memory before each item's last review, FSRS-6's forgetting curve
    R = (1 + f·t/S)^(-w20) with f = 0.9^(-1/w20) - 1, recall = a rating above Again; weighted like
    fsrs-rs's evaluate, 0.25 + 0.75·(i/(n-1))³ for the i-th of n items in time order."""
    import math

    from fsrs_rs_python import FSRS, FSRSItem, FSRSReview

    model, factor = FSRS(w), 0.9 ** (-1 / w[20]) - 1
    total = weights = 0.0
    for i, item in enumerate(items):
        *before, (rating, days) = item
        memory = model.memory_state(FSRSItem([FSRSReview(r, d) for r, d in before]))
        recall = (1 + factor * days / memory.stability) ** -w[20]
        weight = 0.25 + 0.75 * (i / (len(items) - 1)) ** 3
        total -= weight * math.log(recall if rating > 1 else 1 - recall)
        weights += weight
    return total / weights


# -- the fit ---------------------------------------------------------------------------------------


def test_fitted_parameters_predict_held_out_later_reviews_better_than_the_defaults(log) -> None:
    found = optimize.review_items(log, starts_at=4, tz=UTC)
    result = optimize.optimize(found)
    assert result.better
    assert result.fitted.log_loss < result.default.log_loss
    # the held-out reviews are the latest fifth, and neither fit saw them; judged independently here:
    cut = len(found.items) - result.held_out
    test = found.items[cut:]
    assert result.held_out == round(len(found.items) * 0.2)
    assert log_loss(test, optimize.default_parameters()) == pytest.approx(result.default.log_loss, rel=1e-3)
    # the true parameters are the best any fit can do; the fit gets most of the way there
    truth = optimize.evaluate(test, TRUE_PARAMETERS)
    assert truth.log_loss < result.default.log_loss
    assert result.fitted.log_loss - truth.log_loss < (result.default.log_loss - truth.log_loss) / 2
    fsrs.Scheduler(parameters=result.parameters)  # usable as they are
    assert (result.reviews, result.cards) == (len(log), 300)


def test_too_few_reviews_are_refused_with_the_counts() -> None:
    few = simulate(cards=5, days=30)
    found = optimize.review_items(few, starts_at=4, tz=UTC)
    with pytest.raises(optimize.NotEnoughReviews, match=f"at least 100 .* has {len(found.items)} "):
        optimize.optimize(found)


# -- the command -----------------------------------------------------------------------------------


def test_optimize_from_csv_prints_json_and_saves_the_parameters(log, tmp_path, monkeypatch, capsys) -> None:
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text("# mine\nnew_per_day = 15\n")
    monkeypatch.setenv("QUIZAPP_SETTINGS", str(settings_file))
    csv_file = tmp_path / "log.csv"
    csv_file.write_text(write_csv(log))

    assert main(["optimize", "--from-csv", str(csv_file), "--json", "--dry-run"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"reviews", "cards", "default", "fitted", "parameters"}
    assert out["reviews"] == len(log) and out["cards"] == 300 and out["saved"] is False
    assert out["fitted"]["log_loss"] < out["default"]["log_loss"]
    assert load_settings()[0].fsrs_parameters is None  # dry run

    assert main(["optimize", "--from-csv", str(csv_file)]) == 0
    assert "held-out log loss" in capsys.readouterr().out
    saved = load_settings()[0]
    assert saved.fsrs_parameters == out["parameters"] and saved.new_per_day == 15
    assert settings_file.read_text().startswith("# mine\n")

    assert main(["optimize", "--reset"]) == 0
    assert load_settings()[0].fsrs_parameters is None
    assert "fsrs_parameters" not in settings_file.read_text()


def test_parameters_that_predict_no_better_are_not_saved(log, tmp_path, monkeypatch, capsys) -> None:
    worse = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    worse[0:4] = [0.01, 0.01, 0.01, 0.01]  # a learner who forgets everything within minutes
    monkeypatch.setattr(optimize, "fit", lambda items: worse)
    csv_file = tmp_path / "log.csv"
    csv_file.write_text(write_csv(log))
    assert main(["optimize", "--from-csv", str(csv_file)]) == 0
    out = capsys.readouterr().out
    assert "predict no better than the defaults: not used, nothing saved" in out
    assert "parameters:" not in out
    assert load_settings()[0].fsrs_parameters is None
    assert main(["optimize", "--from-csv", str(csv_file), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["better"] is False and found["saved"] is False
    assert found["fitted"]["log_loss"] > found["default"]["log_loss"]


def test_optimize_reads_the_database_and_refuses_too_few(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("QUIZAPP_SETTINGS", str(tmp_path / "settings.toml"))
    db_path = tmp_path / "q.db"
    db = open_db(db_path)
    now = START
    for day in range(3):
        at = now + timedelta(days=day)
        state = CardState("c1", "t", "flashcard", 2, None, 3.0, 5.0, at + timedelta(days=1), at)
        record_review(db, None, state, Review("c1", at, 3))
    assert [r.reviewed_at for r in all_reviews(db)] == [now, now + timedelta(days=1), now + timedelta(days=2)]
    assert all(r.restart for r in all_reviews(db))  # `before` None: each was recorded as a new card's
    assert (review_log.count(db, 2), review_log.count(db, 10), review_log.id_span(db)) == (2, 3, 3)
    db.close()
    assert main(["optimize", "--db", str(db_path)]) == 1
    assert "not enough reviews" in capsys.readouterr().err


def test_optimize_reports_a_bad_csv_by_line(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("card_id,review_rating,review_time,review_duration\nx,5,2024-01-01T00:00:00+00:00,\n")
    assert main(["optimize", "--from-csv", str(bad)]) == 2
    assert f"{bad}: line 2: review_rating 5 is not 1" in capsys.readouterr().err


def test_fitted_parameters_path_is_off_the_start_path() -> None:
    import subprocess
    import sys

    code = (
        "import sys, quizapp.cli, quizapp.settings, quizapp.srs.scheduler, quizapp.tui.app\n"
        "print('fsrs_rs_python' in sys.modules, 'genanki' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_csv_names_files_like_the_cli_expects(tmp_path: Path) -> None:
    assert write_csv([]).splitlines() == ["card_id,review_rating,review_time,review_duration"]


# -- the Stats screen ------------------------------------------------------------------------------


def fill(db_path: Path, reviews: list[LoggedReview]) -> None:
    """Store `reviews` as graded reviews (the card rows only need to exist)."""
    db = open_db(db_path)
    with db:
        db.execute("BEGIN")
        for r in reviews:
            state = CardState(
                r.card_id, "alpha", "flashcard", 2, None, 3.0, 5.0, r.reviewed_at, r.reviewed_at
            )
            record_review(db, None if r.restart else state, state, Review(r.card_id, r.reviewed_at, r.rating))
    db.close()


async def test_stats_fits_parameters_in_a_worker_and_goes_back_to_the_defaults(log, tmp_path) -> None:
    from conftest import FIXTURE_BANK, NOW

    from quizapp.tui.app import make_app
    from quizapp.tui.screens.stats import StatsScreen

    fill(tmp_path / "q.db", log)
    app = make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(), now=NOW, seed=7)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        caption = str(app.screen.query_one("#fit-caption").render())
        assert "default FSRS parameters · log loss" in caption
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        fitted = app.settings.fsrs_parameters
        assert fitted is not None and len(fitted) == 21
        assert app.reviewer.scheduler.parameters == tuple(fitted)  # used at once
        assert load_settings()[0].fsrs_parameters == fitted  # and saved
        assert not app.screen.query_one("#fit-progress").display
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "fitted FSRS parameters · log loss" in str(app.screen.query_one("#fit-caption").render())
        await pilot.press("d")
        assert app.settings.fsrs_parameters is None
        assert app.reviewer.scheduler.parameters == fsrs.scheduler.DEFAULT_PARAMETERS
        assert load_settings()[0].fsrs_parameters is None
