"""Configuration of :func:`entropy_law.checking.runner`: ``[tool.entropy-law.check]`` in a
``pyproject.toml`` (the nearest one up to the repository root) or a TOML file given with
``--config``. Keys are those of :data:`CONFIG_KEYS` (``-`` and ``_`` are equivalent);
command-line flags take precedence over the file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..errors import EntropyLawError, closest

__all__ = ["CONFIG_KEYS", "CheckConfigError", "find_config", "read_config"]
#: keys of ``[tool.entropy-law.check]`` and their types (``_`` and ``-`` are equivalent)
CONFIG_KEYS: dict[str, type] = {
    "min-ceiling": float,
    "min-saturation-step": int,
    "horizon": int,
    "level": float,
    "strict": bool,
    "n-boot": int,
    "sigmoid": str,
    "seed": int,
    "entropy": str,
    "reward": str,
    "kind": str,
    "jobs": int,
    "format": str,
}


class CheckConfigError(EntropyLawError):
    """A configuration file or setting of ``check`` is invalid (CLI exit code 2)."""


def _toml_load(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise CheckConfigError(
                f"reading {path} needs Python >= 3.11 or the 'tomli' package on 3.10: pip install tomli."
            ) from None
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise CheckConfigError(f"cannot read the config file {path}: {exc.strerror}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise CheckConfigError(f"{path} is not valid TOML: {exc}.") from None


def find_config(start: str | Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.entropy-law.check]`` table, searching
    *start* (default: the current directory) and its parents, stopping at a repository
    root (a folder holding ``.git``)."""
    d = Path(start or Path.cwd()).resolve()
    for folder in (d, *d.parents):
        f = folder / "pyproject.toml"
        if f.is_file() and "check" in _toml_load(f).get("tool", {}).get("entropy-law", {}):
            return f
        if (folder / ".git").exists():
            return None
    return None


def read_config(
    path: str | Path | None = None, *, start: str | Path | None = None
) -> tuple[dict[str, Any], Path | None]:
    """Read the check settings: ``(settings with snake_case keys, file used or None)``.

    *path* is a TOML file: its ``[tool.entropy-law.check]`` table when it has one,
    otherwise its top-level keys. Without *path* the nearest ``pyproject.toml`` is used
    (:func:`find_config`). Keys are those of :data:`CONFIG_KEYS`; an unknown key or a
    value of the wrong type raises :class:`CheckConfigError`.
    """
    if path is None:
        path = find_config(start)
        if path is None:
            return {}, None
    path = Path(path)
    if not path.is_file():
        raise CheckConfigError(f"config file {path} does not exist.")
    doc = _toml_load(path)
    table = doc.get("tool", {}).get("entropy-law", {}).get("check", doc)
    out: dict[str, Any] = {}
    for key, value in table.items():
        k = key.replace("_", "-")
        if k not in CONFIG_KEYS:
            near = closest(k, CONFIG_KEYS)
            raise CheckConfigError(
                f"unknown key {key!r} in {path}"
                + (f" (did you mean {near[0]!r}?)" if near else "")
                + f"; valid keys: {', '.join(CONFIG_KEYS)}."
            )
        want = CONFIG_KEYS[k]
        ok = isinstance(value, want) and not (want is not bool and isinstance(value, bool))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise CheckConfigError(
                f"{key} in {path} must be a {want.__name__}; found {value!r} ({type(value).__name__})."
            )
        out[k.replace("-", "_")] = value
    return out, path
