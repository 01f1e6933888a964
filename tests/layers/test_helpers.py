"""timm's channel rounding and relative-position index, checked against timm's own functions."""

import numpy as np
import pytest
from timm.layers import make_divisible
from timm.layers.pos_embed_rel import gen_relative_position_index

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
