"""rnnlib.checks for the gated cells: a correct LSTM or GRU step passes, forward and backward;
every diagnosis is triggered by a broken step written the way a learner would get it wrong.

The correct steps here are written from the equations, independently of rnnlib; the broken ones
are the same code with one mistake switched on (`bug=...`).
"""
import numpy as np
import pytest

import rnnlib
from rnnlib import checks


def sig(a):
    return 1 / (1 + np.exp(-a))


def cols(a, k):
    H = a.shape[1] // k
    return [a[:, j * H:(j + 1) * H] for j in range(k)]


# --- LSTM forward ---------------------------------------------------------------------------

def lstm_forward_with(bug=None):
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        if bug == "swap weights":
            a = x @ Wh + h_prev @ Wx + b
        else:
            a = x @ Wx + h_prev @ Wh + {"no bias": 0, "bias twice": 2}.get(bug, 1) * b
        if bug == "ifog":                               # the CS231n habit
            ai, af, ao, ag = cols(a, 4)
        elif bug == "figo":
            af, ai, ag, ao = cols(a, 4)
        elif bug == "gfio":
            ag, af, ai, ao = cols(a, 4)
        else:
            ai, af, ag, ao = cols(a, 4)
        i, f, o = (np.tanh if bug == "swapped" else sig)(np.stack([ai, af, ao]))
        g = sig(ag) if bug in ("g sigmoid", "swapped", "i tanh g sigmoid") else np.tanh(ag)
        if bug == "o tanh":
            o = np.tanh(ao)
        if bug == "i tanh g sigmoid":
            i = np.tanh(ai)
        c = {"no forget": c_prev + i * g, "no c_prev": i * g, "no input gate": f * c_prev + g
             }.get(bug, f * c_prev + i * g)
        h = {"o*c": o * c, "h from c_prev": o * np.tanh(c_prev), "no output gate": np.tanh(c)
             }.get(bug, o * np.tanh(c))
        if bug == "two values":
            return h, c
        if bug == "returns c, h":
            return c, h, None
        if bug == "4H wide":
            return np.tile(h, 4), c, None
        if bug == "no batch":
            return h[0], c, None
        if bug == "nan":
            return h * np.nan, c, None
        return h, c, (x, h_prev, c_prev, Wx, Wh, (i, f, g, o), c)
    return lstm_step_forward


# --- LSTM backward: rnnlib's cache (x, h_prev, c_prev, Wx, Wh, gates [i f g o], c_next) -------

def lstm_backward_with(bug=None):
    kept = {}

    def lstm_step_backward(dh_next, dc_next, cache):
        x, h_prev, c_prev, Wx, Wh, gates, c_next = cache
        if bug == "read ifog":
            i, f, o, g = cols(gates, 4)
        else:
            i, f, g, o = cols(gates, 4)
        t = np.tanh(c_next)
        dtc = 1 - c_next ** 2 if bug == "1 - c**2" else 1 - t ** 2
        dc = {"no dc_next": dh_next * o * dtc, "no tanh path": dc_next}.get(bug, dc_next + dh_next * o * dtc)
        ds = {"s": lambda s: s, "tanh' for gates": lambda s: 1 - s ** 2}.get(bug, lambda s: s * (1 - s))
        dg = g * (1 - g) if bug == "sigmoid' for g" else 1 - g ** 2
        if bug == "pre-activation":
            ai, af, ag, ao = cols(x @ Wx + h_prev @ Wh, 4)
            di, df, dgg, do = ai * (1 - ai), af * (1 - af), 1 - ag ** 2, ao * (1 - ao)
        else:
            di, df, dgg, do = ds(i), ds(f), dg, ds(o)
        da_i, da_f, da_g = dc * g * di, dc * c_prev * df, dc * i * dgg
        da_o = dh_next * (c_next if bug == "o with c" else t) * do
        if bug in ("put ifog", "read ifog"):
            da = np.concatenate([da_i, da_f, da_o, da_g], axis=1)
        else:
            da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
        dc_prev = {"dc_prev = dc": dc, "dc_prev from dc_next": dc_next * f}.get(bug, dc * f)
        dx, dh_prev = da @ Wx.T, da @ Wh.T + (dh_next if bug == "direct path" else 0)
        dWx, dWh, db = x.T @ da, h_prev.T @ da, da.sum(axis=0)
        if bug == "mean":
            dWx, dWh, db = dWx / len(x), dWh / len(x), db / len(x)
        if bug == "db not summed":
            db = da
        if bug == "dWh transposed":
            dWh = da.T @ h_prev
        if bug == "dWx transposed":
            dWx = da.T @ x
        if bug == "dh_prev @ Wh":
            dh_prev = da @ Wh
        if bug == "kept":
            kept["db"] = kept.get("db", 0) + db
            db = kept["db"]
        if bug == "five values":
            return dx, dh_prev, dWx, dWh, db
        return dx, dh_prev, dc_prev, dWx, dWh, db
    return lstm_step_backward


