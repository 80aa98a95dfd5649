from __future__ import annotations

import subprocess
import sys

import pytest

import sentcast


def test_top_level_exports_are_the_real_objects() -> None:
    from sentcast.data.market import load_panel
    from sentcast.models.forecast import SequenceForecaster

    assert sentcast.load_panel is load_panel
    assert sentcast.SequenceForecaster is SequenceForecaster
    assert set(sentcast.__all__) == {"__version__", *sentcast._EXPORTS}
    for name in sentcast.__all__:
        assert getattr(sentcast, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sentcast.nope  # type: ignore[attr-defined]


def test_import_sentcast_does_not_load_torch() -> None:
    code = "import sys, sentcast; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
