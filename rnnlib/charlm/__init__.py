"""Train a character language model on your own text, then sample from it.

    python -m rnnlib.charlm train FILE.txt --save MODEL.npz        # about 2 minutes, a bar
    python -m rnnlib.charlm train FILE.txt --save MODEL.npz --cell gru --hidden 48 --updates 500
    python -m rnnlib.charlm sample MODEL.npz --prime "The " --temperature 0.8 -n 300

    model, report = train_on_text(text, cell="rnn", hidden=64, updates=None, minutes=None,
                                  seed=0, valid_fraction=0.1, callback=None, should_stop=None,
                                  save=None, source=None)
    report["perplexity"], report["baselines"]["bigram"], report["chars_per_second"]

The held-out text is the END of the file: its last valid_fraction of the characters, never
trained on. The model reads one character at a time (a one-hot vector over the file's
characters, sorted by code point) and predicts the next; its perplexity on the held-out text is
set against two models that only count, the unigram and the bigram of rnnlib.data.char_baselines,
fitted on the same training part and scored on the same held-out characters.

Training is tools/train_char_model.py's recipe: truncated backpropagation through time over
STREAMS parallel streams of the training text in windows of WINDOW characters (each window
starts from the state the previous one ended in; gradients stay inside the window), Adam with
gradient clipping by global norm and decoupled weight decay, one update per window, passes over
the text until the number of updates or the time budget is reached.

The checkpoint is an ordinary rnnlib checkpoint: rnnlib.load(path) gives the model with its
vocabulary (model.symbols) and the record of the characters it trained on (model.train_text:
{"file", "sha256", "chars": [0, n_train]}, the sha256 of the whole text in UTF-8: the file's
bytes, less a leading byte-order mark), and its metadata holds the settings, the held-out range
(test_text) and the scores. Same text, same seed, same --updates: the same weights and
metadata.

The core part (train_on_text and the checks) needs numpy alone; the command line shows a tqdm
progress bar when tqdm is installed (requirements.txt installs it) and trains without one when
it is not.

The parts, in reading order: recipe.py (the settings, the model, one update, the held-out
score), inputs.py (what a text file, a text and a save path must be, and the memory limit),
training.py (train_on_text), __main__.py (the command line).
"""
from .inputs import (BYTES_PER_CHAR, MAX_CHARS, MEMORY_LIMIT, MIN_HELD_OUT, MIN_TRAIN,
                     memory_needed, min_length, read_text, split_sizes, writable_path)
from .recipe import (CELLS, CLIP, DEFAULT_MINUTES, GATES, LR, STREAMS, WEIGHT_DECAY, WINDOW,
                     build_model, held_out_perplexity)
from .training import train_on_text

__all__ = ["BYTES_PER_CHAR", "CELLS", "CLIP", "DEFAULT_MINUTES", "GATES", "LR", "MAX_CHARS",
           "MEMORY_LIMIT", "MIN_HELD_OUT", "MIN_TRAIN", "STREAMS", "WEIGHT_DECAY", "WINDOW",
           "build_model", "held_out_perplexity", "main", "memory_needed", "min_length",
           "read_text", "split_sizes", "train_on_text", "writable_path"]


def __getattr__(name):
    # main lives in __main__.py and is imported only when asked for: imported here already,
    # python -m rnnlib.charlm would find it loaded before running it and warn about that.
    if name == "main":
        from .__main__ import main
        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
