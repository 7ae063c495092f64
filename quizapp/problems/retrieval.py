"""Retrieval, NLP and recommenders: ranking metrics, TF-IDF, BM25, BLEU, matrix factorisation."""

from __future__ import annotations
