"""Forward shapes of every text network, binary and multi-class; frozen embeddings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sentcast.models.text_networks import ARCHITECTURES, NetworkConfig, build_network

CONFIG = NetworkConfig(embed_dim=8, hidden=6, filters=5, kernel_sizes=[2, 3], pool_size=2)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize(("n_outputs", "shape"), [(1, (4,)), (5, (4, 5))])
def test_forward_shapes(architecture: str, n_outputs: int, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    net = build_network(architecture, vocab_size=20, n_outputs=n_outputs, config=CONFIG)
    x = torch.randint(0, 20, (4, 11))
    out = net(x)
    assert out.shape == shape
    out.sum().backward()  # differentiable end to end
    assert net.embedding.weight.grad is not None


def test_pretrained_embeddings_copied_and_frozen() -> None:
    vectors = np.arange(20 * 3, dtype=np.float32).reshape(20, 3)
    net = build_network("cnn", 20, 1, CONFIG, embeddings=vectors, freeze=True)
    assert net.embedding.embedding_dim == 3  # vector size wins over embed_dim
    assert torch.equal(net.embedding.weight.data, torch.from_numpy(vectors))
    assert not net.embedding.weight.requires_grad


def test_unknown_architecture() -> None:
    with pytest.raises(ValueError, match="unknown architecture"):
        build_network("transformer", 10, 2, CONFIG)


def test_fasttext_is_the_mean_over_tokens_without_padding() -> None:
    vectors = np.zeros((6, 2), dtype=np.float32)
    vectors[2], vectors[3] = [1.0, 0.0], [0.0, 4.0]
    net = build_network("fasttext", 6, 1, CONFIG, embeddings=vectors).eval()
    padded = torch.tensor([[0, 0, 0, 2, 3], [0, 0, 0, 0, 2]])
    unpadded = torch.tensor([[2, 3], [2, 2]])
    # padding changes nothing: [0.5, 2] and [1, 0] both ways
    assert torch.allclose(net(padded), net(unpadded))
    expected = net.out(torch.tensor([[0.5, 2.0], [1.0, 0.0]])).squeeze(-1)
    assert torch.allclose(net(padded), expected)
