"""Reference values for notebook 02: Keras' SimpleRNN with 2 units on "hello" in one-hot, as in
the tutorial "RNN Basic" (TensorFlow / Keras). Writes assets/reference/keras_hello.npz.

Needs Keras 3 on its torch backend (the course itself never does):

    python tools/make_keras_hello.py            # writes the file
    python tools/make_keras_hello.py --check    # recomputes and compares with the file

One layer, keras.layers.SimpleRNN(units=2) with Keras' own initialisation (seeded), is called on
three inputs, each with all four combinations of return_sequences and return_state:

    h       "h" alone                       (1, 1, 4)
    hello   "hello"                         (1, 5, 4)
    batch   "hello", "eolll", "lleel"       (3, 5, 4)

with the vocabulary h, e, l, o = 0, 1, 2, 3. The file holds
config                       0-d str array with JSON (units, vocabulary, texts, made_with)
kernel (4, 2), recurrent_kernel (2, 2), bias (2,)      the layer's get_weights()
x.<name>                     the one-hot input
<name>.seq<S>.state<R>.0     the first (or only) array Keras returned, S, R in {0, 1}
<name>.seq<S>.state<R>.1     the state, only when return_state=True
"""
from __future__ import annotations

import argparse
import io
import json
import os
import pathlib
import sys

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_reference import _keras_float64  # noqa: E402

keras.config.set_floatx("float64")
PATH = pathlib.Path(__file__).resolve().parent.parent / "assets" / "reference" / "keras_hello.npz"
SYMBOLS = "helo"
INPUTS = {"h": ["h"], "hello": ["hello"], "batch": ["hello", "eolll", "lleel"]}


def one_hot(words):
    return np.eye(len(SYMBOLS))[[[SYMBOLS.index(c) for c in w] for w in words]]   # (N, T, 4)


def compute():
    keras.utils.set_random_seed(2020)
    layer = keras.layers.SimpleRNN(units=2)
    layer.build((None, None, len(SYMBOLS)))
    kernel, recurrent_kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    arrays = {"kernel": kernel, "recurrent_kernel": recurrent_kernel, "bias": bias}
    for name, words in INPUTS.items():
        x = one_hot(words)
        arrays[f"x.{name}"] = x
        for seq in (0, 1):
            for state in (0, 1):
                rnn = keras.layers.SimpleRNN(units=2, return_sequences=bool(seq), return_state=bool(state))
                rnn.build(x.shape)
                rnn.set_weights([kernel, recurrent_kernel, bias])
                with _keras_float64():
                    out = rnn(x)
                out = out if state else [out]
                for i, a in enumerate(out):
                    arrays[f"{name}.seq{seq}.state{state}.{i}"] = keras.ops.convert_to_numpy(a)
    config = dict(units=2, symbols=SYMBOLS, inputs=INPUTS, seed=2020,
                  made_with=f"keras {keras.__version__} (torch backend), numpy {np.__version__}")
    return config, arrays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the file, write nothing")
    args = parser.parse_args(argv)
    config, arrays = compute()
    if args.check:
        with np.load(PATH, allow_pickle=False) as old:
            same = set(old.files) == set(arrays) | {"config"} and all(
                np.array_equal(old[k], a) for k, a in arrays.items())
        print(f"{PATH.name}: {'same' if same else 'DIFFERENT'}")
        return 0 if same else 1
    buf = io.BytesIO()
    np.savez(buf, config=np.array(json.dumps(config, sort_keys=True)), **arrays)
    PATH.write_bytes(buf.getvalue())
    print(f"wrote {PATH.relative_to(PATH.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
