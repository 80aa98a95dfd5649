"""Readers for the labelled text corpora: IMDb, Sentiment140, DBpedia, SST-2, rt-polarity, CSV.

Every reader returns a :class:`TextCorpus` (texts, string labels and a :class:`DropReport`), so
rows without text or with an unknown label are counted, never lost silently.

Layouts handled
---------------
* ``imdb-tar``: the aclImdb tarball; one review per ``.../{pos,neg}/<id>_<rating>.txt`` member,
  label from the folder name; other members (README, vocab, ``unsup/``) are ignored.
* ``sentiment140``: the training sample (header ``target,ids,date,flag,user,text``) and the
  official test file (all fields quoted, with or without the header a repository author added);
  polarity ``0``/``4`` -> ``negative``/``positive``; ``2`` (neutral) is dropped unless
  ``keep_neutral``. The original dump is Latin-1: see decoding below.
* ``sentiment140-lines``: a folder with ``negative.txt`` and ``positive.txt`` (each may be
  gzip-compressed, ``.txt.gz``), one tweet per line, the label from the file name (the 100k
  Sentiment140 training set).
* ``dbpedia``: header-less ``text,l1,l2,l3``; ``level`` picks the label column.
* ``sst2``: GLUE tsv ``sentence<TAB>label`` (labels ``0``/``1`` -> ``negative``/``positive``).
* ``rt-polarity``: a folder with ``rt-polarity.pos`` and ``rt-polarity.neg``, Latin-1,
  one snippet per line.
* ``csv``: any CSV with a header; ``text_col`` and ``label_col`` name the columns.

Decoding and long fields
------------------------
Files are UTF-8 (a BOM is dropped), decoded row by row: in a row with bytes that are not
UTF-8, those bytes alone are read as Latin-1 (the valid UTF-8 around them is kept), and the
report notes how many rows needed it and the first one's line. A file with three stray bytes
costs three rows that say so, not every non-ASCII text of the file. ``rt-polarity`` is
Latin-1 throughout. A CSV field (or a line of a line-based file) may hold up to 1 Mi
characters (:data:`sentcast.data.text_files.MAX_FIELD_CHARS`); a row with a longer one is
dropped and counted (``field over 1 Mi characters``), as is a row ``csv`` cannot parse.
"""

from __future__ import annotations

import re
import tarfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from sentcast.data.report import DropReport
from sentcast.data.text_files import RowDecoder, csv_rows, read_text, text_lines
from sentcast.errors import DataError, UserInputError

CorpusFormat = Literal[
    "csv", "imdb-tar", "sentiment140", "sentiment140-lines", "dbpedia", "sst2", "rt-polarity"
]
FORMATS: tuple[str, ...] = get_args(CorpusFormat)

SENTIMENT140_LABELS = {"0": "negative", "2": "neutral", "4": "positive"}
BINARY_LABELS = {"0": "negative", "1": "positive"}
DBPEDIA_LEVELS = ("l1", "l2", "l3")
_IMDB_MEMBER = re.compile(r"(?:^|/)(?:train|test|val)/(pos|neg)/\d+_\d+\.txt$")


@dataclass
class TextCorpus:
    """Texts with one string label each, plus the reader's drop report."""

    texts: list[str]
    labels: list[str]
    report: DropReport

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str | None, label: str | None, empty_reason: str = "empty text") -> None:
        """Keep a row, or count it as dropped when its text or label is missing."""
        self.report.rows_read += 1
        if label is None or not label.strip():
            self.report.drop("missing label")
        elif text is None or not text.strip():
            self.report.drop(empty_reason)
        else:
            self.texts.append(text)
            self.labels.append(label.strip())


def _new(path: Path) -> TextCorpus:
    return TextCorpus([], [], DropReport(str(path)))


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise UserInputError(f"data file not found: {path}")


def _finish(corpus: TextCorpus, what: str) -> TextCorpus:
    if not corpus.texts:
        raise DataError(
            f"{corpus.report.source}: no usable {what} rows ({corpus.report.summary()})"
        )
    return corpus


