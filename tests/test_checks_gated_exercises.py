"""rnnlib.checks for notebook 09's closing exercises: parameter counts and the coupled LSTM.

The right answers here are written independently of rnnlib: the counts from the shapes torch's
documentation gives (weight_ih_l[k] (blocks*H, F or D*H), weight_hh_l[k] (blocks*H, H),
bias_ih_l[k] and bias_hh_l[k] (blocks*H,), per layer and direction), checked by hand for one
case; the coupled step from its equations. Each wrong answer is the right one with one mistake.
"""
import numpy as np
import pytest

from rnnlib import checks


def count_with(blocks, bug=None):
    def count(input_size, hidden_size, num_layers=1, bidirectional=False):
        D = 1 if bug == "directions" or not bidirectional else 2
        H, total = hidden_size, 0
        for k in range(1 if bug == "layers" else num_layers):
            reads = input_size if k == 0 else (H if bug == "upper H" else D * H)
            hidden = 0 if bug == "no W_hh" else H
            biases = 1 if bug == "one bias" else 2
            total += D * (blocks if bug != "blocks" else 7 - blocks) * H * (reads + hidden + biases)
        if bug == "float":
            return total + 0.5
        return total
    return count


def test_hand_count():
    # LSTM, F = 4, H = 32: 4 blocks of 32 = 128 rows; 128 * (4 + 32 + 2) = 4864
    assert count_with(4)(4, 32) == 4864
    # GRU, two layers, bidirectional, F = 3, H = 5: layer 0: 2 * 15 * (3 + 5 + 2) = 300;
    # layer 1 reads 10: 2 * 15 * (10 + 5 + 2) = 510
    assert count_with(3)(3, 5, 2, True) == 810


@pytest.mark.parametrize("check, blocks", [(checks.check_lstm_parameter_count, 4),
                                           (checks.check_gru_parameter_count, 3)])
def test_right_counts_pass(check, blocks, capsys):
    assert check(count_with(blocks))
    assert "all 6 cases agree" in capsys.readouterr().out


@pytest.mark.parametrize("bug, words", [
    ("one bias", "one bias per block"),
    ("upper H", "read H inputs"),
    ("directions", "bidirectional is ignored"),
    ("no W_hh", "hidden-to-hidden weights are missing"),
    ("layers", "num_layers is ignored"),
    ("blocks", "blocks are counted"),
    ("float", "whole number"),
])
@pytest.mark.parametrize("check, blocks", [(checks.check_lstm_parameter_count, 4),
                                           (checks.check_gru_parameter_count, 3)])
def test_count_mistakes_are_named(check, blocks, bug, words, capsys):
    assert not _run(check, count_with(blocks, bug))
    assert words in capsys.readouterr().out


def _run(check, fn):
    """A failing check prints its diagnosis and returns False when asked not to raise."""
    return check(fn, raise_error=False)


def test_a_wrong_answer_raises_its_diagnosis():
    with pytest.raises(AssertionError, match="one bias per block"):
        checks.check_lstm_parameter_count(count_with(4, "one bias"))


def test_counting_a_real_layer_or_delegating_to_the_lstm_is_refused(capsys):
    import rnnlib

    def by_layer(F, H, num_layers=1, bidirectional=False):
        layer = rnnlib.LSTM(F, H, num_layers=num_layers, bidirectional=bidirectional)
        return sum(p.size for p in layer.params.values())
    assert not checks.check_lstm_parameter_count(by_layer, raise_error=False)

    def via_lstm(x, h_prev, c_prev, Wx, Wh, b):
        def as_lstm(W):
            i, g, o = np.split(W, 3, axis=-1)
            return np.concatenate([i, -i, g, o], axis=-1)
        h, c, _ = rnnlib.lstm_step_forward(x, h_prev, c_prev, as_lstm(Wx), as_lstm(Wh), as_lstm(b))
        return h, c
    assert not checks.check_coupled_lstm_step_forward(via_lstm, raise_error=False)
    out = capsys.readouterr().out
    assert "rnnlib.LSTM" in out and "rnnlib.lstm_step_forward" in out


def sig(a):
    return 1 / (1 + np.exp(-a))


def coupled_with(bug=None):
    def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh + b
        ai, ag, ao = (a[:, k * H:(k + 1) * H] for k in range(3))
        if bug == "gio":
            ag, ai, ao = ai, ag, ao
        i, o = sig(ai), sig(ao)
        g = sig(ag) if bug == "g sigmoid" else np.tanh(ag)
        keep = {"f = i": i, "keep whole": 1.0}.get(bug, 1 - i)
        c = keep * c_prev + i * g
        h = o * (c if bug == "no tanh" else np.tanh(c))
        return (c, h) if bug == "swapped" else (h, c)
    return coupled_lstm_step_forward


def test_right_coupled_step_passes(capsys):
    assert checks.check_coupled_lstm_step_forward(coupled_with())
    assert "all 3 cases agree" in capsys.readouterr().out


@pytest.mark.parametrize("bug, words", [
    ("f = i", "the forget gate is i, not 1 - i"),
    ("keep whole", "c_prev is kept whole"),
    ("gio", "order g, i, o"),
    ("g sigmoid", "g goes through sigmoid"),
    ("no tanh", "misses the tanh"),
    ("swapped", "in each other's place"),
])
def test_coupled_mistakes_are_named(bug, words, capsys):
    assert not _run(checks.check_coupled_lstm_step_forward, coupled_with(bug))
    assert words in capsys.readouterr().out
