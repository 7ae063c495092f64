"""Parse YAML into plain Python data plus the line and column of every node, so errors can point at it.

Bounded whatever the text: aliases, nesting deeper than `MAX_DEPTH` and integers over `MAX_INT_BITS`
are refused with a position (the caller bounds the size)."""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml's C parser is several times faster; fall back to pure Python where it isn't built
    from yaml import CSafeLoader as SafeLoader

    C_PARSER = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

    C_PARSER = False

Path_ = tuple[str | int, ...]
Position = tuple[int, int]


class YamlSyntaxError(Exception):
    """A file that is not well-formed YAML, with the 1-based position of the problem."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


@dataclass
class Located:
    """YAML data with the position of each value node and of each mapping key."""

    data: Any
    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)
    duplicates: list[tuple[Path_, Position]] = field(default_factory=list)

    def position(self, path: Path_, *, key: bool = False) -> Position:
        """Position of the node at `path` (or of its key), else of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


def _position(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


STR_TAG = "tag:yaml.org,2002:str"


class _Loader(SafeLoader):
    """The safe loader without path resolvers (which YAML content never uses), and a leaner `resolve`.

    The composer calls these three for every node: the inherited `resolve`, which concatenates two lists
    per call, took ~13% of composing a large bank. The two path-resolver hooks do nothing here, so they
    are C callables whose result the composer ignores: a Python method call per node cost ~6% more."""

    descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]  # (node, index)
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]  # ()

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """The tag `BaseResolver.resolve` gives when there are no path resolvers, without its copying."""
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return STR_TAG
            return _short_plain_tag(value) if len(value) <= 64 else _plain_tag(value)
        return SEQ_TAG if kind is yaml.SequenceNode else MAP_TAG


def _plain_tag(value: str) -> str:
    """The tag of an unquoted, untagged scalar: the first implicit resolver that matches, else str."""
    for tag, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return STR_TAG


# Keys and short values repeat through a bank (`id`, `kind`, `true`): remembered, they skip the regexes
# (~3% of parsing the bench bank). Only short ones, so the cache stays small whatever the files hold.
_short_plain_tag = functools.lru_cache(maxsize=4096)(_plain_tag)


SEQ_TAG, MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
# The safe loader's implicit resolvers by first character ('' for an empty value), wildcards appended.
_IMPLICIT: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: (*resolvers, *SafeLoader.yaml_implicit_resolvers.get(None, []))
    for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
    if first is not None
}
# Keys that make `flatten_mapping` change a mapping: merge (`<<`) and value (`=`) keys.
_FLATTEN_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


MAX_DEPTH = 32  # levels of nesting below the top mapping; the built-in bank needs 6
MAX_INT_BITS = 256  # larger integers are refused: printing one may raise, arithmetic on one may hang
# An alias (`*name`) needs an anchor (`&name`): a file without both can't have one, and is not scanned.
_ANCHOR = re.compile(r"&[^\s,\[\]{}]")
_ALIAS = re.compile(r"\*[^\s,\[\]{}]")


def parse(text: str, max_depth: int | None = None) -> Located:
    """Compose `text` with the C parser and build the data while recording positions.

    Positions are kept for nodes, and keys of nodes, at most `max_depth` levels deep (all when None): a
    clean file only needs its cards' positions, and skipping the rest makes loading a large bank faster.
    Aliases are refused (expanding them is how a small file becomes billions of nodes), and so is nesting
    deeper than `MAX_DEPTH`: both as a `YamlSyntaxError` at the offending node."""
    if _ANCHOR.search(text) and _ALIAS.search(text):
        _refuse_aliases(text)
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as error:
            raise _syntax_error(error, text) from None
        except RecursionError:  # pragma: no cover - only the pure-Python composer recurses
            raise YamlSyntaxError(f"YAML error: nested more than {MAX_DEPTH} levels deep", 1, 1) from None
        located = Located(data=None)
        if root is not None:
            located.data = _build(root, (), located, loader, max_depth)
    finally:
        loader.dispose()
    return located