# --- GRU forward ----------------------------------------------------------------------------

def gru_forward_with(bug=None):
    def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
        if bug == "swap weights":
            Wx, Wh = Wh, Wx
        ax = x @ Wx + (0 if bug == "no bx" else bx)
        ah = h_prev @ Wh + (0 if bug == "no bh" else bh)
        if bug == "zrn":                                # Keras' order
            (xz, xr, xn), (hz, hr, hn) = cols(ax, 3), cols(ah, 3)
        else:
            (xr, xz, xn), (hr, hz, hn) = cols(ax, 3), cols(ah, 3)
        gate = np.tanh if bug == "swapped" else sig
        r, z = gate(xr + hr), gate(xz + hz)
        if bug == "no reset":
            r = 1.0
        H = h_prev.shape[1]
        Wh_n, bh_n = Wh[:, 2 * H:], bh[2 * H:]
        if bug == "reset before":
            state = (r * h_prev) @ Wh_n + bh_n
        elif bug == "bh outside":
            state = r * (h_prev @ Wh_n) + bh_n
        else:
            state = r * hn
        n = (sig if bug == "swapped" else np.tanh)(xn + state)
        h = z * n + (1 - z) * h_prev if bug == "paper z" else (1 - z) * n + z * h_prev
        if bug == "h = n":
            h = n
        if bug == "h only":
            return h
        if bug == "3H wide":
            return np.concatenate([r, z, n], axis=1), None
        return h, (x, h_prev, Wx, Wh, r, z, n, hn)
    return gru_step_forward


# --- GRU backward: rnnlib's cache (x, h_prev, Wx, Wh, gates [r z n], ah_n) --------------------

def gru_backward_with(bug=None):
    def gru_step_backward(dh_next, cache):
        x, h_prev, Wx, Wh, gates, ah_n = cache
        if bug == "read zrn":
            z, r, n = cols(gates, 3)
        else:
            r, z, n = cols(gates, 3)
        if bug == "paper z":
            dn, dz, direct = dh_next * z, dh_next * (n - h_prev), dh_next * (1 - z)
        else:
            dn, dz, direct = dh_next * (1 - z), dh_next * (h_prev - n), dh_next * z
        if bug == "direct 1 - z":
            direct = dh_next * (1 - z)
        if bug == "dn without 1 - z":
            dn = dh_next
        if bug == "dz sign":
            dz = -dz
        ds = (lambda s: s) if bug == "s" else (lambda s: s * (1 - s))
        da_n = dn * (1 - n ** 2)
        da_z = dz * ds(z)
        if bug == "no r'":
            da_r = da_n * ah_n
        elif bug == "r no gradient":
            da_r = np.zeros_like(da_n)
        else:
            da_r = da_n * ah_n * ds(r)
        blocks = (da_r, da_z, da_n) if bug != "put zrn" else (da_z, da_r, da_n)
        dax = np.concatenate(blocks, axis=1)
        dah = dax.copy()
        H = h_prev.shape[1]
        if bug != "r not applied":
            dah[:, 2 * H:] *= r                         # n is the last block in either order
        dh_prev = dah @ Wh.T + (0 if bug == "no direct path" else direct)
        dbx, dbh = dax.sum(axis=0), dah.sum(axis=0)
        if bug == "dbh = dbx":
            dbh = dbx
        if bug == "dbh wide":
            dbh = dah
        return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dbx, dbh
    return gru_step_backward


