"""Anki and review-log files in and out: export (.apkg, review log CSV/JSON), import (notes -> topic YAML)."""
