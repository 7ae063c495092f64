"""Statistics, experiments and monitoring: tests, intervals, sample sizes, multiple testing, drift."""

from __future__ import annotations
