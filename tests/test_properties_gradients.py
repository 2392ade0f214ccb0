"""Properties of rnnlib.gradients on arbitrary shapes and values (hypothesis): every call either
returns finite results of the documented shape or raises ValueError / TypeError naming the
function; no other exception and no warning. Values are bounded (|v| <= 1e3, T <= 6) where the
docstrings promise finite results only short of overflow, and nan, inf or values outside an
activation's range are mixed in to be refused.

Where the result has a second, independent reading, it is checked too: the last step's
gradient norm of a unit readout is 1, the state gradient times the slope and Wh.T is
rnn_backward's dh0, k >= T in truncated BPTT is full BPTT, and the rescaled matrix is a
positive multiple of W whose largest |eigenvalue| is the radius asked for."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnnlib
from rnnlib.functional import activation_grad
from rnnlib.gradients import (gradient_norms, jacobian_products, state_gradients, step_jacobian,
                              tbptt_gradients, with_spectral_radius)

from boundary import outcome

NL = st.sampled_from(["tanh", "relu", "leaky_relu"])
ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=2), st.integers(-3, 3), st.floats())
ODD = ODD.map(lambda v: v)      # one branch of a one_of, not five
VALUES = st.floats(-1e3, 1e3)
POISON = st.sampled_from([np.nan, np.inf, -np.inf, 5.0, -5.0])
RARELY = st.sampled_from([False, False, False, False, True])     # shrinks to False


@st.composite
def poisoned(draw, shape, elements=VALUES):
    """A float64 array of shape, now and then with one entry replaced by nan, inf or +-5."""
    a = draw(hnp.arrays(np.float64, shape, elements=elements))
    if a.size and draw(RARELY):
        a.flat[draw(st.integers(0, a.size - 1))] = draw(POISON)
    return a


@st.composite
def problems(draw):
    N, T, F, H = (draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 3)),
                  draw(st.integers(1, 4)))
    small = st.floats(-2, 2)
    args = [draw(poisoned((N, T, F))), draw(poisoned((N, H), small)), draw(poisoned((F, H), small)),
            draw(poisoned((H, H), small)), draw(poisoned((H,), small))]
    if draw(RARELY):                                       # one argument of another shape or type
        i = draw(st.integers(0, 4))
        args[i] = draw(st.one_of(ODD, hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4))))
    return args


@settings(max_examples=60, deadline=None)
@given(problems(), NL, st.one_of(st.sampled_from(["last", "every"]), ODD), st.booleans())
def test_gradient_norms(args, nonlinearity, loss, per_sequence):
    out, error = outcome(lambda: gradient_norms(*args, nonlinearity, loss=loss,
                                                per_sequence=per_sequence), "gradient_norms")
    if error:
        return
    N, T = args[0].shape[:2]
    assert out.shape == ((N, T) if per_sequence else (T,)) and np.isfinite(out).all() and (out >= 0).all()
    if loss == "last":
        np.testing.assert_allclose(out[..., -1], 1.0, rtol=1e-12)    # a unit readout at the end


@settings(max_examples=60, deadline=None)
@given(problems(), NL, st.data())
def test_state_gradients(args, nonlinearity, data):
    try:
        h, cache = rnnlib.rnn_forward(*args, nonlinearity)
    except (ValueError, TypeError):
        return
    N, T, H = h.shape
    dh = data.draw(st.one_of(poisoned((N, T, H)), poisoned((N, T, H)), ODD,
                             hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4))))
    out, error = outcome(lambda: state_gradients(dh, cache), "state_gradients")
    if error:
        return
    assert out.shape == (N, T, H) and np.isfinite(out).all()
    dh0 = rnnlib.rnn_backward(dh, cache)[1]
    np.testing.assert_allclose((out[:, 0] * activation_grad(h[:, 0], nonlinearity)) @ cache[3].T,
                               dh0, rtol=1e-9, atol=1e-9 * (1 + np.abs(dh0).max()))


@st.composite
def states_and_Wh(draw, ndims):
    """(h, Wh): mostly states of a matching H (values in [-1, 1], so states of every
    nonlinearity but relu's negative ones), now and then any array or value at all."""
    H = draw(st.integers(1, 4))
    Wh = draw(st.one_of(poisoned((H, H), st.floats(-2, 2)), poisoned((H, H), st.floats(-2, 2)),
                        hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4)), ODD))
    lead = draw(st.lists(st.integers(1, 4), min_size=ndims[0] - 1, max_size=ndims[1] - 1))
    h = draw(st.one_of(poisoned(tuple(lead) + (H,), st.floats(-1, 1)),
                       poisoned(tuple(lead) + (H,), st.floats(-1, 1)),
                       hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=4, max_side=4)),
                       ODD))
    return h, Wh


