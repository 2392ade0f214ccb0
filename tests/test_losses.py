"""Losses: hand computations, torch reference values, finite differences, stability, masks."""
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlib import accuracy, gradcheck, log_softmax, mse_loss, softmax, softmax_cross_entropy

REF = np.load(Path(__file__).parent.parent / "assets" / "reference" / "losses_torch.npz")


# --- mean squared error ------------------------------------------------------------------

def test_mse_hand_example():
    pred = np.array([[[1.0], [2.0], [4.0]]])          # (1, 3, 1)
    target = np.array([[[0.0], [2.0], [1.0]]])
    loss, dpred = mse_loss(pred, target)
    assert loss == pytest.approx((1 + 0 + 9) / 3)
    np.testing.assert_allclose(dpred, np.array([[[2.0], [0.0], [6.0]]]) / 3)


def test_mse_matches_torch():
    loss, dpred = mse_loss(REF["mse.pred"], REF["mse.target"])
    assert loss == pytest.approx(float(REF["mse.loss"]), rel=1e-12)
    np.testing.assert_allclose(dpred, REF["mse.dpred"], rtol=1e-12, atol=1e-15)


def test_mse_mask_averages_over_real_steps_only():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool)
    loss, dpred = mse_loss(pred, target, mask)
    real = (pred - target)[mask]                       # (5, 3): the real steps only
    assert loss == pytest.approx(np.mean(real ** 2))
    assert np.all(dpred[~mask] == 0) and not np.signbit(dpred[~mask]).any()
    target2 = target.copy()
    target2[~mask] = 1e3                               # change only padded targets
    assert mse_loss(pred, target2, mask)[0] == loss


def test_mse_gradcheck():
    rng = np.random.default_rng(1)
    pred, target = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))
    mask = np.array([[1, 1, 0], [1, 0, 0]])
    for m in (None, mask):
        _, dpred = mse_loss(pred, target, m)
        assert gradcheck(lambda: mse_loss(pred, target, m)[0], {"pred": pred}, {"pred": dpred}).ok(1e-7)


# --- softmax cross-entropy ---------------------------------------------------------------

def test_cross_entropy_hand_example():
    # one step, logits (1, 2, 3), target 2: loss = -log(e^3 / (e^1 + e^2 + e^3))
    logits = np.array([[[1.0, 2.0, 3.0], [0.0, 0.0, math.log(2.0)]]])   # (1, 2, 3)
    targets = np.array([[2, 0]])
    loss, dlogits = softmax_cross_entropy(logits, targets)
    acc = accuracy(logits, targets)
    z = sum(math.exp(k) for k in (1, 2, 3))
    step0 = -math.log(math.exp(3) / z)
    step1 = -math.log(1 / (1 + 1 + 2))                 # probabilities 1/4, 1/4, 2/4
    assert loss == pytest.approx((step0 + step1) / 2, rel=1e-14)
    expected = np.array([[[math.exp(1) / z, math.exp(2) / z, math.exp(3) / z - 1],
                          [0.25 - 1, 0.25, 0.5]]]) / 2
    np.testing.assert_allclose(dlogits, expected, rtol=1e-14)
    assert acc == 0.5                                  # step 0 right (3 is largest), step 1 wrong


def test_cross_entropy_matches_torch_with_and_without_mask():
    z, y, mask = REF["ce.logits"], REF["ce.targets"], REF["ce.mask"]
    loss, dz = softmax_cross_entropy(z, y)
    assert loss == pytest.approx(float(REF["ce.loss"]), rel=1e-12)
    np.testing.assert_allclose(dz, REF["ce.dlogits"], rtol=1e-10, atol=1e-15)
    loss, dz = softmax_cross_entropy(z, y, mask)
    assert loss == pytest.approx(float(REF["ce_masked.loss"]), rel=1e-12)
    np.testing.assert_allclose(dz, REF["ce_masked.dlogits"], rtol=1e-10, atol=1e-15)


