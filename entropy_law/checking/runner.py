r"""Judge runs against a bar for CI: pass, flag, inconclusive or error.

Each run is forecast (:func:`entropy_law.forecasting.forecaster`, on everything logged so far) and its
forecast is compared with the thresholds:

``min_ceiling``          the bar for the forecast ceiling (the realistic plateau,
                         :math:`-a\,e^{H_\infty} + b'`; the same ceiling ``forecast``
                         reports by default, see below);
``min_saturation_step``  the bar for the saturation step (the step at which the run is
                         ``saturation_fraction`` of the way to its ceiling).

Rules, per threshold, with :math:`[lo, hi]` the forecast's interval at ``level``:

* **flag** when the run is confidently below the bar: :math:`hi < \text{bar}`;
* **pass** when :math:`lo \ge \text{bar}`;
* **inconclusive** when the interval straddles the bar (:math:`lo < \text{bar} \le hi`)
  or an end of it is not available (NaN).

A run is **flag** when any threshold flags it, else **inconclusive** when any threshold
is inconclusive, else **pass**. It is **inconclusive** whatever its intervals say when the
forecaster marks the forecast as not to be acted on: status ``too_early`` or
``insufficient_data``, or no model could be fitted and the "forecast" is the last value
(``method == "last_value"``: a level already reached, not a ceiling). It is **error** when
it cannot be loaded or forecast; other runs are still checked.

Exit code (:attr:`CheckResult.exit_code`): 0 when nothing is flagged or errored, 1 when at
least one run is flagged **or errored** (a run that cannot be read is a broken pipeline
input), 1 also for inconclusive runs with ``strict=True``; the CLI uses 2 for usage and
configuration errors.

Speed
-----
By default ``check`` forecasts with the entropy law alone (``sigmoid="fallback"``) and
``n_boot=100`` joint resamples (:data:`entropy_law._defaults.N_BOOT_FLEET`), and fits the
ScaleRL sigmoid only for runs the law does not cover (entropy held flat or rising, or the
law not holding), where otherwise the forecast would be the last value.
``sigmoid="always"`` gives the ``forecast`` command's combined forecast (slower, a few
seconds a run). Both give the **same ceiling** as ``forecast``'s default: when the law is
claimed the headline ceiling is the law's :math:`-a\,e^{H_\infty} + b'` (the sigmoid only
enters the value at the horizon), and when it is not, both fit the sigmoid and use it only
if it passes the sanity gates of :mod:`entropy_law.forecasting.gates`; only the intervals
differ, by bootstrap noise (``n_boot`` 100 here, ``N_BOOT`` = 1000 in ``forecast``;
``sigmoid="always", n_boot=1000`` gives exactly the ``forecast`` command's numbers).
Thresholds and settings can live in ``[tool.entropy-law.check]`` of a ``pyproject.toml``
(see :func:`read_config`).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import EntropyLawError
from ..forecasting.forecaster import forecast
from ..forecasting.result import ForecastResult
from .config import CheckConfigError
from .result import (
    _NOT_ACTIONABLE,
    CheckResult,
    CheckSettings,
    Reason,
    RunCheck,
)

__all__ = ["check", "judge", "iter_check", "stream_units"]


def _rule(rule: str, quantity: str, est: dict, bar: float, level: float) -> Reason:
    # JSON has no infinity: a saturation step beyond the forecast grid comes as null with
    # "beyond_grid": true, and then means +inf (not yet saturating), not "unknown"
    miss = math.inf if est.get("beyond_grid") else math.nan
    value = _f(est.get("value"), miss)
    lo, hi = (_f(v, miss) for v in (est.get("ci") or [None, None]))
    name = quantity.replace("_", " ")
    if math.isnan(lo) or math.isnan(hi):
        outcome, text = "inconclusive", f"the {name} has no {level:.0%} interval"
    elif hi < bar:
        outcome, text = "flag", f"the {name} is confidently below {bar:g} (upper end {hi:.4g})"
    elif lo >= bar:
        outcome, text = "pass", f"the {name} is at or above {bar:g} (lower end {lo:.4g})"
    else:
        outcome, text = "inconclusive", (f"the {name} interval [{lo:.4g}, {hi:.4g}] straddles {bar:g}")
    return Reason(rule, quantity, outcome, value, (lo, hi), level, float(bar), text)


def _f(v, missing: float = math.nan) -> float:
    return missing if v is None else float(v)


def judge(fc: ForecastResult | dict, settings: CheckSettings, source: str | None = None) -> RunCheck:
    """Apply the thresholds of *settings* to one forecast (see the module docstring)."""
    d = fc.to_dict() if isinstance(fc, ForecastResult) else dict(fc)
    level = float(d.get("confidence_level") or settings.level)
    reasons = []
    if settings.min_ceiling is not None:
        reasons.append(_rule("min_ceiling", "ceiling", d["ceiling"], settings.min_ceiling, level))
    if settings.min_saturation_step is not None:
        reasons.append(
            _rule(
                "min_saturation_step",
                "saturation_step",
                d["saturation_step"],
                settings.min_saturation_step,
                level,
            )
        )
    outcomes = {r.outcome for r in reasons}
    status = "flag" if "flag" in outcomes else ("inconclusive" if "inconclusive" in outcomes else "pass")
    message = "; ".join(r.message for r in reasons if r.outcome == status)
    if d.get("status") in _NOT_ACTIONABLE or d.get("method") == "last_value":
        status = "inconclusive"
        message = (
            f"forecast status {d.get('status')} (method {d.get('method')}): {d.get('message', '')}"
        ).strip()
    return RunCheck(str(d.get("run")), status, tuple(reasons), d, message, source)


def _forecast_one(table: pd.DataFrame, st: CheckSettings) -> ForecastResult:
    kw: dict[str, Any] = dict(
        horizon=st.horizon,
        level=st.level,
        n_boot=st.n_boot,
        seed=st.seed,
        entropy=st.entropy,
        reward=st.reward,
        kind=st.kind,
        reference=st.reference,
    )
    res = forecast(table, sigmoid=st.sigmoid == "always", **kw)
    if (
        st.sigmoid == "fallback"
        and res.method == "last_value"
        and res.status in ("entropy_controlled", "law_not_holding")
    ):
        res = forecast(table, sigmoid=True, **kw)  # the law is not claimed: the sigmoid's
    return res


def _check_table(table: pd.DataFrame, st: CheckSettings, source: str | None) -> list[RunCheck]:
    out = []
    for run, sub in table.groupby("run", sort=True):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = _forecast_one(sub, st)
            rc = judge(res, st, source)
            if caught and rc.forecast is not None:
                rc.forecast["warnings"] = list(
                    dict.fromkeys(rc.forecast["warnings"] + [str(w.message) for w in caught])
                )
            out.append(rc)
        except Exception as exc:
            what = "" if isinstance(exc, EntropyLawError) else f"{type(exc).__name__}: "
            out.append(
                RunCheck(str(run), "error", message=f"could not be forecast: {what}{exc}", source=source)
            )
    return out


# -- runs from paths, in parallel ----------------------------------------------------------


def _units(paths: Iterable[str | Path]) -> list[tuple[str, str | None, str]]:
    """``(path, reader name, run name)`` per loadable unit; reader None = a missing path."""
    from ..loaders import discover

    out: list[tuple[str, str | None, str]] = []
    for p in map(Path, paths):
        if not p.exists():
            out.append((str(p), None, p.stem or str(p)))
            continue
        units, _ = discover(p)
        out += [(str(u.path), u.reader.name, u.run) for u in units] or [(str(p), "", p.stem)]
    return out


def _check_unit(unit: tuple[str, str | None, str], st: CheckSettings) -> list[RunCheck]:
    """Load one unit (in a worker) and check every run it holds."""
    from ..loaders import Unit, read_unit
    from ..loaders import reader as reader_named

    path, reader, run = unit
    try:
        if reader is None:
            raise EntropyLawError(f"{path}: no such file or folder.")
        if not reader:
            raise EntropyLawError(
                f"{path}: no log format recognised (CSV/TSV/Parquet/JSON, "
                "TensorBoard, W&B, MLflow, verl console log)."
            )
        from ..loaders.options import LoadOptions, using

        opts = LoadOptions(step=st.step, aggregate=st.aggregate, logging_steps=st.logging_steps)
        with warnings.catch_warnings(), using(opts):
            warnings.simplefilter("ignore")
            table = read_unit(Unit(Path(path), reader_named(reader), run))
    except Exception as exc:
        what = "" if isinstance(exc, EntropyLawError) else f"{type(exc).__name__}: "
        return [RunCheck(run, "error", message=f"could not be loaded: {what}{exc}", source=path)]
    return _check_table(table, st, path)


def iter_check(
    paths: Sequence[str | Path],
    settings: CheckSettings,
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
    max_in_flight: int | None = None,
) -> tuple[int, Iterator[list[RunCheck]]]:
    """Stream the checks of every run under *paths*: ``(number of units, iterator)``.

    Each unit (a log file or run folder) is loaded and checked inside a worker: a local
    process pool of ``jobs`` workers (default all cores; ``jobs=1`` runs in this process),
    or *executor*, any :class:`concurrent.futures.Executor` (a Dask cluster's
    ``distributed.Client(...).get_executor()``, an MPI or cloud pool...). Workers read the
    runs where they are: the paths sent are absolute, so they must be visible to the
    workers (a shared file system). At most *max_in_flight* units are submitted and not
    yet collected (default 4 per worker, at least 8), so memory holds a bounded number of
    results however large the fleet. The iterator yields one list of :class:`RunCheck`
    per unit, in completion order.
    """
    units = _units(paths)
    jobs = (os.cpu_count() or 1) if jobs is None else int(jobs)
    if jobs < 1:
        raise CheckConfigError(f"jobs must be at least 1; got {jobs}.")
    if max_in_flight is not None and int(max_in_flight) < 1:
        raise CheckConfigError(f"max_in_flight must be at least 1; got {max_in_flight}.")

    def serial() -> Iterator[list[RunCheck]]:
        for u in units:
            yield _check_unit(u, settings)

    def local_pool() -> Iterator[list[RunCheck]]:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if sys.platform == "win32":
            ctx = mp.get_context("spawn")
        else:  # workers fork from a server that imported entropy-law once (~3 s saved each)
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload([__name__])
        workers = min(jobs, len(units))
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            yield from stream_units(ex, units, settings, max_in_flight or max(8, 4 * workers), absolute=False)

    if executor is not None:
        return len(units), stream_units(executor, units, settings, max_in_flight or _in_flight(executor))
    return len(units), (serial() if jobs == 1 or len(units) <= 1 else local_pool())


def stream_units(
    executor: Executor,
    units: Sequence[tuple[str, str | None, str]],
    settings: CheckSettings,
    max_in_flight: int,
    *,
    absolute: bool = True,
) -> Iterator[list[RunCheck]]:
    """Check *units* on *executor*, keeping at most *max_in_flight* futures outstanding.

    Units are submitted as earlier ones complete (``concurrent.futures.wait`` with
    ``FIRST_COMPLETED``), with absolute paths unless *absolute* is false (a local pool in
    this working directory); the checks come back with the paths as given. A unit whose
    worker fails (a lost worker, an unpicklable result) is an error for that unit only.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    todo = iter(units)
    pending: dict = {}

    def top_up() -> None:
        while len(pending) < max_in_flight:
            u = next(todo, None)
            if u is None:
                return
            sent = (str(Path(u[0]).absolute()), u[1], u[2]) if absolute else u
            pending[executor.submit(_check_unit, sent, settings)] = u

    top_up()
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for f in done:
            u = pending.pop(f)
            try:
                yield [replace(rc, source=u[0]) for rc in f.result()]
            except Exception as exc:
                yield [RunCheck(u[2], "error", message=f"worker failed: {exc!r}", source=u[0])]
        top_up()


