"""Small planted runs built in code for the forecast and verdict tests (no fixture data)."""

from __future__ import annotations

import pandas as pd

import entropy_law as el


def planted_run(steps, entropy, perf, run="r", metric="val-core/x/acc/mean@1") -> pd.DataFrame:
    """A long table of one run: ``actor/entropy`` and *metric* at *steps*."""
    return pd.concat(
        [
            el.make_long(run, steps, "actor/entropy", entropy),
            el.make_long(run, steps, metric, perf),
        ]
    )
