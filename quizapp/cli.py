"""The `quizapp` command: the TUI, numeric problems on the command line, and validate/schema for authors.

Textual loads only for the TUI; scikit-learn only when a problem needs it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp import __version__

if TYPE_CHECKING:
    from quizapp.content.bank import Bank
    from quizapp.content.problem import Problem as LoadProblem
    from quizapp.problems.model import Problem

EPILOG = """\
environment:
  QUIZAPP_DB        database file (default: quizapp.db in your user data folder)
  QUIZAPP_CONTENT   extra content folders, separated by the OS path separator
  QUIZAPP_SETTINGS  settings file (default: settings.toml in your user config folder)
  QUIZAPP_CACHE     folder for the cache of parsed topic files and checked settings (default: your user
                    cache folder), or `off`
"""


MAX_DRILL = 1000  # problems in one plain-terminal drill
# Options whose value may start with `-` (`--answer -2.5e-3`, `--seed -1`): argparse would take such a
# value for an option unless it looks like `-1` or `-.5`, so `attach_dash_values` writes them `--answer=…`.
DASH_VALUE_OPTIONS = ("--answer", "--seed")


def attach_dash_values(argv: Sequence[str]) -> list[str]:
    """`argv` with `--answer -x` (or an abbreviation such as `--ans -x`) written `--answer=-x`.

    argparse takes `-2.5e-3` or `-x` after an option for an option of its own ("expected one argument");
    joined to its option the value is read as typed, and a bad one gets the option's own message. A value
    that looks like a long option (`--json`) stays an option; nothing after `--` is touched."""
    out: list[str] = []
    items = iter(argv)
    for arg in items:
        out.append(arg)
        if arg == "--":
            out.extend(items)
            break
        if len(arg) >= 3 and "=" not in arg and any(name.startswith(arg) for name in DASH_VALUE_OPTIONS):
            value = next(items, None)
            if value is None:
                break
            if value.startswith("-") and not value.startswith("--"):
                out[-1] = f"{arg}={value}"
            else:
                out.append(value)
    return out


def _bounded_int(text: str, low: int, high: int, what: str) -> int:
    """`text` as a whole number in low..high, else argparse's error with `what` it must be."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) <= len(str(high))):
        raise argparse.ArgumentTypeError(f"{what}, not {text[:40]}")
    value = int(digits)
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{what}, not {value}")
    return value


def seed_arg(text: str) -> int:
    """A seed from the command line: a whole number from 0 to the registry's MAX_SEED (2**63 - 1)."""
    from quizapp.problems.registry import MAX_SEED

    return _bounded_int(text, 0, MAX_SEED, f"a seed is a whole number from 0 to {MAX_SEED} (2**63 - 1)")


