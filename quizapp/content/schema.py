"""Pydantic models of a topic file: the contract between authors' YAML and the rest of quizapp."""

from __future__ import annotations

import ast
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from quizapp.content import expressions

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, max_length=80),
    Field(description="Lowercase letters, digits and single dashes, e.g. `roc-auc`."),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Unit = Literal["real", "probability", "percent", "count"]


class Model(BaseModel):
    """Base of every content model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class CardBase(Model):
    """Fields every card kind accepts."""

    id: Id = Field(description="Unique across the whole bank and stable forever: SRS state keys on it.")
    tags: list[Id] = Field(default_factory=list, description="Extra tags on top of the topic's.")
    references: list[Text] = Field(default_factory=list, description="Sources for this card.")
    explain: Text | None = Field(default=None, description="Shown after answering.")


class Flashcard(CardBase):
    """A question the user answers in their head, then grades themselves."""

    kind: Literal["flashcard"]
    front: Text
    back: Text

    @property
    def text(self) -> str:
        """The text a search or a list shows for this card."""
        return self.front


class Option(Model):
    """One answer of a choice card."""

    text: Text
    correct: bool = False
    why: Text | None = Field(default=None, description="Why this option is right or wrong.")


class ChoiceCard(CardBase):
    """Multiple choice, auto-graded: the user must pick exactly the set of correct options."""

    kind: Literal["choice"]
    question: Text
    options: list[Option] = Field(min_length=2, max_length=8)
    shuffle: bool = Field(default=True, description="Show the options in a new order each review.")

    @model_validator(mode="after")
    def _one_correct_at_least(self) -> ChoiceCard:
        if not any(option.correct for option in self.options):
            raise ValueError("a choice card needs at least one option with `correct: true`")
        texts = [option.text for option in self.options]
        if len(set(texts)) != len(texts):
            raise ValueError("two options have the same text")
        return self

    @property
    def multiple(self) -> bool:
        """True when more than one option is correct (the user selects all that apply)."""
        return sum(option.correct for option in self.options) > 1

    @property
    def text(self) -> str:
        """The text a search or a list shows for this card."""
        return self.question


class Tolerance(Model):
    """How close a typed answer must be. At most one of the three; default is rtol = 0.01."""

    rtol: float | None = Field(default=None, gt=0, lt=1)
    decimals: int | None = Field(default=None, ge=0, le=12)
    sigfigs: int | None = Field(default=None, ge=1, le=12)

    @model_validator(mode="after")
    def _at_most_one(self) -> Tolerance:
        given = [name for name in ("rtol", "decimals", "sigfigs") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of rtol, decimals, sigfigs (got {', '.join(given)})")
        return self


class NumericCard(CardBase):
    """A generated numeric problem: either a registered `generator` or a formula written in YAML."""

    kind: Literal["numeric"]
    generator: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")] | None = (
        Field(default=None, description="A registered generator, `family.name`, e.g. `metrics.roc_auc`.")
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Generator or formula params.")
    prompt: Text | None = Field(default=None, description="Formula problems: text with {placeholders}.")
    answer: Text | None = Field(default=None, description="Formula problems: the answer expression.")
    solution: Text | None = Field(default=None, description="Formula problems: worked steps.")
    unit: Unit = "real"
    tolerance: Tolerance | None = None
    require: Text | None = Field(
        default=None,
        description="Formula problems: a condition over the params and `answer`; draws where it is false "
        "are drawn again (e.g. `count_nonzero(h) > 0` so a ReLU layer is never all dead).",
    )
    picks_from_prompt: bool = Field(
        default=False,
        description="The task is to pick the answer among numbers the prompt shows (a threshold, a "
        "linkage distance): an answer equal to a shown number is then not a giveaway.",
    )
    few_variants: Text | None = Field(
        default=None,
        description="Why this card may pose fewer than 15 distinct problems in 50 seeds (validate "
        "reports it otherwise).",
    )

    @field_validator("params")
    @classmethod
    def _formula_params(cls, params: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if info.data.get("generator") is None:
            earlier: set[str] = set()
            for name, spec in params.items():
                problem = expressions.param_spec_problem(name, spec, earlier)
                if problem:
                    raise ValueError(problem)
                earlier.add(name)
        return params

    @field_validator("answer")
    @classmethod
    def _safe_answer(cls, answer: str | None, info: ValidationInfo) -> str | None:
        if answer is not None:
            problem = expressions.expression_problem(answer, set(info.data.get("params") or {}))
            if problem:
                raise ValueError(problem)
        return answer

    @field_validator("require")
    @classmethod
    def _safe_require(cls, require: str | None, info: ValidationInfo) -> str | None:
        if require is not None:
            names = set(info.data.get("params") or {}) | {"answer"}
            problem = expressions.expression_problem(require, names)
            if problem:
                raise ValueError(problem)
        return require

    @field_validator("prompt", "solution")
    @classmethod
    def _safe_template(cls, text: str | None, info: ValidationInfo) -> str | None:
        if text is not None:
            names = set(info.data.get("params") or {})
            if info.field_name == "solution":
                names.add("answer")
            problem = expressions.template_problem(text, names)
            if problem:
                raise ValueError(problem)
        return text

    @model_validator(mode="after")
    def _generator_or_formula(self) -> NumericCard:
        if self.generator is None and self.answer is None:
            raise ValueError("a numeric card needs either `generator` or `answer` (a formula)")
        if self.generator is not None:
            extra = [f for f in ("prompt", "answer", "solution", "require") if getattr(self, f) is not None]
            extra += [f for f in ("unit", "tolerance") if f in self.model_fields_set]
            if extra:
                raise ValueError(f"a generator card takes no {', '.join(extra)}: the generator sets them")
        elif self.prompt is None:
            raise ValueError("a formula card needs a `prompt`")
        return self

    @property
    def text(self) -> str:
        """The text a search or a list shows for this card."""
        return self.prompt or f"generated problem: {self.generator}"


class RandomArray(Model):
    """A random float array argument for a code test."""

    shape: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(min_length=1, max_length=4)
    low: float = -1.0
    high: float = 1.0
    seed: int = 0


class CodeTest(Model):
    """One call of the user's function: literal `args`, or one `random` array."""

    args: list[Any] | None = None
    random: RandomArray | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CodeTest:
        if (self.args is None) == (self.random is None):
            raise ValueError("a test gives exactly one of `args` or `random`")
        return self


