"""The controls notebook 05 sets beside its claims about memory, recomputed here with the
forward pass written out in numpy from the models' weights, and compared with what the
executed notebook prints:

- section 7: "hihell" -> "ihello" against the untrained model and a model without memory
  (W_h held at zero), whose loss cannot fall below (4/6) ln 2 by a hand count;
- section 10: how much resetting the state moves the "+1" model's output, trained and untrained;
- exercise 7: the first letter of held-out words against the untrained reader and the trained
  reader without its recurrent weights, whose answer can depend on the last letter only.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest

import rnnlib

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_training.ipynb"


@pytest.fixture(scope="module")
def printed():
    """The printed text of each code cell, by cell id and by nbgrader grade_id."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    out = {}
    for c in nb.cells:
        if c.cell_type == "code":
            text = "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
            out[c.id] = text
            grade_id = c.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id:
                out[grade_id] = text
    return out


def numpy_forward(state, x, act=np.tanh, h0=None):
    """A one-layer SequenceModel's forward from its state_dict, in plain numpy (torch's layout:
    h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), y_t = h_t W^T + b).
    Returns y (N, T, O) and the states h (N, T, H)."""
    W_ih, W_hh = state["rnn.weight_ih_l0"], state["rnn.weight_hh_l0"]
    b = state["rnn.bias_ih_l0"] + state["rnn.bias_hh_l0"]
    N, T, _ = x.shape
    h_prev = np.zeros((N, W_hh.shape[0])) if h0 is None else h0
    hs = []
    for t in range(T):
        h_prev = act(x[:, t] @ W_ih.T + h_prev @ W_hh.T + b)
        hs.append(h_prev)
    h = np.stack(hs, axis=1)
    return h @ state["head.weight"].T + state["head.bias"], h


def cross_entropy(logits, targets):
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.mean(np.take_along_axis(logp, targets[..., None], -1))


def test_hihell_needs_the_state(printed):
    vocab = rnnlib.Vocab("hihello")
    x, targets = vocab.one_hot("hihell")[None], vocab.encode("ihello")[None]

    def train(model, names, epochs):
        opt = rnnlib.Adam({k: model.params[k] for k in names}, lr=0.02)
        for _ in range(epochs):
            model.zero_grad()
            _, dz = rnnlib.softmax_cross_entropy(model.forward(x), targets)
            model.backward(dz)
            opt.step({k: model.grads[k] for k in names})
        return model

    untrained = rnnlib.SequenceModel(5, 5, 5, seed=0)
    rnn = train(rnnlib.SequenceModel(5, 5, 5, seed=0), list(untrained.params), 80)
    no_memory = rnnlib.SequenceModel(5, 5, 5, seed=0)
    no_memory.params["rnn.weight_hh_l0"][...] = 0.0
    train(no_memory, [k for k in no_memory.params if k != "rnn.weight_hh_l0"], 300)
    assert not np.any(no_memory.params["rnn.weight_hh_l0"])

    lines = printed["nb05-062b"].splitlines()
    for line, model in zip(lines, (untrained, rnn, no_memory)):
        logits, h = numpy_forward(model.state_dict(), x)
        accuracy = np.mean(logits.argmax(-1) == targets)
        predicted = "".join(vocab.symbols[i] for i in logits[0].argmax(-1))
        assert f"loss {cross_entropy(logits, targets):.3f}" in line
        assert f"accuracy {accuracy:4.0%}" in line and repr(predicted) in line
    # By hand: "hihell" has two h's (next i, then e) and two l's (next l, then o). A model whose
    # state depends on the current character alone answers alike at both, so it gets at most
    # 4 of 6 right and loses at least ln 2 on each of those 4 steps.
    floor = 4 / 6 * np.log(2)
    logits, h = numpy_forward(no_memory.state_dict(), x)
    assert np.allclose(h[0, 0], h[0, 2]) and np.allclose(h[0, 4], h[0, 5])   # the h's, the l's
    assert cross_entropy(logits, targets) >= floor - 1e-12
    assert np.mean(logits.argmax(-1) == targets) == pytest.approx(4 / 6)
    assert "(4/6) ln 2 = 0.462" in printed["nb05-062b"]
    assert np.mean(numpy_forward(untrained.state_dict(), x)[0].argmax(-1) == targets) == pytest.approx(2 / 6)
    assert np.mean(numpy_forward(rnn.state_dict(), x)[0].argmax(-1) == targets) == 1.0


