"""Parse YAML into plain Python data plus the line and column of every node, so errors can point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml's C parser is several times faster; fall back to pure Python where it isn't built
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

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
    """The safe loader without path resolvers (which YAML content never uses): ~10% faster."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def parse(text: str, max_depth: int | None = None) -> Located:
    """Compose `text` with the C parser and build the data while recording positions.

    Positions are kept for nodes at most `max_depth` levels deep (all when None): a clean file only
    needs its cards' positions, and skipping the rest makes loading a large bank markedly faster."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part) or str(error)
        raise YamlSyntaxError(f"YAML syntax error: {message}", line, col) from None
    except yaml.YAMLError as error:  # e.g. a reader error on a control character
        raise YamlSyntaxError(f"YAML error: {error}", 1, 1) from None
    located = Located(data=None)
    try:
        if root is not None:
            located.data = _build(root, (), located, loader, max_depth)
    finally:
        loader.dispose()
    return located


def _construct(node: yaml.Node, loader: Any) -> Any:
    """One scalar (or key) as Python; a tag it can't build is a positioned error, not a traceback."""
    if node.tag == STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value  # what the constructor would return, without its dispatch
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as error:
        line, col = _position(node)
        raise YamlSyntaxError(f"YAML error: {error.problem}", line, col) from None
    except (ValueError, TypeError) as error:
        line, col = _position(node)
        raise YamlSyntaxError(
            f"YAML error: cannot read {node.value!r} as {node.tag}: {error}", line, col
        ) from None


def _build(node: yaml.Node, path: Path_, out: Located, loader: Any, max_depth: int | None) -> Any:
    record = max_depth is None or len(path) <= max_depth
    if record:
        out.values[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        try:
            loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else _position(node)
            raise YamlSyntaxError(f"YAML error: {error.problem}", line, col) from None
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, loader)
            try:
                hash(key)
            except TypeError:  # a list, mapping or set as a key: keep it visible as text
                key = str(key)
            child = (*path, key)
            if key in result:
                out.duplicates.append((child, _position(key_node)))
            if record:
                out.keys[child] = _position(key_node)
            result[key] = _build(value_node, child, out, loader, max_depth)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), out, loader, max_depth) for i, item in enumerate(node.value)]
    return _construct(node, loader)
