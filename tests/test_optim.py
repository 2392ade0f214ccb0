"""Optimisers and clipping: two steps by hand, torch.optim's trajectories, and bad input."""
import json
from pathlib import Path

import numpy as np
import pytest

from rnnlib import SGD, Adagrad, Adam, clip_grad_norm_, global_norm

REF = np.load(Path(__file__).parent.parent / "assets" / "reference" / "optim_torch.npz")
G1, G2 = np.array([0.5, 1.0]), np.array([-1.0, 2.0])


def two_steps(opt_class, **kwargs):
    p = np.array([1.0, -2.0])
    opt = opt_class({"p": p}, **kwargs)
    opt.step({"p": G1.copy()})
    p1 = p.copy()
    opt.step({"p": G2.copy()})
    return p1, p


# --- each rule by hand, two steps --------------------------------------------------------

def test_sgd_by_hand():
    p1, p2 = two_steps(SGD, lr=0.1)
    np.testing.assert_allclose(p1, [1.0 - 0.05, -2.0 - 0.1], rtol=1e-15)
    np.testing.assert_allclose(p2, [0.95 + 0.1, -2.1 - 0.2], rtol=1e-15)


def test_sgd_momentum_by_hand():
    p1, p2 = two_steps(SGD, lr=0.1, momentum=0.9)
    # b1 = g1; b2 = 0.9 g1 + g2 = (-0.55, 2.9)
    np.testing.assert_allclose(p1, [0.95, -2.1], rtol=1e-15)
    np.testing.assert_allclose(p2, [0.95 + 0.055, -2.1 - 0.29], rtol=1e-14)


def test_adagrad_by_hand():
    p1, p2 = two_steps(Adagrad, lr=0.1)
    # s1 = (0.25, 1): each entry moves by lr * g / (|g| + eps), about lr * sign(g); s2 = (1.25, 5)
    eps = 1e-10
    np.testing.assert_allclose(p1, [1 - 0.05 / (0.5 + eps), -2 - 0.1 / (1 + eps)], rtol=1e-15)
    np.testing.assert_allclose(p2, p1 - 0.1 * G2 / (np.sqrt([1.25, 5.0]) + eps), rtol=1e-15)


def test_adam_by_hand():
    p1, p2 = two_steps(Adam, lr=0.1)
    # step 1: m_hat = g1, s_hat = g1^2, so each entry moves by lr * g / (|g| + eps)
    np.testing.assert_allclose(p1, [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 - 0.1 * 1 / (1 + 1e-8)], rtol=1e-15)
    # step 2: m = 0.09 g1 + 0.1 g2, s = 0.000999 g1^2 + 0.001 g2^2, corrected by 1 - beta^2
    m = (0.09 * G1 + 0.1 * G2) / (1 - 0.9 ** 2)
    s = (0.000999 * G1 ** 2 + 0.001 * G2 ** 2) / (1 - 0.999 ** 2)
    np.testing.assert_allclose(p2, p1 - 0.1 * m / (np.sqrt(s) + 1e-8), rtol=1e-13)


def test_adam_bias_correction_makes_the_first_step_lr_sized():
    # gradients from 1e-3 to 1e3: the first step is lr * sign(g) for all of them. Without the
    # correction it would be lr * (1 - 0.9) / sqrt(1 - 0.999) = 3.16 lr.
    p = np.zeros(4)
    Adam({"p": p}, lr=0.01).step({"p": np.array([1e-3, -1.0, 10.0, -1e3])})
    np.testing.assert_allclose(p, [-0.01, 0.01, -0.01, 0.01], rtol=1e-5)


# --- against torch.optim ------------------------------------------------------------------

CONFIG = json.loads(str(REF["config"]))
CLASSES = {"SGD": SGD, "Adagrad": Adagrad, "Adam": Adam}


@pytest.mark.parametrize("name", list(CONFIG["optimisers"]))
def test_matches_torch_trajectory(name):
    spec = CONFIG["optimisers"][name]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["kwargs"].items()}
    params = {k: REF[f"p0.{k}"].copy() for k in ("w", "b")}
    opt = CLASSES[spec["class"]](params, **kwargs)
    for s in range(CONFIG["steps"]):
        opt.step({k: REF[f"grad.{k}"][s] for k in params})
        for k, p in params.items():
            np.testing.assert_allclose(p, REF[f"traj.{name}.{k}"][s], rtol=1e-12, atol=1e-14,
                                       err_msg=f"{name} step {s + 1} {k}")


def test_clip_grad_norm_matches_torch():
    grads = {k: REF[f"grad.{k}"][0].copy() for k in ("w", "b")}
    norm = clip_grad_norm_(grads, CONFIG["clip_max_norm"])
    assert norm == pytest.approx(float(REF["clip.norm"]), rel=1e-14)
    for k, g in grads.items():
        np.testing.assert_allclose(g, REF[f"clip.{k}"], rtol=1e-14)