def count_arg(text: str) -> int:
    """A drill's number of problems: 1 to MAX_DRILL."""
    return _bounded_int(text, 1, MAX_DRILL, f"the number of problems is a whole number from 1 to {MAX_DRILL}")


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

    topics = commands.add_parser(
        "topics",
        help="list the topics: id, title and card counts",
        description="List every topic of the bank (built-in, QUIZAPP_CONTENT and --content): its id (what "
        "`study --topic`, `drill` and `export anki --topic` take), title and number of cards by kind.",
    )
    topics.add_argument(
        "--json", action="store_true", help="print a JSON list of {id, title, cards, by_kind}"
    )
    _add_bank_options(topics, top=False)

    validate = commands.add_parser(
        "validate",
        help="check topic files; one `file:line:col: message` line per problem",
        description="Check topic files. With no PATH, checks the whole bank the app would load "
        "(built-in, QUIZAPP_CONTENT and --content); with PATHs, checks those files and folders, and that "
        "their topic and card ids are not already taken in the bank they will join (unless --alone). "
        "Exit status: 0 clean, 1 problems found.",
    )
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="a file or folder")
    validate.add_argument(
        "--alone", action="store_true", help="check PATHs by themselves, not against the bank they join"
    )
    _add_bank_options(validate, top=False)

    problem = commands.add_parser(
        "problem",
        help="print one generated instance of a numeric card",
        description="Print the problem a numeric card poses for a seed (a fresh seed if none is given). "
        "Exit status: 0, or 2 for an unknown or non-numeric card.",
    )
    problem.add_argument("card_id", nargs="?", metavar="CARD_ID", help="a numeric card's id")
    problem.add_argument("--seed", type=seed_arg, help="the seed (default: a fresh one, printed)")
    problem.add_argument("--json", action="store_true", help="print JSON (card_id, seed, prompt, given, ...)")
    problem.add_argument("--reveal", action="store_true", help="also print the answer and worked solution")
    problem.add_argument(
        "--list", action="store_true", help="list the numeric card ids (with their generator) instead"
    )
    problem.add_argument(
        "--generators",
        action="store_true",
        help="list the registered generators (what a card's `generator` names)",
    )
    _add_bank_options(problem, top=False)

    check = commands.add_parser(
        "check",
        help="check an answer to a numeric card's problem",
        description="Check TEXT as the answer to the problem CARD_ID poses for seed N. "
        "Exit status: 0 correct, 1 wrong, 2 unusable input (unparsable, wrong shape, not precise enough, "
        "unknown card).",
    )
    check.add_argument("card_id", metavar="CARD_ID", help="a numeric card's id")
    check.add_argument("--seed", type=seed_arg, required=True, help="the seed the problem was drawn with")
    check.add_argument(
        "--answer", required=True, metavar="TEXT", help="the answer, e.g. 0.75, 3/4, 75%%, -2.5e-3"
    )
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    _add_bank_options(check, top=False)

    drill = commands.add_parser(
        "drill",
        help="a plain-terminal self-test on generated numeric problems",
        description="Answer N generated problems from the numeric cards of the given topics (all topics if "
        "none), one line each; works with answers piped on stdin. `?` or an empty line reveals the answer, "
        "`q` stops. Ends with a score line. Nothing is written to your study schedule.",
    )
    drill.add_argument("topics", nargs="*", metavar="TOPIC", help="topic ids (default: all)")
    drill.add_argument(
        "-n",
        type=count_arg,
        default=10,
        metavar="N",
        help=f"number of problems (default 10, at most {MAX_DRILL})",
    )
    drill.add_argument("--seed", type=seed_arg, help="seed of the whole drill, to repeat it exactly")
    _add_bank_options(drill, top=False)

    code = commands.add_parser(
        "code",
        help="a code card: print its stub or solution, or run your file against fresh tests",
        description="Print a code card's starter stub (--stub) or reference solution (--reveal), or run "
        "the function in FILE against tests drawn from a seed in a sandboxed process. Exit status: 0 all "
        "tests passed, 1 some failed, 2 could not run (timeout, memory, early exit, syntax error, "
        "unknown card).",
    )
    code.add_argument("card_id", nargs="?", metavar="CARD_ID", help="a code card's id")
    code.add_argument("--stub", action="store_true", help="print the starter stub")
    code.add_argument("--reveal", action="store_true", help="print the reference solution")
    code.add_argument("--file", type=Path, metavar="FILE", help="a Python file defining the function")
    code.add_argument("--json", action="store_true", help="print the results as JSON")
    code.add_argument("--seed", type=seed_arg, help="the seed of the tests (default: a fresh one)")
    code.add_argument("--list", action="store_true", help="list the registered exercises instead")
    _add_bank_options(code, top=False)

    serve = commands.add_parser(
        "serve",
        help="serve the app in a web browser (textual-serve)",
        description="Serve the same app to a web browser: each browser tab runs its own quizapp process "
        "on this machine, with the same database and content. Stop with ctrl+c.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    _add_bank_options(serve, top=False)

    _add_interop_parsers(commands)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a topic file (for editor completion)",
        description="Print the JSON Schema of a topic file, generated from quizapp's models. "
        "Save it and point your editor's YAML language server at it.",
    )
    schema.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2)")
    _add_bank_options(schema, top=False)  # accepted like everywhere; the schema does not depend on them
    return parser


