"""JSON encoding of test arguments and return values between quizapp and the sandboxed child.

Plain stdlib + NumPy and self-contained: the sandbox harness runs this module's source in the child, so
no pickle crosses the process boundary in either direction."""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def encode(value: Any) -> Any:
    """A JSON-able form of `value`: arrays keep dtype and shape, tuples stay tuples, others become repr."""
    if isinstance(value, np.ndarray):
        return {"__nd__": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return {"__np__": value.item(), "dtype": str(value.dtype)}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    return {"__repr__": repr(value)[:200], "type": type(value).__name__}


class Opaque:
    """A returned object that is not a number, array, list or tuple: shown by its repr, never equal."""

    def __init__(self, text: str, type_name: str) -> None:
        self.text, self.type_name = text, type_name

    def __repr__(self) -> str:
        return self.text


def decode(value: Any) -> Any:
    """The inverse of `encode`."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "__nd__" in value:
            return np.array(value["__nd__"], dtype=value["dtype"]).reshape(value["shape"])
        if "__np__" in value:
            return np.dtype(value["dtype"]).type(value["__np__"])
        if "__tuple__" in value:
            return tuple(decode(item) for item in value["__tuple__"])
        if "__repr__" in value:
            return Opaque(str(value["__repr__"]), str(value["type"]))
    return value


def dumps(value: Any) -> str:
    """JSON text of `encode(value)` (NaN and infinities allowed, as Python's json writes them)."""
    return json.dumps(encode(value))


def loads(text: str) -> Any:
    """The value `dumps` wrote."""
    return decode(json.loads(text))
