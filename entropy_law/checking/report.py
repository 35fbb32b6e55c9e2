"""Render a :class:`~entropy_law.checking.result.CheckResult`: text, JSON, Markdown, GitHub, JUnit, HTML.

``render(result, fmt)`` with ``fmt`` one of :data:`FORMATS`:

``text``      a table, one line per run and threshold: observed value, interval, bar,
              outcome; then the counts;
``json``      one document ``{"runs": [{"run", "status", "reasons", "forecast", ...}],
              "summary": {"pass", "flag", "inconclusive", "error"}, "settings", "exit_code"}``;
``markdown``  a GitHub-flavoured table (what :func:`append_step_summary` writes to
              ``$GITHUB_STEP_SUMMARY``);
``github``    workflow commands: ``::error file=…,title=…::message`` for flagged and
              errored runs (and inconclusive ones under ``strict``), ``::warning`` for
              inconclusive ones, ``::notice`` for passes;
``junit``     JUnit XML: one ``<testcase>`` per run, ``<failure>`` when flagged,
              ``<error>`` when it could not be read or forecast, ``<skipped>`` when
              inconclusive (a ``<failure>`` under ``strict``).
"""

from __future__ import annotations

import html
import json
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from .._json import jsonable
from .config import CheckConfigError

if TYPE_CHECKING:  # results call these renderers, so the types are imported for checking only
    from .result import CheckResult, Reason, RunCheck

__all__ = [
    "render",
    "render_text",
    "render_json",
    "render_markdown",
    "render_github",
    "render_junit",
    "render_html",
    "append_step_summary",
    "FORMATS",
]

_ICON = {"pass": "✅ pass", "flag": "❌ flag", "inconclusive": "⚠️ inconclusive", "error": "💥 error"}


