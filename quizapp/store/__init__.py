"""Storage: the SQLite file holding card states and the review log."""