FACTORIES = {
    checks.check_lstm_step_forward: lstm_forward_with,
    checks.check_lstm_step_backward: lstm_backward_with,
    checks.check_gru_step_forward: gru_forward_with,
    checks.check_gru_step_backward: gru_backward_with,
}
RNNLIB = {
    checks.check_lstm_step_forward: rnnlib.lstm_step_forward,
    checks.check_lstm_step_backward: rnnlib.lstm_step_backward,
    checks.check_gru_step_forward: rnnlib.gru_step_forward,
    checks.check_gru_step_backward: rnnlib.gru_step_backward,
}
NAMES = lambda c: c.__name__  # noqa: E731


def run(check, fn, capsys, **kwargs):
    ok = check(fn, raise_error=False, **kwargs)
    return ok, capsys.readouterr().out


# --- a correct solution: True and one line that is the same on every run ----------------------

@pytest.mark.parametrize("check", list(FACTORIES), ids=NAMES)
def test_a_correct_step_passes_with_one_stable_line(check, capsys):
    first = run(check, FACTORIES[check](), capsys)
    reference = "rnnlib." + check.__name__[len("check_"):]
    assert first == (True, f"{check.__name__}: all 4 cases agree with {reference} "
                           f"(largest relative error < 1e-12)\n")
    assert run(check, FACTORIES[check](), capsys) == first


@pytest.mark.parametrize("check", list(RNNLIB), ids=NAMES)
def test_rnnlibs_own_step_is_refused_as_an_answer(check, capsys):
    # the check compares with rnnlib: handing it rnnlib's own function proves nothing
    ok, out = run(check, RNNLIB[check], capsys)
    assert not ok and f"{RNNLIB[check].__module__.split('.')[0]}.{check.__name__[6:]} itself" in out


def test_the_backward_checks_accept_the_learners_own_forward_and_its_cache(capsys):
    def my_lstm_backward(dh_next, dc_next, cache):        # reads the cache lstm_forward_with makes
        x, h_prev, c_prev, Wx, Wh, (i, f, g, o), c = cache
        gates = np.concatenate([i, f, g, o], axis=1)
        return lstm_backward_with()(dh_next, dc_next, (x, h_prev, c_prev, Wx, Wh, gates, c))

    def my_gru_backward(dh_next, cache):
        x, h_prev, Wx, Wh, r, z, n, ah_n = cache
        gates = np.concatenate([r, z, n], axis=1)
        return gru_backward_with()(dh_next, (x, h_prev, Wx, Wh, gates, ah_n))
    assert run(checks.check_lstm_step_backward, my_lstm_backward, capsys, forward=lstm_forward_with())[0]
    assert run(checks.check_gru_step_backward, my_gru_backward, capsys, forward=gru_forward_with())[0]
    ok, out = run(checks.check_gru_step_backward, my_gru_backward, capsys,
                  forward=gru_forward_with("h only"))
    assert not ok and "your forward: the function returned one array of shape (2, 3); it should " \
                      "return 2 values, (h_next, cache)." in out


# --- every mistake, one test each -----------------------------------------------------------

