"""python -m rnnlib.charlm: bad input gets one line on stderr and exit code 2 (never a
traceback), and a round trip trains on a small file, loads, samples and explores the model.

Expected values come from outside the code under test: the held-out split is computed here
from the file's characters, the baselines with rnnlib.data.char_baselines on that split, the
perplexity with rnnlib.perplexity (a one-hot forward over the whole text, not the chunked
reader the command uses), and "never trained on" from the weights themselves: the input
weights of a character that only occurs in the held-out part get no gradient, so they are
their initial values times the weight decay's shrink, (1 - lr * decay) ** updates.
"""
import concurrent.futures
import hashlib
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import rnnlib
from rnnlib import charlm
from rnnlib.data import char_baselines, structured_text, text_features
from rnnlib.explore import feature_correlations, select_units

UPDATES = 6


def run(*args, cwd=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "rnnlib.charlm", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result, *words):
    """Exit code 2, nothing on stdout, exactly one line on stderr, no traceback; the line
    holds each of words (case-insensitive)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    for w in words:
        assert w.lower() in lines[0].lower(), (w, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A 6,000-character text whose held-out end (the last 600) holds the only '@' and 'Q'."""
    folder = tmp_path_factory.mktemp("charlm")
    body = structured_text(5400, seed=3).text
    assert "@" not in body and "Q" not in body
    held = structured_text(600, seed=4).text
    held = held[:100] + "@Q@" + held[103:]
    text = body + held
    path = folder / "small.txt"
    path.write_text(text, encoding="utf-8")
    return folder, path, text


@pytest.fixture(scope="module")
def trained(small):
    folder, path, text = small
    out = folder / "model.npz"
    result = run("train", path, "--save", out, "--updates", UPDATES, "--seed", 1)
    assert result.returncode == 0, result.stderr
    return out, result


# --- bad input: one line, exit code 2 --------------------------------------------------------
# Every case is one command, run from the folder the `bad` fixture fills; the commands run four
# at a time (each is a fresh interpreter that mostly waits for its imports), then each test
# reads its own result. Case -> (arguments, words its one line must hold).

