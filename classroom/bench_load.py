"""How many students can run notebook 04 at the same moment on this machine before a cell waits
more than 2 s?

    python classroom/bench_load.py                 # N = 1, 2, 3, 4, 6, 8 at once
    python classroom/bench_load.py --counts 1 4 12

The worst case of a class: N kernels (one per student's server; the servers themselves idle)
run the teacher's edition of notebook 04 top to bottom, all started together. A cell's wait
is how much longer it takes than the same cell in one kernel alone (the median of three solo
runs), measured from nbclient's own timestamps (execute_input to execute_reply). The figure is
the largest N whose longest wait stays under 2 s. The kernels run as this user, not through
the hub: on one machine the hub, the proxy and idle servers cost next to nothing beside them,
and a student's notebook is their kernel's work.
"""
import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "04_backprop_through_time.ipynb"
LIMIT_S = 2.0


def _cell_times(_=None):
    """Run the notebook once in a fresh kernel; the seconds each code cell took."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(REPO)}}).execute()
    times = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            ex = cell.metadata.get("execution", {})
            start, end = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
            times.append((datetime.fromisoformat(end.replace("Z", "+00:00")) -
                          datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
                         if start and end else 0.0)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 2, 3, 4, 6, 8])
    args = parser.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    solo_runs = [_cell_times() for _ in range(3)]
    solo = [statistics.median(c) for c in zip(*solo_runs)]
    print(f"notebook 04 alone: {sum(solo):.1f} s of cells (median of 3), "
          f"load average before: {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    best = 0
    for n in args.counts:
        t0 = time.monotonic()
        with ProcessPoolExecutor(n) as pool:
            runs = list(pool.map(_cell_times, range(n)))
        waits = [max(t - s for t, s in zip(run, solo)) for run in runs]
        print(f"{n:3d} at once: longest wait of a cell {max(waits):5.2f} s "
              f"(median over students {statistics.median(waits):.2f} s), "
              f"whole notebook {time.monotonic() - t0:5.1f} s")
        if max(waits) <= LIMIT_S:
            best = n
        else:
            break
    print(f"largest number at once with every cell waiting at most {LIMIT_S:.0f} s: {best}")


if __name__ == "__main__":
    main()
