"""quizapp: spaced-repetition practice for machine-learning interviews, in the terminal."""

__version__ = "0.1.0"