class CodeCard(CardBase):
    """A short NumPy exercise, graded by running the user's function against `reference`."""

    kind: Literal["code"]
    prompt: Text
    task: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")] | None = Field(
        default=None,
        description="A registered exercise (`quizapp code --list`): its signature, stub, solution, "
        "reference and random test generator; the keys below then only override.",
    )
    signature: Text | None = Field(
        default=None, description='The first line of the function, e.g. "def f(x):".'
    )
    stub: Text | None = Field(
        default=None, description="Starter code shown in the editor (must fail the tests)."
    )
    reference: Text | None = Field(
        default=None, description="A correct implementation (never shown before answering)."
    )
    tests: list[CodeTest] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reference_defines_signature(self) -> CodeCard:
        if self.task is None:
            missing = [k for k in ("signature", "reference") if getattr(self, k) is None]
            missing += [] if self.tests else ["tests"]
            if missing:
                raise ValueError(f"a code card without `task` needs {', '.join(missing)}")
        if self.signature is None or self.reference is None:
            return self
        name = function_name(self.signature)
        try:
            tree = ast.parse(self.reference)
        except SyntaxError as error:
            raise ValueError(f"reference is not valid Python: {error.msg} (line {error.lineno})") from None
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        if name not in defined:
            raise ValueError(f"reference does not define `{name}` named by the signature")
        return self

    @property
    def text(self) -> str:
        """The text a search or a list shows for this card."""
        return self.prompt


def function_name(signature: str) -> str:
    """The function name in a `def name(...)` signature line."""
    try:
        tree = ast.parse(signature.rstrip().rstrip(":") + ": ...")
    except SyntaxError:
        raise ValueError(f"signature is not a Python `def` line: {signature!r}") from None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef):
        raise ValueError(f"signature is not a Python `def` line: {signature!r}")
    return node.name


Card = Annotated[Flashcard | ChoiceCard | NumericCard | CodeCard, Field(discriminator="kind")]
CARD_KINDS: tuple[str, ...] = ("flashcard", "choice", "numeric", "code")


class TopicHeader(Model):
    """Everything of a topic file except its cards."""

    topic: Id
    title: Text
    summary: Text
    tags: list[Id] = Field(default_factory=list)
    references: list[Text] = Field(default_factory=list)


class TopicFile(TopicHeader):
    """A whole topic file; `quizapp schema` prints this model's JSON Schema."""

    model_config = ConfigDict(
        title="quizapp topic file",
        json_schema_extra={"description": "One topic of the quizapp question bank."},
    )

    cards: list[Card] = Field(default_factory=list)
