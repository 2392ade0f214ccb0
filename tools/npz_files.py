"""Writing the reference .npz files so that a rerun gives the same bytes (numpy only)."""
from __future__ import annotations

import io
import zipfile

import numpy as np


def save_npz(path, arrays: dict) -> None:
    """np.savez_compressed's format, but with a fixed timestamp so reruns are byte-identical."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())
