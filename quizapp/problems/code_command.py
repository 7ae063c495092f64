"""`quizapp code`: print a code card's stub or solution, or run a file's function against its tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from quizapp.content.schema import CodeCard
from quizapp.problems.code_check import CodeCardError, Report, describe, run_checks, spec_for
from quizapp.problems.code_tasks import TASKS

MAX_SOURCE_BYTES = 1 << 20


def report_text(report: Report) -> str:
    """A plain-text report: one line per test, then the first failure in detail."""
    lines = [f"seed {report.seed}: {report.summary()}"]
    for index, result in enumerate(report.results, 1):
        lines.append(f"  test {index}: {'passed' if result.passed else 'FAILED'}")
    failure = report.first_failure
    if failure is not None:
        lines.append("")
        lines.append("First failure:")
        for position, arg in enumerate(failure.args, 1):
            lines.append(f"  argument {position}: {describe(arg)}")
        lines.append(f"  expected: {describe(failure.expected)}")
        if failure.got is not None or not failure.message.startswith(("Traceback", "  File")):
            lines.append(f"  returned: {describe(failure.got)}")
        lines.append(f"  {failure.message.rstrip()}")
    if report.output:
        more = report.output_chars - len(report.output)
        lines.append(
            "\nYour code printed:"
            + (f" (first {len(report.output):,} of {report.output_chars:,} characters)" if more > 0 else "")
        )
        lines.append(report.output.rstrip())
    return "\n".join(lines)


def run(
    card: CodeCard | None,
    card_id: str,
    *,
    stub: bool,
    reveal: bool,
    file: Path | None,
    as_json: bool,
    seed: int,
    time_limit: float,
) -> int:
    """The command: 0 all passed (or printed), 1 some failed, 2 could not run."""
    if card is None:
        print(f"quizapp code: there is no code card with id `{card_id}`", file=sys.stderr)
        return 2
    try:
        spec = spec_for(card)
    except (CodeCardError, ValueError) as error:
        print(f"quizapp code: {error}", file=sys.stderr)
        return 2
    if stub:
        print(spec.stub, end="")
        return 0
    if reveal:
        print(spec.solution.rstrip() + "\n")
        if spec.explanation:
            print(f"# {spec.explanation}")
        return 0
    if file is None:
        print(
            f"{card_id}: {spec.prompt}\n\n{spec.signature}\n\nGive --stub, --reveal or --file FILE.",
            file=sys.stderr,
        )
        return 2
    try:
        if file.stat().st_size > MAX_SOURCE_BYTES:
            raise OSError("larger than 1 MB")
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"quizapp code: cannot read {file}: {error}", file=sys.stderr)
        return 2
    try:
        report = run_checks(spec, source, seed, time_limit=time_limit)
    except CodeCardError as error:
        print(f"quizapp code: {error}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps({"card_id": card_id, **report.to_json()}, ensure_ascii=False))
    else:
        print(report_text(report))
    if report.verdict is not None:
        return 2
    return 0 if report.passed else 1


def list_tasks() -> None:
    """Print the registered exercises."""
    for name, task in sorted(TASKS.items()):
        print(f"{name:28} {task.signature}")
