"""timm's channel rounding, padding arithmetic, stochastic-depth schedule and relative-position index,
checked against timm's own functions."""

import numpy as np
import pytest
import timm.layers as tl
from timm.layers import make_divisible
from timm.layers.padding import get_same_padding
from timm.layers.pos_embed_rel import gen_relative_position_index

import luximm_keras.layers as lx
from luximm_keras.layers import SqueezeExcite, rel_pos_index, se_make_divisible


@pytest.mark.parametrize("divisor", [1, 4, 8, 16])
@pytest.mark.parametrize("round_limit", [0.0, 0.9])
@pytest.mark.parametrize("min_value", [None, 16])
def test_se_make_divisible_equals_timm(divisor, round_limit, min_value):
    for v in [x / 4 for x in range(1, 4 * 400)]:
        assert se_make_divisible(v, divisor, min_value, round_limit) == make_divisible(
            v, divisor, min_value, round_limit
        ), (v, divisor, min_value, round_limit)


def test_squeeze_excite_width_equals_timm_sem_module_for_every_channel_count():
    import timm.layers as tl

    layer = SqueezeExcite()
    for channels in range(1, 1025):
        assert layer.bottleneck_channels(channels) == tl.SEModule(channels).fc1.out_channels, channels


def test_squeeze_excite_176_channels_has_no_ten_percent_rule():
    # 176 / 16 = 11 rounds to 8; make_divisible's default 10% rule would make it 16.
    assert SqueezeExcite().bottleneck_channels(176) == 8
    assert se_make_divisible(11) == 16


@pytest.mark.parametrize("window", [(1, 1), (2, 3), (7, 7), (4, 6), (8, 5)])
def test_rel_pos_index_equals_timm(window):
    ours = rel_pos_index(*window)
    assert ours.shape == (window[0] * window[1],) * 2
    assert np.issubdtype(ours.dtype, np.integer)
    np.testing.assert_array_equal(ours, gen_relative_position_index(window).numpy())


def test_rel_pos_index_rejects_empty_window():
    with pytest.raises(ValueError, match="at least 1x1"):
        rel_pos_index(0, 3)


def test_reference_names_are_the_timm_named_functions():
    assert lx.rel_pos_index is lx.gen_relative_position_index
    assert lx.se_make_divisible is lx.make_divisible


@pytest.mark.parametrize("dilation", [1, 2, 3])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_padding_arithmetic_equals_timm(stride, dilation):
    for kernel in range(1, 8):
        assert lx.get_padding(kernel, stride, dilation) == tl.get_padding(kernel, stride, dilation)
        for size in range(1, 20):
            total = get_same_padding(size, kernel, stride, dilation)
            # timm's `pad_same`: the odd pixel at the end
            assert lx.same_padding(size, kernel, stride, dilation) == (total // 2, total - total // 2), (
                size, kernel, stride, dilation,
            )


@pytest.mark.parametrize("depths", [12, [2, 2, 6, 2], [3, 4, 6, 3]], ids=str)
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.3])
def test_calculate_drop_path_rates_equals_timm(rate, depths):
    """Equal to float32 rounding: torch's float32 `linspace` adds steps per SIMD lane, so its last bit
    depends on the CPU's vector width; numpy's is the correctly rounded ramp."""
    ours, theirs = lx.calculate_drop_path_rates(rate, depths), tl.calculate_drop_path_rates(rate, depths)
    assert len(ours) == len(theirs) and all(isinstance(r, float) for r in ours)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)
    if isinstance(depths, list):
        ours = lx.calculate_drop_path_rates(rate, depths, stagewise=True)
        theirs = tl.calculate_drop_path_rates(rate, depths, stagewise=True)
        assert [len(stage) for stage in ours] == [len(stage) for stage in theirs] == depths
        np.testing.assert_allclose(sum(ours, []), sum(theirs, []), rtol=1e-6, atol=0)
    else:
        with pytest.raises(ValueError, match="stagewise=True requires"):
            lx.calculate_drop_path_rates(rate, depths, stagewise=True)