LAYOUT = "this course, like torch and Keras, lays the columns of Wx, Wh and b out as i, f, g, o"
DIAGNOSES = [
    ("check_lstm_step_forward", "ifog", "the blocks are read in the order i, f, o, g (the order "
     f"of CS231n's assignment); {LAYOUT}"),
    ("check_lstm_step_forward", "figo", f"the blocks are read in the order f, i, g, o; {LAYOUT}"),
    ("check_lstm_step_forward", "gfio", "uses tanh for i and sigmoid for g, or (the same numbers) "
     "reads the blocks in the order g, f, i, o"),
    ("check_lstm_step_forward", "i tanh g sigmoid", "uses tanh for i and sigmoid for g, or (the same "
     "numbers) reads the blocks in the order g, f, i, o"),
    ("check_lstm_step_forward", "g sigmoid", "uses sigmoid for g: the gates i, f and o go through "
     "sigmoid (between 0 and 1: how much passes), the candidate g through tanh"),
    ("check_lstm_step_forward", "o tanh", "uses tanh for o: the gates i, f and o go through sigmoid"),
    ("check_lstm_step_forward", "swapped", "uses tanh where sigmoid belongs and sigmoid where tanh belongs"),
    ("check_lstm_step_forward", "no forget", "the forget gate is missing: c_next = f * c_prev + i * g"),
    ("check_lstm_step_forward", "no c_prev", "c_next = i * g: the cell state is not carried from the "
     "step before"),
    ("check_lstm_step_forward", "no input gate", "the input gate is missing"),
    ("check_lstm_step_forward", "o*c", "h_next = o * c_next misses the tanh: h_next = o * tanh(c_next)."),
    ("check_lstm_step_forward", "no output gate", "the output gate is missing"),
    ("check_lstm_step_forward", "h from c_prev", "h_next is computed from c_prev; it shows the new "
     "cell state"),
    ("check_lstm_step_forward", "no bias", "the bias b is missing: a = x @ Wx + h_prev @ Wh + b."),
    ("check_lstm_step_forward", "bias twice", "the bias b is added twice"),
    ("check_lstm_step_forward", "swap weights", "Wx and Wh are swapped: the input is multiplied by "
     "Wx (F, 4H)"),
    ("check_lstm_step_forward", "returns c, h", "h_next and c_next are in each other's place"),
    ("check_lstm_step_forward", "two values", "the function returned a tuple of 2 values; it should "
     "return 3 values, (h_next, c_next, cache)."),
    ("check_lstm_step_forward", "4H wide", "h_next has shape (2, 12) but should be (2, 3) (batch, "
     "hidden): 12 columns are all 4 blocks side by side; a state has one block's H = 3 columns."),
    ("check_lstm_step_forward", "no batch", "h_next has shape (3,) but should be (2, 3) (batch, "
     "hidden): the batch axis is missing"),
    ("check_lstm_step_forward", "nan", "h_next is nan in every entry"),

    ("check_lstm_step_backward", "no dc_next", "dc_next is ignored: the cell state has its own path "
     "to the next step"),
    ("check_lstm_step_backward", "no tanh path", "the path through h_next is missing: h_next = o * "
     "tanh(c_next) depends on c_next too"),
    ("check_lstm_step_backward", "dc_prev = dc", "dc_prev misses the forget gate: c_next = f * c_prev "
     "+ i * g, so dc_prev = dc * f."),
    ("check_lstm_step_backward", "dc_prev from dc_next", "dc_prev uses only dc_next"),
    ("check_lstm_step_backward", "s", "the sigmoid's derivative is written as s; it is s * (1 - s)"),
    ("check_lstm_step_backward", "tanh' for gates", "the gates i, f and o use tanh's derivative 1 - s**2"),
    ("check_lstm_step_backward", "sigmoid' for g", "g uses the sigmoid's derivative g * (1 - g)"),
    ("check_lstm_step_backward", "1 - c**2", "tanh's derivative at c_next is computed from c_next "
     "itself: tanh'(c_next) = 1 - tanh(c_next)**2, not 1 - c_next**2."),
    ("check_lstm_step_backward", "o with c", "the output gate's gradient uses c_next"),
    ("check_lstm_step_backward", "pre-activation", "the gates' derivatives are computed from the "
     "pre-activations"),
    ("check_lstm_step_backward", "put ifog", "the blocks of da are put together in the order i, f, o, g"),
    ("check_lstm_step_backward", "read ifog", "the cache's gates are read in the order i, f, o, g "
     "(the order of CS231n's assignment); rnnlib's cache holds them as i, f, g, o along axis 1."),
    ("check_lstm_step_backward", "direct path", "dh_prev has dh_next added to it"),
    ("check_lstm_step_backward", "mean", "dWx, dWh and db are divided by the batch size N = 2"),
    ("check_lstm_step_backward", "db not summed", "db has shape (2, 12) but should be (12,) "
     "(4*hidden): db keeps the batch axis"),
    ("check_lstm_step_backward", "dWh transposed", "dWh has shape (12, 3) but should be (3, 12) "
     "(hidden, 4*hidden): dWh is transposed: dWh = h_prev.T @ da, (3, 12)."),
    ("check_lstm_step_backward", "dWx transposed", "dWx is transposed: dWx = x.T @ da"),
    ("check_lstm_step_backward", "dh_prev @ Wh", "da is (N, 4H), the four blocks' gradients side by "
     "side: dx = da @ Wx.T, dh_prev = da @ Wh.T"),
    ("check_lstm_step_backward", "kept", "a second call with the same inputs returned a different db"),
    ("check_lstm_step_backward", "five values", "it should return 6 values, (dx, dh_prev, dc_prev, "
     "dWx, dWh, db)."),

    ("check_gru_step_forward", "paper z", "z is used the other way round"),
    ("check_gru_step_forward", "reset before", "the reset gate multiplies h_prev before the product "
     "with Wh_n: (r * h_prev) Wh_n + bh_n is the original paper's form (Keras' reset_after=False)"),
    ("check_gru_step_forward", "bh outside", "bh_n is added outside the reset gate"),
    ("check_gru_step_forward", "zrn", "the blocks are read in the order z, r, n (Keras' and ONNX's "
     "order); this course, like torch, lays the columns of Wx, Wh, bx and bh out as r, z, n"),
    ("check_gru_step_forward", "swapped", "uses tanh where sigmoid belongs and sigmoid where tanh belongs"),
    ("check_gru_step_forward", "no reset", "the reset gate is missing (r = 1)"),
    ("check_gru_step_forward", "h = n", "h_next = n: the update gate is missing"),
    ("check_gru_step_forward", "no bx", "the bias bx is missing"),
    ("check_gru_step_forward", "no bh", "the bias bh is missing"),
    ("check_gru_step_forward", "swap weights", "Wx and Wh are swapped"),
    ("check_gru_step_forward", "h only", "the function returned one array of shape (2, 3); it should "
     "return 2 values, (h_next, cache)."),
    ("check_gru_step_forward", "3H wide", "h_next has shape (2, 9) but should be (2, 3)"),

    ("check_gru_step_backward", "no direct path", "dh_prev misses the direct path: h_next = (1 - z) "
     "* n + z * h_prev uses h_prev itself"),
    ("check_gru_step_backward", "r not applied", "dh_prev, dWh and dbh use da_n where the state's part "
     "of the n block gets da_n * r"),
    ("check_gru_step_backward", "dbh = dbx", "dbh uses da_n where the state's part of the n block "
     "gets da_n * r"),
    ("check_gru_step_backward", "dz sign", "dz has the wrong sign"),
    ("check_gru_step_backward", "direct 1 - z", "the direct path into dh_prev is dh_next * z"),
    ("check_gru_step_backward", "dn without 1 - z", "the gradient at n misses (1 - z)"),
    ("check_gru_step_backward", "paper z", "the gradient is that of h_next = z * n + (1 - z) * h_prev "
     "(Cho et al.'s convention)"),
    ("check_gru_step_backward", "no r'", "the reset gate's sigmoid derivative is missing"),
    ("check_gru_step_backward", "r no gradient", "the reset gate gets no gradient"),
    ("check_gru_step_backward", "s", "the sigmoid's derivative is written as s"),
    ("check_gru_step_backward", "put zrn", "the blocks of the gradient are put together in the order "
     "z, r, n"),
    ("check_gru_step_backward", "read zrn", "the cache's gates are read in the order z, r, n"),
    ("check_gru_step_backward", "dbh wide", "dbh keeps the batch axis"),
]


