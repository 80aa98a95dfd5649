from __future__ import annotations

import re
from pathlib import Path

import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.models.persistence import CONFIG_FILE, load_estimator


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=re.escape(f"no {CONFIG_FILE}")):
        load_estimator(tmp_path / "absent")


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"params": {}}'])
def test_corrupt_config_is_a_data_error(tmp_path: Path, text: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(CONFIG_FILE)):
        load_estimator(tmp_path)
