"""The LSTM and GRU steps written out again, with switches that reproduce the classic wrong
versions (gates read in another order, a missing path in the backward pass, ...).

As in _maths.py, reference values come from rnnlib's public functions; these steps only give
what a known mistake would give, so a check can say "this is what you did".
"""
from __future__ import annotations

from itertools import permutations, product

import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


ACT = {"sigmoid": sigmoid, "tanh": np.tanh}
LSTM_ACTS = {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"}
GRU_ACTS = {"r": "sigmoid", "z": "sigmoid", "n": "tanh"}
# Block orders that come from somewhere the learner may have met them.
LSTM_ORDERS = {"ifog": " (the order of CS231n's assignment)", "iofg": " (ONNX's order i, o, f, c)",
               "igfo": " (TensorFlow 1's LSTMCell order i, j, f, o)"}
GRU_ORDERS = {"zrn": " (Keras' and ONNX's order)"}
LSTM_LAYOUT = ("this course, like torch and Keras, lays the columns of Wx, Wh and b out as i, f, "
               "g, o: a[:, :H] is i's block, a[:, H:2*H] f's, a[:, 2*H:3*H] g's, a[:, 3*H:] o's.")
GRU_LAYOUT = ("this course, like torch, lays the columns of Wx, Wh, bx and bh out as r, z, n: "
              "[:, :H] is r's block, [:, H:2*H] z's, [:, 2*H:] n's.")


def _split(a, names):
    """{name: block} of the len(names) blocks of H columns of a, in the order names gives."""
    return dict(zip(names, np.split(a, len(names), axis=-1)))


def _order(names):
    return ", ".join(names)


def wrong_orders(right):
    """Every other order of the blocks, as strings like "ifog"."""
    return ["".join(p) for p in permutations(right) if "".join(p) != right]


def act_text(acts, right, gates, candidate):
    """What an activation mistake did, in words: "uses tanh for i and f"."""
    wrong = {k: fn for k, fn in acts.items() if fn != right[k]}
    by_fn = {}
    for k, fn in wrong.items():
        by_fn.setdefault(fn, []).append(k)
    what = " and ".join(f"{fn} for {' and '.join(ks)}" for fn, ks in by_fn.items())
    if all(acts[k] != right[k] for k in right):
        what = "tanh where sigmoid belongs and sigmoid where tanh belongs"
    return (f"uses {what}: the gates {gates} go through sigmoid (between 0 and 1: how much "
            f"passes), the candidate {candidate} through tanh (between -1 and 1: what is written).")


def wrong_acts(right):
    """Every other choice of sigmoid/tanh per block, as dicts."""
    names = list(right)
    return [dict(zip(names, fns)) for fns in product(("sigmoid", "tanh"), repeat=len(names))
            if dict(zip(names, fns)) != right]


# --- LSTM -----------------------------------------------------------------------------------

def lstm_data(seed, N, F, H):
    """x (N, F), h_prev, c_prev (N, H), Wx (F, 4H), Wh (H, 4H), b (4H,): gates away from
    saturation, and biases of alternating sign, about +-0.5, so every mistake changes the numbers."""
    rng = np.random.default_rng(seed)
    b = np.where(np.arange(4 * H) % 2 == 0, 0.5, -0.5) + rng.normal(0, 0.2, 4 * H)
    return (rng.normal(size=(N, F)), rng.normal(0, 0.5, (N, H)), rng.normal(0, 1.0, (N, H)),
            rng.normal(0, 0.5, (F, 4 * H)), rng.normal(0, 0.4, (H, 4 * H)), b)


def lstm_step(x, h_prev, c_prev, Wx, Wh, b, order="ifgo", acts=LSTM_ACTS, cell="right",
              show="tanh", bias=1.0, swap=False, h_from_prev=False):
    """(h_next, c_next) of one LSTM step, with switches for its wrong versions:

    order        the blocks' order as the learner reads them ("ifog": g is the last block)
    acts         {block: "sigmoid" or "tanh"}
    cell         "right", "no f" (c = c_prev + i g), "no c_prev" (c = i g), "no i" (c = f c_prev + g)
    show         h = o * tanh(c): "tanh", "sigmoid", "none" (o * c), "no o" (tanh(c))
    bias         how many times b is added;  swap: x @ Wh + h_prev @ Wx (F == H)
    h_from_prev  h uses c_prev instead of c_next
    """
    a = (x @ Wh + h_prev @ Wx if swap else x @ Wx + h_prev @ Wh) + bias * b
    blocks = _split(a, order)
    i, f, g, o = (ACT[acts[k]](blocks[k]) for k in "ifgo")
    c = {"right": f * c_prev + i * g, "no f": c_prev + i * g, "no c_prev": i * g,
         "no i": f * c_prev + g}[cell]
    c_shown = c_prev if h_from_prev else c
    h = {"tanh": o * np.tanh(c_shown), "sigmoid": o * sigmoid(c_shown), "none": o * c_shown,
         "no o": np.tanh(c_shown)}[show]
    return h, c


def lstm_forward_mistakes(x, h_prev, c_prev, Wx, Wh, b):
    """(message, (h_next, c_next)) of the classic wrong LSTM steps."""
    def run(**kw):
        return lstm_step(x, h_prev, c_prev, Wx, Wh, b, **kw)
    out = [(f"the blocks are read in the order {_order(o)}{LSTM_ORDERS.get(o, '')}; "
            f"{LSTM_LAYOUT}", run(order=o)) for o in wrong_orders("ifgo") if o != "gfio"]
    # i * g is symmetric: reading i's block as g and g's as i gives the numbers of tanh for i
    # and sigmoid for g. One message says both.
    out.append(("uses tanh for i and sigmoid for g, or (the same numbers) reads the blocks in "
                f"the order g, f, i, o; {LSTM_LAYOUT} i goes through sigmoid, g through tanh.",
                run(order="gfio")))
    out += [(act_text(acts, LSTM_ACTS, "i, f and o", "g"), run(acts=acts))
            for acts in wrong_acts(LSTM_ACTS) if acts != dict(LSTM_ACTS, i="tanh", g="sigmoid")]
    out += [
        ("the forget gate is missing: c_next = f * c_prev + i * g; f decides how much of the "
         "old cell state stays.", run(cell="no f")),
        ("c_next = i * g: the cell state is not carried from the step before. c_next = f * "
         "c_prev + i * g keeps a fraction f of c_prev; that memory is what the LSTM adds to "
         "the plain RNN.", run(cell="no c_prev")),
        ("the input gate is missing: c_next = f * c_prev + i * g; i decides how much of the "
         "candidate g is written.", run(cell="no i")),
        ("h_next = o * c_next misses the tanh: h_next = o * tanh(c_next).", run(show="none")),
        ("h_next = o * sigmoid(c_next); the cell state is shown through tanh: "
         "h_next = o * tanh(c_next).", run(show="sigmoid")),
        ("the output gate is missing: h_next = o * tanh(c_next).", run(show="no o")),
        ("h_next is computed from c_prev; it shows the new cell state: c_next first, then "
         "h_next = o * tanh(c_next).", run(h_from_prev=True)),
        ("the bias b is missing: a = x @ Wx + h_prev @ Wh + b.", run(bias=0.0)),
        ("the bias b is added twice: a = x @ Wx + h_prev @ Wh + b, with b once (torch's two "
         "biases b_ih + b_hh add up to this one b).", run(bias=2.0)),
        ("h_next and c_next are in each other's place: return h_next, c_next, cache.",
         run()[::-1]),
    ]
    if Wx.shape[0] == Wh.shape[0]:
        out.append(("Wx and Wh are swapped: the input is multiplied by Wx (F, 4H) and the "
                    "state by Wh (H, 4H): a = x @ Wx + h_prev @ Wh + b.", run(swap=True)))
    return out


def _sig_d(s):
    return s * (1 - s)


def _tanh_d(t):
    return 1 - t * t


def lstm_step_back(dh_next, dc_next, cache, read="ifgo", put=None, dc="both", dc_prev="dc * f",
                   dsig=_sig_d, dtanh=_tanh_d, tanh_c_d="right", o_with="tanh_c", f_with="c_prev",
                   pre=False, direct=False):
    """(dx, dh_prev, dc_prev, dWx, dWh, db) of one LSTM step backward, with switches:

    read, put  the order the cache's gates are read in, and the order da's blocks are put in
    dc         "both" paths into c_next, "h only" (dc_next ignored), "c only" (the tanh path missing)
    dc_prev    "dc * f" (right), "dc", or "dc_next * f"
    dsig, dtanh  the derivatives of the gates (from s) and of g (from g)
    tanh_c_d   tanh'(c_next): "right", or "from c" (1 - c_next**2)
    o_with     da_o uses "tanh_c" (right) or "c" (c_next);  f_with: da_f uses "c_prev" or "c_next"
    pre        every gate's derivative from the pre-activation a = x @ Wx + h_prev @ Wh
    direct     dh_next is added to dh_prev
    """
    x, h_prev, c_prev, Wx, Wh, gates, c_next = cache
    gate = _split(gates, read)
    i, f, g, o = (gate[k] for k in "ifgo")
    tanh_c = np.tanh(c_next)
    dtc = _tanh_d(c_next) if tanh_c_d == "from c" else _tanh_d(tanh_c)
    dc_h = dh_next * o * dtc
    d_c = {"both": dc_next + dc_h, "h only": dc_h, "c only": dc_next}[dc]
    if pre:
        a = _split(x @ Wx + h_prev @ Wh, "ifgo")
        di, df, dg, do = _sig_d(a["i"]), _sig_d(a["f"]), _tanh_d(a["g"]), _sig_d(a["o"])
    else:
        di, df, dg, do = dsig(i), dsig(f), dtanh(g), dsig(o)
    da = {"i": d_c * g * di, "f": d_c * (c_prev if f_with == "c_prev" else c_next) * df,
          "g": d_c * i * dg, "o": dh_next * (tanh_c if o_with == "tanh_c" else c_next) * do}
    da = np.concatenate([da[k] for k in (put or read)], axis=1)           # (N, 4H)
    dcp = {"dc * f": d_c * f, "dc": d_c, "dc_next * f": dc_next * f}[dc_prev]
    dh = da @ Wh.T + (dh_next if direct else 0.0)
    return da @ Wx.T, dh, dcp, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def lstm_backward_mistakes(dh_next, dc_next, cache):
    """(message, (dx, dh_prev, dc_prev, dWx, dWh, db)) of the classic wrong LSTM backward steps."""
    def run(**kw):
        return lstm_step_back(dh_next, dc_next, cache, **kw)
    tanh_c = "dh_next * o * (1 - tanh(c_next)**2)"
    out = [
        (f"dc_next is ignored: the cell state has its own path to the next step, so the "
         f"gradient at c_next is dc = dc_next + {tanh_c}.", run(dc="h only")),
        # before the missing tanh path, whose dc_prev is dc_next * f too: a wrong dc_prev alone
        # is named by this message (the missing path also changes the five other outputs)
        (f"dc_prev uses only dc_next: it is dc * f, with dc = dc_next + {tanh_c} the whole "
         f"gradient at c_next.", run(dc_prev="dc_next * f")),
        (f"the path through h_next is missing: h_next = o * tanh(c_next) depends on c_next too, "
         f"so dc = dc_next + {tanh_c}.", run(dc="c only")),
        ("dc_prev misses the forget gate: c_next = f * c_prev + i * g, so dc_prev = dc * f.",
         run(dc_prev="dc")),
        ("the sigmoid's derivative is written as s; it is s * (1 - s), with s the gate's "
         "output (i, f or o).", run(dsig=lambda s: s)),
        ("the gates i, f and o use tanh's derivative 1 - s**2; they are sigmoids, whose "
         "derivative is s * (1 - s).", run(dsig=_tanh_d)),
        ("g uses the sigmoid's derivative g * (1 - g); g = tanh(a_g), whose derivative is "
         "1 - g**2.", run(dtanh=_sig_d)),
        ("tanh's derivative is written as 1 - g; it is 1 - g**2.", run(dtanh=lambda t: 1 - t)),
        ("tanh's derivative at c_next is computed from c_next itself: tanh'(c_next) = "
         "1 - tanh(c_next)**2, not 1 - c_next**2.", run(tanh_c_d="from c")),
        ("c_next is used where tanh(c_next) belongs: h_next = o * tanh(c_next), so da_o = "
         "dh_next * tanh(c_next) * o * (1 - o) and dc gets dh_next * o * (1 - tanh(c_next)**2).",
         run(tanh_c_d="from c", o_with="c")),
        ("the output gate's gradient uses c_next; h_next = o * tanh(c_next), so da_o = "
         "dh_next * tanh(c_next) * o * (1 - o).", run(o_with="c")),
        ("the forget gate's gradient uses c_next; f multiplies c_prev, so da_f = dc * c_prev * "
         "f * (1 - f).", run(f_with="c_next")),
        ("the gates' derivatives are computed from the pre-activations a = x @ Wx + h_prev @ Wh; "
         "write them from the gates' outputs in the cache: s * (1 - s) for i, f, o and "
         "1 - g**2 for g.", run(pre=True)),
        ("dh_prev has dh_next added to it: in the LSTM h_prev reaches h_next only through the "
         "gates' pre-activations, so dh_prev = da @ Wh.T.", run(direct=True)),
    ]
    out += [(f"the blocks of da are put together in the order {_order(o)}; they follow the "
             f"columns of Wx, Wh and b, i, f, g, o, as in the forward pass.", run(put=o))
            for o in wrong_orders("ifgo")]
    out += [(f"the cache's gates are read in the order {_order(o)}{LSTM_ORDERS.get(o, '')}; "
             f"rnnlib's cache holds them as i, f, g, o along axis 1.", run(read=o, put=put))
            for o in wrong_orders("ifgo") for put in (o, "ifgo")]
    N = dh_next.shape[0]
    if N > 1:
        right = run()
        out.append((f"{{names}} {{is}} divided by the batch size N = {N}: gradients add up over "
                    f"the batch.", (None, None, None) + tuple(gr / N for gr in right[3:])))
    return out


# --- GRU ------------------------------------------------------------------------------------

def gru_data(seed, N, F, H):
    """x (N, F), h_prev (N, H), Wx (F, 3H), Wh (H, 3H), bx, bh (3H,): biases of alternating sign,
    about +-0.5, so every mistake changes the numbers."""
    rng = np.random.default_rng(seed)
    signs = np.where(np.arange(3 * H) % 2 == 0, 0.5, -0.5)
    return (rng.normal(size=(N, F)), rng.normal(0, 0.7, (N, H)), rng.normal(0, 0.5, (F, 3 * H)),
            rng.normal(0, 0.5, (H, 3 * H)), signs + rng.normal(0, 0.2, 3 * H),
            signs + rng.normal(0, 0.2, 3 * H))


def gru_step(x, h_prev, Wx, Wh, bx, bh, order="rzn", acts=GRU_ACTS, z_side="torch",
             reset="after", x_bias=True, h_bias=True, swap=False, update="right"):
    """h_next of one GRU step, with switches for its wrong versions:

    order    the blocks' order as the learner reads them;  acts: {block: "sigmoid" or "tanh"}
    z_side   "torch" (h = (1-z) n + z h_prev) or "paper" (h = z n + (1-z) h_prev)
    reset    "after" (r * (h Wh_n + bh_n)), "before" ((r * h) Wh_n + bh_n),
             "bh outside" (r * (h Wh_n) + bh_n), "none" (r = 1)
    x_bias, h_bias  bx, bh added;  swap: x @ Wh and h_prev @ Wx (F == H)
    update   "right", "n only" (h = n), "no z h_prev" (h = (1-z) n)
    """
    Wx_, Wh_ = (Wh, Wx) if swap else (Wx, Wh)
    bx_, bh_ = (bx if x_bias else 0 * bx), (bh if h_bias else 0 * bh)
    ax, ah = _split(x @ Wx_ + bx_, order), _split(h_prev @ Wh_ + bh_, order)
    r = ACT[acts["r"]](ax["r"] + ah["r"])
    z = ACT[acts["z"]](ax["z"] + ah["z"])
    Wh_n, bh_n = _split(Wh_, order)["n"], _split(bh_, order)["n"]
    state = {"after": r * ah["n"], "before": (r * h_prev) @ Wh_n + bh_n,
             "bh outside": r * (h_prev @ Wh_n) + bh_n, "none": ah["n"]}[reset]
    n = ACT[acts["n"]](ax["n"] + state)
    if update == "n only":
        return n
    if update == "no z h_prev":
        return (1 - z) * n
    return (1 - z) * n + z * h_prev if z_side == "torch" else z * n + (1 - z) * h_prev


GRU_N = "n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n))"


def gru_forward_mistakes(x, h_prev, Wx, Wh, bx, bh):
    """(message, (h_next,)) of the classic wrong GRU steps."""
    def run(**kw):
        return (gru_step(x, h_prev, Wx, Wh, bx, bh, **kw),)
    out = [
        ("z is used the other way round: this course, like torch, computes h_next = (1 - z) * n "
         "+ z * h_prev, so z = 1 keeps the old state; h_next = z * n + (1 - z) * h_prev is the "
         "convention of Cho et al.'s paper, with the opposite z.", run(z_side="paper")),
        (f"the reset gate multiplies h_prev before the product with Wh_n: (r * h_prev) Wh_n + "
         f"bh_n is the original paper's form (Keras' reset_after=False); torch's GRU computes "
         f"{GRU_N}.", run(reset="before")),
        (f"bh_n is added outside the reset gate: {GRU_N}, with bh_n inside the product with r.",
         run(reset="bh outside")),
        (f"the reset gate is missing (r = 1): {GRU_N}.", run(reset="none")),
        ("h_next = n: the update gate is missing: h_next = (1 - z) * n + z * h_prev.",
         run(update="n only")),
        ("the term z * h_prev is missing: h_next = (1 - z) * n + z * h_prev.",
         run(update="no z h_prev")),
        ("the bias bx is missing: x @ Wx + bx gives the input's part of every block.",
         run(x_bias=False)),
        ("the bias bh is missing: h_prev @ Wh + bh gives the state's part of every block.",
         run(h_bias=False)),
        ("both biases are missing: bx goes with x @ Wx and bh with h_prev @ Wh.",
         run(x_bias=False, h_bias=False)),
    ]
    out += [(f"the blocks are read in the order {_order(o)}{GRU_ORDERS.get(o, '')}; {GRU_LAYOUT}",
             run(order=o)) for o in wrong_orders("rzn")]
    out += [(act_text(acts, GRU_ACTS, "r and z", "n"), run(acts=acts)) for acts in wrong_acts(GRU_ACTS)]
    if Wx.shape[0] == Wh.shape[0]:
        out.append(("Wx and Wh are swapped: the input is multiplied by Wx (F, 3H) and the state "
                    "by Wh (H, 3H).", run(swap=True)))
    return out


def gru_step_back(dh_next, cache, read="rzn", put=None, direct=True, state_n="r",
                  z_side="torch", dz_sign=1.0, r_grad="right", bh_n=None, dsig=_sig_d,
                  dtanh=_tanh_d, dn_without_z=False):
    """(dx, dh_prev, dWx, dWh, dbx, dbh) of one GRU step backward, with switches:

    read, put  the order the cache's gates are read in, and the order the blocks are put in
    direct     the path dh_next * z into dh_prev: True, False, or "1 - z" (dh_next * (1 - z))
    dn_without_z  the gradient at n is dh_next, without (1 - z)
    state_n    the n block of the state's part: "r" (da_n * r, right) or "same" (da_n)
    z_side     "paper": the gradient of h = z n + (1-z) h_prev;  dz_sign: -1 flips dz
    r_grad     "right", "no r'" (without r (1 - r)), "zero", "no bh_n" (h_prev Wh_n, bh_n given)
    dsig, dtanh  the derivatives of r, z (from s) and of n (from n)
    """
    x, h_prev, Wx, Wh, gates, ah_n = cache
    gate = _split(gates, read)
    r, z, n = gate["r"], gate["z"], gate["n"]
    if z_side == "torch":
        dn, dz, dd = dh_next * (1 - z), dz_sign * dh_next * (h_prev - n), dh_next * z
        if direct == "1 - z":
            dd = dh_next * (1 - z)
        if dn_without_z:
            dn = dh_next
    else:
        dn, dz, dd = dh_next * z, dh_next * (n - h_prev), dh_next * (1 - z)
    da_n, da_z = dn * dtanh(n), dz * dsig(z)
    if r_grad == "no bh_n":
        ah_n = ah_n - bh_n
    da_r = {"right": da_n * ah_n * dsig(r), "no bh_n": da_n * ah_n * dsig(r),
            "no r'": da_n * ah_n, "zero": 0 * da_n}[r_grad]
    dax = {"r": da_r, "z": da_z, "n": da_n}
    dah = dict(dax, n=da_n * r if state_n == "r" else da_n)
    order = put or read
    dax = np.concatenate([dax[k] for k in order], axis=1)                  # (N, 3H)
    dah = np.concatenate([dah[k] for k in order], axis=1)                  # (N, 3H)
    dh = dah @ Wh.T + (dd if direct else 0.0)
    return dax @ Wx.T, dh, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)


