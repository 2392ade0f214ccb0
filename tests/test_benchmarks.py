"""The benchmark scripts run without torch and compare like with like.

No timing is asserted here (timings are for benchmarks/, read side by side); these tests check
that the scripts work on a machine without torch, print their table, and that what they time
computes the same numbers as rnnlib.
"""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

BENCH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:        # the scripts import _timing from their folder, as when run
    sys.path.insert(0, str(BENCH))


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bench_rnn(monkeypatch):
    module = load("bench_rnn")
    monkeypatch.setattr(module, "torch", None)                     # as on a course machine
    monkeypatch.setattr(module, "CONFIGS", [(2, 3, 4, 5)])
    return module


def test_bench_rnn_prints_its_table_without_torch(bench_rnn, capsys):
    bench_rnn.main(["--turns", "1", "--seconds", "0.01"])
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "torch is not installed: the torch columns are left out"
    assert out[2].split() == ["N", "T", "F", "H", "dtype", "rnnlib", "ms", "torch", "ms", "ratio",
                              "loop", "ms"]
    rows = [line.split() for line in out[3:]]
    assert [r[:5] for r in rows] == [["2", "3", "4", "5", "float32"], ["2", "3", "4", "5", "float64"]]
    for r in rows:
        assert r[6:8] == ["-", "-"] and float(r[5]) > 0 and float(r[8]) > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_per_character_loop_computes_what_rnnlib_computes(bench_rnn, dtype):
    layer, x, dout = bench_rnn.problem(3, 4, 5, 6, dtype)
    bench_rnn.same_results([bench_rnn.rnnlib_run(layer, x, dout), bench_rnn.loop_run(layer, x, dout)],
                           dtype)


def test_the_agreement_check_catches_a_different_computation(bench_rnn):
    layer, x, dout = bench_rnn.problem(3, 4, 5, 6, np.float64)
    ours = bench_rnn.rnnlib_run(layer, x, dout)
    wrong = lambda: tuple(1.01 * np.asarray(a) for a in ours())   # noqa: E731  1% off
    with pytest.raises(AssertionError, match="disagree"):
        bench_rnn.same_results([ours, wrong], np.float64)


def test_bench_char_loop_starts_at_the_uniform_loss():
    """Weights of scale 0.01 and zero biases predict about 1/V for every character, so the
    held-out loss of the untrained loop is close to log V nats."""
    bench_char = load("bench_char")
    V = 7
    ids = np.random.default_rng(0).integers(0, V, 200)
    loop = bench_char.PerCharacterLoop(V)
    assert abs(loop.held_out_loss(ids) - np.log(V)) < 0.01


def test_bench_char_trains_both_in_turns_and_rnnlib_learns_from_ids():
    bench_char = load("bench_char")
    V = 7
    ids = np.tile(np.arange(V), 400)                               # 0 1 2 ... 6 0 1 2 ...
    loop, ours = bench_char.LoopTrainer(ids), bench_char.RnnlibTrainer(ids, V, streams=4)
    before = bench_char.rnnlib_held_out_loss(ours.model, ids[:200], V)
    bench_char.train_both(loop, ours, seconds=0.6, slice_seconds=0.2)
    assert loop.seconds >= 0.6 and ours.seconds >= 0.6                   # each had its time
    assert loop.chars > 0 and ours.chars > 0
    assert bench_char.rnnlib_held_out_loss(ours.model, ids[:200], V) < 0.5 * before   # it learns the cycle


@pytest.fixture
def bench_gated(monkeypatch):
    module = load("bench_gated")
    monkeypatch.setattr(module, "torch", None)                     # as on a course machine
    monkeypatch.setattr(module, "CONFIGS", [(2, 3, 4, 5)])
    return module


