"""The long-gap tasks of tools/experiments_09 (memory, adding, copy), their chance levels, the
models' initialisation and parameter counts, and the structure of assets/long_gaps.json."""
import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import rnnlib

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


tasks = _load("tasks", TOOLS / "experiments_09" / "tasks.py")
long_gaps = _load("long_gaps", TOOLS / "experiments_09" / "long_gaps.py")
memory_06 = _load("memory_task_06", TOOLS / "experiments_06" / "memory_task.py")


# --- the memory task -------------------------------------------------------------------------
def test_memory_batch_is_notebook_06s_same_setting():
    x, y = tasks.memory_batch(np.random.default_rng(3), 50, 7)
    x6, y6 = memory_06.memory_batch(np.random.default_rng(3), 50, 7, same=True)
    np.testing.assert_array_equal(x, x6)
    np.testing.assert_array_equal(y, y6)
    assert x.shape == (50, 8, 8) and y.shape == (50,)
    np.testing.assert_array_equal(x[:, 0].argmax(-1), y)          # the target is the first symbol
    assert x.sum(-1).min() == 1 and x[..., 4:].sum() == 0         # one-hot, only A..D drawn


def test_memory_chance_is_a_quarter():
    _, y = tasks.memory_batch(np.random.default_rng(0), 40_000, 3)
    best_constant = np.bincount(y, minlength=4).max() / y.size     # the best a guess can do
    assert tasks.MEMORY_CHANCE_ACCURACY == 0.25
    assert abs(best_constant - 0.25) < 0.01


# --- the adding problem ----------------------------------------------------------------------
def test_adding_batch_marks_one_value_in_each_half():
    T = 12
    x, y = tasks.adding_batch(np.random.default_rng(1), 200, T)
    assert x.shape == (200, T, 2) and y.shape == (200, 1)
    u, m = x[..., 0], x[..., 1]
    assert u.min() >= 0 and u.max() <= 1
    np.testing.assert_array_equal(m.sum(1), 2)
    np.testing.assert_array_equal(m[:, : T // 2].sum(1), 1)
    np.testing.assert_allclose(y[:, 0], (u * m).sum(1))


def test_adding_chance_mse_by_formula_and_sample():
    # always answering 1: E[(u1 + u2 - 1)^2] = Var(u1) + Var(u2) = 1/12 + 1/12
    assert tasks.ADDING_CHANCE_MSE == pytest.approx(2 / 12)
    _, y = tasks.adding_batch(np.random.default_rng(2), 200_000, 10)
    sq = (y[:, 0] - 1.0) ** 2
    assert abs(sq.mean() - 1 / 6) < 4 * sq.std() / math.sqrt(sq.size)
    assert abs(y.mean() - 1.0) < 0.01                              # 1 is the best constant


# --- the copy task ---------------------------------------------------------------------------
def test_copy_batch_layout():
    T = 5
    x, y = tasks.copy_batch(np.random.default_rng(4), 30, T)
    assert x.shape == (30, T + 20, 10) and y.shape == (30, T + 20)
    ids = x.argmax(-1)
    s = ids[:, :10]
    assert s.max() < 8                                             # symbols 0..7
    np.testing.assert_array_equal(ids[:, 10:10 + T - 1], tasks.BLANK)
    np.testing.assert_array_equal(ids[:, 10 + T - 1], tasks.DELIMITER)
    np.testing.assert_array_equal(ids[:, -10:], tasks.BLANK)
    np.testing.assert_array_equal(y[:, : T + 10], tasks.BLANK)
    np.testing.assert_array_equal(y[:, -10:], s)


def test_copy_baseline_cross_entropy_by_hand():
    # T = 2: 22 steps; blanks certain for 12 steps (cross-entropy 0), then p = 1/8 for 10
    assert tasks.copy_baseline_ce(2) == pytest.approx(10 * math.log(8) / 22)
    x, y = tasks.copy_batch(np.random.default_rng(5), 3, 2)
    logits = np.full((3, 22, 9), -1e9)
    logits[:, :12, tasks.BLANK] = 0.0                              # "blank" with certainty
    logits[:, 12:, :8] = 0.0                                       # uniform over the 8 symbols
    loss, _ = rnnlib.softmax_cross_entropy(logits, y)
    assert loss == pytest.approx(tasks.copy_baseline_ce(2), rel=1e-12)


# --- the models ------------------------------------------------------------------------------
@pytest.mark.parametrize("task", ["memory", "adding", "copy"])
def test_parameter_counts_are_matched_and_counted_right(task):
    c = long_gaps.CONFIG[task]
    Hs = long_gaps.hidden_sizes(c["F"], c["O"], c["lstm_hidden"])
    counts = {}
    for m in long_gaps.MODELS:
        layer, head = long_gaps.build(m, c["F"], Hs[m], c["O"], 0)
        n = sum(p.size for p in layer.params.values()) + sum(p.size for p in head.params.values())
        assert n == long_gaps.n_params(long_gaps.CELL[m], c["F"], Hs[m], c["O"])
        counts[m] = n
    assert max(counts.values()) / min(counts.values()) < 1.05


def test_initialisations():
    H = 6
    irnn, _ = long_gaps.build("irnn", 3, H, 2, 0)
    assert irnn.nonlinearity == "relu"
    np.testing.assert_array_equal(irnn.params["weight_hh_l0"], np.eye(H))
    assert np.abs(irnn.params["weight_ih_l0"]).max() < 0.01
    assert not irnn.params["bias_ih_l0"].any() and not irnn.params["bias_hh_l0"].any()
    for m, fb in [("lstm_fb0", 0.0), ("lstm_fb1", 1.0)]:
        lstm, _ = long_gaps.build(m, 3, H, 2, 0)
        np.testing.assert_array_equal(lstm.params["bias_ih_l0"][H:2 * H], fb)
        np.testing.assert_array_equal(lstm.params["bias_hh_l0"][H:2 * H], 0.0)
        assert lstm.params["bias_ih_l0"][:H].any()                 # the other gates: torch's init


# --- the stored results ----------------------------------------------------------------------
JSON = ROOT / "assets" / "long_gaps.json"


@pytest.mark.skipif(not JSON.exists(), reason="assets/long_gaps.json not generated yet")
def test_long_gaps_json_structure():
    d = json.loads(JSON.read_text())
    cfg = d["config"]
    every = cfg["curve_every"]
    assert set(d["runs"]) == set(cfg["tasks"]) == {"memory", "adding", "copy"}
    for task, tc in cfg["tasks"].items():
        assert set(tc["hidden"]) == set(cfg["models"]) == set(long_gaps.MODELS)
        for g in tc["gaps"]:
            want = tasks.copy_baseline_ce(g) if task == "copy" else long_gaps.CONFIG[task]["chance"]
            assert tc["chance"][str(g)] == pytest.approx(want)
        assert set(d["runs"][task]) == set(cfg["models"])
        for m in cfg["models"]:
            assert set(d["runs"][task][m]) == {str(g) for g in tc["gaps"]}
            for g in tc["gaps"]:
                seeds = d["runs"][task][m][str(g)]
                assert set(seeds) == {str(s) for s in cfg["seeds"]}
                for r in seeds.values():
                    assert r["updates_run"] <= tc["updates"]
                    assert len(r["curve"]) == r["updates_run"] // every
                    if r["learned_at"] is not None:
                        assert r["learned_at"] == r["updates_run"]     # stopped once learned
                    else:
                        assert r["updates_run"] == tc["updates"] or r["diverged"]
                    assert r["diverged"] or r["metric"] is not None