CASES = {
    "missing file": (["train", "nope.txt", "--save", "m.npz"], ["no file", "nope.txt"]),
    "empty file": (["train", "empty.txt", "--save", "m.npz"], ["empty"]),
    # the first NUL is byte 6, right after the GIF header
    "binary file": (["train", "pic.txt", "--save", "m.npz"], ["binary", "NUL", "byte 6"]),
    # "caf\xe9": byte 3 is latin-1's e-acute, which UTF-8 cannot start a character with
    "non-UTF-8 file": (["train", "latin.txt", "--save", "m.npz"], ["not UTF-8", "byte 3", "0xe9"]),
    # valid_fraction 0.1 holds out floor(n / 10) >= 20 characters, so n >= 200; the training
    # part then has 180 >= 65 characters: the minimum is 200, and 199 is refused
    "too short": (["train", "short.txt", "--save", "m.npz"], ["199 characters", "at least 200"]),
    # 0.9 holds out floor(0.9 n) and 65 must remain: 641 keeps 641 - 576 = 65, 640 only 64
    "too short for 0.9": (["train", "short.txt", "--save", "m.npz", "--valid-fraction", "0.9"],
                          ["at least 641"]),
    # a sparse file of 13 MB: nothing on disk, but 13 million characters x 160 bytes > 2 GB
    "too large": (["train", "big.txt", "--save", "m.npz"],
                  ["2.00 GB", "160 bytes", "13,000,000 characters", "not read"]),
    "model too large": (["train", "small.txt", "--save", "m.npz", "--hidden", "20000"],
                        ["memory", "hidden size 20000", "2.00 GB"]),
    "save: missing folder": (["train", "small.txt", "--save", "missing/m.npz"], ["save", "exist"]),
    "save: a folder": (["train", "small.txt", "--save", "folder.npz"], ["save", "folder"]),
    "save: under a file": (["train", "small.txt", "--save", "file.txt/m.npz"], ["save"]),
    "save: not .npz": (["train", "small.txt", "--save", "m.txt"], ["save", ".npz"]),
    "save: not writable": (["train", "small.txt", "--save", "/proc/m.npz"], ["save", "/proc"]),
    "hidden -3": (["train", "small.txt", "--save", "m.npz", "--hidden", "-3"], ["--hidden", "-3"]),
    "hidden abc": (["train", "small.txt", "--save", "m.npz", "--hidden", "abc"],
                   ["--hidden", "whole number"]),
    "fraction 0": (["train", "small.txt", "--save", "m.npz", "--valid-fraction", "0"],
                   ["--valid-fraction", "between 0 and 1"]),
    "fraction 1": (["train", "small.txt", "--save", "m.npz", "--valid-fraction", "1"],
                   ["--valid-fraction"]),
    "fraction 1.5": (["train", "small.txt", "--save", "m.npz", "--valid-fraction", "1.5"],
                     ["--valid-fraction"]),
    "updates 0": (["train", "small.txt", "--save", "m.npz", "--updates", "0"], ["--updates"]),
    "minutes -1": (["train", "small.txt", "--save", "m.npz", "--minutes", "-1"],
                   ["--minutes", "positive"]),
    "seed -1": (["train", "small.txt", "--save", "m.npz", "--seed", "-1"], ["--seed"]),
    "cell": (["train", "small.txt", "--save", "m.npz", "--cell", "transformer"],
             ["--cell", "rnn, lstm, gru"]),
    "minutes and updates": (["train", "small.txt", "--save", "m.npz", "--minutes", "1",
                             "--updates", "3"], ["not allowed with"]),
    "temperature 0": (["sample", "model.npz", "--temperature", "0"], ["--temperature", "positive"]),
    "temperature -0.5": (["sample", "model.npz", "--temperature", "-0.5"], ["--temperature"]),
    "temperature nan": (["sample", "model.npz", "--temperature", "nan"], ["--temperature"]),
    "n -5": (["sample", "model.npz", "-n", "-5"], ["-n"]),
    "prime not in vocabulary": (["sample", "model.npz", "--prime", "caf\u00e9"],
                                ["--prime", "character 3", "not in the model's vocabulary"]),
    "prime empty": (["sample", "model.npz", "--prime", ""], ["--prime"]),
    "npz of arrays": (["sample", "arrays.npz"], ["not an rnnlib checkpoint"]),
    "text named .npz": (["sample", "text.npz"], ["not an rnnlib checkpoint"]),
    "no checkpoint": (["sample", "absent.npz"], ["no file"]),
    "checkpoint of a layer": (["sample", "rnn.npz"], ["not a character model"]),
}


@pytest.fixture(scope="module")
def bad(tmp_path_factory, small, trained):
    """{case: CompletedProcess} for every case of CASES, run in a folder of bad inputs."""
    folder = tmp_path_factory.mktemp("bad")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "pic.txt").write_bytes(b"GIF89a" + bytes(range(256)) * 4)
    (folder / "latin.txt").write_bytes(("caf\xe9 " * 100).encode("latin-1"))
    (folder / "short.txt").write_text("ab" * 99 + "c")
    with open(folder / "big.txt", "wb") as f:
        f.truncate(13 * 10**6)
    (folder / "small.txt").write_text(small[2])
    (folder / "folder.npz").mkdir()
    (folder / "file.txt").write_text("x")
    (folder / "model.npz").write_bytes(trained[0].read_bytes())
    np.savez(folder / "arrays.npz", a=np.arange(3))
    (folder / "text.npz").write_text("hello")
    rnnlib.save(rnnlib.RNN(3, 4, seed=0), folder / "rnn.npz")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = {case: pool.submit(run, *args, cwd=folder) for case, (args, _) in CASES.items()}
        results = {case: f.result() for case, f in futures.items()}
    results["folder"] = folder
    return results


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_and_exit_code_2(bad, case):
    assert_one_line_error(bad[case], *CASES[case][1])


