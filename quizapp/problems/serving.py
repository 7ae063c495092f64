"""LLM fine-tuning, alignment, inference and compression: LoRA, KV cache, quantisation, DPO."""

from __future__ import annotations