@pytest.mark.parametrize("name, bug, text", DIAGNOSES, ids=[f"{n[6:]}-{b}" for n, b, _ in DIAGNOSES])
def test_each_mistake_gets_its_diagnosis(name, bug, text, capsys):
    check = getattr(checks, name)
    ok, out = run(check, FACTORIES[check](bug), capsys)
    assert ok is False
    assert text in out, out
    assert out.startswith(f"{name}: case ") and "Traceback" not in out


def test_a_report_names_the_case_the_outputs_and_one_cause(capsys):
    ok, out = run(checks.check_lstm_step_backward, lstm_backward_with("dc_prev = dc"), capsys)
    assert not ok
    lines = out.splitlines()
    assert lines[0] == ("check_lstm_step_backward: case 1 of 4 (N=2, F=3, H=3) disagrees with "
                        "rnnlib.lstm_step_backward:")
    assert lines[1].startswith("  dc_prev is wrong (largest relative error ")
    assert lines[2:] == ["  dc_prev misses the forget gate: c_next = f * c_prev + i * g, so "
                         "dc_prev = dc * f.", "  (4 of 4 cases disagree; case 1 is shown.)"]


def test_a_mistake_is_named_once_though_a_smaller_one_explains_some_of_its_outputs(capsys):
    """tanh for i and f (g sigmoid) gives the c_next of tanh for i, f and o: one cause is named."""
    ok, out = run(checks.check_lstm_step_forward, lstm_forward_with("swapped"), capsys)
    assert not ok
    assert out.splitlines()[3:] == [
        "  uses tanh where sigmoid belongs and sigmoid where tanh belongs: the gates i, f and o go "
        "through sigmoid (between 0 and 1: how much passes), the candidate g through tanh (between "
        "-1 and 1: what is written).", "  (4 of 4 cases disagree; case 1 is shown.)"]


