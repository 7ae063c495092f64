"""A code exercise: the task, a Python editor with the starter stub, and the test results beside it.

`ctrl+r` runs the tests in the sandbox (a thread worker; the UI never waits), `?` shows the reference
solution once `escape` has left the editor (an editor consumes printable keys), `ctrl+l` loads the
learner's last attempt. The widget posts `Ran` and `GaveUp`; the screen
grades and stores (messages up, attributes down)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, TextArea

from quizapp.problems.code_check import CodeSpec, Report, describe, run_checks

HINT = "ctrl+r run the tests · esc leave the editor, then ? solution"


def report_text(report: Report) -> Text:
    """The results pane: each test passed/failed, the first failure's input, expected and returned value
    (shape and dtype) and the learner's trimmed traceback, then what their code printed."""
    text = Text()
    if report.verdict is not None:
        text.append(f"✗ {report.summary()}\n", style="bold red")
        text.append("Nothing passes until the tests run to the end.\n", style="italic")
    else:
        style = "bold green" if report.passed else "bold red"
        text.append(("✓ " if report.passed else "✗ ") + report.summary() + "\n", style=style)
        text.append("tests:")
        for index, result in enumerate(report.results, 1):
            mark, colour = ("✓", "green") if result.passed else ("✗", "red")
            text.append(f" {mark}{index}", style=colour)
        text.append("\n")
    failure = report.first_failure
    if failure is not None:
        text.append("\nFirst failure\n", style="bold")
        for position, arg in enumerate(failure.args, 1):
            text.append(f"arg {position}: {describe(arg)}\n")
        text.append(f"expected: {describe(failure.expected)}\n", style="green")
        if failure.got is not None:
            text.append(f"returned: {describe(failure.got)}\n", style="red")
        text.append(failure.message.rstrip() + "\n", style="italic")
    if report.output:
        shown = len(report.output)
        more = (
            f" (first {shown:,} of {report.output_chars:,} characters)" if report.output_chars > shown else ""
        )
        text.append(f"\nYour code printed{more}:\n", style="bold")
        text.append(report.output.rstrip() + "\n", style="dim")
    return text


class CodeExerciseView(Vertical):
    """One code card's exercise; the screen sets `spec`, `seed`, `time_limit` and the last attempt."""

    BINDINGS = [
        Binding("ctrl+r", "run_tests", "Run tests", priority=True, id="code.run"),
        Binding("question_mark", "solution", "Solution", key_display="?", priority=True, id="code.solution"),
        Binding("ctrl+l", "restore", "Last attempt", priority=True, id="code.restore"),
    ]

    class Ran(Message):
        """A run finished: `first` is True for the first run of this review (the one that grades)."""

        def __init__(self, report: Report, source: str, first: bool) -> None:
            super().__init__()
            self.report, self.source, self.first = report, source, first

    class GaveUp(Message):
        """The learner asked for the solution before any run."""

    class _Finished(Message):
        def __init__(self, report: Report | None, source: str, error: str | None) -> None:
            super().__init__()
            self.report, self.source, self.error = report, source, error

    def __init__(
        self, spec: CodeSpec, seed: int, *, time_limit: float = 5.0, last_attempt: str | None = None
    ) -> None:
        super().__init__(classes="card-view")
        self.spec, self.seed, self.time_limit, self.last_attempt = spec, seed, time_limit, last_attempt
        self.runs = 0
        self.running = False
        self.solution_shown = False

    def compose(self) -> ComposeResult:
        yield Static(Text(self.spec.prompt), classes="prompt code-prompt")
        with Horizontal(id="code-panes"):
            yield TextArea.code_editor(self.spec.stub, language="python", id="code-editor")
            with VerticalScroll(id="code-results"):
                yield Static(Text(self._waiting()), id="results")
                yield Static(id="code-solution")
        hint = HINT + (" · ctrl+l your last attempt" if self.last_attempt else "")
        yield Static(hint, id="code-hint")

    def _waiting(self) -> str:
        restore = "\n\nctrl+l loads your last attempt." if self.last_attempt else ""
        return f"Write `{self.spec.function}` in the editor, then ctrl+r to run the tests.{restore}"

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @property
    def source(self) -> str:
        """What the editor holds."""
        return self.query_one(TextArea).text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ctrl+l only when there is a last attempt to load."""
        return self.last_attempt is not None if action == "restore" else True

    def action_restore(self) -> None:
        """Put the last attempt back into the editor."""
        if self.last_attempt is not None:
            self.query_one(TextArea).load_text(self.last_attempt)

    def action_run_tests(self) -> None:
        """Run the tests on what the editor holds, in a worker."""
        if self.running:
            return
        self.running = True
        self.query_one("#results", Static).update(Text("Running the tests…", style="italic"))
        self._run(self.source)

    @work(thread=True, exclusive=True, group="code-run")
    def _run(self, source: str) -> None:
        try:
            report = run_checks(self.spec, source, self.seed, time_limit=self.time_limit)
            self.post_message(self._Finished(report, source, None))
        except Exception as error:  # a card that cannot be checked: said, never a crash
            self.post_message(self._Finished(None, source, f"{type(error).__name__}: {error}"))

    def on_code_exercise_view__finished(self, message: _Finished) -> None:
        message.stop()
        self.running = False
        results = self.query_one("#results", Static)
        if message.report is None:
            results.update(Text(f"The tests could not run: {message.error}", style="bold yellow"))
            return
        results.update(report_text(message.report))
        self.runs += 1
        self.post_message(self.Ran(message.report, message.source, first=self.runs == 1))

    def action_solution(self) -> None:
        """Show the reference solution and its explanation (a give-up when nothing ran yet)."""
        if self.solution_shown:
            return
        self.solution_shown = True
        text = Text.assemble(("\nReference solution\n", "bold"), self.spec.solution.rstrip() + "\n")
        if self.spec.explanation:
            text.append(f"\n{self.spec.explanation}\n", style="italic")
        self.query_one("#code-solution", Static).update(text)
        if self.runs == 0:
            self.post_message(self.GaveUp())
