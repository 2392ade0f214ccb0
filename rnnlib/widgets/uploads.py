"""Files a user hands to the explorer app, read or refused with one clear sentence.

    text = text_from_upload("notes.txt", data)            # str, or UploadProblem
    model, vocab, meta = checkpoint_from_upload("m.npz", data)

UploadProblem is a ValueError whose message is meant for the page as it is: what the file is,
why it cannot be used, and what to do instead. Nothing here prints or shows a traceback.
"""
from __future__ import annotations

import codecs
import os
import tempfile

from ..checkpoint import load, load_metadata
from ..models import SequenceModel
from ..text import Vocab

# The largest text file accepted: 5 MB. It travels from the browser to the kernel in one
# message, and a character model of this course reads about a million characters in minutes:
# a larger file would only be cut.
MAX_TEXT_BYTES = 5 * 10**6
# The largest checkpoint accepted: 50 MB, some thousand times the course's character models.
MAX_CHECKPOINT_BYTES = 50 * 10**6
# Characters other than tab, newline, carriage return and form feed below U+0020: a share of
# more than this in a text means a binary file that happens to decode.
CONTROL_SHARE = 0.05


class UploadProblem(ValueError):
    """A file the app cannot use; str(problem) is the sentence the page shows."""


def _size(n):
    if n < 10**4:
        return f"{n:,} bytes"
    return f"{n / 1e6:.2g} MB" if n >= 10**6 else f"{n / 1e3:.3g} kB"


def _bytes(data, name):
    if isinstance(data, memoryview):
        data = data.tobytes()
    if not isinstance(data, (bytes, bytearray)):
        raise UploadProblem(f"{name}: the upload holds {type(data).__name__}, not the bytes of a "
                            f"file. Choose the file again.")
    return bytes(data)


def text_from_upload(name, data, max_bytes=MAX_TEXT_BYTES):
    """The text of an uploaded file (UTF-8, a byte-order mark dropped, Windows and old Mac line
    ends turned into newlines), or UploadProblem saying why it is not one."""
    data = _bytes(data, name)
    if not data:
        raise UploadProblem(f"{name} is empty (0 bytes): there is no text to read. Choose a "
                            f".txt file with some text in it.")
    if len(data) > max_bytes:
        raise UploadProblem(f"{name} is {_size(len(data))}; the page accepts text files up to "
                            f"{_size(max_bytes)} (a model of this course reads about a million "
                            f"characters in minutes, so more would only be cut). Upload a part "
                            f"of it.")
    if data[:4] == b"PK\x03\x04" or data[:6] == b"\x93NUMPY":
        raise UploadProblem(f"{name} is a .npz or .npy file (numpy arrays), not text. Open a "
                            f"checkpoint with the checkpoint button; this one takes a .txt file.")
    if b"\x00" in data[:65536]:
        at = data.index(b"\x00")
        raise UploadProblem(f"{name} is a binary file, not text: its byte {at:,} is 0 (NUL), "
                            f"which no text file holds. Choose a plain-text file (.txt, saved "
                            f"as UTF-8).")
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        bad = data[err.start:err.start + 4].hex(" ")
        raise UploadProblem(f"{name} is not UTF-8 text: the bytes at position {err.start:,} "
                            f"(line {line}) read {bad}, which UTF-8 does not allow. It was "
                            f"probably saved in another encoding (Latin-1 or Windows-1252, "
                            f"say). Save it again as UTF-8 (most editors offer this under "
                            f"Save As) and upload it again.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for c in text if c < " " and c not in "\t\n\f")
    if controls > CONTROL_SHARE * len(text):
        raise UploadProblem(f"{name} looks like a binary file, not text: {controls:,} of its "
                            f"{len(text):,} characters are control codes. Choose a plain-text "
                            f"file (.txt, saved as UTF-8).")
    if not text.strip():
        raise UploadProblem(f"{name} holds only spaces and line breaks ({len(text):,} of them): "
                            f"there is nothing to read. Choose a file with some text in it.")
    return text


def checkpoint_from_upload(name, data, max_bytes=MAX_CHECKPOINT_BYTES):
    """(model, vocab, metadata) of an uploaded checkpoint written by rnnlib.save, for a character
    model that records its vocabulary; UploadProblem otherwise."""
    data = _bytes(data, name)
    if not data:
        raise UploadProblem(f"{name} is empty (0 bytes), not a checkpoint. Choose the .npz file "
                            f"that rnnlib.save (or python -m rnnlib.charlm train) wrote.")
    if len(data) > max_bytes:
        raise UploadProblem(f"{name} is {_size(len(data))}; the page opens checkpoints up to "
                            f"{_size(max_bytes)}, far more than a model of this course needs.")
    if data[:4] != b"PK\x03\x04":
        what = ("a single numpy array (np.save)" if data[:6] == b"\x93NUMPY" else
                "text" if _looks_like_text(data) else "not a .npz archive")
        raise UploadProblem(f"{name} is {what}, not a checkpoint (a .npz archive starts with the "
                            f"bytes PK). Choose the .npz file that rnnlib.save wrote; a text to "
                            f"explore or train on goes to the text button.")
    with tempfile.TemporaryDirectory(prefix="rnnlib_upload_") as folder:
        path = os.path.join(folder, "upload.npz")
        with open(path, "wb") as f:
            f.write(data)
        try:
            model = load(path)
            meta = load_metadata(path)
        except (ValueError, TypeError, OSError) as err:
            message = str(err).replace(path, name).removeprefix("load: ")
            raise UploadProblem(f"{name} cannot be opened: {message}") from None
    if not isinstance(model, SequenceModel):
        kind = type(model).__name__
        raise UploadProblem(f"{name} holds {'an' if kind[0] in 'AEFHILMNORSX' else 'a'} {kind}, "
                            f"a layer on its own, not a "
                            f"character model (a SequenceModel with its vocabulary). Choose a "
                            f"checkpoint written by python -m rnnlib.charlm train.")
    symbols = getattr(model, "symbols", None)
    if symbols is None:
        raise UploadProblem(f"{name} holds a SequenceModel without its vocabulary (the metadata "
                            f"has no 'symbols' with one character per input), so the page cannot "
                            f"tell which character is which. Save it with "
                            f"metadata={{'symbols': ''.join(vocab.symbols)}}.")
    if model.output_size != model.input_size:
        raise UploadProblem(f"{name} holds a model with {model.input_size} inputs and "
                            f"{model.output_size} outputs; a character model predicts one score "
                            f"per character it reads, so both should be {model.input_size}.")
    vocab = Vocab(symbols)
    if vocab.symbols != tuple(symbols):
        raise UploadProblem(f"{name}: its vocabulary {symbols!r} repeats a character, so the "
                            f"page cannot tell which input is which.")
    return model, vocab, meta


def _looks_like_text(data):
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[:4096], final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data[:4096]