def _add_interop_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """optimize, export and import: their bodies live in quizapp.interop.commands."""
    optimize = commands.add_parser(
        "optimize",
        help="fit FSRS parameters to your review log (and use them)",
        description="Fit FSRS parameters to your reviews with fsrs-rs (the optimizer Anki uses). Reports "
        "log loss and RMSE of the default and the fitted parameters on the latest 20%% of reviews, held "
        "out of the fit; saves the parameters fitted on everything in the settings when they predict "
        "better. Exit status: 0 done (saved, or the defaults kept), 1 too few reviews, 2 unusable input.",
    )
    optimize.add_argument(
        "--from-csv",
        type=Path,
        metavar="FILE",
        help="fit on a review log exported elsewhere: CSV (or .json) with columns "
        "card_id,review_rating,review_time,review_duration",
    )
    optimize.add_argument("--json", action="store_true", help="print the result as JSON")
    optimize.add_argument("--dry-run", action="store_true", help="report only; save nothing")
    optimize.add_argument("--reset", action="store_true", help="go back to fsrs's default parameters")
    _add_bank_options(optimize, top=False)

    export = commands.add_parser("export", help="export cards to Anki, or your review log")
    kinds = export.add_subparsers(dest="export_kind", metavar="WHAT", required=True)
    anki = kinds.add_parser(
        "anki",
        help="write topics to an Anki package (.apkg)",
        description="Write topics to an Anki package: one deck per topic under `quizapp`. Re-exporting "
        "updates the notes already imported instead of duplicating them.",
    )
    anki.add_argument("path", type=Path, metavar="PATH.apkg")
    anki.add_argument("--topic", action="append", default=[], metavar="T", help="a topic id (repeatable)")
    _add_bank_options(anki, top=False)
    reviews = kinds.add_parser(
        "reviews",
        help="write the whole review log as CSV or JSON",
        description="Write every review in py-fsrs's ReviewLog columns: card_id, review_rating, "
        "review_time, review_duration (what `optimize --from-csv` reads). .json writes JSON.",
    )
    reviews.add_argument("path", type=Path, metavar="PATH.csv|PATH.json")
    _add_bank_options(reviews, top=False)

    imports = commands.add_parser("import", help="make a topic file from Anki notes or a CSV")
    what = imports.add_subparsers(dest="import_kind", metavar="WHAT", required=True)
    notes = what.add_parser(
        "notes",
        help="Anki's 'Notes in Plain Text' (.txt) or a CSV -> a new topic file",
        description="Make a new topic file of flashcards from Anki's 'Notes in Plain Text' export (tab "
        "separated front, back, optional tags) or a CSV (front,back[,tags]). HTML becomes plain text. "
        "A bad row is reported as FILE:LINE: message and nothing is written unless --skip-bad.",
    )
    notes.add_argument("file", type=Path, metavar="FILE.txt|FILE.csv")
    notes.add_argument("--topic", required=True, metavar="NEW_ID", help="the new topic's id")
    notes.add_argument("--title", help="the topic's title (default: from the id)")
    notes.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="folder for NEW_ID.yaml (default .)"
    )
    notes.add_argument("--skip-bad", action="store_true", help="leave bad rows out instead of stopping")
    _add_bank_options(notes, top=False)