def test_cross_entropy_gradcheck():
    rng = np.random.default_rng(2)
    z = rng.normal(scale=2.0, size=(2, 3, 4))
    y = rng.integers(0, 4, size=(2, 3))
    mask = np.array([[True, True, True], [True, False, False]])
    for m in (None, mask):
        _, dz = softmax_cross_entropy(z, y, m)
        res = gradcheck(lambda: softmax_cross_entropy(z, y, m)[0], {"logits": z}, {"logits": dz})
        assert res.ok(1e-7), res


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[[1e4, 0.0, -1e4], [1e4, 1e4 - 1.0, 0.0]]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is fine
        loss, dz = softmax_cross_entropy(z, np.array([[1, 0]]))
        acc = accuracy(z, np.array([[1, 0]]))
    # step 0: -log softmax = 1e4 - 0 (exp(-1e4) vanishes); step 1: log(1 + e^-1)
    assert loss == pytest.approx((1e4 + math.log(1 + math.exp(-1))) / 2, rel=1e-14)
    assert np.all(np.isfinite(dz)) and acc == 0.5
    # adding a constant to every logit of a step changes nothing
    shifted = softmax_cross_entropy(z + 5e3, np.array([[1, 0]]))
    assert shifted[0] == pytest.approx(loss, rel=1e-14)
    c = math.log(1 + math.exp(-1))                     # log of the sum of exp(z - max)
    np.testing.assert_allclose(log_softmax(z)[0, 1], [-c, -1 - c, -1e4 - c], rtol=1e-14)


