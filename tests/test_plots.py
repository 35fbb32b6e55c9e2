"""The plots show what happened: checked on the drawn artists (held-out points, the
saturation marker or the arrow beyond the horizon, legend entries, the verdict in the
title, greyed parts with their reason, panels and rows), not on a file's existence."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import entropy_law as el
from entropy_law.plotting import plot_backtest, plot_comparison, plot_forest, plot_grid

matplotlib.use("Agg")
import matplotlib.pyplot as plt

N_BOOT = 60  # enough for intervals to be drawn; the plots, not their widths, are tested
PPO = "verl-data_qwen2.5-0.5b-instruct_ppo_gsm8k_resp512.csv"  # 434 steps, an eval every ~10
DAPO = "verl-pr2676_qwen2-7b_dapo_math-dapo_short.csv"  # entropy rebounds: entropy_controlled


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def ppo(real_runs_dir):
    return el.load(real_runs_dir / PPO)


@pytest.fixture(scope="module")
def ppo_cut(ppo):
    return el.forecast(ppo, upto_fraction=0.25, n_boot=N_BOOT)


@pytest.fixture(scope="module")
def sample_forecasts():
    table = el.load("sample_runs/")
    return {str(r): el.forecast(sub, n_boot=N_BOOT) for r, sub in table.groupby("run")}


def _legend(ax) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg is not None else []


def _no_overlap(fig, texts) -> None:
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in texts if t.get_text()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def _gid(ax, gid: str) -> list:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_held_out_points_are_drawn_and_labelled(ppo, ppo_cut):
    fig = ppo_cut.plot()
    ax_r, ax_h = fig.axes
    upto = ppo_cut.settings.upto_step
    val = ppo[ppo["metric"] == ppo_cut.settings.reward]
    (held,) = [ln for ln in ax_r.lines if ln.get_gid() == "held_out"]
    assert len(held.get_xdata()) == int((val["step"] > upto).sum()) > 20
    assert min(held.get_xdata()) > upto
    assert held.get_markerfacecolor() == "none"  # hollow: a distinct style from the points used
    assert any("held out" in t for t in _legend(ax_r)) and any("held out" in t for t in _legend(ax_h))
    # the step axis reaches the last held-out point, so the realised data are all visible
    assert ax_r.get_xlim()[1] >= val["step"].max()


def test_every_band_and_region_has_a_legend_entry(ppo_cut):
    fig = ppo_cut.plot()
    ax_r = fig.axes[0]
    labels = _legend(ax_r)
    for needed in ("fitted slice", "band of the forecast", "interval of the ceiling", "ceiling 0."):
        assert any(needed in t for t in labels), (needed, labels)
    shaded = [
        c for c in ax_r.collections if type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection")
    ]
    shaded += [p for p in ax_r.patches if type(p).__name__ in ("Rectangle", "Polygon")]
    assert shaded
    for artist in shaded:
        assert artist.get_label() in labels, artist.get_label()


def test_the_verdict_is_in_the_title(ppo_cut, sample_forecasts):
    for fc in (ppo_cut, *sample_forecasts.values()):
        fig = fc.plot()
        title = fig._suptitle.get_text()
        assert fc.run in title and fc.verdict in title, title


def test_saturation_point_marked_inside_the_axis(ppo_cut):
    s = ppo_cut.saturation_step.value
    assert np.isfinite(s) and s <= ppo_cut.settings.horizon  # the case under test
    ax_r = ppo_cut.plot().axes[0]
    assert _gid(ax_r, "saturation")  # the star and its interval bar
    assert any(f"step {s:.0f}" in t for t in _legend(ax_r))
    assert not _gid(ax_r, "beyond_horizon")


def test_saturation_beyond_the_horizon_gets_an_arrow(sample_forecasts):
    fc = sample_forecasts["csv/grpo-baseline"]
    assert fc.saturation_step.value > fc.settings.horizon  # 321 > 240: the case under test
    ax_r = fc.plot().axes[0]
    (arrow,) = _gid(ax_r, "beyond_horizon")
    assert "beyond the horizon" in arrow.get_text() and arrow.arrow_patch is not None
    assert _gid(ax_r, "saturation")
    assert any("beyond the horizon" in t for t in _legend(ax_r))


def test_saturation_in_the_past_says_already_reached(real_runs_dir):
    table = el.load(
        real_runs_dir / "verl-asyncreward_qwen2.5-3b-instruct_grpo_gsm8k_megatron_offpolicy1_pipeline.csv"
    )
    fc = el.forecast(table, n_boot=N_BOOT)
    assert fc.saturation_step.value < fc.settings.upto_step  # the case under test
    assert any("already reached" in t for t in _legend(fc.plot().axes[0]))


def test_no_labels_overlap(sample_forecasts):
    # the long metric key of a real verl run used to run the two y-labels into each other
    table = el.load("sample_runs/csv/grpo-baseline.csv")
    table["metric"] = table["metric"].replace(
        {"val-core/synthetic/acc/mean@1": "val-core/openai/gsm8k/reward/mean@1"}
    )
    fc = el.forecast(table, reward="val-core/openai/gsm8k/reward/mean@1", n_boot=N_BOOT)
    for f in (fc, sample_forecasts["csv/grpo-baseline"]):
        fig = f.plot()
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        ax_r, ax_h = fig.axes
        texts = [ax_r.yaxis.label, ax_h.yaxis.label, ax_h.xaxis.label, fig._suptitle]
        texts += list(ax_r.get_legend().get_texts()) + list(ax_h.get_legend().get_texts())
        for ax in (ax_r, ax_h):  # a y-label longer than its panel runs into the other one
            label, frame = ax.yaxis.label.get_window_extent(r), ax.get_window_extent(r)
            assert frame.y0 - 1 <= label.y0 and label.y1 <= frame.y1 + 1, (label, frame)
        boxes = [t.get_window_extent(r) for t in texts if t.get_text()]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.overlaps(b), (a, b)


def test_unclaimed_parts_are_greyed_with_the_reason(real_runs_dir):
    fc = el.forecast(el.load(real_runs_dir / DAPO), n_boot=N_BOOT)
    assert fc.status == "entropy_controlled" and fc.method == "last_value"  # the case under test
    fig = fc.plot()
    ax_r, ax_h = fig.axes
    (note,) = _gid(ax_r, "not_claimed")
    assert (
        "not claimed" in note.get_text()
        and "entropy is held up" in note.get_text().replace("\n", " ").lower()
    )
    assert not any(t.startswith("ceiling") for t in _legend(ax_r))  # the level is no ceiling
    (traj,) = [ln for ln in ax_h.lines if "entropy trajectory" in ln.get_label()]
    assert "not claimed" in traj.get_label()
    assert matplotlib.colors.to_hex(traj.get_color()) == matplotlib.colors.to_hex("0.62")


def test_full_run_gives_the_held_out_data_to_a_slice_forecast(ppo):
    cut = int(ppo["step"].quantile(0.3))
    fc = el.forecast(ppo[ppo["step"] <= cut], n_boot=N_BOOT)
    assert not [ln for ln in fc.plot().axes[0].lines if ln.get_gid() == "held_out"]
    (held,) = [ln for ln in fc.plot(full=ppo).axes[0].lines if ln.get_gid() == "held_out"]
    assert len(held.get_xdata()) > 10


def test_grid_has_one_panel_per_run_with_its_verdict(sample_forecasts):
    fig = plot_grid(sample_forecasts)
    assert len(fig.axes) == len(sample_forecasts) == 6
    for ax, fc in zip(fig.axes, sample_forecasts.values(), strict=True):
        assert fc.verdict in ax.get_title()
    (leg,) = fig.legends  # one legend for the whole figure, not one per panel
    labels = [t.get_text() for t in leg.get_texts()]
    assert {"used", "forecast", "ceiling", "fitted slice"} <= set(labels)
    assert all(ax.get_legend() is None for ax in fig.axes)
    _no_overlap(fig, [ax.title for ax in fig.axes] + [ax.yaxis.label for ax in fig.axes])


def test_forest_has_one_row_per_run(real_runs_dir, sample_forecasts):
    names = list(sample_forecasts)
    comp = el.compare(sample_forecasts, baseline=names[0])
    fig = comp.plot_forest()
    ax = fig.axes[0]
    rows = [a for a in ax.lines if str(a.get_gid()).startswith("row:")]
    assert [r.get_gid()[4:] for r in rows] == list(comp.runs)
    assert len(ax.get_yticklabels()) == len(comp.runs)
    _no_overlap(fig, [*ax.get_yticklabels(), *fig.axes[1].get_yticklabels(), ax.title, ax.xaxis.label])
    values = [t.get_text() for t in fig.axes[1].get_yticklabels()]  # the right-hand values
    c = sample_forecasts[names[0]].ceiling
    assert f"{c.value:.4g} [{c.ci[0]:.4g}, {c.ci[1]:.4g}]" in values
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "baseline" in labels and any("baseline" in t and "interval" in t for t in labels)
    # the same from a plain list, for another quantity
    fig = plot_forest(list(sample_forecasts.values()), "saturation_step")
    assert len([a for a in fig.axes[0].lines if str(a.get_gid()).startswith("row:")]) == 6
    with pytest.raises(el.EntropyLawError, match="quantity"):
        plot_forest(sample_forecasts, "nope")


def test_compare_switches_to_panels_beyond_four_runs(sample_forecasts):
    comp = el.compare(sample_forecasts)
    fig = comp.plot()
    assert len(fig.axes) == 6 and fig._suptitle is not None
    fig = plot_comparison(comp, layout="overlay")
    ax_r, ax_h = fig.axes
    leg = ax_r.get_legend()
    fig.canvas.draw()
    assert leg.get_window_extent().x0 >= ax_r.get_window_extent().x1  # legend outside the data
    assert len(leg.get_texts()) == 6 and sum("(baseline)" in t.get_text() for t in leg.get_texts()) == 1
    colors = {matplotlib.colors.to_hex(ln.get_color()) for ln in ax_h.lines}
    assert len(colors) == 6  # one colour per run


def test_backtest_plot_shows_forecast_and_realised_per_cut():
    table = el.load("sample_runs/csv")
    bt = el.backtest_many(table, (0.25, 0.5), n_boot=40)
    fig = plot_backtest(bt, table)
    assert len(fig.axes) == 2
    for ax, (_, rows) in zip(fig.axes, bt.groupby("run", sort=False), strict=True):
        xs = np.concatenate(
            [
                np.asarray(a.get_xdata(), float)
                for a in ax.lines
                if a.get_gid() == "forecast" and a.get_marker() == "o"
            ]
        )
        assert sorted(xs) == sorted(rows["upto_step"].astype(float))  # a forecast per cut
        (real,) = [ln for ln in ax.lines if ln.get_label() == "realised final level"]
        assert real.get_ydata()[0] == pytest.approx(rows["realised"].iloc[0])
        assert f"covered {int(rows['covered'].sum())}/2" in ax.get_title()
    with pytest.raises(el.EntropyLawError, match="given-entropy"):
        plot_backtest(el.backtest_many(table, (0.5,), given=True))


def test_every_plot_returns_a_figure(sample_forecasts):
    from matplotlib.figure import Figure

    fc = sample_forecasts["csv/grpo-baseline"]
    assert isinstance(fc.plot(), Figure) and isinstance(fc.law_fit.plot(), Figure)
    _, ax = plt.subplots()
    assert fc.law_fit.plot(ax=ax) is ax.figure  # ax= still draws into the caller's Axes
    _, (a, b) = plt.subplots(2)
    assert fc.plot(ax=(a, b)) is a.figure and a.get_title().startswith(fc.run)


def test_cli_writes_the_new_figures(tmp_path, real_runs_dir):
    from typer.testing import CliRunner

    from entropy_law.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["backtest", "sample_runs/csv", "--fractions", "0.5", "--n-boot", "30",
                              "--plot", str(tmp_path / "bt.png")])  # fmt: skip
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["forecast", "sample_runs/csv", "--n-boot", "30", "--grid", str(tmp_path / "g.svg")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "g.svg").read_text().count('<g id="axes_') == 2  # a panel per run
    runs = [str(real_runs_dir / PPO), str(real_runs_dir / DAPO), "sample_runs/csv"]
    res = runner.invoke(app, ["compare", *runs, "--n-boot", "30", "--forest", str(tmp_path / "f.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "bt.png").stat().st_size > 10_000 and (tmp_path / "f.png").stat().st_size > 10_000
    res = runner.invoke(app, ["backtest", "sample_runs/csv", "--plot", str(tmp_path / "bt.txt")])
    assert res.exit_code == 2 and "figure format" in res.output
    res = runner.invoke(
        app, ["backtest", "sample_runs/csv", "--given-entropy", "--plot", str(tmp_path / "b.png")]
    )
    assert res.exit_code == 2 and "--given-entropy" in res.output


@pytest.mark.slow  # 12 forecasts, ~15 s
def test_forest_and_grid_of_twelve_real_runs_stay_readable(real_runs_dir):
    # long verl run names that differ only at the end: wrapped, never cut, never overlapping
    runs = sorted(real_runs_dir.glob("*.csv"))
    fcs = {p.stem: el.forecast(el.load(p), upto_fraction=0.5, n_boot=30) for p in runs}
    fig = plot_forest(fcs)
    ax = fig.axes[0]
    labels = [t.get_text().replace("\n", "") for t in ax.get_yticklabels()]
    assert len(labels) == len(runs) == 12
    assert len(set(labels)) == 12 and all(lab in p.stem for lab, p in zip(labels, runs, strict=True))
    _no_overlap(fig, [*ax.get_yticklabels(), *fig.axes[1].get_yticklabels()])
    fig = el.compare(fcs).plot()  # more than four runs: a panel each
    assert len(fig.axes) == 12
    _no_overlap(fig, [a.title for a in fig.axes])


def test_too_early_marker_sits_on_a_current_level_line():
    # At 25% of a sample run (too_early) the headline's value at the horizon is the current
    # level; the plot drew that marker in full colour off the greyed law path, with nothing
    # leading to it, so it read as a second, contradicting forecast.
    # Its value now carries the level's damped recent trend (a slope on its last four points),
    # so the line leading to the marker starts at the current level and ends on the marker.
    fc = el.forecast(el.load("sample_runs/csv/grpo-baseline.csv"), upto_fraction=0.25, n_boot=N_BOOT)
    assert fc.status == "too_early" and fc.path is not None  # the case under test
    ax_r = fc.plot().axes[0]
    assert any("the current level" in t for t in _legend(ax_r)), _legend(ax_r)
    assert any("law path (not claimed)" in t for t in _legend(ax_r))
    (line,) = [ln for ln in ax_r.get_lines() if "the current level" in ln.get_label()]
    x, y = line.get_data()
    assert list(x) == [fc.settings.upto_step, fc.settings.horizon]
    assert y[0] == pytest.approx(fc.last_value) and y[-1] == pytest.approx(fc.at_horizon.value)


def test_no_inf_in_the_legend(sample_forecasts):
    # ../shared/corpus/raw/bihan_qwen2.5-7b_gsm8k_ppo_resumed: the legend read
    # '95% of the plateau already reached at about step 280 [220, inf]'
    import dataclasses

    from entropy_law.fitting.results import Estimate

    fc = next(iter(sample_forecasts.values()))
    s = Estimate(float(fc.settings.upto_step) - 20, (float(fc.settings.upto_step) - 60, np.inf), 0.9)
    labels = _legend(dataclasses.replace(fc, saturation_step=s).plot().axes[0])
    (sat,) = [t for t in labels if "of the plateau already reached" in t]
    assert "inf" not in sat and sat.endswith(", unbounded]"), sat


def test_forest_labels_have_no_scientific_notation_or_inf():
    # compare ../shared/corpus/raw/sun_trl_grpo_rho_sweep_gsm8k --forest labelled a collapsed
    # run '2.922e-05 [0, 0.4217]'
    from entropy_law.fitting.results import Estimate
    from entropy_law.plotting.forest import _value_text

    assert _value_text(Estimate(2.922e-05, (0.0, 0.4217), 0.9)) == "~0 [0, 0.4217]"
    assert _value_text(Estimate(280.0, (220.0, np.inf), 0.9)) == "280 [220, unbounded]"