def _interop(args: argparse.Namespace) -> int:
    from quizapp.interop import commands

    if args.command == "optimize":
        return commands.optimize(args)
    if args.command == "export":
        return commands.export_anki(args) if args.export_kind == "anki" else commands.export_reviews(args)
    return commands.import_notes(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quizapp` console script."""
    argv = attach_dash_values(sys.argv[1:] if argv is None else argv)
    args = _merge_bank_options(build_parser().parse_args(argv))
    try:
        status = _dispatch(args)
        sys.stdout.flush()  # inside the try: a reader that left (`| head`) fails this flush
    except BrokenPipeError:
        # The reader of our output has gone: stop quietly, as `cat | head` does. Point stdout at devnull
        # so the interpreter's last flush does not raise again (Python's documented recipe).
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "topics":
        return _topics(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "schema":
        return _schema(args)
    if args.command in ("problem", "check", "drill"):
        return _problems_command(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "code":
        return _code(args)
    if args.command in ("optimize", "export", "import"):
        return _interop(args)
    return _run_tui(args)


def _validate(args: argparse.Namespace) -> int:
    from quizapp.content.bank import content_dirs, load_bank

    missing = [path for path in args.paths if not path.exists()]
    for path in missing:
        print(f"{path}: no such file or folder", file=sys.stderr)
    if missing:
        return 1
    from quizapp.wording import plural

    bank = load_bank(args.paths or content_dirs(args.content))
    if args.paths and not args.alone:
        bank.problems.extend(_clashes(bank, args.paths, content_dirs(args.content)))
    bank.problems.extend(_numeric_problems(bank))
    bank.problems.extend(_code_problems(bank))
    bank.problems.sort()
    for problem in bank.problems:
        print(problem)
    sys.stdout.flush()  # every problem line before the summary on stderr, even when both are one pipe
    summary = f"{plural(len(bank.cards), 'card')} in {plural(len(bank.topics), 'topic')}"
    if bank.problems:
        print(f"{plural(len(bank.problems), 'problem')}; {summary} loaded", file=sys.stderr)
        return 1
    print(f"ok: {summary}", file=sys.stderr)
    return 0


def _clashes(bank: Bank, paths: Sequence[Path], bank_dirs: Sequence[Path]) -> list[LoadProblem]:
    """Topic and card ids of `bank` (loaded from `paths`) already taken in the bank they will join."""
    from quizapp.content.bank import load_bank
    from quizapp.content.cache import FileCache, default_cache_file
    from quizapp.content.problem import Problem as LoadProblem

    mine = {path.resolve() for path in paths}
    # The bank they join, without the checked paths themselves (a folder may already be in QUIZAPP_CONTENT).
    others = [d for d in bank_dirs if d.resolve() not in mine]
    cache_file = default_cache_file()
    joined = load_bank(others, FileCache(cache_file) if cache_file else None)
    hint = "in the bank this joins (validate --alone checks without it)"
    found = []
    for topic_id, topic in bank.topics.items():
        other = joined.topics.get(topic_id)
        if other is not None and other.path.resolve() != topic.path.resolve():
            found.append(
                LoadProblem(
                    str(topic.path), 1, 1, f"topic id `{topic_id}` is already used by {other.path} {hint}"
                )
            )
    for card_id, (path, line, col) in bank.positions.items():
        if card_id in joined.positions:
            where, other_line, other_col = joined.positions[card_id]
            if where.resolve() != path.resolve():
                found.append(
                    LoadProblem(
                        str(path),
                        line,
                        col,
                        f"card id `{card_id}` is already used at {where}:{other_line}:{other_col} {hint}",
                    )
                )
    return found


def _topics(args: argparse.Namespace) -> int:
    from collections import Counter

    from quizapp.content.bank import content_dirs, load_bank
    from quizapp.content.cache import FileCache, default_cache_file
    from quizapp.wording import plural

    cache_file = default_cache_file()
    bank = load_bank(content_dirs(args.content), FileCache(cache_file) if cache_file else None)
    by_kind = {
        topic.id: dict(Counter(bank.cards[card_id].kind for card_id in topic.card_ids))
        for topic in bank.topics.values()
    }
    if args.json:
        rows = [
            {"id": t.id, "title": t.title, "cards": len(t.card_ids), "by_kind": by_kind[t.id]}
            for t in bank.topics.values()
        ]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    width = max((len(topic_id) for topic_id in bank.topics), default=2)
    for topic in bank.topics.values():
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(by_kind[topic.id].items()))
        print(f"{topic.id:{width}}  {topic.title}  ({plural(len(topic.card_ids), 'card')}: {kinds})")
    return 0


def unknown_topics(bank: Bank, topics: Sequence[str], command: str) -> bool:
    """Say which of `topics` the bank lacks and list the valid ids (on stderr); True if any is unknown."""
    unknown = [topic for topic in topics if topic not in bank.topics]
    if unknown:
        print(f"quizapp {command}: unknown topic {', '.join(unknown)}", file=sys.stderr)
        print(f"known topics: {', '.join(sorted(bank.topics))}", file=sys.stderr)
        print("(`quizapp topics` lists them with their titles)", file=sys.stderr)
    return bool(unknown)


def _numeric_problems(bank: Bank) -> list[LoadProblem]:
    """Run every numeric card with a few seeds: problems a schema cannot see (params, failing formulas)."""
    from quizapp.content.problem import Problem as LoadProblem
    from quizapp.content.schema import NumericCard
    from quizapp.problems.audit import card_problems

    found = []
    for card_id, card in bank.cards.items():
        if isinstance(card, NumericCard):
            path, line, col = bank.positions[card_id]
            found += [
                LoadProblem(str(path), line, col, f"card `{card_id}`: {m}") for m in card_problems(card)
            ]
    return found


def _code_problems(bank: Bank) -> list[LoadProblem]:
    """Run each code card's reference (must pass) and stub (must fail) in the sandbox."""
    from quizapp.content.problem import Problem as LoadProblem
    from quizapp.content.schema import CodeCard
    from quizapp.problems.code_check import batch_problems

    cards = [card for card in bank.cards.values() if isinstance(card, CodeCard)]
    found = []
    for card_id, messages in (batch_problems(cards) if cards else {}).items():
        path, line, col = bank.positions[card_id]
        found += [LoadProblem(str(path), line, col, f"card `{card_id}`: {m}") for m in messages]
    return found


def _problems_command(args: argparse.Namespace) -> int:
    from quizapp.content.bank import content_dirs, load_bank
    from quizapp.content.cache import FileCache, default_cache_file

    if args.command == "problem" and args.generators:
        from quizapp.problems.registry import generators

        for name, found in sorted(generators().items()):
            print(f"{name:40} {found.summary}")
        return 0
    cache_file = default_cache_file()
    cache = FileCache(cache_file) if cache_file else None
    if args.command == "drill" or (args.command == "problem" and args.list):
        bank = load_bank(content_dirs(args.content), cache)
    from quizapp.content.schema import NumericCard

    if args.command == "drill":
        return _drill(args, bank)
    if args.command == "problem" and args.list:
        numeric = [(card_id, card) for card_id, card in bank.cards.items() if isinstance(card, NumericCard)]
        width = max((len(card_id) for card_id, _ in numeric), default=2)
        for card_id, numeric_card in numeric:
            print(f"{card_id:{width}}  {numeric_card.generator or 'formula'}")
        return 0

    if args.card_id is None:
        print("quizapp problem: give a CARD_ID (--list lists the numeric cards' ids)", file=sys.stderr)
        return 2
    card = load_bank(content_dirs(args.content), cache).cards.get(args.card_id)  # unpickles one file
    if not isinstance(card, NumericCard):
        kind = {"flashcard": "a flashcard", "choice": "a multiple-choice card", "code": "a code card"}
        what = (
            f"there is no card with id `{args.card_id}`"
            if card is None
            else f"`{args.card_id}` is {kind.get(card.kind, card.kind)}, not a numeric card"
        )
        print(f"quizapp {args.command}: {what} (`quizapp problem --list` lists them)", file=sys.stderr)
        return 2
    from quizapp.problems.registry import ProblemError, make_problem, new_seed

    seed = args.seed if args.seed is not None else new_seed()
    try:
        problem = make_problem(card, seed)
    except ProblemError as error:
        print(f"quizapp {args.command}: {error}", file=sys.stderr)
        return 2
    if args.command == "check":
        return _check(args, problem)
    return _show_problem(args, problem, seed)


def _show_problem(args: argparse.Namespace, problem: Problem, seed: int) -> int:
    from quizapp.problems.check import expected_text, tolerance_summary

    revealed = expected_text(problem.answer, problem.tolerance, problem.unit)
    if args.json:
        out: dict[str, object] = {
            "card_id": args.card_id,
            "seed": seed,
            "prompt": problem.prompt,
            "given": problem.given,
            "unit": problem.unit,
            "tolerance": tolerance_summary(problem.tolerance, problem.unit),
        }
        if args.reveal:
            out |= {"answer": problem.answer, "solution": problem.solution}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{args.card_id} (seed {seed})\n\n{problem.prompt}")
    if args.reveal:
        print(f"\nAnswer: {revealed}\n\nSolution:\n{problem.solution}")
    return 0


def _check(args: argparse.Namespace, problem: Problem) -> int:
    from quizapp.problems.check import check

    verdict = check(problem, args.answer)
    if args.json:
        out = {
            "correct": verdict.correct,
            "status": verdict.status,
            "expected": verdict.expected,
            "parsed": verdict.parsed,
            "message": verdict.message,
            "diagnosis": verdict.diagnosis,
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(verdict.message)
        if verdict.diagnosis:
            print(f"likely mistake: {verdict.diagnosis}")
    return {"correct": 0, "wrong": 1}.get(verdict.status, 2)


def _drill(args: argparse.Namespace, bank: Bank) -> int:
    from quizapp.drill import drill_plan, run_drill
    from quizapp.problems.registry import new_seed

    if unknown_topics(bank, args.topics, "drill"):
        return 2
    plan = drill_plan(bank, args.topics, args.n, args.seed if args.seed is not None else new_seed())
    if not plan:
        print("quizapp drill: these topics have no numeric cards", file=sys.stderr)
        return 2
    try:
        run_drill(bank, plan, sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        print()
    return 0


def _code(args: argparse.Namespace) -> int:
    from quizapp.content.bank import content_dirs, load_bank
    from quizapp.content.cache import FileCache, default_cache_file
    from quizapp.content.schema import CodeCard
    from quizapp.problems import code_command
    from quizapp.problems.registry import new_seed
    from quizapp.settings import load_settings

    if args.list:
        code_command.list_tasks()
        return 0
    cache_file = default_cache_file()
    cache = FileCache(cache_file) if cache_file else None
    card = load_bank(content_dirs(args.content), cache).cards.get(args.card_id or "")  # unpickles one file
    return code_command.run(
        card if isinstance(card, CodeCard) else None,
        args.card_id or "",
        stub=args.stub,
        reveal=args.reveal,
        file=args.file,
        as_json=args.json,
        seed=args.seed if args.seed is not None else new_seed(),
        time_limit=load_settings()[0].code_time_limit,
    )


def _serve(args: argparse.Namespace) -> int:
    import shlex

    from textual_serve.server import Server

    command = [sys.executable, "-m", "quizapp.cli"]
    if args.db:
        command += ["--db", str(args.db.resolve())]
    for folder in args.content:
        command += ["--content", str(folder.resolve())]
    Server(shlex.join(command), host=args.host, port=args.port, title="quizapp").serve()
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
    from quizapp.store.db import DatabaseRefused, default_db_path
    from quizapp.tui.app import StudyFilter, make_app

    settings, settings_problems = load_settings()  # shown in the app: stderr is hidden behind the TUI
    study = None
    if args.command == "study":
        study = StudyFilter(topics=tuple(args.topic), tags=tuple(args.tag))
    db_path = args.db or default_db_path()
    try:
        cache_file = default_cache_file()
        cache = FileCache(cache_file) if cache_file is not None else None
        app = make_app(content_dirs(args.content), db_path, settings, study=study, cache=cache)
        app.settings_problems = tuple(settings_problems)
    except (DatabaseRefused, sqlite3.DatabaseError, OSError) as error:
        print(f"quizapp: cannot open the database {db_path}: {error}", file=sys.stderr)
        print("(choose another file with --db PATH or QUIZAPP_DB)", file=sys.stderr)
        return 2
    if study is not None and unknown_topics(app.bank, study.topics, "study"):
        return 2
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