def _num(v: float, step: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{round(v):d}" if step else f"{v:.4g}"


def _observed(r: Reason) -> str:
    step = r.quantity == "saturation_step"
    return f"{_num(r.value, step)} [{_num(r.ci[0], step)}, {_num(r.ci[1], step)}]"


def _bar(r: Reason) -> str:
    return f">= {r.threshold:g}"


def _summary_line(res: CheckResult) -> str:
    s = res.summary
    return (
        f"{len(res.runs)} run(s): {s['pass']} pass, {s['flag']} flagged, "
        f"{s['inconclusive']} inconclusive, {s['error']} error(s)"
        + (" (strict: inconclusive fails)" if res.settings.strict else "")
    )


def _outcome(rc, r) -> str:
    """A rule's outcome as the table shows it: on an inconclusive run the rule is not acted
    on, so 'flag' next to STATUS 'inconclusive' reads 'would flag' (the run is not flagged)."""
    if rc.status == "inconclusive" and r.outcome in ("pass", "flag"):
        return f"would {r.outcome}"
    return r.outcome


def _hidden_exploration(rc) -> str:
    """The entropy-by-group note of one run ('' unless a group still explores while the
    global entropy collapses: the ceiling the rule checked may then be read too early)."""
    eg = (rc.forecast or {}).get("entropy_groups") or {}
    if not eg.get("hidden_exploration"):
        return ""
    names = ", ".join(eg.get("exploring") or []) or "a group"
    return f"entropy collapsing overall but still exploring in {names} (see --format json: entropy_groups)"


def render_text(res: CheckResult) -> str:
    """A readable table: observed vs threshold per reason."""
    rows = [("RUN", "STATUS", "RULE", f"OBSERVED [{res.settings.level:.0%} CI]", "BAR", "OUTCOME")]
    notes = []
    for rc in res.runs:
        if not rc.reasons:
            rows.append((rc.run, rc.status, "-", "-", "-", "-"))
        for i, r in enumerate(rc.reasons):
            rows.append(
                (
                    rc.run if i == 0 else "",
                    rc.status if i == 0 else "",
                    r.rule,
                    _observed(r),
                    _bar(r),
                    _outcome(rc, r),
                )
            )
        if rc.status in ("error", "inconclusive") and rc.message:
            notes.append(f"  {rc.run}: {rc.message}")
        hidden = _hidden_exploration(rc)
        if hidden:
            notes.append(f"  {rc.run}: {hidden}")
    widths = [max(len(str(row[j])) for row in rows) for j in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines + ["", _summary_line(res)])


def render_json(res: CheckResult) -> str:

    return json.dumps(jsonable(res.to_dict()), indent=2, allow_nan=False)


def _md_cell(text: str) -> str:
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def render_markdown(res: CheckResult) -> str:
    """A GitHub-flavoured Markdown section (for ``$GITHUB_STEP_SUMMARY``)."""
    lines = [
        "### entropy-law check",
        "",
        _summary_line(res) + ".",
        "",
        f"| run | status | rule | observed [{res.settings.level:.0%} CI] | bar | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rc in res.runs:
        if not rc.reasons:
            lines.append(f"| {_md_cell(rc.run)} | {_ICON[rc.status]} | | | | {_md_cell(rc.message)} |")
        for i, r in enumerate(rc.reasons):
            note = rc.message if i == 0 and rc.status == "inconclusive" else r.message
            lines.append(
                f"| {_md_cell(rc.run) if i == 0 else ''} | "
                f"{_ICON[rc.status] if i == 0 else ''} | `{r.rule}` | "
                f"{_observed(r)} | {_bar(r)} | {_md_cell(note)} |"
            )
    return "\n".join(lines) + "\n"


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def _gh_message(rc: RunCheck) -> str:
    parts = [f"{r.rule}: {_observed(r)} vs bar {r.threshold:g} -> {r.outcome}" for r in rc.reasons]
    return "; ".join([rc.message] + parts if rc.message else parts) or rc.status


def render_github(res: CheckResult) -> str:
    """GitHub Actions workflow commands, one line per run."""
    lines = []
    for rc in res.runs:
        level = {
            "flag": "error",
            "error": "error",
            "pass": "notice",
            "inconclusive": "error" if res.settings.strict else "warning",
        }[rc.status]
        props = [f"title={_gh_prop(f'entropy-law check: {rc.run} {rc.status}')}"]
        if rc.source:
            props.insert(0, f"file={_gh_prop(_relative(rc.source))}")
        lines.append(f"::{level} {','.join(props)}::{_gh_data(_gh_message(rc))}")
    return "\n".join(lines) + "\n"


def _relative(path: str) -> str:
    """Paths relative to the working directory (annotations need repository paths)."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path


def _xml_safe(s: str) -> str:
    return "".join(c for c in str(s) if c in "\t\n\r" or ord(c) >= 0x20)


def render_junit(res: CheckResult) -> str:
    """JUnit XML (GitLab, Jenkins): a testsuite of one testcase per run."""
    s = res.summary
    strict = res.settings.strict
    fails = s["flag"] + (s["inconclusive"] if strict else 0)
    root = ET.Element(
        "testsuites",
        name="entropy-law check",
        tests=str(len(res.runs)),
        failures=str(fails),
        errors=str(s["error"]),
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name="entropy-law check",
        tests=str(len(res.runs)),
        failures=str(fails),
        errors=str(s["error"]),
        skipped=str(0 if strict else s["inconclusive"]),
    )
    for rc in res.runs:
        attrs = {"classname": "entropy_law.checking.runner", "name": _xml_safe(rc.run)}
        if rc.source:
            attrs["file"] = _xml_safe(_relative(rc.source))
        case = ET.SubElement(suite, "testcase", attrs)
        msg = _xml_safe(_gh_message(rc))
        if rc.status == "flag" or (rc.status == "inconclusive" and strict):
            el = ET.SubElement(case, "failure", message=msg, type=rc.status)
            el.text = _xml_safe(render_text(type(res)((rc,), res.settings)))
        elif rc.status == "error":
            el = ET.SubElement(case, "error", message=msg, type="error")
            el.text = _xml_safe(rc.message)
        elif rc.status == "inconclusive":
            ET.SubElement(case, "skipped", message=msg)
        out = ET.SubElement(case, "system-out")
        out.text = _xml_safe("; ".join(r.message for r in rc.reasons) or rc.message)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def render_html(res: CheckResult) -> str:
    """An HTML table for notebooks."""
    body = "".join(
        f"<tr><td>{html.escape(rc.run)}</td><td>{rc.status}</td><td>{r.rule}</td>"
        f"<td>{_observed(r)}</td><td>{html.escape(_bar(r))}</td><td>{r.outcome}</td></tr>"
        for rc in res.runs
        for r in (rc.reasons or ())
    )
    errs = "".join(
        f"<li>{html.escape(rc.run)}: {html.escape(rc.message)}</li>"
        for rc in res.runs
        if rc.status == "error"
    )
    return (
        f"<p><b>entropy-law check</b>: {html.escape(_summary_line(res))}</p><table><tr>"
        f"<th>run</th><th>status</th><th>rule</th><th>observed [{res.settings.level:.0%}"
        f" CI]</th><th>bar</th><th>outcome</th></tr>{body}</table>" + (f"<ul>{errs}</ul>" if errs else "")
    )


FORMATS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "github": render_github,
    "junit": render_junit,
}


def render(res: CheckResult, fmt: str = "text") -> str:
    """Render *res* in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise CheckConfigError(f"format {fmt!r} is not supported; choose one of {', '.join(FORMATS)}.")
    text = FORMATS[fmt](res)
    return text if text.endswith("\n") else text + "\n"


def append_step_summary(res: CheckResult, env: dict | None = None) -> Path | None:
    """Append the Markdown table to ``$GITHUB_STEP_SUMMARY`` when it is set; the file used."""
    target = (os.environ if env is None else env).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(render_markdown(res) + "\n")
    return Path(target)
