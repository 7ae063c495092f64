"""The bodies of `quizapp optimize`, `quizapp export ...` and `quizapp import notes` (cli.py parses)."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

from quizapp.store.review_log import LoggedReview
from quizapp.wording import plural

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2


def _error(command: str, message: str) -> None:
    print(f"quizapp {command}: {message}", file=sys.stderr)


def _db_reviews(args: argparse.Namespace, command: str) -> list[LoggedReview] | None:
    """Every review in the database named by --db / QUIZAPP_DB, or None (the reason printed)."""
    from quizapp.store.db import DatabaseRefused, default_db_path, open_db
    from quizapp.store.review_log import all_reviews

    path = args.db or default_db_path()
    if not Path(path).exists():
        _error(command, f"there is no database at {path} (no reviews yet; choose one with --db PATH)")
        return None
    try:
        db = open_db(path)
    except (DatabaseRefused, sqlite3.DatabaseError, OSError) as error:
        _error(command, f"cannot open the database {path}: {error}")
        return None
    try:
        return all_reviews(db)
    finally:
        db.close()


def optimize(args: argparse.Namespace) -> int:
    """Fit FSRS parameters to the review log (or a CSV), report the held-out fit, save unless told not to."""
    from quizapp.settings import SettingsNotSaved, load_settings, save_settings, settings_path
    from quizapp.srs.optimize import NotEnoughReviews, optimize, review_items

    settings, _ = load_settings()
    if args.reset:
        if args.dry_run:
            print("--dry-run: the default parameters would be used again; nothing saved")
            return EXIT_OK
        try:
            save_settings(replace(settings, fsrs_parameters=None), settings)
        except SettingsNotSaved as error:
            _error("optimize", str(error))
            return EXIT_REFUSED
        print(f"fsrs's default parameters are used again (saved in {settings_path()})")
        return EXIT_OK
    if args.from_csv is not None:
        from quizapp.interop.review_log import ReviewLogError, read_file

        try:
            reviews = read_file(args.from_csv)
        except ReviewLogError as error:
            print(error, file=sys.stderr)
            return EXIT_BAD_INPUT
        except OSError as error:
            _error("optimize", f"cannot read {args.from_csv}: {error.strerror or error}")
            return EXIT_BAD_INPUT
    else:
        found = _db_reviews(args, "optimize")
        if found is None:
            return EXIT_BAD_INPUT
        reviews = found
    try:
        result = optimize(review_items(reviews, settings.day_starts_at))
    except NotEnoughReviews as error:
        _error("optimize", f"not enough reviews: {error}; keeping the current parameters")
        return EXIT_REFUSED
    except ValueError as error:  # fitted parameters fsrs.Scheduler would refuse
        _error("optimize", str(error))
        return EXIT_REFUSED
    saved: str | None = None
    if result.better and not args.dry_run:
        try:
            saved = str(save_settings(replace(settings, fsrs_parameters=result.parameters), settings))
        except SettingsNotSaved as error:
            _error("optimize", f"the parameters were not saved: {error}")
            return EXIT_REFUSED
    if args.json:
        print(json.dumps(result.to_json() | {"saved": saved is not None}))
        return EXIT_OK
    print(result.summary())
    if result.better:
        print("parameters: " + ", ".join(f"{p:g}" for p in result.parameters))
        if saved:
            print(f"saved in {saved}; the scheduler uses them from the next grade (`--reset` goes back)")
        else:
            print("--dry-run: not saved")
    return EXIT_OK


def export_anki(args: argparse.Namespace) -> int:
    """Write topics to an Anki .apkg."""
    from quizapp.content.bank import content_dirs, load_bank
    from quizapp.interop.export_anki import export_anki

    bank = load_bank(content_dirs(args.content))
    unknown = [t for t in args.topic if t not in bank.topics]
    if unknown:
        known = ", ".join(sorted(bank.topics))
        _error("export", f"unknown topic {', '.join(unknown)}; known topics: {known} (see `quizapp topics`)")
        return EXIT_BAD_INPUT
    try:
        result = export_anki(bank, args.path, args.topic)
    except OSError as error:
        _error("export", f"cannot write {args.path}: {error.strerror or error}")
        return EXIT_BAD_INPUT
    for reason in result.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    print(f"{result.total:,} notes in {plural(len(result.notes), 'deck')} written to {args.path}")
    return EXIT_OK


def export_reviews(args: argparse.Namespace) -> int:
    """Write the whole review log as CSV or JSON."""
    from quizapp.interop.review_log import write_file

    reviews = _db_reviews(args, "export")
    if reviews is None:
        return EXIT_BAD_INPUT
    try:
        write_file(args.path, reviews)
    except OSError as error:
        _error("export", f"cannot write {args.path}: {error.strerror or error}")
        return EXIT_BAD_INPUT
    print(f"{len(reviews):,} reviews written to {args.path}")
    return EXIT_OK


def import_notes(args: argparse.Namespace) -> int:
    """Turn a notes file into a new topic file."""
    from quizapp.content.bank import content_dirs, load_bank
    from quizapp.content.loader import load_file
    from quizapp.interop import import_notes as notes

    topic = args.topic
    if not notes.valid_topic_id(topic):
        _error("import", f"`{topic}` is not a topic id: lowercase letters, digits and single dashes")
        return EXIT_BAD_INPUT
    target = args.out / f"{topic}.yaml"
    if target.exists():
        _error("import", f"{target} exists; choose another --topic or --out folder")
        return EXIT_BAD_INPUT
    try:
        parsed = notes.read_notes(args.file)
    except (OSError, UnicodeDecodeError) as error:
        _error("import", f"cannot read {args.file}: {error}")
        return EXIT_BAD_INPUT
    for problem in parsed.problems:
        print(f"{args.file}:{problem.removeprefix('line ')}", file=sys.stderr)
    if parsed.problems and not args.skip_bad:
        bad = plural(len(parsed.problems), "bad row")
        _error("import", f"{bad}; nothing written (fix them, or --skip-bad)")
        return EXIT_BAD_INPUT
    if not parsed.notes:
        _error("import", f"no notes found in {args.file}")
        return EXIT_BAD_INPUT
    bank = load_bank(content_dirs(args.content))
    if topic in bank.topics:
        _error("import", f"the bank already has a topic `{topic}`")
        return EXIT_BAD_INPUT
    ids = notes.card_ids(topic, parsed.notes, bank.cards.keys())
    title = args.title or notes.title_of(topic)
    summary = f"Imported from {args.file.name} ({len(parsed.notes)} notes)."
    text = notes.dump_yaml(notes.topic_document(topic, title, summary, parsed.notes, ids))
    args.out.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    invalid = load_file(target).problems  # the loader `validate` uses: a file it refuses is a bug here
    for found in invalid:
        print(found, file=sys.stderr)
    print(f"{len(parsed.notes)} flashcards written to {target}")
    return EXIT_BAD_INPUT if invalid else EXIT_OK
