"""Records read twice across inputs, found by id, so that they count once.

:class:`SeenIds` remembers every id it was shown and tells, batch by batch, which rows carry an
id seen before (in an earlier batch or earlier in the same one): the readers drop those rows
and count them as :data:`DUPLICATE_ID` (``sentcast reddit read``, and ``sentcast sentiment
score`` through :class:`FileIds`).

Memory stays small for tens of millions of records: an id is kept as its 64-bit hash
(:func:`pandas.util.hash_array`) in one sorted NumPy array, 8 bytes an id (16 M tweets: 128 MiB,
where a Python set of the id strings takes over 1 GiB). Two different ids share a hash with
odds of about n² / 2**65 for n ids (under 1 in 100,000 for 16 M ids); such an id would be
counted as a duplicate, never kept twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sentcast.data.report import DropReport

DUPLICATE_ID = "duplicate id"
"""The drop reason of a record whose id was read before."""
USABLE_ID = r"^[0-9A-Za-z_-]{1,200}$"
"""What an id read from a file must look like to be compared: letters, digits, ``_`` and ``-``.
An id a spreadsheet rounded (``1.26E+18``) is not one: many tweets share it."""


class SeenIds:
    """The ids read so far, across every batch and input of one job."""

    def __init__(self) -> None:
        self._hashes = np.empty(0, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._hashes)

    def first(self, ids: Sequence[str | None]) -> np.ndarray:
        """Mark the rows to keep: ``True`` where the id is new or missing; remember the new ids.

        Parameters
        ----------
        ids : sequence of str or None
            One id per row, in reading order; ``None`` for a row without an id (always kept:
            it cannot be compared).

        Returns
        -------
        numpy.ndarray
            Booleans, one per row: ``False`` for a row whose id was seen before, in an earlier
            call or earlier in ``ids``.
        """
        values = np.asarray(ids, dtype=object)
        present = pd.notna(values)
        keep = np.ones(len(values), dtype=bool)
        if not present.any():
            return keep
        hashes = pd.util.hash_array(values[present])
        unique, first_rows = np.unique(hashes, return_index=True)
        slots = np.searchsorted(self._hashes, unique)
        known = slots < len(self._hashes)
        known[known] = self._hashes[slots[known]] == unique[known]
        fresh = np.zeros(len(hashes), dtype=bool)
        fresh[first_rows[~known]] = True
        keep[present] = fresh
        self._hashes = np.insert(self._hashes, slots[~known], unique[~known])
        return keep


class FileIds:
    """The ids of one input read table by table, checked against the job's :class:`SeenIds`.

    Parameters
    ----------
    columns : sequence of str
        The columns of a record's id, joined by ``:`` (e.g. ``("kind", "id")``); empty for a
        file without ids (every row is then kept).
    seen : SeenIds
        The ids of the whole job.
    """

    def __init__(self, columns: Sequence[str], seen: SeenIds) -> None:
        self.columns = tuple(columns)
        self.seen = seen
        self.unusable = 0
        self.example: str | None = None

    def fresh(self, table: pa.Table) -> np.ndarray:
        """One boolean per row of ``table``: ``False`` for a row whose id was read before.

        Ids are trimmed; a row whose id is missing or not :data:`USABLE_ID` is kept and counted
        in :meth:`note`.
        """
        if not self.columns:
            return np.ones(table.num_rows, dtype=bool)
        parts = [pc.utf8_trim_whitespace(table.column(c).cast(pa.string())) for c in self.columns]
        usable = [pc.match_substring_regex(part, USABLE_ID).fill_null(False) for part in parts]
        good = usable[0]
        for more in usable[1:]:
            good = pc.and_(good, more)
        joined = pc.binary_join_element_wise(*parts, ":")  # one part: the part itself
        ids = pc.if_else(good, joined, pa.scalar(None, pa.string())).to_pylist()
        self.unusable += ids.count(None)
        for part, ok in zip(parts, usable, strict=True):
            odd = pc.filter(part, pc.and_(pc.invert(ok), pc.greater(pc.utf8_length(part), 0)))
            if self.example is None and len(odd):
                self.example = odd[0].as_py()
        return self.seen.first(ids)

    def drop_seen(self, table: pa.Table) -> tuple[pa.Table, int]:
        """``table`` without the rows whose id was read before (see :meth:`fresh`), and how
        many rows that took out."""
        fresh = self.fresh(table)
        duplicates = int(fresh.size - fresh.sum())
        return (table.filter(pa.array(fresh)) if duplicates else table), duplicates

    def note(self) -> str | None:
        """``N rows without a usable id (empty, or like '1.26E+18') kept, not de-duplicated``."""
        if not self.unusable:
            return None
        like = f", or like {self.example!r}" if self.example is not None else ""
        return f"{self.unusable:,} rows without a usable id (empty{like}) kept, not de-duplicated"

    def add_note_to(self, report: DropReport) -> None:
        """Add :meth:`note` to ``report``'s notes, if there is one."""
        note = self.note()
        if note:
            report.notes.append(note)
