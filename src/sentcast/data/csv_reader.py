"""Reading a CSV file (plain or gzip, any ASCII-compatible encoding) with nothing lost silently.

The file is cut into whole records by :mod:`sentcast.data.csv_records` (so a stray quote
costs one counted row, never the rest of the file), decoded to UTF-8 block by block and parsed
by pyarrow's C++ CSV parser. What could not be read is counted in a :class:`ReadStats`:

* ``malformed quoting``: a line whose quoted value never closes (line numbers in the notes);
* ``malformed row``: a record with another number of fields than the header;
* rows with undecodable bytes: the bytes become U+FFFD and the row is still read (a note).

gzip is recognised by its magic bytes, whatever the file's name, and decompressed by Arrow.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from sentcast.data.csv_records import RecordBlock, iter_record_blocks
from sentcast.data.report import DropReport
from sentcast.errors import DataError, UserInputError, one_line

MALFORMED = "malformed row"
MALFORMED_QUOTING = "malformed quoting"
GZIP_MAGIC = b"\x1f\x8b"
_OTHER_COMPRESSION = {
    **{f"BZh{level}1AY&SY".encode(): "bzip2" for level in range(1, 10)},
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"PK\x03\x04": "zip",
}
_MAGIC_BYTES = max(len(magic) for magic in (GZIP_MAGIC, *_OTHER_COMPRESSION))
_LISTED_LINES = 10
_ASCII = '\n\r",;|\t'


@dataclass
class ReadStats:
    """What reading one CSV file skipped or repaired.

    Attributes
    ----------
    rows : int
        Rows parsed (undecodable ones included).
    malformed_rows : int
        Records with another number of fields than the header (skipped).
    quoting_lines : list of int
        Line numbers of the lines skipped for malformed quoting.
    undecodable_rows : int
        Rows whose undecodable bytes were replaced by U+FFFD (read, not skipped).
    undecodable_line : int or None
        Line number of the first such row.
    """

    rows: int = 0
    malformed_rows: int = 0
    quoting_lines: list[int] = field(default_factory=list)
    undecodable_rows: int = 0
    undecodable_line: int | None = None

    @property
    def rows_read(self) -> int:
        """Every record seen: parsed plus skipped."""
        return self.rows + self.malformed_rows + len(self.quoting_lines)

    def on_invalid_row(self, row: object) -> str:
        """pyarrow's invalid-row handler: count the row and skip it."""
        self.malformed_rows += 1
        return "skip"

    def add_skips_to(self, report: DropReport, encoding: str = "utf-8") -> None:
        """Add the skipped rows (to rows read and dropped) and the notes to ``report``."""
        report.rows_read += self.malformed_rows + len(self.quoting_lines)
        report.drop(MALFORMED, self.malformed_rows)
        report.drop(MALFORMED_QUOTING, len(self.quoting_lines))
        if self.quoting_lines:
            listed = ", ".join(str(n) for n in self.quoting_lines[:_LISTED_LINES])
            more = len(self.quoting_lines) - _LISTED_LINES
            report.notes.append(
                f"malformed quoting (a quote never closed) at line {listed}"
                + (f" and {more} more" if more > 0 else "")
            )
        if self.undecodable_rows:
            report.notes.append(
                f"undecodable bytes replaced: {self.undecodable_rows} rows (first at line "
                f"{self.undecodable_line}; not {encoding}? see --encoding)"
            )


def check_delimiter(delimiter: str) -> str:
    """``delimiter`` if it is one ASCII character other than a quote or line end.

    Raises
    ------
    UserInputError
        Otherwise.
    """
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
        raise UserInputError(
            f"--delimiter must be one ASCII character (not a quote or line end), got {delimiter!r}"
        )
    return delimiter


def check_encoding(encoding: str) -> str:
    """The canonical name of ``encoding`` if it is known and ASCII-compatible.

    Raises
    ------
    UserInputError
        For an unknown encoding or one (UTF-16, UTF-32) that does not keep ASCII bytes.
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UserInputError(f"--encoding: unknown encoding {encoding!r}") from None
    try:
        if _ASCII.encode(name) == _ASCII.encode():
            return name
    except (UnicodeError, LookupError):  # LookupError: a bytes-to-bytes codec such as rot13
        pass
    raise UserInputError(
        f"--encoding {encoding}: not ASCII-compatible; convert the file to UTF-8 first"
    )


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with gzip's magic bytes (whatever its name).

    Raises
    ------
    UserInputError
        If the file does not exist.
    DataError
        If it is compressed another way (bzip2, xz, zstd, zip): its bytes are no CSV.
    """
    if not path.is_file():
        raise UserInputError(f"input file not found: {path}")
    with path.open("rb") as raw:
        head = raw.read(_MAGIC_BYTES)
    for magic, kind in _OTHER_COMPRESSION.items():
        if head.startswith(magic):
            raise DataError(f"{path}: compressed with {kind}, which is not read; decompress it")
    return head.startswith(GZIP_MAGIC)