def test_bad_input_writes_nothing(bad):
    """The save path is checked before anything else, so a refused run leaves no file and no
    folder behind; the progress bar is never drawn (the one line is all of stderr)."""
    folder = bad["folder"]
    assert not (folder / "m.npz").exists() and not (folder / "missing").exists()
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        ["empty.txt", "pic.txt", "latin.txt", "short.txt", "big.txt", "small.txt", "folder.npz",
         "file.txt", "model.npz", "arrays.npz", "text.npz", "rnn.npz"])
    assert not any(folder.glob(".charlm-check.*"))          # the write test left nothing


def test_minimum_lengths():
    # 0.5: 129 keeps 129 - 64 = 65 (128: 64); 0.05: 20 held out needs 0.05 n >= 20, n >= 400
    assert [charlm.min_length(f) for f in (0.1, 0.5, 0.9, 0.05)] == [200, 129, 641, 400]


def test_library_function_checks_its_arguments(tmp_path):
    text = structured_text(1000, seed=0).text
    with pytest.raises(ValueError, match="valid_fraction should be between 0 and 1"):
        charlm.train_on_text(text, valid_fraction=1.0)
    with pytest.raises(ValueError, match="hidden should be a positive whole number"):
        charlm.train_on_text(text, hidden=0)
    with pytest.raises(ValueError, match="at least 200"):
        charlm.train_on_text(text[:150])
    with pytest.raises(TypeError, match="should_stop should be a function"):
        charlm.train_on_text(text, should_stop=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        charlm.train_on_text(text, updates=1, save=tmp_path / "no" / "m.npz")


# --- the round trip -----------------------------------------------------------------------

def test_round_trip_load_sample_explore(small, trained):
    folder, path, text = small
    out, result = trained
    assert "Traceback" not in result.stderr
    summary = result.stdout
    assert "held-out perplexity" in summary and "unigram" in summary and "bigram" in summary
    assert f"wrote {out}" in summary

    model = rnnlib.load(out)
    meta = rnnlib.load_metadata(out)
    vocab = rnnlib.Vocab(model.symbols)
    assert model.symbols == "".join(sorted(set(text)))           # every character of the file
    assert meta["settings"]["cell"] == "rnn" and meta["settings"]["hidden"] == 64
    assert meta["updates_done"] == UPDATES

    n_train = len(text) - len(text) // 10                          # the last tenth held out
    held = text[n_train:]
    assert model.train_text["chars"] == [0, n_train]
    assert model.train_text["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert model.train_text["file"] == "small.txt"
    assert meta["test_text"]["chars"] == [n_train, len(text)]
    expected = char_baselines(text[:n_train], held)
    assert meta["baselines"] == pytest.approx(expected, rel=1e-12)
    assert meta["perplexity"] == pytest.approx(rnnlib.perplexity(model, vocab, held), rel=1e-9)
    assert f"{meta['perplexity']:.3f}" in summary and f"{expected['bigram']:.3f}" in summary

    drawn = rnnlib.sample(model, vocab, "(", 50, temperature=0.8, seed=0)
    assert len(drawn) == 50 and set(drawn) <= set(vocab.symbols)
    printed = run("sample", out, "--prime", "(", "-n", 50, "--temperature", 0.8, "--seed", 0)
    assert printed.returncode == 0 and printed.stdout == "(" + drawn + "\n"

    states = rnnlib.hidden_states(model, vocab, held)                # (T, H)
    assert states.shape == (len(held), 64) and np.all(np.abs(states) < 1)
    r = feature_correlations(states, {"depth": text_features(held)["depth"]})["depth"]
    assert r.shape == (64,)
    select_units(states, 10, 20, 0.5)


def test_held_out_characters_were_never_read(small, trained):
    """'@' and 'Q' occur only in the held-out end. A character never read as input gets no
    gradient in its input weights, so Adam leaves them alone (its moments stay 0) and only the
    decay shrinks them: initial * (1 - lr * decay) ** updates. Characters that were read have
    moved further."""
    _, _, text = small
    model = rnnlib.load(trained[0])
    V = len(model.symbols)
    init = rnnlib.SequenceModel(V, 64, V, nonlinearity="tanh", seed=1)
    shrink = (1 - charlm.LR * charlm.WEIGHT_DECAY) ** UPDATES
    w, w0 = model.params["rnn.weight_ih_l0"], init.params["rnn.weight_ih_l0"]    # (H, V)
    for c in "@Q":
        k = model.symbols.index(c)
        np.testing.assert_allclose(w[:, k], w0[:, k] * shrink, rtol=1e-12, atol=0)
    for c in "(x":
        k = model.symbols.index(c)
        assert np.abs(w[:, k] - w0[:, k] * shrink).max() > 1e-3


def test_same_seed_same_model_other_seed_other_model(small, trained):
    folder, path, _ = small
    again = folder / "again.npz"
    assert run("train", path, "--save", again, "--updates", UPDATES, "--seed", 1).returncode == 0
    assert again.read_bytes() == trained[0].read_bytes()          # the same file, byte for byte
    first = rnnlib.load(trained[0])
    text = path.read_text()
    other, _ = charlm.train_on_text(text, updates=UPDATES, seed=2)
    assert not np.array_equal(other.params["rnn.weight_hh_l0"], first.params["rnn.weight_hh_l0"])


def test_library_function_for_the_app(small):
    """train_on_text with a callback and a stop button: stops where asked, keeps the updates
    done, and its report holds what the app shows."""
    _, _, text = small
    seen = []
    model, report = charlm.train_on_text(text, cell="gru", hidden=8, updates=50,
                                         callback=seen.append,
                                         should_stop=lambda: len(seen) >= 3)
    assert [p["update"] for p in seen] == [1, 2, 3]
    assert report["updates"] == 3 and report["stopped"] == "asked"
    assert report["chars_trained"] == 3 * report["settings"]["streams"] * charlm.WINDOW
    assert set(report["baselines"]) == {"uniform", "unigram", "bigram"}
    assert report["chars_per_second"] > 0 and model.cell == "gru"


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_chunked_perplexity_is_the_perplexity(small, cell):
    """The held-out reader carries the state (for the LSTM the pair h, c) across chunks: its
    score in chunks of 7 is rnnlib.perplexity's, which reads the whole text at once."""
    text = small[2][-300:]
    vocab = rnnlib.Vocab(text, order="sorted")
    model = charlm.build_model(len(vocab), 5, cell, seed=0)
    got = charlm.held_out_perplexity(model, vocab.encode(text), chunk=7)
    assert got == pytest.approx(rnnlib.perplexity(model, vocab, text), rel=1e-12)


def test_memory_estimate_covers_the_measured_peak():
    """memory_needed, computed from sizes, against what tracemalloc sees numpy and Python
    allocate, with most of the text held out (the baselines' counting is the largest part)."""
    import tracemalloc
    text = structured_text(20_000, seed=5).text
    need = charlm.memory_needed(len(text), len(set(text)), 64, "rnn")
    tracemalloc.start()
    try:
        charlm.train_on_text(text, updates=1, valid_fraction=0.9)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak + 2 * len(text) < need                # + the file's bytes and the str


def test_trains_without_tqdm(small, tmp_path):
    """tqdm only draws the bar: with it missing (imports refused, as if not installed) the
    command trains, prints its summary and draws nothing."""
    code = textwrap.dedent(f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "tqdm":
                    raise ModuleNotFoundError("No module named 'tqdm'", name=name)
        sys.meta_path.insert(0, Block())
        from rnnlib.charlm import main
        sys.exit(main(["train", {str(small[1])!r}, "--save", {str(tmp_path / "m.npz")!r},
                       "--updates", "2"]))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and "held-out perplexity" in result.stdout
    assert rnnlib.load_metadata(tmp_path / "m.npz")["updates_done"] == 2


def test_ctrl_c_saves_the_model_trained_so_far(small, tmp_path):
    out = tmp_path / "stopped.npz"
    proc = subprocess.Popen([sys.executable, "-m", "rnnlib.charlm", "train", str(small[1]),
                             "--save", str(out), "--minutes", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stderr.read(1)                    # the bar is drawn after the Ctrl-C handler is set
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "stopped by Ctrl-C" in stdout
    meta = rnnlib.load_metadata(out)
    assert meta["updates_done"] < 100
