"""fmt.sci: e-notation from a million up (whole numbers too), fmt.num below."""

from __future__ import annotations

from quizapp.problems import fmt


def test_sci_writes_big_counts_in_e_notation_without_trailing_zeros() -> None:
    assert fmt.sci(6e9) == "6e9"  # fmt.num would print 6000000000
    assert fmt.sci(3.1e23) == "3.1e23" and fmt.sci(3.14159e23, 4) == "3.142e23"
    assert fmt.sci(1.3e12) == "1.3e12" and fmt.sci(-2.5e6) == "-2.5e6"


def test_sci_below_a_million_is_num() -> None:
    assert fmt.sci(999_999.0) == fmt.num(999_999.0, 3) == "999999"
    assert fmt.sci(0.012345) == "0.0123"
