"""Optimisers and clipping: two steps by hand, torch.optim's trajectories, and bad input."""
import json
from pathlib import Path

import numpy as np
import pytest

from rnnlib import SGD, Adagrad, Adam, Optimizer, clip_grad_norm_, clip_grad_value_, global_norm

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

# TypeError for a value of the wrong type, ValueError for the right type with a wrong value
@pytest.mark.parametrize("make, error, words", [
    (lambda p: SGD(p, lr=0), ValueError, "lr should be a positive number"),
    (lambda p: SGD(p, lr=-0.1), ValueError, "lr should be a positive number"),
    (lambda p: Adam(p, lr="0.1"), TypeError, "lr should be a positive number"),
    (lambda p: SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum should be a number in \\[0, 1\\)"),
    (lambda p: Adam(p, betas=(0.9,)), ValueError, "betas should be a pair"),
    (lambda p: Adam(p, betas=0.9), TypeError, "betas should be a pair"),
    (lambda p: Adam(p, betas=(0.9, 1.5)), ValueError, "betas\\[1\\]"),
    (lambda p: Adagrad(p, eps=0), ValueError, "eps should be a positive number"),
    (lambda p: Adam([p["w"]]), TypeError, "params should be a dict"),
    (lambda p: Adam({}), ValueError, "params is empty"),
    (lambda p: Adam({"w": [1.0, 2.0]}), TypeError, "should be a float numpy array"),
    (lambda p: Adam({"w": np.arange(3)}), TypeError, "should be a float numpy array"),
])
def test_constructor_errors(make, error, words):
    with pytest.raises(error, match=words):
        make({"w": np.ones(3)})


@pytest.mark.parametrize("grads, error, words", [
    ({"w": np.ones(3)}, ValueError, "missing keys \\['b'\\]"),
    ({"w": np.ones(3), "b": np.ones(2), "c": np.ones(1)}, ValueError, "unexpected keys \\['c'\\]"),
    ({"w": np.ones(3), "b": np.ones(3)}, ValueError, "grads\\['b'\\] should have the shape of its parameter, \\(2,\\)"),
    ({"w": np.ones(3), "b": np.array([1.0, np.nan])}, ValueError, "finite"),
    ({"w": np.ones(3), "b": np.array([1, 2])}, TypeError, "floating-point"),
    ([np.ones(3), np.ones(2)], TypeError, "grads should be a dict"),
])
@pytest.mark.parametrize("opt_class", [SGD, Adam, Adagrad])
def test_bad_step_changes_nothing(opt_class, grads, error, words):
    params = {"w": np.array([1.0, 2.0, 3.0]), "b": np.array([-1.0, 0.5])}
    opt = opt_class(params, lr=0.1)
    opt.step({"w": np.ones(3), "b": np.ones(2)})            # one good step first: state exists
    before = {k: p.copy() for k, p in params.items()}
    state = {k: {n: b.copy() for n, b in s.items()} for k, s in opt.state.items()}
    with pytest.raises(error, match=words):
        opt.step(grads)
    assert opt.steps == 1                                    # the failed step does not count
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


# --- a rule of your own -------------------------------------------------------------------

class SignSGD(Optimizer):
    """p <- p - lr * sign(g), counting its updates in the per-parameter state."""

    def update(self, p, g, state):
        state["updates"] = state.get("updates", 0) + 1
        p -= self.lr * np.sign(g)


def test_a_subclass_needs_only_update():
    p = np.array([1.0, -2.0])
    opt = SignSGD({"p": p}, lr=0.1)
    opt.step({"p": G1.copy()})                               # signs (+, +)
    np.testing.assert_allclose(p, [0.9, -2.1], rtol=1e-15)
    opt.step({"p": G2.copy()})                               # signs (-, +)
    np.testing.assert_allclose(p, [1.0, -2.2], rtol=1e-15)
    assert opt.steps == 2 and opt.state["p"] == {"updates": 2}
    with pytest.raises(ValueError, match="SignSGD.step: grads\\['p'\\] should have the shape"):
        opt.step({"p": np.ones(3)})                          # the checks come with the base class
    with pytest.raises(ValueError, match="SignSGD: lr should be a positive number"):
        SignSGD({"p": p}, lr=0)
    assert opt.steps == 2
    assert repr(opt) == "SignSGD(lr=0.1, 1 arrays)"


def test_the_base_class_has_no_update_rule():
    p = np.array([1.0, -2.0])
    opt = Optimizer({"p": p}, lr=0.1)
    with pytest.raises(NotImplementedError):
        opt.step({"p": G1.copy()})
    assert opt.steps == 0                                    # a step that failed does not count
    np.testing.assert_array_equal(p, [1.0, -2.0])


def test_steps_counts_the_completed_steps():
    p = np.zeros(2)
    opt = Adam({"p": p}, lr=0.1)
    for _ in range(3):
        opt.step({"p": G1.copy()})
    with pytest.raises(ValueError):
        opt.step({"p": np.array([np.inf, 0.0])})
    assert opt.steps == 3


# --- clip_grad_value_ and global_norm ------------------------------------------------------

def test_clip_grad_value_keeps_entries_in_range_bit_for_bit():
    inside = np.array([0.1, -0.3, 1 / 3, np.nextafter(1.0, 0.0), -1.0])
    g = [inside.copy(), np.array([[7.0, -1.5]])]               # a list of arrays works too
    assert clip_grad_value_(g, 1.0) is None
    np.testing.assert_array_equal(g[0], inside)              # nothing inside [-1, 1] moves
    np.testing.assert_array_equal(g[1], [[1.0, -1.0]])


def read_only(values):
    arr = np.array(values)
    arr.flags.writeable = False
    return arr


@pytest.mark.parametrize("grads, clip_value, error, words", [
    ({"a": np.ones(2)}, 0.0, ValueError, "clip_grad_value_: clip_value should be a positive number, got 0.0"),
    ({"a": np.ones(2)}, -1.0, ValueError, "clip_value should be a positive number, got -1.0"),
    ({"a": np.ones(2)}, "1", TypeError, "clip_value should be a positive number, got '1'"),
    ({"a": [3.0, -4.0]}, 1.0, TypeError, "grads\\['a'\\] should be a writeable numpy array.*got list"),
    ({"a": read_only([3.0, -4.0])}, 1.0, ValueError, "grads\\['a'\\] is read-only"),
    ({"a": np.array([3.0, -4.0]), "b": np.array([np.nan])}, 1.0, ValueError, "grads\\['b'\\] contains nan"),
    (np.array([3.0, -4.0]), 1.0, TypeError, "grads should be a dict of name -> array"),
])
def test_clip_grad_value_errors_change_nothing(grads, clip_value, error, words):
    arrays = grads.values() if isinstance(grads, dict) else [grads]
    before = [np.array(g, copy=True) for g in arrays]
    with pytest.raises(error, match=words):
        clip_grad_value_(grads, clip_value)
    for g, b in zip(arrays, before):
        np.testing.assert_array_equal(g, b)


@pytest.mark.parametrize("as_list", [False, True])
def test_global_norm_by_hand(as_list):
    # sqrt(3^2 + 4^2 + 12^2) = sqrt(169) = 13
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([[12.0]])}
    arg = list(grads.values()) if as_list else grads
    assert global_norm(arg) == 13.0
    assert global_norm({"a": [3.0, 4.0], "b": [[12.0]]}) == 13.0        # nested lists are read too
    np.testing.assert_array_equal(grads["a"], [3.0, 4.0])
    np.testing.assert_array_equal(grads["b"], [[12.0]])


def test_repr_is_readable():
    assert repr(Adam({"w": np.ones(2)}, lr=0.01)) == "Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, 1 arrays)"
    assert repr(SGD({"w": np.ones(2)}, lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, 1 arrays)"
