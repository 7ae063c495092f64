"""cnn generators: conv/pool output sizes, parameter counts and receptive fields, checked independently."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from quizapp.problems.cnn import (
    conv_out,
    conv_output_size,
    conv_params,
    pool_output_size,
    receptive_field,
)
from quizapp.problems.registry import get

SEEDS = range(60)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _windows(n: int, k: int, s: int, p: int = 0) -> int:
    """How many k-wide windows, every s-th, fit in a padded row: counted, not computed by formula."""
    return sliding_window_view(np.zeros(n + 2 * p), k)[::s].shape[0]


def test_the_catalogue_names_and_params_are_registered() -> None:
    assert set(get("cnn.conv_output_size").params) == {"size", "kernel", "stride", "padding"}
    assert set(get("cnn.conv_params").params) == {"c_in", "c_out", "kernel", "bias"}
    assert set(get("cnn.pool_output_size").params) == {"size", "pool", "stride"}
    assert set(get("cnn.receptive_field").params) == {"layers", "kernel"}


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "out"),
    [
        (224, 7, 2, 3, 112),  # ResNet stem: ⌊(224 + 6 − 7)/2⌋ + 1 = 111 + 1
        (227, 11, 4, 0, 55),  # AlexNet conv1: (227 − 11)/4 + 1
        (32, 5, 1, 0, 28),  # LeNet-5 C1
        (32, 3, 1, 1, 32),  # "same" padding
        (55, 3, 2, 0, 27),  # AlexNet max-pool: ⌊52/2⌋ + 1
        (7, 2, 2, 0, 3),  # ⌊5/2⌋ + 1: the floor drops the last column
    ],
)
def test_conv_out_by_hand(n: int, k: int, s: int, p: int, out: int) -> None:
    assert conv_out(n, k, s, p) == out
    assert _windows(n, k, s, p) == out


def test_conv_output_size_with_fixed_params() -> None:
    p = conv_output_size(_rng(0), size=224, kernel=7, stride=2, padding=3)
    assert p.answer == 112
    assert p.unit == "count"
    assert "7×7 kernel, stride 2 and padding 3" in p.prompt and "224×224" in p.prompt
    assert p.solution.endswith("= 112")
    values = {d.value for d in p.diagnoses}
    assert 111 in values  # forgot the +1: ⌊223/2⌋ = 111
    assert 109 in values  # left out the padding: ⌊217/2⌋ + 1 = 109


@pytest.mark.parametrize("seed", SEEDS)
def test_conv_output_size_counts_the_windows(seed: int) -> None:
    p = conv_output_size(_rng(seed))
    g = p.given
    assert p.answer == _windows(g["size"], g["kernel"], g["stride"], g["padding"])
    assert g["padding"] <= g["kernel"] // 2
    assert f"{g['size']}×{g['size']}" in p.prompt and f"stride {g['stride']}" in p.prompt
    assert p.solution.endswith(f"= {int(p.answer)}")
    assert all(d.value != p.answer for d in p.diagnoses)


@pytest.mark.parametrize(
    ("c_in", "c_out", "k", "bias", "count"),
    [
        (3, 64, 3, True, 1792),  # VGG's first conv: 64·(3·9 + 1)
        (64, 64, 3, True, 36928),  # 64·(64·9 + 1)
        (3, 64, 3, False, 1728),
        (256, 64, 1, False, 16384),  # a 1×1 bottleneck: 256·64
    ],
)
def test_conv_params_by_hand(c_in: int, c_out: int, k: int, bias: bool, count: int) -> None:
    p = conv_params(_rng(0), c_in=c_in, c_out=c_out, kernel=k, bias=bias)
    assert p.answer == count
    assert f"nn.Conv2d({c_in}, {c_out}, kernel_size={k}, bias={bias})" in p.prompt
    assert p.solution.endswith(str(count) if bias else f"{count} (no bias)")


@pytest.mark.parametrize("seed", SEEDS)
def test_conv_params_counts_the_arrays(seed: int) -> None:
    p = conv_params(_rng(seed))
    g = p.given
    weight = np.zeros((g["c_out"], g["c_in"], g["kernel"], g["kernel"]))  # PyTorch's weight shape
    bias = np.zeros(g["c_out"]) if g["bias"] else np.zeros(0)
    assert p.answer == weight.size + bias.size
    assert str(int(p.answer)) in p.solution
    assert all(d.value != p.answer for d in p.diagnoses)


def test_conv_params_channels_are_round_numbers() -> None:
    seen = {conv_params(_rng(seed)).given["c_in"] for seed in SEEDS}
    assert seen <= {1, 3, 2, 4, 8, 16, 32, 64, 128, 256}


def test_pool_output_size_by_hand() -> None:
    p = pool_output_size(_rng(0), size=55, pool=3, stride=2)  # AlexNet's overlapping pooling
    assert p.answer == 27
    assert "kernel_size=3, stride=2" in p.prompt and "55×55" in p.prompt
    assert not any("ceil_mode=True" in d.message for d in p.diagnoses)  # 52/2 is exact: ceil = floor
    q = pool_output_size(_rng(0), size=56, pool=3, stride=2)  # ⌊53/2⌋ + 1 = 27; ⌈53/2⌉ + 1 = 28
    assert q.answer == 27
    assert any(d.value == 28 and "ceil_mode=True" in d.message for d in q.diagnoses)
    assert pool_output_size(_rng(0), size=224, pool=2, stride=2).answer == 112


@pytest.mark.parametrize("seed", SEEDS)
def test_pool_output_size_counts_the_windows(seed: int) -> None:
    p = pool_output_size(_rng(seed))
    g = p.given
    assert p.answer == _windows(g["size"], g["pool"], g["stride"])
    assert 1 <= g["stride"] <= g["pool"]
    assert f"{g['size']}×{g['size']}" in p.prompt
    assert p.solution.endswith(f"= {int(p.answer)}")


@pytest.mark.parametrize(("layers", "kernel", "rf"), [(2, 3, 5), (3, 3, 7), (2, 5, 9), (1, 7, 7)])
def test_receptive_field_by_hand(layers: int, kernel: int, rf: int) -> None:
    # VGG (Simonyan & Zisserman): two stacked 3×3 layers see 5×5, three see 7×7
    p = receptive_field(_rng(0), layers=layers, kernel=kernel)
    assert p.answer == rf
    assert f"{layers} convolution layers, each {kernel}×{kernel}" in p.prompt
    assert p.solution.endswith(f"= {rf}")


@pytest.mark.parametrize("seed", range(20))
def test_receptive_field_by_propagating_an_impulse(seed: int) -> None:
    p = receptive_field(_rng(seed), kernel=[3, 5])
    signal = np.ones(1)
    for _ in range(p.given["layers"]):  # the input pixels one output unit depends on, layer by layer
        signal = np.convolve(signal, np.ones(p.given["kernel"]))
    assert p.answer == np.count_nonzero(signal)
    assert all(d.value != p.answer for d in p.diagnoses)


def test_impossible_params_are_value_errors() -> None:
    with pytest.raises(ValueError):
        conv_output_size(_rng(0), size=3, kernel=7, padding=0)
    with pytest.raises(ValueError):
        pool_output_size(_rng(0), size=2, pool=3, stride=1)
    with pytest.raises(ValueError):
        receptive_field(_rng(0), layers=0)