# --- clipping ----------------------------------------------------------------------------

def test_clip_grad_norm_returns_pre_clip_norm_and_scales_uniformly():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}      # global norm 5
    before = {k: g.copy() for k, g in grads.items()}
    norm = clip_grad_norm_(grads, max_norm=1.0)
    assert norm == 5.0
    factors = np.concatenate([(grads[k] / np.where(before[k] == 0, 1, before[k])).ravel()[before[k].ravel() != 0]
                              for k in grads])
    np.testing.assert_allclose(factors, 1.0 / (5.0 + 1e-6), rtol=1e-15)   # one factor for all
    assert global_norm(grads) == pytest.approx(1.0, abs=1e-6)
    assert grads["a"][1] == 0.0


def test_clip_grad_norm_leaves_small_gradients_alone():
    grads = [np.array([0.3, 0.4])]
    assert clip_grad_norm_(grads, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(grads[0], [0.3, 0.4])


# --- bad input leaves everything unchanged -------------------------------------------------

@pytest.mark.parametrize("make, words", [
    (lambda p: SGD(p, lr=0), "lr should be a positive number"),
    (lambda p: SGD(p, lr=-0.1), "lr should be a positive number"),
    (lambda p: Adam(p, lr="0.1"), "lr should be a positive number"),
    (lambda p: SGD(p, lr=0.1, momentum=1.0), "momentum should be a number in \\[0, 1\\)"),
    (lambda p: Adam(p, betas=(0.9,)), "betas should be a pair"),
    (lambda p: Adam(p, betas=(0.9, 1.5)), "betas\\[1\\]"),
    (lambda p: Adagrad(p, eps=0), "eps should be a positive number"),
    (lambda p: Adam([p["w"]]), "params should be a dict"),
    (lambda p: Adam({}), "params is empty"),
    (lambda p: Adam({"w": [1.0, 2.0]}), "should be a float numpy array"),
    (lambda p: Adam({"w": np.arange(3)}), "should be a float numpy array"),
])
def test_constructor_errors(make, words):
    with pytest.raises((ValueError, TypeError), match=words):
        make({"w": np.ones(3)})


@pytest.mark.parametrize("grads, words", [
    ({"w": np.ones(3)}, "missing keys \\['b'\\]"),
    ({"w": np.ones(3), "b": np.ones(2), "c": np.ones(1)}, "unexpected keys \\['c'\\]"),
    ({"w": np.ones(3), "b": np.ones(3)}, "grads\\['b'\\] should have the shape of its parameter, \\(2,\\)"),
    ({"w": np.ones(3), "b": np.array([1.0, np.nan])}, "finite"),
    ({"w": np.ones(3), "b": np.array([1, 2])}, "floating-point"),
    ([np.ones(3), np.ones(2)], "grads should be a dict"),
])
@pytest.mark.parametrize("opt_class", [SGD, Adam, Adagrad])
def test_bad_step_changes_nothing(opt_class, grads, words):
    params = {"w": np.array([1.0, 2.0, 3.0]), "b": np.array([-1.0, 0.5])}
    opt = opt_class(params, lr=0.1)
    opt.step({"w": np.ones(3), "b": np.ones(2)})            # one good step first: state exists
    before = {k: p.copy() for k, p in params.items()}
    state = {k: {n: b.copy() for n, b in s.items()} for k, s in opt.state.items()}
    with pytest.raises((ValueError, TypeError), match=words):
        opt.step(grads)
    assert opt.steps == 1
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        for n, b in state[k].items():
            np.testing.assert_array_equal(opt.state[k][n], b)


def test_setting_a_bad_lr_keeps_the_old_one():
    opt = Adam({"w": np.ones(2)}, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = 0.0
    assert opt.lr == 0.1
    opt.lr = 0.05                                            # a schedule may lower it
    assert opt.lr == 0.05


def test_clip_errors_change_nothing():
    g = {"a": np.array([3.0, 4.0])}
    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="max_norm"):
            clip_grad_norm_(g, bad)
    with pytest.raises(TypeError, match="writeable numpy array"):
        clip_grad_norm_({"a": [3.0, 4.0]}, 1.0)
    with pytest.raises(ValueError, match="finite"):
        clip_grad_norm_({"a": np.array([3.0, 4.0]), "b": np.array([np.inf])}, 1.0)
    np.testing.assert_array_equal(g["a"], [3.0, 4.0])


def test_repr_is_readable():
    assert repr(Adam({"w": np.ones(2)}, lr=0.01)) == "Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, 1 arrays)"
    assert repr(SGD({"w": np.ones(2)}, lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, 1 arrays)"