def test_bench_gated_prints_its_table_without_torch(bench_gated, capsys):
    bench_gated.main(["--turns", "1", "--seconds", "0.01"])
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "torch is not installed: the torch columns are left out"
    assert out[2].split() == ["N", "T", "F", "H", "dtype", "cell", "rnnlib", "ms", "torch", "ms",
                              "ratio"]
    rows = [line.split() for line in out[3:]]
    assert [r[4:6] for r in rows] == [["float32", "lstm"], ["float32", "gru"],
                                      ["float64", "lstm"], ["float64", "gru"]]
    for r in rows:
        assert r[:4] == ["2", "3", "4", "5"] and float(r[6]) > 0 and r[7:9] == ["-", "-"]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bench_gated_times_what_the_functions_compute(bench_gated, cell):
    """What the benchmark times (the layer, forward and backward) gives the gradients of
    rnnlib.gated's sequence functions, so the table is about those functions."""
    import rnnlib
    layer, x, dout = bench_gated.problem(cell, 3, 4, 5, 6, np.float64)
    out, dx, dWih, dWhh, dbih, dbhh = bench_gated.rnnlib_run(layer, x, dout)()
    p = layer.params
    Wx, Wh = p["weight_ih_l0"].T, p["weight_hh_l0"].T
    h0 = np.zeros((3, 6))
    if cell == "lstm":
        h, _, cache = rnnlib.lstm_forward(x, h0, h0, Wx, Wh, p["bias_ih_l0"] + p["bias_hh_l0"])
        fdx, _, _, fdWx, fdWh, fdb = rnnlib.lstm_backward(dout, cache)
        fdbx = fdbh = fdb
    else:
        h, cache = rnnlib.gru_forward(x, h0, Wx, Wh, p["bias_ih_l0"], p["bias_hh_l0"])
        fdx, _, fdWx, fdWh, fdbx, fdbh = rnnlib.gru_backward(dout, cache)
    for a, b in [(out, h), (dx, fdx), (dWih, fdWx.T), (dWhh, fdWh.T), (dbih, fdbx), (dbhh, fdbh)]:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bench_gated_agreement_check_catches_a_wrong_gradient(bench_gated, cell):
    layer, x, dout = bench_gated.problem(cell, 3, 4, 5, 6, np.float64)
    ours = bench_gated.rnnlib_run(layer, x, dout)

    def wrong():                          # the same numbers, but d weight_hh 1% off
        out = [np.array(a) for a in ours()]
        out[3] *= 1.01
        return tuple(out)
    bench_gated.same_results([ours, ours], np.float64)             # itself: agrees
    with pytest.raises(AssertionError, match="disagree on d weight_hh"):
        bench_gated.same_results([ours, wrong], np.float64)


def test_both_rnn_benchmarks_time_in_turns_with_the_same_code(bench_rnn, bench_gated):
    """Each function runs for a whole turn before the next one starts (call by call, one
    library's spinning threads slowed the other), and bench_rnn and bench_gated share the code."""
    import itertools
    timing = load("_timing")
    calls = []
    fns = [lambda: calls.append("rnnlib"), lambda: calls.append("torch")]
    ms = timing.median_ms(fns, turns=2, seconds=0.01, settle=0.01)
    assert [name for name, _ in itertools.groupby(calls)] == ["rnnlib", "torch"] * 2
    assert len(ms) == 2 and calls.count("rnnlib") >= 2 * (3 + 1)   # >= 3 timed, 1 untimed per turn
    assert bench_rnn.median_ms is bench_gated.median_ms
    assert bench_rnn.median_ms.__module__ == "_timing"
    assert bench_rnn.torch_run is bench_gated.torch_run                # and their torch side
    assert bench_rnn.torch_run.__module__ == "_torch_side"


def test_bench_gated_floor_adds_the_products_column(bench_gated, capsys):
    bench_gated.main(["--turns", "1", "--seconds", "0.01", "--floor"])
    out = capsys.readouterr().out.splitlines()
    assert out[2].split()[-4:] == ["products", "ms", "/", "torch"]
    for r in (line.split() for line in out[3:]):
        assert float(r[9]) > 0 and r[10] == "-"


@pytest.mark.parametrize("cell, k", [("lstm", 4), ("gru", 3)])
def test_bench_gated_products_are_the_layers_products(bench_gated, cell, k):
    """The floor times the layer's own products: x Wx with Wx = weight_ih^T, and dx, dWx, dWh
    of the right shapes from the same weights (checked against products written out here)."""
    N, T, F, H = 3, 4, 5, 6
    layer, x, dout = bench_gated.problem(cell, N, T, F, H, np.float64)
    a, dx, dWx, dWh = bench_gated.products_run(layer, x, dout)()
    W_ih = layer.params["weight_ih_l0"]                            # (kH, F)
    xT = x.transpose(1, 0, 2).reshape(T * N, F)
    np.testing.assert_allclose(a, np.einsum("rf,gf->rg", xT, W_ih), rtol=1e-12)
    assert dx.shape == (T * N, F) and dWx.shape == (F, k * H) and dWh.shape == (H, k * H)
