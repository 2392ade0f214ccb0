"""Checks for the forward exercises: one tanh layer, one step, the loop, one-hot, Keras' SimpleRNN,
padding."""
from __future__ import annotations

from functools import partial
from itertools import product

import numpy as np


from .. import functional
from ._core import RTOL, Check, LearnerError, Out, describe, fresh, replaces, unpack
from ._maths import forward_mistakes, nonlinearity_names, rnn_data, rnn_loop, step_mistakes

FORWARD_NONLINEARITIES = ("tanh", "relu")    # the ones notebook 01 meets

# The row layout, said once: what a matmul error in a layer exercise most often means.
ROW_LAYOUT = ("In this course a batch is one row per sample: x is (N, F) and W is (F, H), so "
              "x @ W is (N, H). W.T @ x, W @ x or x @ W.T fit only the column layout.")
ELEMENTWISE = "x * W multiplies entry by entry; the layer needs the matrix product x @ W."


@replaces("rnnlib.rnn_step_forward", "rnnlib.rnn_forward", "rnnlib.rnn_forward_padded")
def check_tanh_layer(fn):
    """fn(x, W, b) -> h (N, H), h = tanh(x @ W + b): one layer for a batch of N rows.

    x (N, F), W (F, H), b (H,). Cases: one sample with a square W, a batch of 4 with a square W,
    and a batch of 4 with F != H. Compared with np.tanh(x @ W + b).
    """
    c = Check("check_tanh_layer", fn, "fn(x, W, b)", "np.tanh(x @ W + b)")

    def case(seed, N, F, H):
        rng = np.random.default_rng(seed)
        x, W = rng.normal(size=(N, F)), rng.normal(0, 0.6, (F, H))
        b = np.where(np.arange(H) % 2 == 0, 0.5, -0.5) + rng.normal(0, 0.1, H)   # never zero
        want = np.tanh(x @ W + b)                                                # (N, H)
        try:
            got = c.call(*fresh(x, W, b))
        except LearnerError as e:
            if not e.not_implemented and ("matmul" in str(e) or "not aligned" in str(e)):
                raise LearnerError(f"{e}\n  {ROW_LAYOUT}") from None
            if not e.not_implemented and "broadcast" in str(e):
                raise LearnerError(f"{e}\n  {ELEMENTWISE}") from None
            raise
        if isinstance(got, (tuple, list)):
            return [f"the function returned {describe(got)}; it should return one array, h."]
        a = x @ W + b
        mistakes = [("uses W.T: in this course's layout h = tanh(x @ W + b) with W (F, H), "
                     "not transposed.", np.tanh(x @ W.T + b) if F == H else None),
                    ("the bias b is missing: h = tanh(x @ W + b).", np.tanh(x @ W)),
                    ("b is added after tanh: the bias goes inside, h = tanh(x @ W + b).",
                     np.tanh(x @ W) + b),
                    ("tanh is missing: h = tanh(a) with the pre-activation a = x @ W + b.", a),
                    ("uses np.tan, the trigonometric tangent: the layer's nonlinearity is np.tanh.",
                     np.tan(a)),
                    ("applies the logistic sigmoid 1 / (1 + exp(-a)); this layer uses tanh, "
                     "whose outputs lie in (-1, 1).", 1 / (1 + np.exp(-a)))]
        hints = {(H, N): f"rows and columns are swapped: one row per sample. {ROW_LAYOUT}",
                 (H,): "one number per unit: the batch axis is missing (keep one row per "
                       "sample, even for N = 1).",
                 (N, F): "one column per input feature: the output has one column per unit, "
                         "H of them, from x @ W."}
        if (F, H) not in hints:
            hints[(F, H)] = f"the shape of W. {ELEMENTWISE}"
        return c.compare([Out("h", got, want, axes=("batch", "hidden"), hints=hints)],
                         [(m, (v,)) for m, v in mistakes if v is not None])

    cases = ((1, 3, 3), (4, 3, 3), (4, 2, 5))
    return c.run([(f"N={N}, F={F}, H={H}", partial(case, 50 + i, N, F, H))
                  for i, (N, F, H) in enumerate(cases)])