def test_a_missing_tanh_path_is_one_cause_and_a_wrong_dc_prev_alone_another(capsys):
    ok, out = run(checks.check_lstm_step_backward, lstm_backward_with("no tanh path"), capsys)
    assert not ok and "dc_prev uses only dc_next" not in out
    ok, out = run(checks.check_lstm_step_backward, lstm_backward_with("dc_prev from dc_next"), capsys)
    assert not ok and "the path through h_next is missing" not in out


def test_two_mistakes_that_give_the_same_numbers_at_h_1_are_told_apart_at_h_3(capsys):
    """With H = 1, (r * h_prev) @ Wh_n = r * (h_prev @ Wh_n): 'reset before' and 'bh_n outside'
    give the same numbers, so the report shows a case where they differ."""
    for bug in ("reset before", "bh outside"):
        ok, out = run(checks.check_gru_step_forward, gru_forward_with(bug), capsys)
        assert "(N=3, F=2, H=1)" not in out.splitlines()[0]
        assert ("reset gate multiplies h_prev before" in out) == (bug == "reset before")


# --- stubs, errors in the learner's code, what is not a function ----------------------------

def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


@pytest.mark.parametrize("check", list(FACTORIES), ids=NAMES)
def test_a_stub_is_not_implemented_yet_in_one_line(check, capsys):
    assert run(check, stub, capsys) == (False, f"{check.__name__}: not implemented yet\n")


