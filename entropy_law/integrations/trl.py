"""Forecast the plateau while a Hugging Face ``Trainer`` / TRL ``GRPOTrainer`` trains.

>>> from entropy_law.integrations.trl import EntropyLawCallback      # doctest: +SKIP
>>> trainer = GRPOTrainer(..., callbacks=[EntropyLawCallback(every=50, min_ceiling=0.8)])

Needs ``pip install "entropy-law[trl]"`` (transformers, trl); ``import entropy_law`` does not
import this module.

What it does
------------
* **Collects** every numeric key of every ``on_log`` record (training steps and
  evaluations alike); the entropy and performance keys are detected with
  :func:`entropy_law.table.metrics.detect` (TRL: ``entropy`` and ``reward``; with an
  ``eval_dataset``, ``eval_reward`` wins) unless ``entropy=`` / ``reward=`` are given. A record
  missing a key is fine.
* **Forecasts** with :func:`entropy_law.forecast` every ``every`` new performance points (one
  per logged step, or per evaluation when the performance is an eval metric), with a small
  bootstrap (``n_boot`` 100, ``entropy_law._defaults.N_BOOT_FLEET`` as in ``check``: 0.2-1 s
  on a shared 2-core CPU). A forecast that would push the
  time spent forecasting above ``max_overhead`` of the training wall time so far waits for
  a later log (``max_overhead=None`` turns this off).
* **Logs its answer into the trainer's own metrics** through ``trainer.log`` (a record of
  its own at the forecast's step, written when the next step begins or training ends, when
  TRL's metric buffer is empty), so W&B, TensorBoard (``train/entropy_law/...``) and
  ``trainer_state.json`` carry ``entropy_law/plateau`` (``_low``, ``_high``),
  ``entropy_law/expected_gain``, ``entropy_law/saturation_step``, ``entropy_law/entropy_spent``
  and ``entropy_law/verdict`` (the code of :data:`entropy_law.live.verdict.VERDICT_CODES`; the
  word is in the status file). Editing ``logs`` inside ``on_log`` would not do: ``Trainer.log``
  has already copied them into ``log_history`` and the reporting callbacks registered before
  this one have already written them. The trainer is found from the call stack at
  ``on_train_begin`` (or given with :meth:`EntropyLawCallback.attach`); without it the record
  is appended to ``state.log_history`` only.
* **Stop rules** (:class:`entropy_law.live.rules.StopRules`): ``min_ceiling``,
  ``min_saturation_step`` (``check``'s flag rule), ``plateau_gain`` + ``plateau_steps``,
  ``stop_on_degrading``; when one fires, ``control.should_training_stop`` is set and the reason
  is logged (``entropy_law/stop`` = 1, the reason on stderr, in the status file and in
  :attr:`EntropyLawCallback.stop_reason`).
* **Status file** (``status_file=``): a JSON document rewritten atomically after each forecast
  (step, verdict word and code, the numbers, the stop decision, the full forecast).
* **Multi-process**: only the main process (``state.is_world_process_zero``) forecasts; when
  ``torch.distributed`` is initialised the stop decision is broadcast from rank 0, so every
  rank stops at the same step.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

try:
    from transformers import TrainerCallback
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "entropy_law.integrations.trl needs transformers: pip install 'entropy-law[trl]' "
        f"(import failed: {exc})."
    ) from exc

from .._defaults import N_BOOT_FLEET, SEED
from .._json import jsonable
from ..live.collector import LiveForecast, LiveForecaster
from ..live.rules import StopRules
from ..live.verdict import METRIC_PREFIX

__all__ = ["EntropyLawCallback"]


def _warm_imports() -> None:
    import importlib

    for name in ("scipy.optimize", "scipy.stats", "lmfit"):
        try:
            importlib.import_module(name)
        except Exception:  # pragma: no cover - the forecast reports a real failure later
            return


class EntropyLawCallback(TrainerCallback):
    """A ``transformers.TrainerCallback`` that forecasts the plateau while training.

    Parameters
    ----------
    every : int
        Forecast after every this many new performance points (logged steps or evaluations).
    entropy, reward, kind
        Metric keys (detected when omitted, as everywhere in entropy-law).
    n_boot : int
        Bootstrap size of each forecast.
    max_overhead : float or None
        Postpone a due forecast while forecasting has taken more than this fraction of the
        training wall time so far.
    min_ceiling, min_saturation_step, plateau_gain, plateau_steps, stop_on_degrading
        Stop rules (:class:`entropy_law.live.rules.StopRules`); none by default.
    status_file : path, optional
        JSON status file rewritten after each forecast (for schedulers).
    level, seed, horizon, sigmoid
        Forecast settings (:func:`entropy_law.forecast`; ``sigmoid`` as in ``check``).
    run : str
        Run name in the forecast and the status file (default: the trainer's ``run_name``).
    """

    def __init__(
        self,
        every: int = 50,
        *,
        entropy: str | None = None,
        reward: str | None = None,
        kind: str = "auto",
        n_boot: int = N_BOOT_FLEET,
        max_overhead: float | None = 0.03,
        min_ceiling: float | None = None,
        min_saturation_step: int | None = None,
        plateau_gain: float | None = None,
        plateau_steps: int | None = None,
        stop_on_degrading: bool = False,
        status_file: str | os.PathLike | None = None,
        level: float = 0.9,
        seed: int = SEED,
        horizon: int | None = None,
        sigmoid: str = "fallback",
        run: str | None = None,
    ) -> None:
        if int(every) < 1:
            raise ValueError(f"every={every!r} must be a positive number of logged points.")
        self.every = int(every)
        self.max_overhead = max_overhead
        self.status_file = Path(status_file) if status_file is not None else None
        self.rules = StopRules(
            min_ceiling=min_ceiling,
            min_saturation_step=min_saturation_step,
            plateau_gain=plateau_gain,
            plateau_steps=plateau_steps,
            degrading=stop_on_degrading,
            level=level,
        )
        self._run = run
        self._opts: dict[str, Any] = dict(
            entropy=entropy,
            reward=reward,
            kind=kind,
            n_boot=n_boot,
            sigmoid=sigmoid,
            level=level,
            seed=seed,
            horizon=horizon,
        )
        self.live = LiveForecaster(run or "run", rules=self.rules, **self._opts)
        self.forecasts: list[LiveForecast] = []  # every forecast made, in order
        self.forecast_steps: list[int] = []
        self.stop_reason: str | None = None
        self._trainer: Any = None
        self._emitting = False
        self._pending: dict[str, float] | None = None
        self._since = 0  # performance points since the last forecast
        self._t0: float | None = None
        self._spent = 0.0
        # the first forecast imports lmfit and scipy.optimize (seconds on a busy machine):
        # do it now, beside the trainer's own setup, rather than inside a training step
        threading.Thread(target=_warm_imports, name="entropy-law-warm-imports", daemon=True).start()

    # -- wiring ---------------------------------------------------------------------------
    def attach(self, trainer) -> EntropyLawCallback:
        """Register with *trainer* (``trainer.add_callback``) and log through it."""
        self._trainer = trainer
        if self not in trainer.callback_handler.callbacks:
            trainer.add_callback(self)
        return self

    @staticmethod
    def _find_trainer():
        """The ``Trainer`` whose method called this hook (walks the call stack once)."""
        from transformers import Trainer

        f: FrameType | None = sys._getframe(1)
        while f is not None:
            obj = f.f_locals.get("self")
            if isinstance(obj, Trainer):
                return obj
            f = f.f_back
        return None

    def on_train_begin(self, args, state, control, **kwargs):
        self._t0 = time.perf_counter()
        if self._trainer is None:
            self._trainer = self._find_trainer()
        if self._run is None:
            self.live.run = str(getattr(args, "run_name", None) or Path(args.output_dir).name or "run")
        return control

    # -- collecting and forecasting -------------------------------------------------------
    def on_log(self, args, state, control, logs=None, **kwargs):
        if self._emitting or not logs:
            return control
        if not state.is_world_process_zero:
            return self._sync_stop(control, state)
        keys = self.live.metrics()
        before = self.live.count(keys[1]) if keys else 0
        self.live.add(state.global_step, logs)
        keys = self.live.metrics()
        if keys is not None:
            self._since += self.live.count(keys[1]) - before
        fc = None
        if keys is not None and self._since >= self.every and self._within_budget():
            self._since = 0
            fc = self._forecast(state)
        return self._sync_stop(control, state, fc)

    def _within_budget(self) -> bool:
        if self.max_overhead is None or self._t0 is None or not self.forecasts:
            return True
        elapsed = time.perf_counter() - self._t0
        return self._spent <= self.max_overhead * elapsed

    def _forecast(self, state) -> LiveForecast | None:
        fc = self.live.forecast()
        if fc is None:
            return None
        self._spent += fc.seconds
        self.forecasts.append(fc)
        self.forecast_steps.append(int(state.global_step))
        out = fc.summary.metrics()
        if fc.stop_reason is not None and self.stop_reason is None:
            self.stop_reason = fc.stop_reason
            out[f"{METRIC_PREFIX}stop"] = 1.0
            print(
                f"entropy-law: stopping training at step {state.global_step}: {fc.stop_reason}",
                file=sys.stderr,
            )
        self._emit(out, state)
        self._write_status(fc, state)
        return fc

    def _emit(self, metrics: dict[str, float], state) -> None:
        """Queue *metrics* for their own record at this step (written by :meth:`_flush`)."""
        if self._trainer is None:
            state.log_history.append({**metrics, "step": state.global_step})
        else:
            self._pending = dict(metrics)

    def _flush(self) -> None:
        """Log the queued forecast through ``trainer.log``. Called before the next step's
        work starts (``on_step_begin``) or at ``on_train_end``: then TRL's per-step metric
        buffer is empty, so the record holds the forecast alone, and every reporting
        callback (TensorBoard, W&B, ...) and ``log_history`` receive it at the forecast's step."""
        if self._pending is None or self._trainer is None:
            return
        metrics, self._pending = self._pending, None
        self._emitting = True
        try:
            self._trainer.log(metrics)
        finally:
            self._emitting = False

    def on_step_begin(self, args, state, control, **kwargs):
        self._flush()
        return control

    def on_train_end(self, args, state, control, **kwargs):
        self._flush()
        return control

    def _sync_stop(self, control, state, fc: LiveForecast | None = None):
        """Set ``should_training_stop`` (the same on every rank of a distributed run)."""
        stop = self.stop_reason is not None
        dist = sys.modules.get("torch.distributed")
        if dist is not None and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            box = [stop]
            dist.broadcast_object_list(box, src=0)
            stop = bool(box[0])
        if stop:
            control.should_training_stop = True
        return control

    def _write_status(self, fc: LiveForecast, state) -> None:
        if self.status_file is None:
            return
        doc = {
            "run": self.live.run,
            "global_step": int(state.global_step),
            "max_steps": int(getattr(state, "max_steps", 0) or 0),
            "time": time.time(),
            **fc.summary.to_dict(),
            "stop": self.stop_reason is not None,
            "stop_reason": self.stop_reason,
            "forecast_seconds": fc.seconds,
            "forecast": fc.result.to_dict(),
        }
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.status_file.parent, prefix=".entropy_law_status.")
        with os.fdopen(fd, "w") as fh:
            json.dump(jsonable(doc), fh, indent=2, allow_nan=False)
        os.replace(tmp, self.status_file)
