from __future__ import annotations

import numpy as np

from sentcast.evaluation.importance import permutation_importance


def test_only_the_used_feature_and_its_group_matter() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4, 3))
    y = X[:, -1, 1] * 2.0

    def predict(windows: np.ndarray) -> np.ndarray:
        return windows[:, -1, 1] * 2.0

    table = permutation_importance(
        predict, X, y, ["a", "b", "c"], {"G1": ["a", "b"], "G2": ["c"]}, repeats=2
    )
    by_feature = table[table["feature"] != "(group)"].set_index("feature")["importance"]
    by_group = table[table["feature"] == "(group)"].set_index("group")["importance"]
    assert by_feature["b"] > 1.0
    assert by_feature["a"] == 0.0 and by_feature["c"] == 0.0
    assert by_group["G1"] > 1.0 and by_group["G2"] == 0.0
    assert table.loc[table["feature"] == "a", "group"].item() == "G1"
