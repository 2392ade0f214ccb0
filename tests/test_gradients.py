"""rnnlib.gradients: gradients through time, Jacobian products, truncated BPTT, clipping by value.

Every expected value comes from somewhere other than the code under test: centred finite
differences of rnnlib.rnn_forward, Jacobians multiplied out one by one with np.diag, rnnlib's
own rnn_backward, or a hand calculation (clip_grad_value_, as torch.nn.utils.clip_grad_value_
documents it: every entry clamped to [-clip_value, clip_value], in place, returning None).
"""
import warnings

import numpy as np
import pytest

import rnnlib
from rnnlib import clip_grad_value_
from rnnlib.gradients import (gradient_norms, jacobian_products, state_gradients,
                              step_jacobian, tbptt_gradients, with_spectral_radius)

EPS = 1e-6
FD_TOL = dict(rtol=1e-6, atol=1e-8)
EXACT = dict(rtol=1e-12, atol=1e-12)


def problem(nonlinearity="tanh", N=2, T=6, F=3, H=4, seed=0, radius=1.2):
    rng = np.random.default_rng(seed)
    Wh = with_spectral_radius(rng.standard_normal((H, H)), radius)
    return dict(x=rng.standard_normal((N, T, F)), h0=0.5 * rng.standard_normal((N, H)),
                Wx=rng.standard_normal((F, H)) / np.sqrt(F), Wh=Wh,
                b=0.1 * rng.standard_normal(H), nonlinearity=nonlinearity)


def future_states(p, n, t, h_t):
    """h_{t+1} .. h_{T-1} of sequence n when its state at step t is set to h_t."""
    x = p["x"][n:n + 1, t + 1:]
    if x.shape[1] == 0:
        return np.zeros((0, h_t.size))
    h, _ = rnnlib.rnn_forward(x, h_t[None], p["Wx"], p["Wh"], p["b"], p["nonlinearity"])
    return h[0]


def numeric_state_gradient(p, G, n, t):
    """d/dh_t of L = sum_t' h_t' . G[n, t'], by centred differences on the entries of h_t."""
    h, _ = rnnlib.rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], p["nonlinearity"])

    def loss(h_t):
        return h_t @ G[n, t] + np.sum(future_states(p, n, t, h_t) * G[n, t + 1:])

    grad = np.zeros(h.shape[-1])
    for i in range(grad.size):
        e = np.zeros_like(grad)
        e[i] = EPS
        grad[i] = (loss(h[n, t] + e) - loss(h[n, t] - e)) / (2 * EPS)
    return grad


def readout(H, seed=0):
    """The loss vector gradient_norms documents: a unit vector from default_rng(seed)."""
    u = np.random.default_rng(seed).standard_normal(H)
    return u / np.linalg.norm(u)


# --- gradients at every state ----------------------------------------------------------

@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "leaky_relu"])
def test_state_gradients_match_finite_differences(nonlinearity):
    p = problem(nonlinearity)
    G = np.random.default_rng(1).standard_normal((2, 6, 4))
    _, cache = rnnlib.rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], nonlinearity)
    dhs = state_gradients(G, cache)
    for n in range(2):
        for t in range(6):
            np.testing.assert_allclose(dhs[n, t], numeric_state_gradient(p, G, n, t), **FD_TOL)


