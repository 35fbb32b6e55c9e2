"""The package layout holds: no import cycles, no module over 400 lines, a stable public API."""

from __future__ import annotations

import ast
from pathlib import Path

import entropy_law as el

PKG = Path(el.__file__).resolve().parent
MAX_LINES = 400

#: The public API as it stood before the modules were grouped by stage (issue 9): a name may
#: be added, none may disappear.
PUBLIC_API = {
    "__version__", "load", "scan", "formats", "LoadReport", "forecast", "ForecastResult", "backtest",
    "backtest_many", "check", "CheckResult", "CheckSettings", "compare", "Comparison", "fit_scaling",
    "ScalingResult", "fit_trajectory", "TrajectoryResult", "simulate", "simulate_many", "SimConfig", "fit",
    "fit_arrays", "fit_each", "FitResult", "Estimate", "LAWS", "Law", "get_law", "tidy", "make_long",
    "to_wide", "entropy_reward", "metric_summary", "detect_metrics", "EntropyLawError", "LoadError",
    "MetricError", "FitError", "EntropyLawWarning", "DataWarning", "TruncatedLogWarning",
}  # fmt: skip


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """Modules of the package that *name* imports, at any depth, except under TYPE_CHECKING."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                root = base[: len(base) - node.level + 1]
                mod = ".".join(root + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.add(sub if sub in modules else mod)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m in modules and m != name}


def test_no_import_cycles():
    mods = _modules()
    graph = {m: _imports(m, p, set(mods)) for m, p in mods.items()}
    # a package __init__ that re-exports its modules is an edge parent -> child; a child that
    # imports its own package's __init__ would close a cycle, and is caught like any other
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n) :] + [n] if n in stack else [m, n])
            elif n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_module_over_the_line_limit():
    long = {
        str(p.relative_to(PKG.parent)): n
        for p in PKG.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by concept): {long}"


def test_public_api_keeps_every_name():
    assert PUBLIC_API <= set(el.__all__), sorted(PUBLIC_API - set(el.__all__))
    for name in el.__all__:
        assert getattr(el, name) is not None, name


def test_stage_folders_do_not_shadow_the_functions():
    # the stage folders are named fitting/forecasting/checking so that el.fit, el.forecast and
    # el.check stay the functions even after their subpackages are imported
    import entropy_law.checking
    import entropy_law.fitting
    import entropy_law.forecasting  # noqa: F401

    assert callable(el.fit) and callable(el.forecast) and callable(el.check)
    assert el.fit.__module__ == "entropy_law.fitting.runs"
