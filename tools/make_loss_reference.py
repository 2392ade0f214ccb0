"""Reference values of torch's losses for tests/test_losses.py (torch is never imported there).

Run in an environment with torch (the course's reference venv), from the repository root:

    python tools/make_loss_reference.py

Writes assets/reference/losses_torch.npz, float64 throughout:

    ce.logits (N, T, V), ce.targets (N, T) int64, ce.mask (N, T) bool
    ce.loss, ce.dlogits          F.cross_entropy over every step, and its autograd gradient
    ce_masked.loss, ce_masked.dlogits   the same with padded steps given ignore_index
    mse.pred, mse.target (N, T, O), mse.loss, mse.dpred   F.mse_loss (mean) and its gradient
    config                       0-d str array, JSON with the torch version
"""
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

IGNORE = -100


def main():
    rng = np.random.default_rng(7)
    N, T, V, O = 3, 4, 5, 2
    logits = rng.normal(scale=3.0, size=(N, T, V))
    targets = rng.integers(0, V, size=(N, T))
    mask = np.arange(T)[None, :] < np.array([4, 2, 3])[:, None]
    out = {"ce.logits": logits, "ce.targets": targets.astype(np.int64), "ce.mask": mask}

    for name, tgt in (("ce", targets), ("ce_masked", np.where(mask, targets, IGNORE))):
        z = torch.tensor(logits, requires_grad=True)
        loss = F.cross_entropy(z.reshape(-1, V), torch.tensor(tgt).reshape(-1), ignore_index=IGNORE)
        loss.backward()
        out[f"{name}.loss"] = np.array(loss.item())
        out[f"{name}.dlogits"] = z.grad.numpy().copy()

    pred = rng.normal(size=(N, T, O))
    target = rng.normal(size=(N, T, O))
    p = torch.tensor(pred, requires_grad=True)
    loss = F.mse_loss(p, torch.tensor(target))
    loss.backward()
    out |= {"mse.pred": pred, "mse.target": target, "mse.loss": np.array(loss.item()),
            "mse.dpred": p.grad.numpy().copy()}

    out["config"] = np.array(json.dumps({"torch": torch.__version__, "ignore_index": IGNORE}))
    path = Path(__file__).resolve().parent.parent / "assets" / "reference" / "losses_torch.npz"
    np.savez(path, **out)
    print(f"wrote {path.name}: {len(out)} arrays")


if __name__ == "__main__":
    main()