class CsvFile:
    """One CSV file: its header and its records as Arrow batches of string columns.

    Parameters
    ----------
    path : Path
        Plain or gzip CSV (gzip recognised by content).
    delimiter : str
        Field separator (one ASCII character).
    encoding : str
        Text encoding (ASCII-compatible); undecodable bytes are replaced and counted.
    """

    def __init__(self, path: Path, delimiter: str = ",", encoding: str = "utf-8") -> None:
        self.path = path
        self.delimiter = check_delimiter(delimiter)
        self.encoding = check_encoding(encoding)

    def header(self) -> list[str]:
        """Column names (the first record).

        Raises
        ------
        DataError
            If the file is empty or its first line is not a header.
        """
        return self._split_header(next(self._blocks(ReadStats()), None))[0]

    def batches(self, columns: Sequence[str], stats: ReadStats) -> Iterator[pa.RecordBatch]:
        """Yield the named columns (strings) of every record after the header.

        Raises
        ------
        UserInputError
            If a column is missing or appears twice in the header.
        DataError
            If the file cannot be read to its end (e.g. truncated gzip).
        """
        names: list[str] = []
        wanted: list[str] = []
        for block in self._blocks(stats):
            if not names:
                header, block = self._split_header(block)
                names = [f"c{i}" for i in range(len(header))]
                wanted = [f"c{column_position(header, c)}" for c in columns]
            if not len(block.ends):
                continue
            table = self._parse(self._utf8(block, stats), names, wanted, stats)
            stats.rows += table.num_rows
            yield from table.rename_columns(list(columns)).to_batches()

    def _split_header(self, block: RecordBlock | None) -> tuple[list[str], RecordBlock]:
        """The column names in the first record of the file, and the records after it."""
        if block is None or not len(block.ends) or block.lines[0] != 1:
            raise DataError(
                f"{self.path}: no header line (empty file, or a quote on line 1 never closes)"
            )
        cut = int(block.ends[0])
        head = RecordBlock(block.data[:cut], block.ends[:1], block.lines[:1], block.rejected[:0])
        names = self._parse(self._utf8(head, ReadStats()), None, [], ReadStats()).column_names
        rest = RecordBlock(block.data[cut:], block.ends[1:] - cut, block.lines[1:], block.rejected)
        return list(names), rest

    def _blocks(self, stats: ReadStats) -> Iterator[RecordBlock]:
        compressed = is_gzip(self.path)
        problem = "truncated or corrupt gzip data" if compressed else "read error"
        with pa.input_stream(str(self.path), "gzip" if compressed else None) as stream:
            blocks = iter_record_blocks(stream)
            while True:
                try:
                    block = next(blocks)
                except StopIteration:
                    return
                except OSError as exc:
                    raise DataError(
                        f"{self.path}: {problem} after {stats.rows_read:,} rows: {exc}"
                    ) from None
                stats.quoting_lines.extend(int(n) for n in block.rejected)
                yield block

    def _utf8(self, block: RecordBlock, stats: ReadStats) -> bytes | memoryview:
        """The block's records as UTF-8, counting rows with undecodable bytes."""
        if self.encoding == "utf-8":
            if _valid_utf8(block.data):
                return block.data
        else:
            try:
                return str(block.data, self.encoding).encode("utf-8")
            except UnicodeDecodeError:
                pass
        starts = np.concatenate(([0], block.ends[:-1]))
        parts = []
        for start, end, line in zip(starts, block.ends, block.lines, strict=True):
            record = block.data[start:end]
            try:
                text = str(record, self.encoding)
            except UnicodeDecodeError:
                text = str(record, self.encoding, "replace")
                stats.undecodable_rows += 1
                if stats.undecodable_line is None:
                    stats.undecodable_line = int(line)
            parts.append(text.encode("utf-8"))
        return b"".join(parts)

    def _parse(
        self,
        data: bytes | memoryview,
        names: list[str] | None,
        columns: list[str],
        stats: ReadStats,
    ) -> pa.Table:
        try:
            return pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(data)),
                # one parse block, one thread: the reader feeds scoring workers on other cores
                read_options=pacsv.ReadOptions(
                    column_names=names, use_threads=False, block_size=len(data) + 1
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter,
                    newlines_in_values=True,
                    invalid_row_handler=stats.on_invalid_row,
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=columns,
                    column_types={c: pa.string() for c in columns},
                    strings_can_be_null=True,
                    null_values=[""],  # only an empty field: a tweet "NA" or "null" is text
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise DataError(f"{self.path}: cannot parse: {one_line(exc)}") from None


def column_position(header: Sequence[str], name: str) -> int:
    """Index of column ``name`` in ``header``.

    Raises
    ------
    UserInputError
        If ``name`` is missing, or appears more than once (naming its 1-based positions).
    """
    positions = [i for i, h in enumerate(header) if h == name]
    if not positions:
        raise UserInputError(f"column {name!r} not found (columns: {', '.join(header)})")
    if len(positions) > 1:
        where = ", ".join(str(i + 1) for i in positions)
        raise UserInputError(
            f"column {name!r} appears {len(positions)} times in the header (positions {where}); "
            "rename the copies"
        )
    return positions[0]


def _valid_utf8(data: bytes | memoryview) -> bool:
    """Whether ``data`` is valid UTF-8 (Arrow's validator: no decoded copy)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    array = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True
