"""Reference trajectories of torch.optim for tests/test_optim.py (torch is never imported there).

Run in an environment with torch (the course's reference venv), from the repository root:

    python tools/make_optim_reference.py

Two parameter arrays start from fixed values; each optimiser then takes STEPS steps, with a
fixed, pre-drawn gradient at every step (p.grad is set by hand, so the trajectories test the
update rules alone). Writes assets/reference/optim_torch.npz, float64 throughout:

    p0.<name>             the starting values, for name in NAMES
    grad.<name>           (STEPS, *shape) the gradient given at each step
    traj.<opt>.<name>     (STEPS, *shape) the parameter after each step
    config                0-d str array, JSON: {opt: {"class": ..., "kwargs": {...}}}, steps, torch version
Also clip_grad_norm_ on the first step's gradients with max_norm = 1:
    clip.norm (0-d), clip.<name> the clipped gradients.
"""
import json
from pathlib import Path

import numpy as np
import torch

STEPS = 5
SHAPES = {"w": (3, 2), "b": (2,)}
OPTIMISERS = {
    "sgd": ("SGD", {"lr": 0.1}),
    "sgd_momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    "adagrad": ("Adagrad", {"lr": 0.1}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam_betas": ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}),
}


def main():
    rng = np.random.default_rng(2024)
    p0 = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    # gradients of mixed sizes, one entry exactly zero, so Adagrad/Adam see 0 / (0 + eps)
    grads = {k: rng.normal(scale=2.0, size=(STEPS,) + s) for k, s in SHAPES.items()}
    grads["b"][:, 1] = 0.0
    out = {f"p0.{k}": v for k, v in p0.items()} | {f"grad.{k}": v for k, v in grads.items()}

    for name, (cls, kwargs) in OPTIMISERS.items():
        params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p0.items()}
        opt = getattr(torch.optim, cls)(list(params.values()), **kwargs)
        traj = {k: [] for k in params}
        for s in range(STEPS):
            for k, p in params.items():
                p.grad = torch.tensor(grads[k][s], dtype=torch.float64)
            opt.step()
            for k, p in params.items():
                traj[k].append(p.detach().numpy().copy())
        for k in params:
            out[f"traj.{name}.{k}"] = np.stack(traj[k])

    clip = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p0.items()}
    for k, p in clip.items():
        p.grad = torch.tensor(grads[k][0], dtype=torch.float64)
    out["clip.norm"] = np.array(float(torch.nn.utils.clip_grad_norm_(list(clip.values()), max_norm=1.0)))
    for k, p in clip.items():
        out[f"clip.{k}"] = p.grad.numpy().copy()

    config = {"optimisers": {n: {"class": c, "kwargs": kw} for n, (c, kw) in OPTIMISERS.items()},
              "steps": STEPS, "clip_max_norm": 1.0, "torch": torch.__version__}
    out["config"] = np.array(json.dumps(config))
    path = Path(__file__).resolve().parent.parent / "assets" / "reference" / "optim_torch.npz"
    np.savez(path, **out)
    print(f"wrote {path.name}: {len(out)} arrays")


if __name__ == "__main__":
    main()