def test_state_gradients_agree_with_rnn_backward():
    # one more step back from dL/dh_0 gives rnn_backward's dh0, and the weight gradients are
    # sums over steps of the gradient at each pre-activation, dL/dh_t * tanh'(a_t)
    p = problem()
    G = np.random.default_rng(2).standard_normal((2, 6, 4))
    h, cache = rnnlib.rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    _, dh0, dWx, dWh, db = rnnlib.rnn_backward(G, cache)
    dhs = state_gradients(G, cache)
    da = dhs * (1 - h ** 2)
    h_prev = np.concatenate([p["h0"][:, None], h[:, :-1]], axis=1)
    np.testing.assert_allclose(da[:, 0] @ p["Wh"].T, dh0, **EXACT)
    np.testing.assert_allclose(np.einsum("nti,ntj->ij", h_prev, da), dWh, **EXACT)
    np.testing.assert_allclose(np.einsum("nti,ntj->ij", p["x"], da), dWx, **EXACT)
    np.testing.assert_allclose(da.sum(axis=(0, 1)), db, **EXACT)


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_gradient_norms_match_finite_differences(loss, nonlinearity):
    p = problem(nonlinearity)
    u = readout(4, seed=3)
    G = np.zeros((2, 6, 4))
    if loss == "last":
        G[:, -1] = u
    else:
        G[:] = u
    expected = np.array([[np.linalg.norm(numeric_state_gradient(p, G, n, t)) for t in range(6)]
                         for n in range(2)])
    args = [p[k] for k in ("x", "h0", "Wx", "Wh", "b")]
    per_seq = gradient_norms(*args, nonlinearity, loss=loss, seed=3, per_sequence=True)
    np.testing.assert_allclose(per_seq, expected, **FD_TOL)
    np.testing.assert_allclose(gradient_norms(*args, nonlinearity, loss=loss, seed=3),
                               expected.mean(axis=0), **FD_TOL)
    if loss == "last":
        np.testing.assert_allclose(per_seq[:, -1], 1.0, **EXACT)   # a unit readout


# --- Jacobians --------------------------------------------------------------------------

def test_step_jacobian_matches_finite_differences_of_one_step():
    p = problem()
    x_t, h_prev = p["x"][0, 2], p["h0"][0]

    def step(hp):
        return rnnlib.rnn_step_forward(x_t[None], hp[None], p["Wx"], p["Wh"], p["b"])[0][0]

    numeric = np.stack([(step(h_prev + e) - step(h_prev - e)) / (2 * EPS)
                        for e in EPS * np.eye(4)], axis=1)      # column j: d h_t / d h_prev[j]
    np.testing.assert_allclose(step_jacobian(step(h_prev), p["Wh"]), numeric, **FD_TOL)


def test_step_jacobian_of_a_batch_is_one_jacobian_per_sequence():
    p = problem("relu")
    h, _ = rnnlib.rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], "relu")
    J = step_jacobian(h[:, 3], p["Wh"], "relu")
    assert J.shape == (2, 4, 4)
    for n in range(2):
        np.testing.assert_allclose(J[n], np.diag((h[n, 3] > 0) * 1.0) @ p["Wh"].T, **EXACT)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_jacobian_products_match_brute_force_and_finite_differences(nonlinearity):
    p = problem(nonlinearity, N=1, T=7)
    h, _ = rnnlib.rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], nonlinearity)
    P, norms = jacobian_products(h[0], p["Wh"], nonlinearity)
    slope = (lambda s: 1 - s ** 2) if nonlinearity == "tanh" else (lambda s: (s > 0) * 1.0)
    T = 7
    for t in range(T):
        brute = np.eye(4)
        for s in range(T - 1, t, -1):                       # J_{T-1} @ ... @ J_{t+1}
            brute = brute @ (np.diag(slope(h[0, s])) @ p["Wh"].T)
        np.testing.assert_allclose(P[t], brute, **EXACT)
        np.testing.assert_allclose(norms[t], np.linalg.norm(brute, 2), **EXACT)
        numeric = np.stack([((future_states(p, 0, t, h[0, t] + e)[-1:] if t < T - 1 else h[0, t] + e)
                             - (future_states(p, 0, t, h[0, t] - e)[-1:] if t < T - 1 else h[0, t] - e)
                             ).ravel() / (2 * EPS) for e in EPS * np.eye(4)], axis=1)
        np.testing.assert_allclose(P[t], numeric, **FD_TOL)


def test_last_step_gradient_is_the_readout_times_the_jacobian_product():
    p = problem(N=3, T=8)
    args = [p[k] for k in ("x", "h0", "Wx", "Wh", "b")]
    h, _ = rnnlib.rnn_forward(*args)
    P, _ = jacobian_products(h, p["Wh"])                    # (3, 8, 4, 4), a batch
    expected = np.linalg.norm(readout(4) @ P, axis=-1)      # ||u^T dh_{T-1}/dh_t||, (3, 8)
    np.testing.assert_allclose(gradient_norms(*args, per_sequence=True), expected, **EXACT)