def _syntax_error(error: yaml.YAMLError, text: str) -> YamlSyntaxError:
    """A parser, scanner or reader error as a positioned `YamlSyntaxError`."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part) or str(error)
        return YamlSyntaxError(f"YAML syntax error: {message}", line, col)
    if isinstance(error, yaml.reader.ReaderError):  # a control character: libyaml counts UTF-8 bytes
        at = error.position
        before = text.encode()[:at].decode(errors="ignore") if C_PARSER else text[:at]
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        character = error.character if isinstance(error.character, int) else ord(error.character)
        return YamlSyntaxError(f"YAML error: {error.reason} (U+{character:04X})", line, col)
    return YamlSyntaxError(f"YAML error: {error}", 1, 1)  # pragma: no cover - no other kinds today


def _refuse_aliases(text: str) -> None:
    """Raise at the first alias in `text`; scanning events is linear, nothing is expanded."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise YamlSyntaxError(
                    f"YAML alias `*{clip(event.anchor)}`: anchors and aliases are not allowed in content;"
                    " write the value out",
                    line,
                    col,
                )
    except yaml.YAMLError as error:
        raise _syntax_error(error, text) from None


def clip(value: object, width: int = 40) -> str:
    """`value` as text for a message, cut to about `width` characters (keys and values can be huge)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        return "<a huge integer>"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _construct(node: yaml.Node, loader: Any) -> Any:
    """One scalar (or key) as Python; a tag it can't build is a positioned error, not a traceback."""
    if node.tag == STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value  # what the constructor would return, without its dispatch
    try:
        value = loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as error:
        line, col = _position(node)
        raise YamlSyntaxError(f"YAML error: {error.problem}", line, col) from None
    except (ValueError, TypeError) as error:
        line, col = _position(node)
        if str(error).startswith("Exceeds the limit"):  # Python's cap on decimal digits (4300)
            raise YamlSyntaxError(
                f"YAML error: integer too large (over {MAX_INT_BITS} bits)", line, col
            ) from None
        raise YamlSyntaxError(
            f"YAML error: cannot read {clip(repr(node.value))} as {node.tag}: {clip(str(error), 120)}",
            line,
            col,
        ) from None
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        line, col = _position(node)
        raise YamlSyntaxError(f"YAML error: integer too large (over {MAX_INT_BITS} bits)", line, col)
    return value


def _build(node: yaml.Node, path: Path_, out: Located, loader: Any, max_depth: int | None) -> Any:
    depth = len(path)
    if depth > MAX_DEPTH:
        line, col = _position(node)
        raise YamlSyntaxError(f"YAML error: nested more than {MAX_DEPTH} levels deep", line, col)
    if max_depth is None or depth <= max_depth:
        out.values[path] = _position(node)
    record = max_depth is None or depth < max_depth  # the children's positions, and their keys'
    # A scalar child that records no position is built here, without a call or a path of its own.
    inline = depth < MAX_DEPTH and not record
    kind = type(node)
    if kind is yaml.MappingNode:
        for key_node, _ in node.value:
            if key_node.tag in _FLATTEN_TAGS:
                _flatten(node, loader)
                break
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                line, col = _position(key_node)
                found = "a mapping" if isinstance(key_node, yaml.MappingNode) else "a list"
                raise YamlSyntaxError(f"YAML error: a key must be plain text, found {found}", line, col)
            if key_node.tag == STR_TAG:
                key = key_node.value
            else:
                key = _construct(key_node, loader)
                try:
                    hash(key)
                except TypeError:  # pragma: no cover - a scalar tag building a list, mapping or set
                    key = clip(key)
            if key in result:
                out.duplicates.append(((*path, key), _position(key_node)))
            if record:
                out.keys[(*path, key)] = _position(key_node)
            if inline and type(value_node) is yaml.ScalarNode:
                str_value = value_node.tag == STR_TAG
                result[key] = value_node.value if str_value else _construct(value_node, loader)
            else:
                result[key] = _build(value_node, (*path, key), out, loader, max_depth)
        return result
    if kind is yaml.SequenceNode:
        if inline:
            return [
                (item.value if item.tag == STR_TAG else _construct(item, loader))
                if type(item) is yaml.ScalarNode
                else _build(item, (*path, i), out, loader, max_depth)
                for i, item in enumerate(node.value)
            ]
        return [_build(item, (*path, i), out, loader, max_depth) for i, item in enumerate(node.value)]
    return _construct(node, loader)


def _flatten(node: yaml.Node, loader: Any) -> None:
    """Apply merge keys (`<<`) as the safe loader does; a bad merge is a positioned error."""
    try:
        loader.flatten_mapping(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else _position(node)
        raise YamlSyntaxError(f"YAML error: {error.problem}", line, col) from None