@replaces("rnnlib.rnn_step_forward", "rnnlib.rnn_forward", "rnnlib.rnn_forward_padded")
def check_rnn_step_forward(fn, nonlinearities=FORWARD_NONLINEARITIES):
    """fn(x, h_prev, Wx, Wh, b, nonlinearity) -> (h_next, cache), h_next = act(x @ Wx + h_prev @ Wh + b).

    Cases: batch 1 and 3, each nonlinearity. Returns True when h_next agrees with
    rnnlib.rnn_step_forward everywhere (the cache is yours and not checked).
    """
    c = Check("check_rnn_step_forward", fn, "fn(x, h_prev, Wx, Wh, b, nonlinearity=...)",
              "rnnlib.rnn_step_forward")
    nonlinearities = nonlinearity_names(nonlinearities, c.name)

    def case(seed, N, nl):
        x, h_prev, Wx, Wh, b = rnn_data(seed, N, 1)
        x = x[:, 0]                                                       # (N, F) one timestep
        want = functional.rnn_step_forward(x, h_prev, Wx, Wh, b, nl)[0]
        got, problem = unpack(c.call(*fresh(x, h_prev, Wx, Wh, b), nonlinearity=nl), ("h_next", "cache"))
        if problem:
            return [problem]
        mistakes = [(m, (step(x, h_prev, Wx, Wh, b),)) for m, step in step_mistakes(nl)]
        return c.compare([Out("h_next", got[0], want, axes=("batch", "hidden"))], mistakes)

    return c.run([(f"N={N}, nonlinearity={nl!r}", partial(case, 10 + i, N, nl))
                  for i, (N, nl) in enumerate(product((1, 3), nonlinearities))])


@replaces("rnnlib.rnn_forward", "rnnlib.rnn_forward_padded")
def check_rnn_forward(fn, nonlinearities=FORWARD_NONLINEARITIES):
    """fn(x, h0, Wx, Wh, b, nonlinearity) -> (h, cache), h (N, T, H) every hidden state.

    Cases: (N, T) = (1, 1), (1, 4), (3, 5), each nonlinearity; compared with rnnlib.rnn_forward.
    """
    c = Check("check_rnn_forward", fn, "fn(x, h0, Wx, Wh, b, nonlinearity=...)", "rnnlib.rnn_forward")
    nonlinearities = nonlinearity_names(nonlinearities, c.name)

    def case(seed, N, T, nl):
        x, h0, Wx, Wh, b = rnn_data(seed, N, T)
        want = functional.rnn_forward(x, h0, Wx, Wh, b, nl)[0]
        got, problem = unpack(c.call(*fresh(x, h0, Wx, Wh, b), nonlinearity=nl), ("h", "cache"))
        if problem:
            return [problem]
        H = want.shape[2]
        hints = {(N, H): "the time axis is missing: did you return only the last state? h holds "
                         "every step, h[:, t] = h_t.",
                 (T, N, H): "time and batch are swapped: h is batch-first, h[:, t] = h_t."}
        mistakes = [(m, (h,)) for m, h in forward_mistakes(x, h0, Wx, Wh, b, nl)]
        return c.compare([Out("h", got[0], want, axes=("batch", "time", "hidden"), hints=hints,
                              time=1)], mistakes)

    return c.run([(f"N={N}, T={T}, nonlinearity={nl!r}", partial(case, 20 + i, N, T, nl))
                  for i, ((N, T), nl) in enumerate(product(((1, 1), (1, 4), (3, 5)), nonlinearities))])


def padded_reference(x, h0, Wx, Wh, b, lengths, nonlinearity):
    """rnnlib.rnn_forward_padded's hidden states."""
    return functional.rnn_forward_padded(x, h0, Wx, Wh, b, lengths, nonlinearity=nonlinearity)[0]


