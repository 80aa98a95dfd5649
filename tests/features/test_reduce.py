"""Principal components of a wide group: fitted on the named training rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError
from sentcast.features.reduce import reduce_groups, training_rows


def _frame(n: int = 40, dim: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(n, dim)), columns=[f"TextEmb_emb_{i}" for i in range(dim)]
    )
    frame.insert(0, "BTC_Close", np.arange(n, dtype=float))
    return frame


def test_components_replace_the_group_and_keep_other_columns() -> None:
    out = reduce_groups(_frame(), slice(0, 20), {"TextEmb": 3, "Absent": 2})
    assert list(out.columns) == ["BTC_Close", "TextEmb_pc1", "TextEmb_pc2", "TextEmb_pc3"]
    np.testing.assert_array_equal(out["BTC_Close"], np.arange(40.0))
    # centred on the training rows: the first 20 rows' components have mean 0
    np.testing.assert_allclose(out.iloc[:20, 1:].mean(), 0.0, atol=1e-12)
    assert abs(out.iloc[20:, 1:].mean()).max() > 1e-3


def test_rows_outside_the_fit_never_change_the_fit() -> None:
    frame = _frame()
    changed = frame.copy()
    changed.iloc[20:, 1:] = 100.0 * changed.iloc[20:, 1:] + 7.0
    fitted = reduce_groups(frame, slice(0, 20), {"TextEmb": 2})
    again = reduce_groups(changed, slice(0, 20), {"TextEmb": 2})
    pd.testing.assert_frame_equal(fitted.iloc[:20], again.iloc[:20])
    # ... while a changed training row does change it
    moved = frame.copy()
    moved.iloc[3, 1:] += 5.0
    moved_fit = reduce_groups(moved, slice(0, 20), {"TextEmb": 2})
    assert not np.allclose(moved_fit.iloc[:3, 1:], fitted.iloc[:3, 1:])


def test_more_components_than_training_days_is_a_clear_error() -> None:
    with pytest.raises(DataError, match=r"TextEmb: 5 principal components need .* got 4 days"):
        reduce_groups(_frame(), slice(0, 4), {"TextEmb": 5})


def test_training_rows_are_the_windows_input_days() -> None:
    # samples 2..4 of windows of 3 rows read rows 2..6
    assert training_rows(2, 5, 3) == slice(2, 7)
