"""rnnlib.RNN against a live torch.nn.RNN on random configurations (skipped without torch).

The course environment has no torch, so this file is skipped there and test_reference.py
(stored fixtures) does the checking. With torch installed, e.g.

    /work/refvenv/bin/python -m pytest -o addopts="" tests/test_live_torch.py

it draws 24 seeded configurations (layers, directions, bias, nonlinearity, batch_first,
padded lengths, h0 given or not, sizes down to 1) and compares the forward pass and every
gradient of loss = sum(output * dout) + sum(h_n * dh_n).
"""
import numpy as np
import pytest

import rnnlib

torch = pytest.importorskip("torch")
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

TOL = dict(rtol=1e-9, atol=1e-12)


def draw(seed):
    rng = np.random.default_rng(seed)
    c = dict(num_layers=int(rng.integers(1, 4)), bidirectional=bool(rng.random() < 0.5),
             bias=bool(rng.random() < 0.7), nonlinearity=str(rng.choice(["tanh", "relu"])),
             batch_first=bool(rng.random() < 0.5), use_lengths=bool(rng.random() < 0.5),
             use_h0=bool(rng.random() < 0.7),
             N=int(rng.integers(1, 5)), T=int(rng.integers(1, 7)), F=int(rng.integers(1, 6)),
             H=int(rng.integers(1, 5)))
    return c


def config_id(seed):
    c = draw(seed)
    return (f"{seed}-L{c['num_layers']}-{'bi' if c['bidirectional'] else 'uni'}-{c['nonlinearity']}"
            f"{'' if c['bias'] else '-nobias'}-{'bf' if c['batch_first'] else 'tf'}"
            f"{'-lengths' if c['use_lengths'] else ''}{'-h0' if c['use_h0'] else ''}"
            f"-N{c['N']}T{c['T']}F{c['F']}H{c['H']}")


SEEDS = range(24)


def test_configurations_cover_every_option():
    cs = [draw(s) for s in SEEDS]
    for key in ("bidirectional", "bias", "batch_first", "use_lengths", "use_h0"):
        assert {c[key] for c in cs} == {True, False}, key
    assert {c["num_layers"] for c in cs} == {1, 2, 3}
    assert {c["nonlinearity"] for c in cs} == {"tanh", "relu"}
    assert any(c["use_lengths"] and c["bidirectional"] and c["num_layers"] > 1 for c in cs)


@pytest.mark.parametrize("seed", SEEDS, ids=[config_id(s) for s in SEEDS])
def test_rnn_matches_torch(seed):
    c = draw(seed)
    rng = np.random.default_rng(1000 + seed)
    N, T, F, H = c["N"], c["T"], c["F"], c["H"]
    LD = c["num_layers"] * (2 if c["bidirectional"] else 1)
    kw = dict(num_layers=c["num_layers"], nonlinearity=c["nonlinearity"], bias=c["bias"],
              batch_first=c["batch_first"], bidirectional=c["bidirectional"])

    ours = rnnlib.RNN(F, H, seed=seed, **kw)
    ref = torch.nn.RNN(F, H, dtype=torch.float64, **kw)
    with torch.no_grad():                                   # torch takes rnnlib's weights
        for name, p in ref.named_parameters():
            p.copy_(torch.from_numpy(ours.params[name]))

    x = rng.standard_normal((N, T, F) if c["batch_first"] else (T, N, F))
    h0 = 0.5 * rng.standard_normal((LD, N, H)) if c["use_h0"] else None
    lengths = rng.integers(1, T + 1, size=N) if c["use_lengths"] else None
    out_shape = (N, T, LD // c["num_layers"] * H) if c["batch_first"] else (T, N, LD // c["num_layers"] * H)
    dout = rng.standard_normal(out_shape)
    dh_n = rng.standard_normal((LD, N, H))

    output, h_n = ours(x, h0, lengths=lengths)
    dx, dh0 = ours.backward(dout, dh_n, return_dh0=True)

    tx = torch.tensor(x, requires_grad=True)
    th0 = torch.tensor(h0, requires_grad=True) if h0 is not None else None
    if lengths is None:
        t_out, t_hn = ref(tx, th0)
    else:
        packed = pack_padded_sequence(tx, torch.from_numpy(lengths), batch_first=c["batch_first"],
                                      enforce_sorted=False)
        t_packed, t_hn = ref(packed, th0)
        t_out, _ = pad_packed_sequence(t_packed, batch_first=c["batch_first"], total_length=T)
    loss = (t_out * torch.from_numpy(dout)).sum() + (t_hn * torch.from_numpy(dh_n)).sum()
    loss.backward()

    np.testing.assert_allclose(output, t_out.detach().numpy(), **TOL)
    np.testing.assert_allclose(h_n, t_hn.detach().numpy(), **TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **TOL)
    if th0 is not None:
        np.testing.assert_allclose(dh0, th0.grad.numpy(), **TOL)
    grads = dict(ref.named_parameters())
    assert set(ours.grads) == set(grads)
    for name, g in ours.grads.items():
        np.testing.assert_allclose(g, grads[name].grad.numpy(), err_msg=name, **TOL)