@replaces("rnnlib.rnn_forward_padded")
def check_rnn_forward_padded(fn, nonlinearities=FORWARD_NONLINEARITIES):
    """fn(x, h0, Wx, Wh, b, lengths, nonlinearity) -> (h, cache): on padding (t >= lengths[n])
    the state is carried, h_t = h_{t-1}, so h[:, -1] is each sequence's last real state.

    Cases: lengths [1], [4] (no padding), [5, 2, 3] and [1, 4], each nonlinearity.
    """
    c = Check("check_rnn_forward_padded", fn, "fn(x, h0, Wx, Wh, b, lengths, nonlinearity=...)",
              "rnnlib.rnn_forward_padded")
    nonlinearities = nonlinearity_names(nonlinearities, c.name)

    def case(seed, lengths, T, nl):
        lengths = np.array(lengths)
        N = len(lengths)
        x, h0, Wx, Wh, b = rnn_data(seed, N, T)
        want = padded_reference(x, h0, Wx, Wh, b, lengths, nl)
        got, problem = unpack(c.call(*fresh(x, h0, Wx, Wh, b, lengths), nonlinearity=nl), ("h", "cache"))
        if problem:
            return [problem]

        def loop(lens=lengths, pad="carry"):
            return rnn_loop(x, h0, Wx, Wh, b, nl, lengths=lens, pad=pad)
        carry = "on padding the state is carried unchanged, h_t = h_{t-1} for t >= lengths[n]"
        mistakes = [(f"h is zero on the padding steps; {carry}, so h[:, -1] is each sequence's "
                     f"last real state.", loop(pad="zero")),
                    (f"the padding steps are computed like real ones: lengths is not used; {carry}.",
                     loop(pad="compute")),
                    ("lengths is off by one: sequence n is real for t = 0 .. lengths[n] - 1, "
                     "that is t < lengths[n].", loop(lens=lengths - 1)),
                    ("lengths is off by one: sequence n is real for t = 0 .. lengths[n] - 1, "
                     "that is t < lengths[n].", loop(lens=np.minimum(lengths + 1, T)))]
        mistakes += forward_mistakes(x, h0, Wx, Wh, b, nl, lengths=lengths)

        def on_padding(g):
            real = np.arange(T)[None, :] < lengths[:, None]               # (N, T)
            bad = np.abs(g - want).max(axis=2) > RTOL * np.abs(want).max()
            if bad.any() and not bad[real].any():
                return ("h is right on every real step and wrong on padding (t >= lengths[n]); "
                        f"{carry}.")
            return None
        return c.compare([Out("h", got[0], want, axes=("batch", "time", "hidden"), time=1,
                              explain=on_padding)], [(m, (h,)) for m, h in mistakes])

    shapes = (([1], 1), ([4], 4), ([5, 2, 3], 5), ([1, 4], 4))
    return c.run([(f"lengths={lengths}, T={T}, nonlinearity={nl!r}", partial(case, 30 + i, lengths, T, nl))
                  for i, ((lengths, T), nl) in enumerate(product(shapes, nonlinearities))])