def read_csv_corpus(path: str | Path, text_col: str, label_col: str) -> TextCorpus:
    """Read a CSV with a header row; ``text_col`` and ``label_col`` name the columns.

    Raises
    ------
    UserInputError
        If the file or a named column is missing.
    DataError
        If no row has both a text and a label.
    """
    p = Path(path)
    _require_file(p)
    corpus, decoder = _new(p), RowDecoder()
    rows = csv_rows(read_text(p), corpus.report, decoder)
    first = next(rows, None)
    if first is None:
        raise DataError(f"{p}: empty file ({corpus.report.summary()})")
    header = first[1]
    for col in (text_col, label_col):
        if col not in header:
            raise UserInputError(f"{p}: no column {col!r} (columns: {', '.join(header)})")
    ti, li = header.index(text_col), header.index(label_col)
    for _, row in rows:
        if len(row) != len(header):
            corpus.report.rows_read += 1
            corpus.report.drop("wrong field count")
            continue
        corpus.add(row[ti], row[li])
    decoder.note(corpus.report)
    return _finish(corpus, "CSV")


def read_sentiment140(path: str | Path, keep_neutral: bool = False) -> TextCorpus:
    """Read a Sentiment140 file (training sample or official test set).

    Polarity is the first field and the tweet the last (6 fields); a header line is
    recognised and skipped whatever its names. Neutral tweets (polarity 2) are counted as
    dropped unless ``keep_neutral``.
    """
    p = Path(path)
    _require_file(p)
    corpus, decoder = _new(p), RowDecoder()
    for i, (_, row) in enumerate(csv_rows(read_text(p), corpus.report, decoder)):
        if i == 0 and corpus.report.rows_read == 0 and row[0].strip() not in SENTIMENT140_LABELS:
            corpus.report.notes.append("header line skipped")
            continue
        corpus.report.rows_read += 1
        if len(row) != 6:
            corpus.report.drop("wrong field count")
            continue
        label = SENTIMENT140_LABELS.get(row[0].strip())
        if label is None:
            corpus.report.drop(f"unknown polarity {row[0].strip()!r}")
        elif label == "neutral" and not keep_neutral:
            corpus.report.drop("neutral (polarity 2)")
        elif not row[5].strip():
            corpus.report.drop("empty text")
        else:
            corpus.texts.append(row[5])
            corpus.labels.append(label)
    decoder.note(corpus.report)
    return _finish(corpus, "Sentiment140")


def read_dbpedia(path: str | Path, level: str = "l1") -> TextCorpus:
    """Read the header-less DBpedia ``text,l1,l2,l3`` CSV with labels of ``level``."""
    if level not in DBPEDIA_LEVELS:
        raise UserInputError(
            f"DBpedia level must be one of {', '.join(DBPEDIA_LEVELS)}, got {level!r}"
        )
    p = Path(path)
    _require_file(p)
    col = 1 + DBPEDIA_LEVELS.index(level)
    corpus, decoder = _new(p), RowDecoder()
    for _, row in csv_rows(read_text(p), corpus.report, decoder):
        if row == ["text", *DBPEDIA_LEVELS]:
            corpus.report.notes.append("header line skipped")
            continue
        if len(row) != 4:
            corpus.report.rows_read += 1
            corpus.report.drop("wrong field count")
            continue
        corpus.add(row[0], row[col])
    decoder.note(corpus.report)
    return _finish(corpus, "DBpedia")


def read_sst2(path: str | Path) -> TextCorpus:
    """Read a GLUE SST-2 ``sentence<TAB>label`` file (train or dev; test has no labels)."""
    p = Path(path)
    _require_file(p)
    corpus, decoder = _new(p), RowDecoder()
    lines = text_lines(read_text(p), corpus.report, decoder)
    if next(lines, "").split("\t") != ["sentence", "label"]:
        raise DataError(f"{p}: not a labelled SST-2 file (expected header 'sentence<TAB>label')")
    for line in lines:
        if not line.strip():
            continue
        sentence, sep, raw_label = line.rpartition("\t")
        corpus.report.rows_read += 1
        label = BINARY_LABELS.get(raw_label.strip())
        if not sep or label is None:
            corpus.report.drop("bad label")
        elif not sentence.strip():
            corpus.report.drop("empty text")
        else:
            corpus.texts.append(sentence.strip())
            corpus.labels.append(label)
    decoder.note(corpus.report)
    return _finish(corpus, "SST-2")


def read_rt_polarity(folder: str | Path) -> TextCorpus:
    """Read Pang & Lee's ``rt-polarity.pos`` / ``.neg`` (Latin-1, one snippet per line)."""
    root = Path(folder)
    corpus = _new(root)
    for suffix, label in (("pos", "positive"), ("neg", "negative")):
        p = root / f"rt-polarity.{suffix}"
        _require_file(p)
        # text_lines splits on "\n" only: Latin-1 byte 0x85 (U+0085) is no line break here
        for line in text_lines(p.read_text(encoding="latin-1"), corpus.report, RowDecoder()):
            corpus.add(line.strip(), label, empty_reason="empty line")
    return _finish(corpus, "rt-polarity")


