"""Corpus readers: real shared files and the layouts' edge cases on small files."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from sentcast.data.corpora import (
    FORMATS,
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
from sentcast.data.report import DropReport
from sentcast.data.text_files import LONG_FIELD, MAX_FIELD_CHARS
from sentcast.errors import DataError, UserInputError

LONG = "x" * (MAX_FIELD_CHARS + 1)  # one character over the longest field a reader keeps


def _message(error: type[Exception], read: Callable[..., object], *args: object) -> str:
    """The message of the ``error`` that ``read(*args)`` raises."""
    with pytest.raises(error) as raised:
        read(*args)
    return str(raised.value)


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


def test_csv_corpus_counts_every_row_and_keeps_reading(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_bytes(
        b"review,sentiment\n"
        b"good,positive\n"
        b"bad,negative,extra\n"  # one field too many: counted, and the rows after it are read
        b"caf\xe9 ok,positive\n"  # Latin-1 byte on line 4
        + f'"{LONG}",negative\n'.encode()
        + b"fine,negative\n"
    )
    corpus = read_csv_corpus(path, "review", "sentiment")
    assert corpus.texts == ["good", "café ok", "fine"]
    assert corpus.labels == ["positive", "positive", "negative"]
    assert corpus.report == DropReport(
        str(path),
        5,
        Counter({"wrong field count": 1, LONG_FIELD: 1}),
        ["1 rows with bytes that are not UTF-8, read as latin-1 (first at line 4)"],
    )


def test_csv_corpus_refusals_word_for_word(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("review,sentiment\ngood,positive\n", encoding="utf-8")
    assert (
        _message(UserInputError, read_csv_corpus, path, "review", "label")
        == f"{path}: no column 'label' (columns: review, sentiment)"
    )
    empty = tmp_path / "empty.csv"
    for content in ("", "\n\n"):  # no record at all, or blank lines only
        empty.write_text(content, encoding="utf-8")
        assert (
            _message(DataError, read_csv_corpus, empty, "text", "label")
            == f"{empty}: empty file ({empty}: kept 0 of 0 rows)"
        )
    unusable = tmp_path / "unusable.csv"
    unusable.write_text("text,label\n,x\n", encoding="utf-8")
    assert _message(DataError, read_csv_corpus, unusable, "text", "label") == (
        f"{unusable}: no usable CSV rows ({unusable}: kept 0 of 1 rows; dropped 1 (empty text=1))"
    )


def test_sentiment140_keeps_reading_after_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "s140.csv"
    path.write_text(
        '"4","1","d","q","u","good day"\n'
        '"0","2","only three"\n'
        f'"0","3","d","q","u","{LONG}"\n'
        '"0","4","d","q","u","bad day"\n',
        encoding="utf-8",
    )
    corpus = read_sentiment140(path)
    assert corpus.texts == ["good day", "bad day"]
    assert corpus.labels == ["positive", "negative"]
    assert corpus.report == DropReport(
        str(path), 4, Counter({"wrong field count": 1, LONG_FIELD: 1}), []
    )
    neutral = tmp_path / "neutral.csv"
    neutral.write_text('"2","1","d","q","u","meh"\n', encoding="utf-8")
    assert _message(DataError, read_sentiment140, neutral) == (
        f"{neutral}: no usable Sentiment140 rows "
        f"({neutral}: kept 0 of 1 rows; dropped 1 (neutral (polarity 2)=1))"
    )


def test_dbpedia_header_default_level_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "dbpedia.csv"
    path.write_bytes(
        b"text,l1,l2,l3\n"  # the header some copies carry: skipped, not a row
        b"A lake,Place,BodyOfWater,Lake\n"
        b"too,few\n"
        b"caf\xe9 owner,Agent,Person,Chef\n"  # Latin-1 byte on line 4
        + f'"{LONG}",Place,BodyOfWater,Lake\n'.encode()
        + b"A senator,Agent,Politician,Senator\n"
    )
    corpus = read_dbpedia(path)  # level l1 by default
    assert corpus.texts == ["A lake", "café owner", "A senator"]
    assert corpus.labels == ["Place", "Agent", "Agent"]
    assert corpus.report == DropReport(
        str(path),
        5,
        Counter({"wrong field count": 1, LONG_FIELD: 1}),
        [
            "header line skipped",
            "1 rows with bytes that are not UTF-8, read as latin-1 (first at line 4)",
        ],
    )
    assert read_dbpedia(path, "l2").labels == ["BodyOfWater", "Person", "Politician"]
    assert (
        _message(UserInputError, read_dbpedia, path, "L1")
        == "DBpedia level must be one of l1, l2, l3, got 'L1'"
    )
    empty_text = tmp_path / "empty_text.csv"
    empty_text.write_text(",Place,BodyOfWater,Lake\n", encoding="utf-8")
    assert _message(DataError, read_dbpedia, empty_text) == (
        f"{empty_text}: no usable DBpedia rows "
        f"({empty_text}: kept 0 of 1 rows; dropped 1 (empty text=1))"
    )


def test_sst2_counts_rows_and_takes_the_label_after_the_last_tab(tmp_path: Path) -> None:
    path = tmp_path / "train.tsv"
    path.write_bytes(
        b"sentence\tlabel\n"
        b"a\tb film\t1\n"  # a tab inside the sentence: the label is the last field
        b"\n"  # blank line: not a row, and the rows after it are read
        b"so so\t2\n"
        b"1\n"  # a label without a sentence or a tab
        b"caf\xe9\t0\n" + f"{LONG}\t1\n".encode() + b"fine\t0\n"  # Latin-1 byte on line 6
    )
    corpus = read_sst2(path)
    assert corpus.texts == ["a\tb film", "café", "fine"]
    assert corpus.labels == ["positive", "negative", "negative"]
    assert corpus.report == DropReport(
        str(path),
        6,
        Counter({"bad label": 2, LONG_FIELD: 1}),
        ["1 rows with bytes that are not UTF-8, read as latin-1 (first at line 6)"],
    )


def test_sst2_refuses_files_without_the_tab_header(tmp_path: Path) -> None:
    path = tmp_path / "dev.tsv"
    # spaces are no tab; an empty file and a file whose only line is too long have no header
    for content in ("sentence label\ngood 1\n", "", LONG):
        path.write_text(content, encoding="utf-8")
        assert _message(DataError, read_sst2, path) == (
            f"{path}: not a labelled SST-2 file (expected header 'sentence<TAB>label')"
        )
    path.write_text("sentence\tlabel\ngood\t3\n", encoding="utf-8")
    assert _message(DataError, read_sst2, path) == (
        f"{path}: no usable SST-2 rows ({path}: kept 0 of 1 rows; dropped 1 (bad label=1))"
    )


def test_rt_polarity_counts_blank_and_long_lines(tmp_path: Path) -> None:
    # a blank first line and a blank last line are lines without text, each counted
    (tmp_path / "rt-polarity.pos").write_text(f"\ngreat fun\n{LONG}\n\n", encoding="latin-1")
    (tmp_path / "rt-polarity.neg").write_text("dull", encoding="latin-1")  # no final newline
    corpus = read_rt_polarity(tmp_path)
    assert corpus.texts == ["great fun", "dull"]
    assert corpus.labels == ["positive", "negative"]
    assert corpus.report == DropReport(
        str(tmp_path), 5, Counter({"empty line": 2, LONG_FIELD: 1}), []
    )


def test_rt_polarity_empty_files_hold_no_row(tmp_path: Path) -> None:
    (tmp_path / "rt-polarity.pos").write_bytes(b"")
    (tmp_path / "rt-polarity.neg").write_bytes(b" \n")
    # the empty file has no line; the other one has one line, blank
    assert _message(DataError, read_rt_polarity, tmp_path) == (
        f"{tmp_path}: no usable rt-polarity rows "
        f"({tmp_path}: kept 0 of 1 rows; dropped 1 (empty line=1))"
    )
    (tmp_path / "rt-polarity.neg").unlink()
    assert _message(UserInputError, read_rt_polarity, tmp_path) == (
        f"data file not found: {tmp_path / 'rt-polarity.neg'}"
    )


def test_sentiment140_lines_counts_and_refusals(tmp_path: Path) -> None:
    (tmp_path / "negative.txt").write_text(f"sad\n{LONG}\n\nugh\n", encoding="utf-8")
    (tmp_path / "positive.txt").write_text("yay\n", encoding="utf-8")
    corpus = read_sentiment140_lines(tmp_path)
    assert corpus.texts == ["sad", "ugh", "yay"]
    assert corpus.labels == ["negative", "negative", "positive"]
    assert corpus.report == DropReport(
        str(tmp_path), 5, Counter({"empty line": 1, LONG_FIELD: 1}), []
    )
    (tmp_path / "negative.txt").write_text("\n", encoding="utf-8")
    (tmp_path / "positive.txt").write_bytes(b"")
    assert _message(DataError, read_sentiment140_lines, tmp_path) == (
        f"{tmp_path}: no usable Sentiment140 line rows "
        f"({tmp_path}: kept 0 of 1 rows; dropped 1 (empty line=1))"
    )
    (tmp_path / "positive.txt").unlink()
    assert (
        _message(UserInputError, read_sentiment140_lines, tmp_path)
        == f"{tmp_path}: no positive.txt or positive.txt.gz"
    )
    assert _message(UserInputError, read_sentiment140_lines, tmp_path / "negative.txt") == (
        f"not a folder of negative.txt / positive.txt: {tmp_path / 'negative.txt'}"
    )


def test_imdb_tar_drops_a_bom_and_names_its_source(tmp_path: Path) -> None:
    path = tmp_path / "imdb.tar.gz"
    _tar(path, {"aclImdb/train/pos/0_9.txt": b"\xef\xbb\xbfGreat \xef\xbb\xbf film"})
    corpus = read_imdb_tar(path)
    assert corpus.texts == ["Great \ufeff film"]  # only a leading BOM is a BOM
    assert corpus.report.source == str(path)
    unlabelled = tmp_path / "unlabelled.tar.gz"
    _tar(unlabelled, {"aclImdb/train/unsup/0_0.txt": b"no label", "aclImdb/README": b"r"})
    assert _message(DataError, read_imdb_tar, unlabelled) == (
        f"{unlabelled}: no usable IMDb review rows ({unlabelled}: kept 0 of 0 rows)"
    )


def test_imdb_tar_truncated_archive_is_a_data_error(tmp_path: Path) -> None:
    whole = tmp_path / "whole.tar.gz"
    review = bytes(range(256)) * 40  # incompressible enough to be cut inside the review
    _tar(whole, {"aclImdb/train/pos/0_9.txt": review})
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(DataError, match=r": not a readable tar archive: "):
        read_imdb_tar(cut)


def _corpus_files(tmp_path: Path) -> dict[str, Path]:
    """One small file (or folder) of each format, each with rows of two labels."""
    csv = tmp_path / "reviews.csv"
    csv.write_text("label,text\npositive,good\nnegative,bad\n", encoding="utf-8")
    imdb = tmp_path / "imdb.tar.gz"
    _tar(imdb, {"a/train/pos/0_9.txt": b"good", "a/train/neg/1_1.txt": b"bad"})
    s140 = tmp_path / "s140.csv"
    s140.write_text('"4","1","d","q","u","good"\n"0","2","d","q","u","bad"\n', "utf-8")
    lines = tmp_path / "lines"
    lines.mkdir()
    (lines / "positive.txt").write_text("good\n", encoding="utf-8")
    (lines / "negative.txt").write_text("bad\n", encoding="utf-8")
    dbpedia = tmp_path / "dbpedia.csv"
    dbpedia.write_text("good,Agent,Person,Chef\nbad,Place,BodyOfWater,Lake\n", "utf-8")
    sst2 = tmp_path / "train.tsv"
    sst2.write_text("sentence\tlabel\ngood\t1\nbad\t0\n", encoding="utf-8")
    rt = tmp_path / "rt"
    rt.mkdir()
    (rt / "rt-polarity.pos").write_text("good\n", encoding="latin-1")
    (rt / "rt-polarity.neg").write_text("bad\n", encoding="latin-1")
    return {
        "csv": csv,
        "imdb-tar": imdb,
        "sentiment140": s140,
        "sentiment140-lines": lines,
        "dbpedia": dbpedia,
        "sst2": sst2,
        "rt-polarity": rt,
    }


def test_read_corpus_dispatches_every_format_with_default_columns(tmp_path: Path) -> None:
    files = _corpus_files(tmp_path)
    assert set(files) == set(FORMATS)
    expected_labels = {
        "csv": ["positive", "negative"],
        "imdb-tar": ["positive", "negative"],
        "sentiment140": ["positive", "negative"],
        "sentiment140-lines": ["negative", "positive"],  # negative.txt is read first
        "dbpedia": ["Agent", "Place"],  # level l1 by default
        "sst2": ["positive", "negative"],
        "rt-polarity": ["positive", "negative"],
    }
    for fmt, path in files.items():
        corpus = read_corpus(fmt, path)  # csv: columns "text" and "label" by default
        assert sorted(corpus.texts) == ["bad", "good"], fmt
        assert corpus.labels == expected_labels[fmt], fmt
        assert corpus.report.source == str(path), fmt
    named = read_corpus("csv", files["csv"], text_col="label", label_col="text")
    assert named.texts == ["positive", "negative"]
    assert read_corpus("dbpedia", files["dbpedia"], level="l3").labels == ["Chef", "Lake"]
    # format names are lower case
    assert _message(UserInputError, read_corpus, "CSV", files["csv"]) == (
        "unknown corpus format 'CSV' (choose from csv, imdb-tar, sentiment140, "
        "sentiment140-lines, dbpedia, sst2, rt-polarity)"
    )


def test_guess_format_from_names(tmp_path: Path) -> None:
    (tmp_path / "positive.txt.gz").write_bytes(gzip.compress(b"yay\n"))
    assert guess_format(tmp_path) == "sentiment140-lines"
    assert guess_format("aclImdb_v1.tgz") == "imdb-tar"
    assert guess_format("aclImdb_v1.tar") == "imdb-tar"
    assert guess_format("ACLIMDB.TGZ") == "imdb-tar"
    assert guess_format("Sentiment140_train_sample.csv") == "sentiment140"
    assert guess_format("data/sentiment140.csv") == "sentiment140"
