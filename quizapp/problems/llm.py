"""LLM architecture and training: transformer parameter counts, attention variants, decoding, scaling."""

from __future__ import annotations
