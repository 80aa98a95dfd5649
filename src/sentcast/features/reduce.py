"""Principal components of a wide feature group, fitted on training days only.

A daily mean sentence embedding (group ``TextEmb``: 384 columns) is too wide to window as is.
:func:`reduce_groups` replaces such a group's columns by its first ``k`` principal components
(``<group>_pc1`` ... ``<group>_pc<k>``), scikit-learn's :class:`~sklearn.decomposition.PCA`
fitted on the rows of the training days only and applied to every day; a later day never
changes the fit. The caller names the training rows: the input days of the training windows
(:func:`training_rows`), once for the chronological split and again for every walk-forward fold.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sklearn.decomposition import PCA

from sentcast.errors import DataError


def group_columns(columns: pd.Index, group: str) -> list[str]:
    """The columns ``<group>_*`` of a frame, in frame order."""
    return [c for c in columns if str(c).startswith(f"{group}_")]


def training_rows(first: int, stop: int, window: int) -> slice:
    """Frame rows read by the windows of samples ``first .. stop - 1`` (sample ``i`` reads rows
    ``i .. i + window - 1``; see :mod:`sentcast.features.windows`)."""
    return slice(first, stop - 1 + window)


def reduce_groups(
    frame: pd.DataFrame, fit_rows: slice, components: Mapping[str, int]
) -> pd.DataFrame:
    """Replace each group's columns by its principal components fitted on ``fit_rows`` only.

    Parameters
    ----------
    frame : pandas.DataFrame
        Chronological frame without missing values in the groups' columns.
    fit_rows : slice
        Positional rows the PCA is fitted on (the training days).
    components : mapping of str to int
        Group -> number of components ``k``; groups without columns in ``frame`` are skipped.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``<group>_pc1`` ... ``<group>_pc<k>`` in place of each group's columns.

    Raises
    ------
    DataError
        ``k`` exceeds the training days or the group's columns.
    """
    out = frame
    for group, k in components.items():
        columns = group_columns(out.columns, group)
        if not columns:
            continue
        train = out.iloc[fit_rows][columns].to_numpy(dtype=float)
        if k > min(train.shape):
            raise DataError(
                f"{group}: {k} principal components need at least {k} training days and "
                f"columns, got {train.shape[0]} days and {train.shape[1]} columns"
            )
        pca = PCA(n_components=k, svd_solver="full").fit(train)
        scores = pca.transform(out[columns].to_numpy(dtype=float))
        names = [f"{group}_pc{i + 1}" for i in range(k)]
        out = pd.concat(
            [out.drop(columns=columns), pd.DataFrame(scores, index=out.index, columns=names)],
            axis=1,
        )
    return out
