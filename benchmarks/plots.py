"""PNG plots of the benchmark results, drawn from the loaded results files (report.py).

- ``geoquery_accuracy.png``: GeoQuery dev execution accuracy per encoder / training arm and
  decoding setting (parser and synthetic results);
- ``scan_accuracy.png``: SCAN held-out accuracy per split, targets drawn as markers;
- ``sheet_accuracy.png``: sheet accuracy on held-out phrasings per decoding setting;
- ``synthetic_accuracy.png``: the synthetic-data arms on GeoQuery dev and per tag of the
  negation / rewording set;
- ``learning_curves.png``: per SCAN split, validation accuracy and coverage per round
  against minutes;
- ``mask_time.png``: mean mask time per step of parseinstr and its peers per grammar ×
  vocabulary (log scale).

A plot is drawn only when a results file it reads was loaded; one that fails is skipped
with a note. Figures use matplotlib's Agg canvas directly (no pyplot, no display).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .report import Result

COLORS = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})


def _of(results: list[Result], kind: str) -> list[Result]:
    return [r for r in results if r.kind == kind]


def _sources(results: list[Result]) -> str:
    """The files a plot reads, each with the date(s) its numbers were measured."""
    named = []
    for r in results:
        dates = list(dict.fromkeys(row.date for row in r.rows)) or [r.data.get("date", "no date")]
        named.append(f"{r.path.name} (measured {', '.join(dates)})")
    return ", ".join(named)


#: Issue #6's GeoQuery dev execution accuracy target, drawn as a dashed line.
GEOQUERY_TARGET = 0.85


def geoquery_accuracy(results: list[Result], path: Path) -> str | None:
    """Horizontal bars: GeoQuery dev execution accuracy of every parser run and synthetic
    arm, one colour per results file."""
    sources = _of(results, "parser") + _of(results, "synthetic")
    bars: list[tuple[str, float, int]] = []
    for i, r in enumerate(sources):
        if r.kind == "parser":
            for enc, run in r.data["encoders"].items():
                for dec, a in run["ablation"].items():
                    bars.append((f"{enc}, {dec}", a["execution_accuracy"], i))
        else:
            for arm, run in r.data["runs"].items():
                for dec, a in run["geoquery_dev"].items():
                    bars.append((f"{arm}, {dec}", a["execution_accuracy"], i))
    if not bars:
        return None
    fig = _figure(9, 0.32 * len(bars) + 1.6)
    ax = fig.add_subplot()
    ys = list(range(len(bars)))[::-1]
    for i, r in enumerate(sources):
        idx = [k for k, b in enumerate(bars) if b[2] == i]
        if not idx:
            continue
        h = ax.barh(
            [ys[k] for k in idx],
            [bars[k][1] for k in idx],
            color=COLORS[i % len(COLORS)],
            label=r.name,
        )
        ax.bar_label(h, fmt="%.3f", padding=2, fontsize=7)
    ax.set_yticks(ys, [b[0] for b in bars], fontsize=8)
    ax.set_xlim(0, 1.08)
    ax.axvline(GEOQUERY_TARGET, color="black", linestyle="--", linewidth=0.8)
    ax.text(GEOQUERY_TARGET, len(bars) - 0.4, " target 0.85", fontsize=7, va="bottom")
    ax.set_xlabel("execution accuracy")
    ax.set_title("GeoQuery dev (question split), per run and decoding", fontsize=10)
    fig.legend(fontsize=7, loc="outside lower center", ncols=min(4, len(sources)))
    _save(fig, path)
    return f"GeoQuery dev execution accuracy per run and decoding setting; from {_sources(sources)}"


def scan_accuracy(results: list[Result], path: Path) -> str | None:
    """Bars of SCAN held-out accuracy per split (and slots setting); each split's target
    drawn as a black marker across its bar."""
    sources = _of(results, "learning")
    runs = [(r, run) for r in sources for run in r.data["runs"]]
    if not runs:
        return None
    fig = _figure(max(4.5, 1.3 * len(runs) + 2), 4)
    ax = fig.add_subplot()
    labels = [
        f"{run['split']}\n(slots {run.get('slots', 'on')}, n={run.get('n_test', '?')})"
        for _r, run in runs
    ]
    xs = _accuracy_bars(
        ax,
        labels,
        [run["test_accuracy"] for _r, run in runs],
        COLORS[0],
        "held-out action-sequence accuracy",
        "SCAN, learning from denotations (black: target)",
    )
    for x, (_r, run) in zip(xs, runs, strict=True):
        if "target" in run:
            ax.hlines(run["target"], x - 0.36, x + 0.36, colors="black", linewidth=2, zorder=3)
            ax.plot([x], [run["target"]], marker="d", color="black", zorder=3)
    _save(fig, path)
    return f"SCAN held-out accuracy per split, targets as black markers; from {_sources(sources)}"


def _accuracy_bars(
    ax: Any, labels: list[str], values: list[float], color: str, ylabel: str, title: str
) -> list[int]:
    """One labelled bar per value on a 0-1 accuracy axis; returns the bars' x positions."""
    xs = list(range(len(values)))
    h = ax.bar(xs, values, color=color, width=0.6)
    ax.bar_label(h, fmt="%.3f", padding=2, fontsize=8)
    ax.set_xticks(xs, labels, fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return xs


def sheet_accuracy(results: list[Result], path: Path) -> str | None:
    """Horizontal bars: sheet execution accuracy on held-out phrasings of every run, one
    group per results file (oldest measurement first), one bar per decoding setting."""
    sources = sorted(_of(results, "sheet"), key=lambda r: str(r.data.get("date", "")))
    runs = [(r, list(r.data["ablation"].items())) for r in sources if r.data.get("ablation")]
    if not runs:
        return None
    n_bars = sum(len(settings) for _r, settings in runs)
    fig = _figure(9, max(3.0, 0.22 * n_bars + 1.5))
    ax = fig.add_subplot()
    y, ticks, labels = 0.0, [], []
    decodings = list(dict.fromkeys(dec for _r, settings in runs for dec, _a in settings))
    for r, settings in runs:
        first = y
        for dec, a in settings:
            colour = COLORS[decodings.index(dec) % len(COLORS)]
            h = ax.barh(y, a["execution_accuracy"], height=0.8, color=colour)
            ax.bar_label(h, fmt="%.3f", padding=2, fontsize=7)
            y += 1
        ticks.append((first + y - 1) / 2)
        labels.append(r.name)
        y += 0.8
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("execution accuracy on held-out phrasings")
    ax.set_title("Sheet tasks, held-out phrasings (one group per run, oldest first)")
    handles = [Patch(color=COLORS[i % len(COLORS)], label=dec) for i, dec in enumerate(decodings)]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    _save(fig, path)
    return f"Sheet execution accuracy on held-out phrasings per run; from {_sources(sources)}"


def synthetic_accuracy(results: list[Result], path: Path) -> str | None:
    """Grouped bars: for GeoQuery dev and each tag of the negation / rewording set, one bar
    per training arm and decoding setting."""
    sources = _of(results, "synthetic")
    arms: list[tuple[str, dict[str, float]]] = []
    for r in sources:
        prefix = f"{r.name}: " if len(sources) > 1 else ""
        for arm, run in r.data["runs"].items():
            for dec, dev in run["geoquery_dev"].items():
                scores = {f"GeoQuery dev (n={dev.get('n', '?')})": dev["execution_accuracy"]}
                other = (run.get("negation_rewording") or {}).get(dec) or {}
                for tag, t in sorted((other.get("tags") or {}).items()):
                    scores[f"{tag} (n={t.get('n', '?')})"] = t["execution_accuracy"]
                arms.append((f"{prefix}{arm}, {dec}", scores))
    if not arms:
        return None
    groups = list(dict.fromkeys(g for _a, s in arms for g in s))
    width = 0.8 / len(arms)
    fig = _figure(max(6.0, 1.2 * len(groups) * len(arms) / 2 + 2), 4.5)
    ax = fig.add_subplot()
    for k, (label, scores) in enumerate(arms):
        xs = [g + (k - (len(arms) - 1) / 2) * width for g in range(len(groups))]
        h = ax.bar(
            xs,
            [scores.get(g, 0.0) for g in groups],
            width=width,
            color=COLORS[k % len(COLORS)],
            label=label,
        )
        ax.bar_label(h, fmt="%.2f", padding=1, fontsize=6)
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("execution accuracy")
    ax.set_title("Training with and without synthetic data")
    ax.legend(fontsize=7, loc="upper left", ncols=2)
    _save(fig, path)
    return f"Synthetic-data arms by evaluation set and tag; from {_sources(sources)}"


def learning_curves(results: list[Result], path: Path) -> str | None:
    """One panel per SCAN run: validation accuracy and training coverage after each round
    against minutes, the target as a dashed line and the held-out accuracy as a star."""
    runs = [(r, run) for r in _of(results, "learning") for run in r.data["runs"]]
    runs = [(r, run) for r, run in runs if run.get("rounds")]
    if not runs:
        return None
    fig = _figure(4.2 * len(runs), 3.8)
    axes = fig.subplots(1, len(runs), squeeze=False)[0]
    for ax, (_r, run) in zip(axes, runs, strict=True):
        rounds = run["rounds"]
        minutes = [x["minutes"] for x in rounds]
        ax.plot(
            minutes,
            [x["dev_execution_accuracy"] for x in rounds],
            marker="o",
            color=COLORS[0],
            label="validation accuracy",
        )
        ax.plot(
            minutes,
            [x["coverage"] for x in rounds],
            marker="s",
            color=COLORS[1],
            label="coverage",
        )
        if "target" in run:
            ax.axhline(run["target"], color="black", linestyle="--", linewidth=1, label="target")
        if "test_accuracy" in run:
            ax.scatter(
                [run.get("learn_minutes", minutes[-1])],
                [run["test_accuracy"]],
                marker="*",
                s=140,
                color=COLORS[2],
                zorder=3,
                label="held-out test",
            )
        ax.set_ylim(0, 1.05)
        ax.set_xlim(left=0)
        ax.set_xlabel("minutes")
        ax.set_title(f"{run['split']} (slots {run.get('slots', 'on')})", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("share")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("SCAN learning curves (per round)")
    _save(fig, path)
    sources = _of(results, "learning")
    return f"SCAN learning curves per split; from {_sources(sources)}"


def mask_time(results: list[Result], path: Path) -> str | None:
    """Grouped bars (log scale): mean mask time per step per grammar × vocabulary, one bar
    per peer (parseinstr, llguidance, xgrammar, whichever were measured)."""
    sources = _of(results, "decoding")
    cells = [(r, c) for r in sources for c in r.data["mask"] if c.get("peers")]
    if not cells:
        return None
    peers = list(dict.fromkeys(p for _r, c in cells for p in c["peers"]))
    width = 0.8 / len(peers)
    fig = _figure(max(6.0, 1.1 * len(cells) + 1.5), 4.5)
    ax = fig.add_subplot()
    for k, peer in enumerate(peers):
        xs, ys = [], []
        for x, (_r, c) in enumerate(cells):
            if peer in c["peers"]:
                xs.append(x + (k - (len(peers) - 1) / 2) * width)
                ys.append(c["peers"][peer]["mean_us"])
        h = ax.bar(xs, ys, width=width, color=COLORS[k % len(COLORS)], label=peer)
        ax.bar_label(h, fmt="%.0f", padding=1, fontsize=6)
    prefix = len(sources) > 1
    ax.set_xticks(
        range(len(cells)),
        [(f"{r.name}\n" if prefix else "") + f"{c['grammar']}\n{c['vocab']}" for r, c in cells],
        fontsize=8,
    )
    ax.set_yscale("log")
    ax.set_ylabel("mean µs per step (log scale)")
    ax.set_title("Mask time per decoding step, by grammar and vocabulary")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3, which="both")
    _save(fig, path)
    return f"Mean mask time per step against peers; from {_sources(sources)}"


PLOTS: dict[str, Callable[[list[Result], Path], str | None]] = {
    "geoquery_accuracy": geoquery_accuracy,
    "scan_accuracy": scan_accuracy,
    "sheet_accuracy": sheet_accuracy,
    "synthetic_accuracy": synthetic_accuracy,
    "learning_curves": learning_curves,
    "mask_time": mask_time,
}


def write_plots(
    results: list[Result], folder: Path, suffix: str = ""
) -> tuple[list[tuple[Path, str]], list[str]]:
    """Draw every plot whose results were loaded into ``folder/<plot><suffix>.png``.

    Returns ((path, caption) per plot written, one note per plot that failed). A failing
    plot (content that the row extraction accepted but a plot cannot draw) never stops the
    report: it is noted and the others are drawn.
    """
    written, notes = [], []
    for name, draw in PLOTS.items():
        path = folder / f"{name}{suffix}.png"
        try:
            caption = draw(results, path)
        except Exception as e:  # noqa: BLE001 - a plot must never stop the report
            notes.append(f"skipped plot {path.name}: {type(e).__name__}: {e}")
            continue
        if caption is not None:
            written.append((path, caption))
    return written, notes
