"""Generated numeric problems: generators, the answer parser, the checker and safe formulas."""
