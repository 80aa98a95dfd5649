"""Corpus readers: real shared files and the layouts' edge cases on small files."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from sentcast.data.corpora import (
    guess_format,
    label_counts,
    read_corpus,
    read_csv_corpus,
    read_dbpedia,
    read_imdb_tar,
    read_rt_polarity,
    read_sentiment140,
    read_sentiment140_lines,
    read_sst2,
)
from sentcast.errors import DataError, UserInputError


def test_sentiment140_official_test_keeps_359_pos_neg(shared_data: Path) -> None:
    corpus = read_sentiment140(shared_data / "sentiment140/testdata.manual.2009.06.14.csv")
    assert len(corpus) == 359
    assert label_counts(corpus.labels) == {"positive": 182, "negative": 177}
    assert corpus.report.dropped == {"neutral (polarity 2)": 139}
    assert "header line skipped" in corpus.report.notes
    assert corpus.texts[0].startswith("@stellargirl I loooooooovvvvvveee my Kindle2")


def test_sentiment140_without_header_neutral_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "s140.csv"
    path.write_bytes(
        b'"4","1","d","q","u","great day"\n'
        b'"0","2","d","q","u","awful caf\xe9"\n'  # Latin-1 byte: decoded, not dropped
        b'"2","3","d","q","u","meh"\n'
        b'"7","4","d","q","u","odd polarity"\n'
        b'"4","5","d","q","u",""\n'
        b'"4","6","only five fields"\n'
    )
    corpus = read_sentiment140(path)
    assert corpus.texts == ["great day", "awful café"]
    assert corpus.labels == ["positive", "negative"]
    assert corpus.report.rows_read == 6
    assert corpus.report.dropped == {
        "neutral (polarity 2)": 1,
        "unknown polarity '7'": 1,
        "empty text": 1,
        "wrong field count": 1,
    }
    note = "1 rows with bytes that are not UTF-8, read as latin-1 (first at line 2)"
    assert note in corpus.report.notes
    assert read_sentiment140(path, keep_neutral=True).labels.count("neutral") == 1


def test_sentiment140_train_sample_header(shared_data: Path) -> None:
    corpus = read_sentiment140(shared_data / "sentiment140/sentiment140_train_sample.csv")
    assert label_counts(corpus.labels) == {"positive": 10058, "negative": 9942}


def test_dbpedia_levels_and_no_header(tmp_path: Path) -> None:
    path = tmp_path / "dbpedia.csv"
    path.write_text(
        '"A senator, from Nevada",Agent,Politician,Senator\n'
        "A lake,Place,BodyOfWater,Lake\n"
        ",Place,BodyOfWater,Lake\n"
        "too,few\n",
        encoding="utf-8",
    )
    l1 = read_dbpedia(path, "l1")
    assert l1.texts == ["A senator, from Nevada", "A lake"]
    assert l1.labels == ["Agent", "Place"]
    assert read_dbpedia(path, "l3").labels == ["Senator", "Lake"]
    assert l1.report.dropped == {"empty text": 1, "wrong field count": 1}
    with pytest.raises(UserInputError, match="level"):
        read_dbpedia(path, "l4")


def test_dbpedia_shared_sample_class_counts(shared_data: Path) -> None:
    path = shared_data / "hierarchical_text/DBPEDIA_train_sample5000.csv"
    counts = [len(set(read_dbpedia(path, lvl).labels)) for lvl in ("l1", "l2", "l3")]
    assert counts == [9, 70, 219]


def test_sst2_header_and_bad_label(tmp_path: Path) -> None:
    path = tmp_path / "train.tsv"
    path.write_text("sentence\tlabel\ngood fun \t1\nbad \t0\nno label\n\t1\n", encoding="utf-8")
    corpus = read_sst2(path)
    assert corpus.texts == ["good fun", "bad"]
    assert corpus.labels == ["positive", "negative"]
    assert corpus.report.dropped == {"bad label": 1, "empty text": 1}
    crlf = tmp_path / "crlf.tsv"
    crlf.write_bytes(b"sentence\tlabel\r\ngood fun\t1\r\nbad\t0\r\n")
    assert read_sst2(crlf).texts == ["good fun", "bad"]
    unlabelled = tmp_path / "test.tsv"
    unlabelled.write_text("index\tsentence\n0\tsome text\n", encoding="utf-8")
    with pytest.raises(DataError, match="not a labelled SST-2 file"):
        read_sst2(unlabelled)


def test_rt_polarity_latin1_with_0x85_byte(tmp_path: Path) -> None:
    # 0x85 decodes to U+0085, a line break for str.splitlines: must not split the snippet
    (tmp_path / "rt-polarity.pos").write_bytes(b"a charming film \x85 truly\nfun\n")
    (tmp_path / "rt-polarity.neg").write_bytes(b"dull\n\nna\xefve plot\n")
    corpus = read_rt_polarity(tmp_path)
    assert corpus.texts == ["a charming film \x85 truly", "fun", "dull", "naïve plot"]
    assert corpus.labels == ["positive", "positive", "negative", "negative"]
    assert corpus.report.dropped == {"empty line": 1}


def test_rt_polarity_shared_counts(shared_data: Path) -> None:
    corpus = read_rt_polarity(shared_data / "text/rt-polarity")
    assert label_counts(corpus.labels) == {"negative": 5331, "positive": 5331}


def _tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_imdb_tar_labels_from_folders(tmp_path: Path) -> None:
    path = tmp_path / "imdb.tar.gz"
    _tar(
        path,
        {
            "aclImdb/README": b"readme",
            "aclImdb/train/pos/0_9.txt": b"Great<br />movie",
            "aclImdb/val/neg/1_2.txt": b"Boring",
            "aclImdb/test/neg/2_1.txt": b"\xff\xfe bad bytes",
            "aclImdb/test/pos/3_8.txt": b"   ",
            "aclImdb/imdb.vocab": b"the\nand",
        },
    )
    corpus = read_imdb_tar(path)
    # the review that is not UTF-8 is kept, its two odd bytes read as Latin-1, and noted
    assert corpus.texts == ["Great<br />movie", "Boring", "\xff\xfe bad bytes"]
    assert corpus.labels == ["positive", "negative", "negative"]
    assert corpus.report.dropped == {"empty text": 1}
    assert corpus.report.notes == [
        "1 reviews with bytes that are not UTF-8, read as latin-1 (first: review 3 of the archive)"
    ]


def test_imdb_tar_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "x.tar.gz"
    path.write_bytes(b"not a tar")
    with pytest.raises(DataError, match="not a readable tar"):
        read_imdb_tar(path)


def test_csv_corpus_columns_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text('review,sentiment\n"good, really",positive\nbad,\n,negative\n', "utf-8")
    corpus = read_csv_corpus(path, "review", "sentiment")
    assert corpus.texts == ["good, really"]
    assert corpus.report.dropped == {"missing label": 1, "empty text": 1}
    with pytest.raises(UserInputError, match="no column 'text'"):
        read_csv_corpus(path, "text", "sentiment")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfreview,sentiment\ngood,positive\n")  # as Excel saves it
    assert read_csv_corpus(bom, "review", "sentiment").texts == ["good"]
    with pytest.raises(UserInputError, match="not found"):
        read_csv_corpus(tmp_path / "missing.csv", "review", "sentiment")
    with pytest.raises(UserInputError, match="unknown corpus format"):
        read_corpus("xml", path)


def test_csv_corpus_without_usable_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("text,label\n,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="no usable"):
        read_csv_corpus(path, "text", "label")


def test_sentiment140_lines_plain_and_gzip(tmp_path: Path) -> None:
    (tmp_path / "negative.txt.gz").write_bytes(
        gzip.compress("sad day \u2028 really\n\nugh\n".encode())
    )
    (tmp_path / "positive.txt").write_bytes(b"yay\r\ncaf\xe9 time\r\n")  # Latin-1, CRLF
    corpus = read_sentiment140_lines(tmp_path)
    assert corpus.texts == ["sad day \u2028 really", "ugh", "yay", "café time"]
    assert corpus.labels == ["negative", "negative", "positive", "positive"]
    assert corpus.report.dropped == {"empty line": 1}
    assert corpus.report.notes == [
        "positive.txt: 1 rows with bytes that are not UTF-8, read as latin-1 (first at line 2)"
    ]
    assert read_corpus("sentiment140-lines", tmp_path).texts == corpus.texts
    assert guess_format(tmp_path) == "sentiment140-lines"


def test_sentiment140_lines_shared_100k(shared_data: Path) -> None:
    corpus = read_sentiment140_lines(shared_data / "sentiment140/first50k_neg_last50k_pos")
    assert label_counts(corpus.labels) == {"negative": 50000, "positive": 50000}
    assert corpus.texts[0].startswith("@switchfoot http://twitpic.com/2y1zl")


def test_guess_format(tmp_path: Path) -> None:
    assert guess_format(tmp_path) == "rt-polarity"
    assert guess_format("a/aclImdb.tar.gz") == "imdb-tar"
    assert guess_format("dev.tsv") == "sst2"
    assert guess_format("DBPEDIA_train.csv") == "dbpedia"
    assert guess_format("testdata.manual.2009.06.14.csv") == "sentiment140"
    assert guess_format("reviews.csv") == "csv"


def test_kaggle_imdb_csv_sample(shared_data: Path) -> None:
    corpus = read_csv_corpus(shared_data / "imdb/IMDB_Dataset_first3180.csv", "review", "sentiment")
    assert label_counts(corpus.labels) == {"positive": 1600, "negative": 1580}
    assert corpus.texts[0].startswith("One of the other reviewers")