@replaces("rnnlib.Vocab.one_hot", "rnnlib.Vocab.one_hot_batch")
def check_one_hot(fn):
    """fn(ids, vocab_size) -> x (len(ids), vocab_size) float, x[t, ids[t]] = 1.0 and 0.0 elsewhere."""
    c = Check("check_one_hot", fn, "fn(ids, vocab_size)", "np.eye(vocab_size)[ids]")

    def case(ids, V):
        ids = np.array(ids)
        L, top = len(ids), int(ids.max()) + 1
        want = np.eye(V)[ids]
        got = c.call(ids.copy(), V)
        cols, rows = np.zeros((L, V)), np.zeros((L, V))
        cols[:, ids] = 1.0
        rows[ids[ids < L]] = 1.0
        mistakes = [("x[:, ids] = 1 sets whole columns: set one entry per row, "
                     "x[np.arange(len(ids)), ids] = 1.0.", cols),
                    ("x[ids] = 1 sets whole rows: set one entry per row, "
                     "x[np.arange(len(ids)), ids] = 1.0.", rows),
                    ("the 1.0 is one column off: id k goes in column k (ids count from 0).",
                     np.roll(want, 1, axis=1)),
                    ("the 1.0 is one column off: id k goes in column k (ids count from 0).",
                     np.roll(want, -1, axis=1)),
                    ("no 1.0 is set: x[t, ids[t]] = 1.0 for every t.", np.zeros((L, V)))]
        hints = {(V, L): "rows and columns are swapped: one row per id, one column per symbol.",
                 (L, top): f"{top} columns is max(ids) + 1; the number of columns is vocab_size = "
                           f"{V}, whatever ids holds.",
                 (L,): "one number per id; a one-hot encoding has a row of vocab_size numbers per "
                       "id, with a single 1.0."}
        problems = c.compare([Out("x", got, want, axes=("position", "vocab_size"), hints=hints)],
                             [(m, (v,)) for m, v in mistakes])
        if not problems and np.asarray(got).dtype.kind != "f":
            problems = [f"x has the right values but dtype {np.asarray(got).dtype}; make it float "
                        f"(np.zeros((len(ids), vocab_size)) is float64), as the network's weights are."]
        return problems

    cases = (([0, 1, 2, 2, 3], 4), ([2], 3), ([4, 0, 4, 1], 6))
    return c.run([(f"ids={ids}, vocab_size={V}", partial(case, ids, V)) for ids, V in cases])


@replaces("rnnlib.interop.keras_outputs")
def check_simple_rnn(fn):
    """fn(x, Wx, Wh, b, return_sequences=False, return_state=False): Keras' SimpleRNN (tanh) from
    a zero state. output is the last state (N, H), or every state (N, T, H) with
    return_sequences; return_state=True returns [output, state] with state the last state (N, H).
    """
    c = Check("check_simple_rnn", fn, "fn(x, Wx, Wh, b, return_sequences=..., return_state=...)",
              "rnnlib.rnn_forward from a zero state")

    def case(seed, N, T, H, seq, state):
        x, _, Wx, Wh, b = rnn_data(seed, N, T, 4, H)
        zeros = np.zeros((N, H))
        h = functional.rnn_forward(x, zeros, Wx, Wh, b, "tanh")[0]                  # (N, T, H)
        result = c.call(*fresh(x, Wx, Wh, b), return_sequences=seq, return_state=state)
        if state:
            got, problem = unpack(result, ("output", "state"))
            if problem:
                return [problem + " return_state=True asks for [output, state], as Keras gives."]
        elif isinstance(result, (tuple, list)):
            return [f"the function returned {len(result)} values; return_state=False asks for the "
                    f"output alone."]
        else:
            got = (result, None)
        last = h[:, -1]
        if seq:
            out_hints = {(N, H): "returned only the last state but return_sequences=True asks for "
                                 "every step."}
        else:
            out_hints = {(N, T, H): "returned every step but return_sequences=False asks for the "
                                    "last one, output[:, -1]."}
        outs = [Out("output", got[0], h if seq else last, hints=out_hints, time=1 if seq else None,
                    axes=("batch", "time", "hidden") if seq else ("batch", "hidden"))]
        if state:
            outs.append(Out("state", got[1], last, axes=("batch", "hidden"),
                            hints={(N, T, H): "state is the last state (N, H), not every step."}))
        first = "{names} {is} the state after the first step; the last one is h[:, -1]."
        mistakes = [(first, (None if seq else h[:, 0], h[:, 0]))]
        mistakes += [(m, (hm if seq else hm[:, -1], hm[:, -1]))
                     for m, hm in forward_mistakes(x, zeros, Wx, Wh, b, "tanh")]
        return c.compare(outs, mistakes)

    cases = [(N, T, H, seq, state) for N, T, H in ((2, 1, 3), (1, 5, 2), (3, 5, 3))
             for seq, state in product((False, True), repeat=2)]
    return c.run([(f"N={N}, T={T}, return_sequences={seq}, return_state={state}",
                   partial(case, 40 + i, N, T, H, seq, state))
                  for i, (N, T, H, seq, state) in enumerate(cases)])