def gru_backward_mistakes(dh_next, cache, bh):
    """(message, (dx, dh_prev, dWx, dWh, dbx, dbh)) of the classic wrong GRU backward steps."""
    def run(**kw):
        return gru_step_back(dh_next, cache, **kw)
    H = cache[1].shape[1]
    out = [
        ("dh_prev misses the direct path: h_next = (1 - z) * n + z * h_prev uses h_prev itself, "
         "so dh_prev = dh_next * z + [da_r, da_z, da_n * r] @ Wh.T.", run(direct=False)),
        # a dbh copied from dbx gives the same dbh: this message says what is wrong with both
        ("the direct path into dh_prev is dh_next * z: h_next = (1 - z) * n + z * h_prev, so "
         "h_prev's own share is z * h_prev.", run(direct="1 - z")),
        ("the gradient at n misses (1 - z): h_next = (1 - z) * n + z * h_prev, so dn = dh_next * "
         "(1 - z) and da_n = dn * (1 - n**2).", run(dn_without_z=True)),
        ("{names} use{s} da_n where the state's part of the n block gets da_n * r: n = tanh(x "
         "Wx_n + bx_n + r * (h_prev Wh_n + bh_n)), so the gradient at h_prev Wh_n + bh_n is "
         "scaled by r (dbh differs from dbx in this block only).", run(state_n="same")),
        ("dz has the wrong sign: h_next = (1 - z) * n + z * h_prev = n + z * (h_prev - n), so "
         "the gradient at z is dh_next * (h_prev - n).", run(dz_sign=-1.0)),
        ("the gradient is that of h_next = z * n + (1 - z) * h_prev (Cho et al.'s convention); "
         "this course's forward pass is torch's h_next = (1 - z) * n + z * h_prev: the gradient "
         "at n is dh_next * (1 - z), at z dh_next * (h_prev - n), and the direct path to h_prev "
         "dh_next * z.", run(z_side="paper")),
        ("the reset gate's sigmoid derivative is missing: da_r = da_n * ah_n * r * (1 - r).",
         run(r_grad="no r'")),
        ("the reset gate gets no gradient: r scales ah_n = h_prev Wh_n + bh_n (in the cache), so "
         "da_r = da_n * ah_n * r * (1 - r).", run(r_grad="zero")),
        ("da_r uses h_prev @ Wh_n without bh_n: r multiplies h_prev Wh_n + bh_n, which the cache "
         "holds as ah_n.", run(r_grad="no bh_n", bh_n=bh[2 * H:])),
        ("the sigmoid's derivative is written as s; it is s * (1 - s), with s the gate's output "
         "(r or z).", run(dsig=lambda s: s)),
        ("the gates r and z use tanh's derivative 1 - s**2; they are sigmoids, whose derivative "
         "is s * (1 - s).", run(dsig=_tanh_d)),
        ("n uses the sigmoid's derivative n * (1 - n); n = tanh(...), whose derivative is "
         "1 - n**2.", run(dtanh=_sig_d)),
        ("tanh's derivative is written as 1 - n; it is 1 - n**2.", run(dtanh=lambda t: 1 - t)),
    ]
    out += [(f"the blocks of the gradient are put together in the order {_order(o)}; they follow "
             f"the columns of Wx, Wh, bx and bh, r, z, n, as in the forward pass.", run(put=o))
            for o in wrong_orders("rzn")]
    out += [(f"the cache's gates are read in the order {_order(o)}{GRU_ORDERS.get(o, '')}; "
             f"rnnlib's cache holds them as r, z, n along axis 1.", run(read=o, put=put))
            for o in wrong_orders("rzn") for put in (o, "rzn")]
    N = dh_next.shape[0]
    if N > 1:
        right = run()
        out.append((f"{{names}} {{is}} divided by the batch size N = {N}: gradients add up over "
                    f"the batch.", (None, None) + tuple(gr / N for gr in right[2:])))
    return out
