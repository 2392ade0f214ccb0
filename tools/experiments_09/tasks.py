"""The three long-memory tasks of notebook 09's "the remedy", and what guessing scores on each.

Every generator takes a numpy Generator and returns a batch of fresh sequences, batch-first:

    x, y = memory_batch(rng, n, gap)   # x (n, gap + 1, 8) one-hot, y (n,) in 0..3
    x, y = adding_batch(rng, n, T)     # x (n, T, 2) (value, marker), y (n, 1) the marked sum
    x, y = copy_batch(rng, n, T)       # x (n, T + 20, 10) one-hot, y (n, T + 20) in 0..8

and the level a model reaches without memory:

    MEMORY_CHANCE_ACCURACY = 0.25      # guess one of the four symbols
    ADDING_CHANCE_MSE = 1 / 6          # always answer 1, the mean of the sum
    copy_baseline_ce(T)                # blanks, then a uniform guess over the 8 symbols
"""
import numpy as np

# --- notebook 06's memory task, as tools/experiments_06/memory_task.py --same draws it ---------
SIGNALS = 4                       # A, B, C, D: ids 0..3
MEMORY_V = 8                      # memory_task.py's one-hot width (E..H are never drawn here;
                                  # notebook 06 itself reads 4 columns)
MEMORY_CHANCE_ACCURACY = 1 / SIGNALS


def memory_batch(rng, n, gap, same=True):
    """Step 0 one of A..D, then `gap` distractors drawn from A..D too; the target is step 0.

    The same draws, in the same order, as tools/experiments_06/memory_task.py's
    memory_batch(rng, n, gap, same=True): x (n, gap + 1, 8) one-hot, y (n,) in 0..3.
    same=False draws the distractors from E..H instead (memory_task.py's default, an easier
    setting where the first symbol is the only one of its kind; notebook 06 does not use it).
    """
    y = rng.integers(0, SIGNALS, n)
    lo = 0 if same else SIGNALS
    ids = np.concatenate([y[:, None], rng.integers(lo, lo + SIGNALS, (n, gap))], axis=1)
    return np.eye(MEMORY_V)[ids], y


# --- the adding problem ----------------------------------------------------------------------
ADDING_CHANCE_MSE = 1 / 6
"""Answering the constant 1 (the mean of u1 + u2): E[(u1 + u2 - 1)^2] = Var(u1) + Var(u2) = 2/12."""


def adding_batch(rng, n, T):
    """x[:, t] = (u_t, m_t): u_t uniform in [0, 1], m_t = 1 at two steps, 0 elsewhere.

    As in Arjovsky et al. 2016's code: one marker uniform in the first half of the sequence,
    one in the second, so the first marked value lies T/2 to T - 1 steps before the last step,
    where the answer is read. Target y (n, 1) = the sum of the two marked values.
    """
    u = rng.random((n, T))
    first = rng.integers(0, T // 2, n)
    second = rng.integers(T // 2, T, n)
    m = np.zeros((n, T))
    rows = np.arange(n)
    m[rows, first] = 1.0
    m[rows, second] = 1.0
    y = (u[rows, first] + u[rows, second])[:, None]
    return np.stack([u, m], axis=-1), y


# --- the copy task ---------------------------------------------------------------------------
COPY_SYMBOLS = 8                  # ids 0..7
COPY_LENGTH = 10                  # how many symbols to remember
BLANK, DELIMITER = 8, 9           # input ids; the output classes are 0..8 (the 8 symbols, blank)
COPY_IN, COPY_OUT = 10, 9


def copy_batch(rng, n, T):
    """Arjovsky et al. 2016: 10 symbols, T - 1 blanks, the delimiter, 10 blanks (T + 20 steps).

    The target is blank for the first T + 10 steps, then the 10 symbols in order.
    x (n, T + 20, 10) one-hot, y (n, T + 20) ids in 0..8.
    """
    L = T + 2 * COPY_LENGTH
    s = rng.integers(0, COPY_SYMBOLS, (n, COPY_LENGTH))
    ids = np.full((n, L), BLANK)
    ids[:, :COPY_LENGTH] = s
    ids[:, COPY_LENGTH + T - 1] = DELIMITER
    y = np.full((n, L), BLANK)
    y[:, -COPY_LENGTH:] = s
    return np.eye(COPY_IN)[ids], y


def copy_baseline_ce(T):
    """Cross-entropy per step of the memoryless baseline: certain blanks for T + 10 steps, then
    probability 1/8 for each symbol: 10 log(8) / (T + 20)."""
    return COPY_LENGTH * np.log(COPY_SYMBOLS) / (T + 2 * COPY_LENGTH)
