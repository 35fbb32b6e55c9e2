r"""Detecting the initial transient of an RL run (format learning).

Early in many runs the reward jumps while the entropy barely moves: the model learns the
answer format (``####`` for GSM8K, a boxed answer...) rather than the task. Those points
lie far *below* the entropy law that describes the rest of the run (reward too low for
the entropy) and pull the fit.

Rule used by ``drop_transient="auto"`` (leading-outlier peeling)
------------------------------------------------------------------
With the points in step order and ``k = 0``:

1. fit the law (closed form for the entropy law) to points ``k+1 .. n-1``;
2. compute the robust residual scale of that fit,
   :math:`\hat\sigma = 1.4826\,\mathrm{MAD}(e)`;
3. if point ``k`` lies below the fitted curve by more than ``threshold`` robust
   standard deviations (:math:`R_k - \hat R(H_k) < -3\hat\sigma`), it is part of the
   transient: set ``k = k + 1`` and repeat; otherwise stop.

At most ``max_fraction`` (default 1/4) of the points, and never so many that fewer than
five remain, are dropped. Only *leading* points are dropped, only when they are
well below the law (a large reward change for a small entropy change), so a run without
format learning keeps every point. The 3-sigma threshold keeps the false-drop rate per
point near 0.1 % for Gaussian noise.
"""

from __future__ import annotations

import numpy as np

from ..errors import FitError
from .laws import Law, get_law

__all__ = ["detect_transient", "resolve_transient"]


def detect_transient(
    x, y, *, law: str | Law = "entropy", threshold: float = 3.0, max_fraction: float = 0.25, min_keep: int = 5
) -> int:
    """Number of leading points that form an initial transient (module docstring).

    Parameters
    ----------
    x, y : array_like
        The law's variable (entropy) and performance, in step order, finite.
    law : str or Law
        The law the rest of the run follows.
    threshold : float
        Robust standard deviations below the law for a point to count as transient.
    max_fraction : float
        Largest share of the points that may be dropped.
    min_keep : int
        Fewest points that must remain.

    Returns
    -------
    int
        ``k``: drop points ``0 .. k-1``.
    """
    law = get_law(law)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    k_max = min(int(max_fraction * n), n - min_keep)
    k = 0
    while k < k_max:
        xs, ys = x[k + 1 :], y[k + 1 :]
        try:
            fit = law.solve(xs, ys)
        except FitError:
            break
        if not fit.success:
            break
        resid = ys - fit.fitted
        scale = 1.4826 * np.median(np.abs(resid - np.median(resid)))
        if not scale > 0:
            scale = np.std(resid) or 1e-12
        gap = y[k] - float(law(x[k], **fit.params))
        if gap < -threshold * scale:
            k += 1
        else:
            break
    return k


def resolve_transient(option, x, y, law: str | Law = "entropy") -> int:
    """Turn the ``drop_transient`` option (False, "auto" or an int) into a count."""
    if option is None or option is False:
        return 0
    if option is True or option == "auto":
        return detect_transient(x, y, law=law)
    if isinstance(option, int | np.integer) and not isinstance(option, bool) and option >= 0:
        return int(min(option, len(x)))
    raise FitError(
        f"drop_transient must be False, 'auto' or a non-negative number of leading points; got {option!r}.",
        status="bad_argument",
    )
