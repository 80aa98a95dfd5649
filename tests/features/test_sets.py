from __future__ import annotations

import pytest

from sentcast.errors import UserInputError
from sentcast.features.sets import STUDY_FEATURE_SETS, feature_columns, parse_feature_set
from tests.features.synthetic import synthetic_panel


def test_study_sets_have_the_studys_feature_counts() -> None:
    columns = list(synthetic_panel(20).columns)
    counts = [len(feature_columns(name, columns)) for name in STUDY_FEATURE_SETS]
    assert counts == [6, 12, 7, 12, 13, 18, 13, 19]


def test_btc_close_is_always_the_fourth_feature() -> None:
    columns = list(synthetic_panel(20).columns)
    for name in STUDY_FEATURE_SETS:
        assert feature_columns(name, columns)[3] == "BTC_Close"
    assert feature_columns("SP500+BTC", columns)[:6] == feature_columns("BTC", columns)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("BTC+Fo_o", "'Fo_o' is not a name"),
        ("BTC+", "'' is not a name"),
        ("USD+SP500", "must contain BTC"),
        ("BTC+BTC", "repeated"),
    ],
)
def test_bad_feature_set_names_are_rejected(name: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        parse_feature_set(name)


def test_known_groups_are_checked_when_given() -> None:
    assert parse_feature_set("BTC+Reddit", ["BTC", "Reddit"]) == ["BTC", "Reddit"]
    with pytest.raises(UserInputError, match="unknown group 'Foo'"):
        parse_feature_set("BTC+Foo", ["BTC", "Reddit"])


def test_source_groups_take_their_own_prefix_only() -> None:
    columns = [*synthetic_panel(20).columns, "Reddit_CL_sentiment", "RedditVolume_volume"]
    assert feature_columns("BTC+Reddit", columns)[6:] == ["Reddit_CL_sentiment"]
    assert feature_columns("RedditVolume+BTC", columns)[6:] == ["RedditVolume_volume"]
    with pytest.raises(UserInputError, match="Foo_"):
        feature_columns("BTC+Foo", columns)


def test_sentiment_group_without_sentiment_columns_is_an_error() -> None:
    columns = list(synthetic_panel(20, with_sentiment=False).columns)
    with pytest.raises(UserInputError, match="Sentiment"):
        feature_columns("BTC+Sentiment", columns)