def read_sentiment140_lines(folder: str | Path) -> TextCorpus:
    """Read a folder of ``negative.txt`` / ``positive.txt`` (or ``.txt.gz``), one tweet a line.

    Raises
    ------
    UserInputError
        If the folder lacks one of the two files.
    DataError
        If both files hold no tweet.
    """
    root = Path(folder)
    if not root.is_dir():
        raise UserInputError(f"not a folder of negative.txt / positive.txt: {root}")
    corpus = _new(root)
    for label in ("negative", "positive"):
        candidates = [root / f"{label}.txt", root / f"{label}.txt.gz"]
        found = [p for p in candidates if p.is_file()]
        if not found:
            raise UserInputError(f"{root}: no {label}.txt or {label}.txt.gz")
        decoder = RowDecoder(found[0].name)
        # split on "\n" only: U+2028 and friends are not line breaks in these files
        for line in text_lines(read_text(found[0]), corpus.report, decoder):
            corpus.add(line.strip(), label, empty_reason="empty line")
        decoder.note(corpus.report)
    return _finish(corpus, "Sentiment140 line")


def _imdb_members(archive: tarfile.TarFile) -> Iterator[tuple[str, bytes]]:
    for member in archive:
        match = _IMDB_MEMBER.search(member.name)
        if member.isfile() and match:
            fh = archive.extractfile(member)
            if fh is not None:
                yield match.group(1), fh.read()


def read_imdb_tar(path: str | Path) -> TextCorpus:
    """Read every labelled review of an aclImdb tarball (label from its ``pos``/``neg`` folder).

    The archive is streamed; members outside ``{train,val,test}/{pos,neg}/`` are skipped. A
    review with bytes that are not UTF-8 reads those bytes as Latin-1 and is counted in a note.
    """
    p = Path(path)
    _require_file(p)
    corpus = _new(p)
    decoder = RowDecoder()  # a review with bytes that are not UTF-8 reads them as Latin-1
    try:
        with tarfile.open(p, mode="r|*") as archive:
            for number, (folder, raw) in enumerate(_imdb_members(archive), start=1):
                text = raw.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
                review = decoder.fix([text], number)[0]
                corpus.add(review, "positive" if folder == "pos" else "negative")
    except tarfile.TarError as exc:
        raise DataError(f"{p}: not a readable tar archive: {exc}") from None
    if decoder.rows:
        corpus.report.notes.append(
            f"{decoder.rows} reviews with bytes that are not UTF-8, read as latin-1 "
            f"(first: review {decoder.first_line} of the archive)"
        )
    return _finish(corpus, "IMDb review")


def read_corpus(
    fmt: str,
    path: str | Path,
    *,
    text_col: str = "text",
    label_col: str = "label",
    level: str = "l1",
) -> TextCorpus:
    """Dispatch to the reader of ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "csv":
        return read_csv_corpus(path, text_col, label_col)
    if fmt == "imdb-tar":
        return read_imdb_tar(path)
    if fmt == "sentiment140":
        return read_sentiment140(path)
    if fmt == "sentiment140-lines":
        return read_sentiment140_lines(path)
    if fmt == "dbpedia":
        return read_dbpedia(path, level)
    if fmt == "sst2":
        return read_sst2(path)
    if fmt == "rt-polarity":
        return read_rt_polarity(path)
    raise UserInputError(f"unknown corpus format {fmt!r} (choose from {', '.join(FORMATS)})")


def guess_format(path: str | Path) -> str:
    """Corpus format from a file name: ``.tar.gz`` -> imdb-tar, ``.tsv`` -> sst2,
    a folder -> sentiment140-lines when it holds ``positive.txt(.gz)``, else rt-polarity,
    a name containing ``dbpedia``/``sentiment140`` -> those, else csv."""
    p = Path(path)
    name = p.name.lower()
    if p.is_dir():
        has_lines = any((p / n).is_file() for n in ("positive.txt", "positive.txt.gz"))
        return "sentiment140-lines" if has_lines else "rt-polarity"
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        return "imdb-tar"
    if name.endswith(".tsv"):
        return "sst2"
    if "dbpedia" in name:
        return "dbpedia"
    if "sentiment140" in name or name.startswith("testdata.manual"):
        return "sentiment140"
    return "csv"


def label_counts(labels: Iterable[str]) -> dict[str, int]:
    """Number of rows per label, most frequent first."""
    return dict(Counter(labels).most_common())