@settings(max_examples=80, deadline=None)
@given(states_and_Wh((1, 2)), st.one_of(NL, NL, ODD))
def test_step_jacobian(h_and_Wh, nonlinearity):
    h_t, Wh = h_and_Wh
    J, error = outcome(lambda: step_jacobian(h_t, Wh, nonlinearity), "step_jacobian")
    if error:
        return
    H = Wh.shape[0]
    assert J.shape == h_t.shape + (H,) and np.isfinite(J).all()
    g = activation_grad(h_t, nonlinearity)
    for index in np.ndindex(h_t.shape[:-1]):                  # one Jacobian per state, by hand
        np.testing.assert_array_equal(J[index], np.diag(g[index]) @ Wh.T)


@settings(max_examples=80, deadline=None)
@given(states_and_Wh((2, 3)), NL)
def test_jacobian_products(h_and_Wh, nonlinearity):
    h, Wh = h_and_Wh
    out, error = outcome(lambda: jacobian_products(h, Wh, nonlinearity), "jacobian_products")
    if error:
        return
    P, norms = out
    H = Wh.shape[0]
    assert P.shape == h.shape + (H,) and norms.shape == h.shape[:-1]
    overflowed = ~np.isfinite(h).all(axis=(-2, -1))        # relu states of inf: documented nan
    assert np.isfinite(P).all() and np.isnan(norms[overflowed]).all()
    assert np.isfinite(norms[~overflowed]).all() and (norms[~overflowed] >= 0).all()
    T = h.shape[-2]
    np.testing.assert_array_equal(P[..., T - 1, :, :], np.broadcast_to(np.eye(H), P[..., T - 1, :, :].shape))
    for index in np.ndindex(h.shape[:-2]):                    # the product written out, one sequence
        Q = np.eye(H)
        for t in range(T - 2, -1, -1):
            Q = Q @ step_jacobian(h[index][t + 1], Wh, nonlinearity)
            np.testing.assert_allclose(P[index][t], Q, rtol=1e-9, atol=1e-12 * (1 + np.abs(Q).max()))
        if not overflowed[index]:
            np.testing.assert_allclose(norms[index], np.linalg.norm(P[index], 2, axis=(-2, -1)), rtol=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.integers(1, 4).flatmap(lambda H: hnp.arrays(np.float64, (H, H), elements=st.floats(-1e3, 1e3))),
                 st.integers(1, 4).flatmap(lambda H: hnp.arrays(np.float64, (H, H))),
                 hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4)), ODD),
       st.one_of(st.floats(0, 10), st.floats(0, 10), st.floats(), ODD))
def test_with_spectral_radius(W, radius):
    out, error = outcome(lambda: with_spectral_radius(W, radius), "with_spectral_radius")
    if error:
        return
    assert out.shape == W.shape and np.isfinite(out).all()
    i = np.unravel_index(np.argmax(np.abs(W)), W.shape)
    c = out[i] / W[i]                                         # out = c * W, c >= 0
    assert c >= 0
    np.testing.assert_allclose(out, c * W, rtol=1e-12, atol=0)
    if np.allclose(W, W.T, rtol=0, atol=0) and np.abs(W).max() < 1e100:   # symmetric: eigvalsh is exact
        rho = np.abs(np.linalg.eigvalsh(out)).max()
        np.testing.assert_allclose(rho, radius, rtol=1e-9, atol=1e-300)


@settings(max_examples=60, deadline=None)
@given(problems(), NL, st.one_of(st.integers(1, 8), st.integers(-1, 8), ODD), st.data())
def test_tbptt_gradients(args, nonlinearity, k, data):
    shape = np.shape(args[0])[:2] + np.shape(args[1])[-1:] if np.ndim(args[0]) == 3 and np.ndim(args[1]) == 2 else (1,)
    dh = data.draw(st.one_of(poisoned(shape), poisoned(shape), ODD))
    out, error = outcome(lambda: tbptt_gradients(*args, dh, k, nonlinearity), "tbptt_gradients")
    if error:
        return
    x, h0, Wx, Wh, b = args
    assert [a.shape for a in out] == [x.shape, h0.shape, Wx.shape, Wh.shape, b.shape]
    assert all(np.isfinite(a).all() for a in out)
    if k >= x.shape[1]:                                       # one window: full BPTT
        full = rnnlib.rnn_backward(dh, rnnlib.rnn_forward(*args, nonlinearity)[1])
        for got, want in zip(out, full):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * (1 + np.abs(want).max()))
