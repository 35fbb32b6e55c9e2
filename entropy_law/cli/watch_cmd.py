"""``entropy-law watch``: follow logs still being written and re-forecast as steps arrive.

Exit codes (``check``'s): 0 when stopped without a rule firing (``--once``, ``--timeout``,
Ctrl-C); 1 when ``--exit-on`` fires for a run; 2 usage or input errors. Library:
:mod:`entropy_law.live.watcher` (runs), :mod:`entropy_law.live.tail` (incremental readers).
"""

from __future__ import annotations

import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from .._defaults import N_BOOT_FLEET
from .._json import jsonable
from ..errors import EntropyLawError
from ..live.collector import LiveForecast
from ..live.rules import StopRules
from ..live.watcher import EXIT_ON, Watcher, fires
from .common import KindOpt, ReferenceOpt, echo_err, fail, warn


def _f(x: float, fmt: str = ".4g") -> str:
    return format(x, fmt) if math.isfinite(x) else ("unbounded" if x == math.inf else "-")


def _gain(x: float) -> str:
    """A gain at 4 decimals below 1 (a plateaued run printed 'gain +4.71e-11')."""
    if not math.isfinite(x):
        return _f(x)
    out = f"{x:+.4f}" if abs(x) < 1 else f"{x:+.4g}"
    return "+0.0000" if float(out) == 0 else out


def _plateau(fc: LiveForecast) -> tuple[str, str]:
    """``(plateau, interval)`` as printed: ``not claimed`` where the forecast does not claim one."""
    s = fc.summary
    if not fc.result.ceiling_claimed:
        return "not claimed", "-"
    return _f(s.plateau), f"[{_f(s.plateau_low)}, {_f(s.plateau_high)}]"


def _line(name: str, fc: LiveForecast) -> str:
    s = fc.summary
    plateau, interval = _plateau(fc)
    plateau = f"{plateau} {interval}" if interval != "-" else plateau
    return (
        f"{name}  step {s.step}  {s.verdict}  plateau {plateau}  gain {_gain(s.expected_gain)}  "
        "saturation step "
        f"{_f(s.saturation_step, '.0f')}  entropy spent {_f(s.entropy_spent, '.0%')}  "
        f"(last {_f(s.last_value)}, {s.status}/{s.method})"
    )


def _table(latest: dict[str, LiveForecast], note: str):
    from rich.table import Table

    t = Table(title="entropy-law watch", caption=note)
    for col in ("run", "step", "verdict", "plateau", "90% interval", "gain", "sat. step", "H spent", "last"):
        t.add_column(col)
    for name, fc in sorted(latest.items()):
        s = fc.summary
        t.add_row(
            name,
            str(s.step),
            s.verdict,
            *_plateau(fc),
            _gain(s.expected_gain),
            _f(s.saturation_step, ".0f"),
            _f(s.entropy_spent, ".0%"),
            _f(s.last_value),
        )
    return t


def register(app: typer.Typer) -> None:
    @app.command("watch")
    def watch_command(
        paths: Annotated[
            list[Path], typer.Argument(help="Log files or folders being written.", show_default=False)
        ],
        every: Annotated[float, typer.Option(help="Seconds between reads of the logs.")] = 10.0,
        once: Annotated[bool, typer.Option("--once", help="Read, forecast, report once and exit.")] = False,
        exit_on: Annotated[
            str | None,
            typer.Option(
                help=f"Exit 1 when a run meets this: {', '.join(EXIT_ON)} (flag needs a threshold)."
            ),
        ] = None,
        min_ceiling: Annotated[
            float | None, typer.Option(help="check's rule: flag a ceiling confidently below this.")
        ] = None,
        min_saturation_step: Annotated[
            int | None, typer.Option(help="check's rule: flag saturation confidently before this step.")
        ] = None,
        json_lines: Annotated[
            bool, typer.Option("--json-lines", help="One JSON object per forecast on stdout.")
        ] = False,
        timeout: Annotated[float | None, typer.Option(help="Stop (exit 0) after this many seconds.")] = None,
        entropy: Annotated[str | None, typer.Option(help="Entropy metric key (detected).")] = None,
        reward: Annotated[str | None, typer.Option(help="Performance metric key (detected).")] = None,
        kind: KindOpt = "auto",
        n_boot: Annotated[
            int, typer.Option(help="Bootstrap size of each forecast (small, as check's: one per new log).")
        ] = N_BOOT_FLEET,
        reference: ReferenceOpt = None,
    ) -> None:
        """Follow logs while they are written; re-forecast when new steps arrive.

        Example: entropy-law watch outputs/ --every 30 --min-ceiling 0.6
        """
        if exit_on is not None and exit_on not in EXIT_ON:
            raise fail(f"--exit-on {exit_on!r}: expected one of {', '.join(EXIT_ON)}.")
        if exit_on == "flag" and min_ceiling is None and min_saturation_step is None:
            raise fail(
                "--exit-on flag needs --min-ceiling and/or --min-saturation-step (check's thresholds)."
            )
        if every <= 0:
            raise fail(f"--every {every}: expected a positive number of seconds.")
        rules = StopRules(min_ceiling=min_ceiling, min_saturation_step=min_saturation_step)
        if reference is not None and not reference.exists():
            raise fail(f"--reference {reference}: no such file or folder of finished runs.")
        ref = None if reference is None else str(reference)
        try:
            w = Watcher(
                paths, rules=rules, entropy=entropy, reward=reward, kind=kind, n_boot=n_boot, reference=ref
            )
        except EntropyLawError as exc:
            raise fail(str(exc)) from None
        plain = json_lines or not sys.stdout.isatty()
        t0 = time.monotonic()
        latest: dict[str, LiveForecast] = {}
        live = None
        if not plain:
            try:
                from rich.live import Live
            except ImportError:  # rich comes with typer; without it, plain lines
                plain = True
            else:
                live = Live(_table(latest, "waiting for steps..."), auto_refresh=False)
                live.start()
        code, why = 0, ""
        try:
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    w.poll()
                    new = w.forecast()
                for msg in dict.fromkeys(str(c.message) for c in caught):
                    warn(msg)
                latest.update(new)
                for name, fc in new.items():
                    if plain:
                        out = {"run": name, **fc.summary.to_dict(), "stop_reason": fc.stop_reason}
                        out["plateau_claimed"] = fc.result.ceiling_claimed
                        if ref is not None:  # which references informed it, and how much
                            r_ = fc.result.reference
                            out["reference"] = None if r_ is None else r_.to_dict()
                        print(json.dumps(jsonable(out)) if json_lines else _line(name, fc), flush=True)
                    r = fires(fc, exit_on)
                    if r is not None and not code:
                        code, why = 1, f"{name}: {r}"
                if live is not None:
                    note = f"{len(w.tails)} file(s), {w.bytes_read} bytes read; next read in {every:g} s"
                    live.update(_table(latest, note), refresh=True)
                if code or once or (timeout is not None and time.monotonic() - t0 >= timeout):
                    break
                time.sleep(every)
        except KeyboardInterrupt:
            pass
        finally:
            if live is not None:
                live.stop()
        if once and not latest:
            waiting = w.waiting()
            echo_err(
                "no forecast yet: "
                + (
                    f"metrics not recognised in {waiting}"
                    if waiting
                    else f"no followable log under {', '.join(map(str, paths))}"
                )
            )
        if code:
            echo_err(f"exit-on {exit_on}: {why}")
        raise typer.Exit(code)
