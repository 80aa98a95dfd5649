from __future__ import annotations

import logging
import re

import pytest

from sentcast.progress import OneLineFormatter, _handler


def test_log_records_to_a_pipe_are_one_iso_stamped_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = _handler()  # pytest's stderr is not a terminal
    log = logging.getLogger("sentcast.test_progress")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("panel: 172 days\n  BTC-USD.csv: kept 240 of 240 rows\n")
    finally:
        log.removeHandler(handler)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} WARNING sentcast\.test_progress: "
        r"panel: 172 days \|   BTC-USD\.csv: kept 240 of 240 rows\n",
        err,
    )


def test_a_long_message_is_not_wrapped() -> None:
    record = logging.LogRecord("sentcast", logging.INFO, "", 0, "word " * 60, None, None)
    assert "\n" not in OneLineFormatter().format(record)