def test_resetting_the_state_moves_the_untrained_plus_one_model_more(printed):
    X = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 7, 8]], dtype=float)[..., None]
    leaky = lambda a: np.where(a > 0, a, 0.01 * a)
    untrained = rnnlib.SequenceModel(1, 8, 1, nonlinearity="leaky_relu", seed=0)
    state = untrained.state_dict()
    _, h = numpy_forward(state, X[:1], act=leaky)                          # after 1, 2, 3
    carried = numpy_forward(state, np.array([[[4.0]]]), act=leaky, h0=h[:, -1])[0][0, 0, 0]
    reset = numpy_forward(state, np.array([[[4.0]]]), act=leaky)[0][0, 0, 0]
    line = printed["nb05-084"].splitlines()[-1]
    assert line == (f"untrained, state norm {np.linalg.norm(h[:, -1]):.2f}:  after 1, 2, 3, then 4 -> "
                    f"{carried:.2f}, from a reset state -> {reset:.2f}")
    # the prose: the trained model moves by 0.06 of about 4.9 (about 1%), the untrained by
    # almost a third of its output
    trained_carried, trained_reset = (float(v) for v in
                                      [printed["nb05-084"].split("-> ")[1].split()[0],
                                       printed["nb05-084"].split("-> ")[2].split()[0]])
    assert abs(trained_carried - trained_reset) / trained_reset < 0.02
    assert 0.25 < abs(carried - reset) / abs(carried) < 1 / 3


def test_exercise_7_controls_stay_near_a_guess(printed):
    ids = np.random.default_rng(0).integers(0, 4, (96, 8))
    x, first = np.eye(4)[ids], ids[:, 0]
    untrained = rnnlib.SequenceModel(4, 8, 4, seed=0)
    reader = rnnlib.SequenceModel(4, 8, 4, seed=0)
    opt = rnnlib.Adam(reader.params, lr=0.05)
    for _ in range(200):
        reader.zero_grad()
        logits = reader.forward(x[:64])
        z = logits[:, -1]
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        dlogits = np.zeros_like(logits)
        dlogits[:, -1] = (p - np.eye(4)[first[:64]]) / 64
        reader.backward(dlogits)
        opt.step(reader.grads)
    no_memory = reader.state_dict()
    no_memory["rnn.weight_hh_l0"] = np.zeros_like(no_memory["rnn.weight_hh_l0"])

    def accuracy(state):
        answers = numpy_forward(state, x[64:])[0][:, -1].argmax(-1)
        return answers, np.mean(answers == first[64:])

    _, trained_acc = accuracy(reader.state_dict())
    _, untrained_acc = accuracy(untrained.state_dict())
    answers, no_memory_acc = accuracy(no_memory)
    assert trained_acc == 1.0
    # without W_h the last state is a function of the last letter: one answer per last letter
    assert all(len(set(answers[ids[64:, -1] == letter])) <= 1 for letter in range(4))
    line = printed["nb05_exercise_7"].splitlines()[-1]
    assert line == (f"held-out accuracy, trained: {trained_acc:.0%}   always 'o': 19%   "
                    f"untrained: {untrained_acc:.0%}   trained, no memory: {no_memory_acc:.0%}")
    # the answer cell's words: near a guess among four
    assert (round(untrained_acc * 100), round(no_memory_acc * 100)) == (25, 31)
