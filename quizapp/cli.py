"""The `quizapp` command: the TUI, plus validate and schema for authors. Textual loads only for the TUI."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from quizapp import __version__

EPILOG = """\
environment:
  QUIZAPP_DB        database file (default: quizapp.db in your user data folder)
  QUIZAPP_CONTENT   extra content folders, separated by the OS path separator
  QUIZAPP_SETTINGS  settings file (default: settings.toml in your user config folder)
  QUIZAPP_CACHE     folder for the parsed-bank cache (default: your user cache folder), or `off`
"""


def _add_bank_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # On the top parser and on each subcommand, so both `quizapp --db X study` and `quizapp study --db X`
    # work. Subcommands write to their own dests: argparse would otherwise let a subcommand's default
    # overwrite what was given before it. `_merge_bank_options` combines the two.
    suffix = "" if top else "_sub"
    parser.add_argument(
        "--db",
        type=Path,
        dest=f"db{suffix}",
        metavar="PATH",
        help="SQLite file holding your progress (overrides QUIZAPP_DB)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        action="append",
        default=[],
        dest=f"content{suffix}",
        metavar="DIR",
        help="an extra folder of topic files (repeatable; adds to the built-in bank)",
    )


def _merge_bank_options(args: argparse.Namespace) -> argparse.Namespace:
    args.content = [*args.content, *getattr(args, "content_sub", [])]
    args.db = getattr(args, "db_sub", None) or args.db
    return args


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="quizapp",
        description="Spaced-repetition practice for machine-learning interviews, in your terminal. "
        "With no command, opens the app on its home screen.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"quizapp {__version__}")
    _add_bank_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    study = commands.add_parser(
        "study",
        help="go straight into a study session",
        description="Open the app directly in a study session (everything due, or the given topics/tags).",
    )
    study.add_argument("--topic", action="append", default=[], metavar="T", help="a topic id (repeatable)")
    study.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeatable)")
    _add_bank_options(study, top=False)

    validate = commands.add_parser(
        "validate",
        help="check topic files; one `file:line:col: message` line per problem",
        description="Check topic files. With no PATH, checks the whole bank the app would load "
        "(built-in, QUIZAPP_CONTENT and --content); with PATHs, checks just those files and folders. "
        "Exit status: 0 clean, 1 problems found.",
    )
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="a file or folder")
    _add_bank_options(validate, top=False)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a topic file (for editor completion)",
        description="Print the JSON Schema of a topic file, generated from quizapp's models. "
        "Save it and point your editor's YAML language server at it.",
    )
    schema.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quizapp` console script."""
    args = _merge_bank_options(build_parser().parse_args(argv))
    if args.command == "validate":
        return _validate(args)
    if args.command == "schema":
        return _schema(args)
    return _run_tui(args)


def _validate(args: argparse.Namespace) -> int:
    from quizapp.content.bank import content_dirs, load_bank

    missing = [path for path in args.paths if not path.exists()]
    for path in missing:
        print(f"{path}: no such file or folder", file=sys.stderr)
    if missing:
        return 1
    bank = load_bank(args.paths or content_dirs(args.content))
    for problem in bank.problems:
        print(problem)
    summary = f"{len(bank.cards)} cards in {len(bank.topics)} topics"
    if bank.problems:
        print(f"{len(bank.problems)} problem(s); {summary} loaded", file=sys.stderr)
        return 1
    print(f"ok: {summary}", file=sys.stderr)
    return 0


def _schema(args: argparse.Namespace) -> int:
    from quizapp.content.schema import TopicFile

    schema = TopicFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    print(json.dumps(schema, indent=args.indent, ensure_ascii=False))
    return 0


def _run_tui(args: argparse.Namespace) -> int:
    import sqlite3

    from quizapp.content.bank import content_dirs
    from quizapp.content.cache import FileCache, default_cache_file
    from quizapp.settings import load_settings
    from quizapp.store.db import DatabaseTooNew, default_db_path
    from quizapp.tui.app import StudyFilter, make_app

    settings, warning = load_settings()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    study = None
    if args.command == "study":
        study = StudyFilter(topics=tuple(args.topic), tags=tuple(args.tag))
    db_path = args.db or default_db_path()
    try:
        cache_file = default_cache_file()
        cache = FileCache(cache_file) if cache_file is not None else None
        app = make_app(content_dirs(args.content), db_path, settings, study=study, cache=cache)
    except (DatabaseTooNew, sqlite3.DatabaseError, OSError) as error:
        print(f"quizapp: cannot open the database {db_path}: {error}", file=sys.stderr)
        print("(choose another file with --db PATH or QUIZAPP_DB)", file=sys.stderr)
        return 2
    if study is not None:
        unknown = [t for t in study.topics if t not in app.bank.topics]
        if unknown:
            print(f"quizapp: unknown topic(s): {', '.join(unknown)}", file=sys.stderr)
            print(f"known topics: {', '.join(sorted(app.bank.topics))}", file=sys.stderr)
            return 2
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