def lstm_indexing_the_wrong_axis(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sig(a[:H])                                       # rows, not columns
    return i * np.tanh(c_prev), c_prev, None


def test_an_error_in_the_learners_code_shows_the_learners_line(capsys):
    ok, out = run(checks.check_lstm_step_forward, lstm_indexing_the_wrong_axis, capsys)
    assert not ok and "Traceback" not in out
    assert out.splitlines()[0].startswith("check_lstm_step_forward: case 1 of 4 (N=2, F=3, H=3): "
                                          "your code raised ValueError: operands could not be broadcast")
    assert out.splitlines()[1] == (f"  in lstm_indexing_the_wrong_axis, line "
                                   f"{lstm_indexing_the_wrong_axis.__code__.co_firstlineno + 4}:  "
                                   f"return i * np.tanh(c_prev), c_prev, None")


def test_a_transposed_product_is_told_the_layout(capsys):
    def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
        return gru_forward_with()(x, h_prev, Wx.T, Wh, bx, bh)
    ok, out = run(checks.check_gru_step_forward, gru_step_forward, capsys)
    assert not ok and "your code raised ValueError: matmul" in out
    assert "In this course x is (N, F), Wx (F, 3H), Wh (H, 3H)" in out


def test_blocks_split_along_the_rows_are_told_the_axis(capsys):
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        ai, af, ag, ao = np.split(x @ Wx + h_prev @ Wh + b, 4)
        return lstm_forward_with()(x, h_prev, c_prev, Wx, Wh, b)
    ok, out = run(checks.check_lstm_step_forward, lstm_step_forward, capsys)
    assert not ok and "your code raised ValueError: array split does not result in an equal " \
                      "division" in out
    assert "np.split(a, 4, axis=1). np.split's default, axis=0, splits the rows" in out


@pytest.mark.parametrize("check", list(FACTORIES), ids=NAMES)
def test_the_checks_never_raise_whatever_comes_back(check, capsys):
    for fn in (lambda *a: None, lambda *a: "h", lambda *a: (1, 2, 3, 4, 5, 6),
               lambda *a: tuple(np.ones(7) for _ in range(6)), lambda *a: 1 / 0):
        ok, out = run(check, fn, capsys)
        assert ok is False and out.startswith(check.__name__) and "Traceback" not in out
    assert run(check, "not a function", capsys)[1].startswith(
        f"{check.__name__}: expected your function, got str.")


def test_the_learners_inputs_are_copies(capsys):
    def lstm_step_backward(dh_next, dc_next, cache):
        out = lstm_backward_with()(dh_next, dc_next, cache)
        for a in cache:
            a[...] = np.nan                             # vandalise the cache after use
        dh_next *= 0
        return out
    ok, out = run(checks.check_lstm_step_backward, lstm_step_backward, capsys)
    assert not ok
    assert "changed its arguments dh_next, cache[0]" in out


# --- the references themselves --------------------------------------------------------------

def numeric_grads(f, arrays, upstream, eps=1e-6):
    """d sum(upstream_k * f(arrays)_k) / d each array, by centred differences."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            keep = a[idx]
            a[idx] = keep + eps
            plus = sum(np.sum(u * o) for u, o in zip(upstream, f()))
            a[idx] = keep - eps
            minus = sum(np.sum(u * o) for u, o in zip(upstream, f()))
            a[idx] = keep
            g[idx] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def test_the_backward_references_are_the_finite_difference_gradients():
    """rnnlib's step backward functions, which the checks compare with, on the checks' own data."""
    from rnnlib.checks._gated_maths import gru_data, lstm_data
    rng = np.random.default_rng(0)
    x, h, c, Wx, Wh, b = lstm_data(90, 2, 3, 2)
    dh, dc = rng.normal(size=h.shape), rng.normal(size=c.shape)
    got = rnnlib.lstm_step_backward(dh, dc, rnnlib.lstm_step_forward(x, h, c, Wx, Wh, b)[2])
    want = numeric_grads(lambda: rnnlib.lstm_step_forward(x, h, c, Wx, Wh, b)[:2],
                         [x, h, c, Wx, Wh, b], [dh, dc])
    for g, w in zip(got, want):
        assert np.allclose(g, w, atol=1e-8)
    x, h, Wx, Wh, bx, bh = gru_data(110, 2, 3, 2)
    dh = rng.normal(size=h.shape)
    got = rnnlib.gru_step_backward(dh, rnnlib.gru_step_forward(x, h, Wx, Wh, bx, bh)[1])
    want = numeric_grads(lambda: rnnlib.gru_step_forward(x, h, Wx, Wh, bx, bh)[:1],
                         [x, h, Wx, Wh, bx, bh], [dh])
    for g, w in zip(got, want):
        assert np.allclose(g, w, atol=1e-8)
