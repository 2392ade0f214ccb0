"""Property: whatever a learner's function returns (nothing, a number, arrays of any shape and
dtype holding nan, inf, complex or huge values, tuples of those), every check answers with True
or with a diagnosis; it never crashes with an error of its own, and no warning gets out.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnnlib.checks  # noqa: F401 - fills the registry
from rnnlib.checks import _core

CHECKS = sorted(_core.REGISTRY)

values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(1e308),
                   st.just(-0.0), st.integers(-3, 3))
arrays = st.one_of(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=5), elements=values),
    hnp.arrays(np.complex128, hnp.array_shapes(max_dims=2, max_side=4)),
    hnp.arrays(np.int64, hnp.array_shapes(max_dims=2, max_side=4)),
    hnp.arrays(np.bool_, hnp.array_shapes(max_dims=2, max_side=4)),
    hnp.arrays(np.float32, hnp.array_shapes(max_dims=3, max_side=4)))
leaves = st.one_of(st.none(), values, arrays, st.text(max_size=3), st.just({}))
results = st.one_of(leaves, st.lists(leaves, max_size=7).map(tuple), st.lists(leaves, max_size=4))


@pytest.mark.filterwarnings("error")          # no warning reaches the learner either
@pytest.mark.parametrize("name", CHECKS)
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(result=results)
def test_a_check_answers_any_return_value_without_crashing(name, result, capsys):
    def answer(*args, **kwargs):
        return result
    capsys.readouterr()                         # what an earlier example printed
    ok = _core.REGISTRY[name](answer, raise_error=False)
    out = capsys.readouterr().out
    assert ok in (True, False)
    assert out.startswith(name + ":"), out
    assert "Traceback" not in out