def _in_flight(executor: Executor) -> int:
    """4 futures per worker of *executor* when it says how many it has, else 64."""
    workers = getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None)  # distributed's ClientExecutor
    if client is not None:
        try:
            workers = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        except Exception:  # a client that cannot report: the default below
            workers = None
    return max(8, 4 * int(workers)) if workers else 64


def check(
    source,
    *,
    min_ceiling: float | None = None,
    min_saturation_step: int | None = None,
    settings: CheckSettings | None = None,
    jobs: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    **options,
) -> CheckResult:
    """Check runs against thresholds (rules in the module docstring).

    Parameters
    ----------
    source : path, list of paths, tidy table, ForecastResult or list of ForecastResult
        Paths are loaded unit by unit (in ``jobs`` worker processes); a table is
        forecast run by run; forecasts are judged as they are.
    min_ceiling, min_saturation_step : optional
        The bars (at least one).
    settings : CheckSettings, optional
        All settings at once; keyword options (``horizon``, ``level``, ``strict``,
        ``n_boot``, ``sigmoid``, ``seed``, ``entropy``, ``reward``, ``kind``) override it.
    jobs : int or None
        Worker processes for paths (None: all cores).
    progress : callable, optional
        ``progress(done, total)`` after each unit.
    executor : concurrent.futures.Executor, optional
        Run the units of *paths* on this pool instead of ``jobs`` local processes, e.g.
        a Dask cluster: ``distributed.Client("tcp://scheduler:8786").get_executor()``
        (``docs/fleets.md``). The runs are read by the workers, from absolute paths.

    Returns
    -------
    CheckResult
    """
    fields = asdict(settings) if settings is not None else {}
    fields.update(
        {
            k: v
            for k, v in (("min_ceiling", min_ceiling), ("min_saturation_step", min_saturation_step))
            if v is not None
        }
    )
    try:
        st = CheckSettings(**{**fields, **options})
    except TypeError as exc:
        raise CheckConfigError(
            f"check(): {exc}; valid options are {list(CheckSettings.__dataclass_fields__)}."
        ) from None
    if isinstance(source, ForecastResult):
        source = [source]
    if isinstance(source, pd.DataFrame):
        runs = _check_table(source, st, None)
    elif isinstance(source, list | tuple) and source and all(isinstance(s, ForecastResult) for s in source):
        runs = [judge(s, st) for s in source]
    else:
        paths = [source] if isinstance(source, str | Path) else list(source)
        total, it = iter_check(paths, st, jobs=jobs, executor=executor)
        runs = []
        for i, batch in enumerate(it, 1):
            runs += batch
            if progress is not None:
                progress(i, total)
    runs = sorted(runs, key=lambda r: (r.source or "", r.run))
    return CheckResult(tuple(_dedupe(runs)), st)


def _dedupe(runs: list[RunCheck]) -> list[RunCheck]:
    """Runs named alike from different sources get their source prepended."""
    count = Counter(r.run for r in runs)
    return [replace(r, run=f"{r.source}:{r.run}") if count[r.run] > 1 and r.source else r for r in runs]
