r"""The count-matrix formulation of bootstrap sums: one BLAS product per chunk of resamples.

A resample's weighted least-squares fit needs only sums of ``z_t`` (functions of the point
``t``) over the resample's points. With ``C[i, j]`` the number of times resample ``i``
draws ``j`` (a point, or the start of a block), those sums are ``C @ Z`` for a pre-computed
table ``Z`` (the points, or the sums over each block): the cost is one ``bincount`` per
resample and one matrix product, whatever the block length
(:mod:`entropy_law.fitting.bootstrap` uses it for the moving-block and pairs schemes).
"""

from __future__ import annotations

import numpy as np

__all__ = ["block_sums", "iid_counts", "count_matrix"]


def _block_tables(z: np.ndarray, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums of *z* over every full block ``[s, s + l)`` and every last, partial block."""
    k = -(-n // length)
    last = n - (k - 1) * length
    cz = np.vstack([np.zeros((1, z.shape[1])), np.cumsum(z, axis=0)])
    full = cz[length:] - cz[:-length]
    part = (cz[last:] - cz[:-last])[: n - length + 1]
    return full, part


def block_sums(starts: np.ndarray, full: np.ndarray, part: np.ndarray) -> np.ndarray:
    r"""Column sums of *z* over each resample: ``starts (m, k)`` -> ``(m, z.shape[1])``.

    Resample ``i`` is the blocks starting at ``starts[i, :-1]`` (whole) and the first
    ``n - (k-1) l`` points of the block at ``starts[i, -1]``. Its sums are
    :math:`S_i = \sum_s C_{is}\,F_s + P_{s_{i,k}}` with :math:`C_{is}` the number of whole
    blocks of resample ``i`` that start at ``s`` and :math:`F_s` the block sums: the count
    matrix ``C`` is built with one ``bincount`` and multiplied with ``F`` in one BLAS call,
    whose cost does not grow with the number of blocks. With few blocks per resample
    (long blocks: ``C`` is mostly zeros) gathering the block sums directly is cheaper and
    is used instead; both give the same sums up to rounding.
    """
    m, k = starts.shape
    n_starts = full.shape[0]
    whole = starts[:, :-1]
    if (k - 1) * 8 >= n_starts:  # dense enough: count matrix x block sums (BLAS)
        s = count_matrix(whole, n_starts) @ full
    else:
        s = full[whole].sum(axis=1)
    return s + part[starts[:, -1]]


def iid_counts(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of *n* points is drawn in each of *m* i.i.d. resamples of size *n*.

    ``(m, n)`` floats, each row Multinomial(n, 1/n), from ``m x n`` uniform indices and one
    ``bincount`` (several times faster than ``Generator.multinomial`` at these sizes).
    """
    return count_matrix(rng.integers(0, n, size=(m, n)), n)


def count_matrix(idx: np.ndarray, size: int) -> np.ndarray:
    """``C[i, j]`` = how often *j* occurs in row *i* of *idx*, as floats ``(m, size)``.

    One ``bincount`` per row into a preallocated matrix: faster than one ``bincount``
    over offset indices (no offset array, no ``m * size`` integer temporary).
    """
    out = np.empty((idx.shape[0], size))
    for i, row in enumerate(idx):
        out[i] = np.bincount(row, minlength=size)
    return out
