"""Scheduling: FSRS reviews, the study queue and daily limits."""