def test_with_spectral_radius():
    W = np.random.default_rng(0).standard_normal((5, 5))
    for r in (0.5, 1.0, 3.0):
        assert np.isclose(np.abs(np.linalg.eigvals(with_spectral_radius(W, r))).max(), r)
    assert not with_spectral_radius(W, 0).any()
    with pytest.raises(ValueError, match="every eigenvalue of W is 0"):
        with_spectral_radius(np.triu(np.ones((3, 3)), 1), 1.0)
    with pytest.raises(ValueError, match="radius should be a finite number >= 0"):
        with_spectral_radius(W, -1)


# --- the extremes a widget reaches ------------------------------------------------------

def test_overflow_gives_inf_or_nan_and_no_warning():
    p = problem("relu", T=60, H=8)
    args = [p["x"], p["h0"], p["Wx"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # zero input and state: tanh stays at 0, where its slope is 1, so the gradient is
        # u^T (Wh^T)^k, growing about 1e4-fold a step, past 1e308 in under 100 steps
        zeros = [np.zeros((2, 100, 3)), np.zeros((2, 8)), p["Wx"]]
        big = gradient_norms(*zeros, with_spectral_radius(p["Wh"], 1e4), np.zeros(8))
        finite = np.isfinite(big)
        assert np.isclose(big[-1], 1.0) and finite[-20:].all() and np.isinf(big[~finite]).all()
        assert not finite[0] and np.all(np.diff(finite) >= 0)      # inf, then finite to the end
        # the forward states themselves overflow: no gradient, nan everywhere
        huge = gradient_norms(*args, with_spectral_radius(p["Wh"], 1e200), p["b"], "relu")
        assert np.isnan(huge).all()
        zero = gradient_norms(*args, with_spectral_radius(p["Wh"], 0), p["b"], "tanh")
        assert np.isclose(zero[-1], 1.0) and np.all(zero[:-1] == 0)
        one = gradient_norms(p["x"][:, :1], p["h0"], p["Wx"], p["Wh"], p["b"])
        assert one.shape == (1,) and np.isclose(one[0], 1.0)


# --- truncated BPTT ---------------------------------------------------------------------

@pytest.mark.parametrize("k", [6, 7, 100])
def test_tbptt_with_a_window_of_the_whole_sequence_is_full_bptt(k):
    p = problem()
    args = [p[k_] for k_ in ("x", "h0", "Wx", "Wh", "b")]
    G = np.random.default_rng(4).standard_normal((2, 6, 4))
    _, cache = rnnlib.rnn_forward(*args)
    for got, want in zip(tbptt_gradients(*args, G, k), rnnlib.rnn_backward(G, cache)):
        np.testing.assert_allclose(got, want, **EXACT)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_tbptt_with_short_windows_is_the_gradient_with_window_starts_held_fixed(k):
    # The stated difference: the loss of window w reaches the weights only through the steps
    # of window w, each window starting from the state the previous one ended in, held fixed.
    # So TBPTT's dWh is the finite-difference gradient of the windows' losses, each computed
    # from its FROZEN start state (the states of the unperturbed run).
    p = problem(T=7)
    args = [p[k_] for k_ in ("x", "h0", "Wx", "Wh", "b")]
    G = np.random.default_rng(5).standard_normal((2, 7, 4))
    h, cache = rnnlib.rnn_forward(*args)
    starts = {s: (p["h0"] if s == 0 else h[:, s - 1]) for s in range(0, 7, k)}

    def windowed_loss(Wh):
        return sum(np.sum(rnnlib.rnn_forward(p["x"][:, s:s + k], h_s, p["Wx"], Wh, p["b"])[0]
                          * G[:, s:s + k]) for s, h_s in starts.items())

    Wh = p["Wh"].copy()
    numeric = np.zeros_like(Wh)
    for i in np.ndindex(Wh.shape):
        E = np.zeros_like(Wh)
        E[i] = EPS
        numeric[i] = (windowed_loss(Wh + E) - windowed_loss(Wh - E)) / (2 * EPS)
    dx, dh0, dWx, dWh, db = tbptt_gradients(*args, G, k)
    np.testing.assert_allclose(dWh, numeric, **FD_TOL)
    full_dWh = rnnlib.rnn_backward(G, cache)[3]
    assert np.linalg.norm(dWh - full_dWh) > 1e-3 * np.linalg.norm(full_dWh)   # really differs


def test_tbptt_gives_no_gradient_to_a_dependency_longer_than_the_window():
    # a loss at the last step only: with k = 3 and T = 7 the windows are [0,3) [3,6) [6,7),
    # so only x_6 (the last window) gets a gradient; full BPTT reaches every step
    p = problem(T=7)
    args = [p[k_] for k_ in ("x", "h0", "Wx", "Wh", "b")]
    G = np.zeros((2, 7, 4))
    G[:, -1] = 1.0
    dx, dh0, *_ = tbptt_gradients(*args, G, 3)
    assert np.all(dx[:, :6] == 0) and np.all(dh0 == 0) and np.all(np.abs(dx[:, 6]) > 0)
    _, cache = rnnlib.rnn_forward(*args)
    assert np.all(np.abs(rnnlib.rnn_backward(G, cache)[0]).sum(axis=-1) > 0)


# --- clipping by value ------------------------------------------------------------------

def test_clip_grad_value_by_hand():
    a = np.array([[-3.0, 0.5], [2.0, -0.2]])
    b = np.array([10.0, -1.0, 1.0])
    grads = {"a": a, "b": b}
    assert clip_grad_value_(grads, 1.0) is None              # torch returns None too
    assert grads["a"] is a and grads["b"] is b               # in place
    np.testing.assert_array_equal(a, [[-1.0, 0.5], [1.0, -0.2]])
    np.testing.assert_array_equal(b, [1.0, -1.0, 1.0])       # +-clip_value itself is kept
    lst = [np.array([0.3, -0.7])]
    clip_grad_value_(lst, 0.5)
    np.testing.assert_array_equal(lst[0], [0.3, -0.5])


def test_clip_grad_value_changes_the_direction_where_clip_by_norm_does_not():
    g = {"w": np.array([4.0, 1.0])}
    clip_grad_value_(g, 1.0)
    np.testing.assert_array_equal(g["w"], [1.0, 1.0])        # was along (4, 1), now (1, 1)


def test_clip_grad_value_errors_leave_gradients_alone():
    g = {"w": np.array([4.0, -4.0])}
    for bad, error in ((0, ValueError), (-1.0, ValueError), (float("inf"), ValueError), ("1", TypeError)):
        with pytest.raises(error, match="clip_grad_value_: clip_value should be a positive"):
            clip_grad_value_(g, bad)
    np.testing.assert_array_equal(g["w"], [4.0, -4.0])
    with pytest.raises(TypeError, match="clip_grad_value_: grads should be a dict"):
        clip_grad_value_(np.ones(3), 1.0)


# --- errors for learners ----------------------------------------------------------------

def test_errors_name_the_function_and_the_fix():
    p = problem()
    args = [p[k] for k in ("x", "h0", "Wx", "Wh", "b")]
    with pytest.raises(ValueError, match="gradient_norms: loss should be one of"):
        gradient_norms(*args, loss="first")
    with pytest.raises(ValueError, match=r"step_jacobian: h_t should have shape \(hidden_size=4,\)"):
        step_jacobian(np.ones(3), p["Wh"])
    with pytest.raises(ValueError, match=r"step_jacobian: Wh should be square"):
        step_jacobian(np.ones(4), np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"jacobian_products: h should have shape \(time, hidden_size=4\)"):
        jacobian_products(np.ones(4), p["Wh"])
    with pytest.raises(ValueError, match="tbptt_gradients: k should be a positive whole number"):
        tbptt_gradients(*args, np.zeros((2, 6, 4)), 0)
    _, cache = rnnlib.rnn_forward(*args)
    with pytest.raises(ValueError, match=r"state_gradients: dh should have shape"):
        state_gradients(np.zeros((2, 5, 4)), cache)
