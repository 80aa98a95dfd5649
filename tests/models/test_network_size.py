from __future__ import annotations

import time

import pytest

from sentcast.config.text_models import NetworkConfig, SequenceConfig, TextModelParams
from sentcast.errors import UserInputError
from sentcast.models.forecast import SequenceForecaster
from sentcast.models.forecast_networks import LSTMNet
from sentcast.models.network_size import MAX_PARAMETERS, check_network_size, count_parameters
from sentcast.models.text import make_text_model
from sentcast.models.text_networks import build_network


def test_count_matches_the_real_network() -> None:
    real = LSTMNet(5, 7, 2, 0.1)
    assert count_parameters(lambda: LSTMNet(5, 7, 2, 0.1)) == sum(
        p.numel() for p in real.parameters()
    )
    net = NetworkConfig(embed_dim=6, hidden=5, filters=3, kernel_sizes=[2, 3])
    real_text = build_network("bilstm-cnn", 40, 3, net)
    assert count_parameters(lambda: build_network("bilstm-cnn", 40, 3, net)) == sum(
        p.numel() for p in real_text.parameters()
    )


def test_absurd_sizes_are_refused_without_allocating() -> None:
    start = time.perf_counter()
    with pytest.raises(UserInputError, match=r"lstm \(hidden_size=10000000.*parameters"):
        SequenceForecaster(hidden_size=10**7)
    with pytest.raises(UserInputError, match="invalid network sizes"):
        SequenceForecaster(hidden_size=10**10)  # overflows even the size computation
    assert time.perf_counter() - start < 5


def test_text_models_count_vocabulary_times_embedding() -> None:
    params = TextModelParams(
        sequence=SequenceConfig(max_words=2_000_000), network=NetworkConfig(embed_dim=300)
    )
    model = make_text_model("lstm", params)  # scikit-learn rule: the constructor only stores
    with pytest.raises(UserInputError, match=r"vocabulary=2000000, embed_dim=300"):
        model.fit(["a b", "c d"], ["x", "y"])  # refused before the vocabulary is built
    make_text_model("lstm", TextModelParams()).check_params()  # the defaults fit


def test_limit_is_inclusive() -> None:
    check_network_size(lambda: LSTMNet(1, 1, 1, 0.0), "tiny")
    assert MAX_PARAMETERS >= 50_000 * 300  # a 50k-word, 300-d embedding is allowed