def test_cross_entropy_mask_excludes_steps():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(2, 4, 3))
    y = rng.integers(0, 3, size=(2, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=bool)
    loss, dz = softmax_cross_entropy(z, y, mask)
    acc = accuracy(z, y, mask)
    y2, z2 = y.copy(), z.copy()
    y2[1, 2:] = (y[1, 2:] + 1) % 3                     # a different target on padded steps
    z2[1, 2:] = 100.0                                  # and different logits there
    loss2, dz2 = softmax_cross_entropy(z2, y2, mask)
    acc2 = accuracy(z2, y2, mask)
    assert (loss2, acc2) == (loss, acc)
    np.testing.assert_array_equal(dz2, dz)
    assert np.all(dz[1, 2:] == 0) and not np.signbit(dz[1, 2:]).any()   # +0.0, never -0.0
    # the mean is over the 6 real steps: the same as the loss of the real steps on their own
    real = softmax_cross_entropy(z[mask][None], y[mask][None])
    assert real[0] == pytest.approx(loss, rel=1e-14) and accuracy(z[mask][None], y[mask][None]) == acc


def test_accuracy_counts_argmax_hits():
    z = np.eye(3)[[0, 1, 2, 2]][None] * 5.0            # predicts 0, 1, 2, 2
    assert accuracy(z, np.array([[0, 1, 2, 0]])) == 0.75
    assert accuracy(z, np.array([[0, 1, 2, 0]]), np.array([[1, 1, 1, 0]])) == 1.0


def test_accuracy_takes_the_first_of_tied_largest_logits():
    # numpy's argmax picks the first of equal maxima, so a tie counts for the lower class
    z = np.array([[[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [0.0, 0.0, 0.0]]])
    assert accuracy(z, np.array([[0, 1, 0]])) == 1.0
    assert accuracy(z, np.array([[1, 2, 2]])) == 0.0


def test_accuracy_mask_of_floats_and_bools():
    z = np.eye(3)[[0, 1, 2, 2]][None] * 5.0            # predicts 0, 1, 2, 2
    y = np.array([[0, 0, 2, 0]])                        # right, wrong, right, wrong
    for mask in ([[1.0, 0.0, 1.0, 1.0]], np.array([[True, False, True, True]]), [[1, 0, 1, 1]]):
        assert accuracy(z, y, mask) == pytest.approx(2 / 3, rel=1e-15)   # 2 right of 3 real steps
    assert accuracy(z, y) == 0.5


@pytest.mark.parametrize("mask, error, words", [
    ([[0, 0, 0, 0]], ValueError, "accuracy: mask marks no step as real"),
    ([[0.5, 1, 1, 1]], ValueError, "accuracy: mask should hold only 0 and 1"),
    ([[1, 1, 1]], ValueError, "accuracy: mask should cover the leading axes"),
    (np.ones((1, 4, 3)), ValueError, "accuracy: mask should cover the leading axes.*got \\(1, 4, 3\\)"),
    ([1], ValueError, "accuracy: mask should have the shape of targets, \\(1, 4\\), got \\(1,\\)"),
    ([["a", "b", "c", "d"]], TypeError, "accuracy: mask should hold True/False"),
])
def test_accuracy_mask_errors(mask, error, words):
    z, y = np.zeros((1, 4, 3)), np.zeros((1, 4), dtype=int)
    with pytest.raises(error, match=words):
        accuracy(z, y, mask)


def test_softmax_by_hand():
    # exp(0), exp(0), exp(log 2) = 1, 1, 2, out of 4
    np.testing.assert_allclose(softmax(np.array([0.0, 0.0, math.log(2.0)])), [0.25, 0.25, 0.5], rtol=1e-15)
    np.testing.assert_allclose(log_softmax(np.array([0.0, 0.0, math.log(2.0)])),
                               [math.log(0.25), math.log(0.25), math.log(0.5)], rtol=1e-15)


def test_softmax_and_log_softmax_along_axis_0():
    z = np.array([[0.0, 1.0], [0.0, 1.0], [math.log(2.0), 1.0]])     # columns: (0, 0, log 2), (1, 1, 1)
    expected = np.array([[0.25, 1 / 3], [0.25, 1 / 3], [0.5, 1 / 3]])
    np.testing.assert_allclose(softmax(z, axis=0), expected, rtol=1e-15)
    np.testing.assert_allclose(log_softmax(z, axis=0), np.log(expected), rtol=1e-15)
    np.testing.assert_allclose(softmax(z, axis=0), softmax(z.T).T, rtol=1e-15)   # = the last axis of z.T
    with pytest.raises(TypeError, match="softmax: axis should be a whole number, got 0.0"):
        softmax(z, axis=0.0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 50.0))
def test_cross_entropy_properties(seed, scale):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=scale, size=(2, 3, 5))
    y = rng.integers(0, 5, size=(2, 3))
    loss, dz = softmax_cross_entropy(z, y)
    acc = accuracy(z, y)
    assert loss >= 0 and 0 <= acc <= 1
    np.testing.assert_allclose(dz.sum(axis=-1), 0, atol=1e-15)   # softmax - onehot sums to 0
    np.testing.assert_allclose(softmax(z).sum(axis=-1), 1, rtol=1e-14)


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("args, err, words", [
    ((np.zeros((2, 3, 1)), np.zeros((2, 3))), ValueError, "shape of pred"),
    ((np.zeros((2, 3, 1), dtype=int), np.zeros((2, 3, 1))), TypeError, "floating-point"),
    ((np.full((1, 1, 1), np.nan), np.zeros((1, 1, 1))), ValueError, "finite"),
])
def test_mse_errors(args, err, words):
    with pytest.raises(err, match=words):
        mse_loss(*args)


@pytest.mark.parametrize("logits, targets, mask, err, words", [
    (np.zeros((1, 2, 3)), np.array([[0, 3]]), None, ValueError, "0 to 2"),
    (np.zeros((1, 2, 3)), np.array([[0.5, 1]]), None, ValueError, "whole number"),
    (np.zeros((1, 2, 3)), np.zeros((1, 2, 3)), None, ValueError, "argmax"),
    (np.zeros(3), np.array(0), None, ValueError, "logits\\[None\\]"),
    (np.zeros((1, 2, 3)), np.array([[0, 1]]), np.zeros((1, 2)), ValueError, "no step as real"),
    (np.zeros((1, 2, 3)), np.array([[0, 1]]), np.ones((2, 1)), ValueError, "leading axes"),
    (np.zeros((1, 2, 3)), np.array([[0, 1]]), np.array([[0.5, 1]]), ValueError, "only 0 and 1"),
])
def test_cross_entropy_errors(logits, targets, mask, err, words):
    with pytest.raises(err, match=words):
        softmax_cross_entropy(logits, targets, mask)
