"""RESULTS.md from the results JSON files already written, without running any benchmark.

Every ``benchmarks/bench_<name>.py`` writes a JSON file under ``benchmarks/results/`` with
its own layout (decoding: ``mask`` cells per peer; learning: a ``runs`` list per SCAN
split; parser: ``encoders`` with a decoding ``ablation``; sheet: one ``ablation``;
synthetic: ``runs`` per training arm), and older files predate the ``summary`` rows or
give them another shape. So the rows of the report are rebuilt here from each file's
content, recognised by its keys rather than by its name, as uniform :class:`Row` objects
that carry the command, commit, device and date that measured the number: a figure in
RESULTS.md always says where it came from.

A file that cannot be read, is not a JSON object or has no known layout is skipped with a
one-line note; the report and the plots (``benchmarks/plots.py``) are made from the rest.

    python -m benchmarks --report [--quick] [--results DIR]
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .common import RESULTS, commit

QUICK_SUFFIX = "_quick"
PROVENANCE_KEYS = ("command", "commit", "device", "date", "mode")


class ShapeError(ValueError):
    """A results file whose content matches no known layout."""


@dataclass(frozen=True)
class Row:
    """One reported number and what measured it."""

    benchmark: str
    metric: str
    setting: str
    value: float | int | str | None
    command: str
    commit: str
    date: str
    device: str
    mode: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The row as a plain dict (JSON-ready)."""
        return asdict(self)

    def provenance(self) -> tuple[str, str, str, str, str]:
        """(command, commit, device, date, mode): rows with equal ones share a footnote."""
        return (self.command, self.commit, self.device, self.date, self.mode)


@dataclass
class Result:
    """One results file: its name (file stem), layout, content and report rows."""

    name: str
    path: Path
    kind: str
    data: dict[str, Any]
    rows: list[Row] = field(default_factory=list)


def _measured(data: dict[str, Any], override: Any = None) -> dict[str, str]:
    """The provenance fields of ``data``, each replaced by ``override``'s when it has one
    (a learning run measured by an earlier invocation keeps its own ``measured``)."""
    out = {k: str(data.get(k, "") or "") for k in PROVENANCE_KEYS}
    if isinstance(override, dict):
        out.update({k: str(v) for k, v in override.items() if k in PROVENANCE_KEYS and v})
    for k in ("command", "commit", "device", "date"):
        out[k] = out[k] or "unknown"
    return out


def _row(name: str, prov: dict[str, str], metric: str, setting: str, value: Any) -> Row:
    return Row(benchmark=name, metric=metric, setting=setting, value=value, **prov)


def rows_decoding(name: str, data: dict[str, Any]) -> list[Row]:
    """Mean and p99 mask time per step for every grammar × vocabulary × peer, and the
    constrained / unconstrained generate-time ratio per grammar."""
    prov = _measured(data)
    rows = []
    for metric, key in (("mean", "mean_us"), ("p99", "p99_us")):
        for cell in data["mask"]:
            where = f"{cell['grammar']}/{cell['vocab']}"
            for peer, d in cell["peers"].items():
                rows.append(
                    _row(name, prov, f"mask time per step, {metric} µs", f"{where}, {peer}", d[key])
                )
    e2e = data.get("end_to_end") or {}
    for grammar, d in (e2e.get("grammars") or {}).items():
        rows.append(
            _row(
                name, prov, "greedy generate time, constrained / unconstrained", grammar, d["ratio"]
            )
        )
    return rows


def rows_learning(name: str, data: dict[str, Any]) -> list[Row]:
    """Per SCAN split: held-out accuracy, its target, coverage, validation accuracy and
    minutes, each with the provenance of the invocation that measured that split."""
    rows = []
    for run in data["runs"]:
        prov = _measured(data, run.get("measured"))
        setting = f"{run['split']}, slots {run.get('slots', 'on')}"
        for metric, key in (
            ("SCAN held-out action-sequence accuracy", "test_accuracy"),
            ("SCAN target accuracy", "target"),
            ("training coverage (last round)", "coverage"),
            ("validation accuracy (last round)", "validation_accuracy"),
            ("learning minutes", "learn_minutes"),
        ):
            if key in run:
                rows.append(_row(name, prov, metric, setting, run[key]))
    return rows


def rows_parser(name: str, data: dict[str, Any]) -> list[Row]:
    """GeoQuery dev execution accuracy per encoder and decoding, and run latency."""
    prov = _measured(data)
    rows = []
    for enc, run in data["encoders"].items():
        for decoding, r in run["ablation"].items():
            rows.append(
                _row(
                    name,
                    prov,
                    "GeoQuery dev execution accuracy",
                    f"{enc}, {decoding}",
                    r["execution_accuracy"],
                )
            )
    for enc, run in data["encoders"].items():
        if "latency" in run:
            rows.append(
                _row(name, prov, "run latency median ms (CPU)", enc, run["latency"]["median_ms"])
            )
    return rows


def rows_sheet(name: str, data: dict[str, Any]) -> list[Row]:
    """Sheet execution accuracy on held-out phrasings per decoding, and run latency."""
    prov = _measured(data)
    rows = [
        _row(
            name,
            prov,
            "sheet execution accuracy, held-out phrasings",
            decoding,
            r["execution_accuracy"],
        )
        for decoding, r in data["ablation"].items()
    ]
    if "latency" in data:
        rows.append(
            _row(
                name,
                prov,
                "sheet run latency median ms (CPU)",
                "beam + execution",
                data["latency"]["median_ms"],
            )
        )
    return rows


def rows_synthetic(name: str, data: dict[str, Any]) -> list[Row]:
    """Per training arm and decoding: GeoQuery dev accuracy and accuracy per tag of the
    hand-written negation / rewording set."""
    prov = _measured(data)
    rows = []
    for arm, run in data["runs"].items():
        for decoding, dev in run["geoquery_dev"].items():
            setting = f"{arm}, {decoding}"
            rows.append(
                _row(
                    name,
                    prov,
                    "GeoQuery dev execution accuracy",
                    setting,
                    dev["execution_accuracy"],
                )
            )
            other = (run.get("negation_rewording") or {}).get(decoding) or {}
            for tag, t in sorted((other.get("tags") or {}).items()):
                rows.append(
                    _row(
                        name,
                        prov,
                        f"{tag} set execution accuracy",
                        setting,
                        t["execution_accuracy"],
                    )
                )
    return rows


def rows_summary(name: str, data: dict[str, Any]) -> list[Row]:
    """Rows of a ``summary`` list of an unknown layout: uniform rows (``metric``,
    ``setting``, ``value``) as they are; any other row gives one row per numeric field,
    its text fields joined into the setting (counts such as ``n_dev`` are left out)."""
    prov = _measured(data)
    rows = []
    for r in data["summary"]:
        if not isinstance(r, dict):
            raise ShapeError("summary rows are not objects")
        if "metric" in r and "value" in r:
            rows.append(_row(name, prov, str(r["metric"]), str(r.get("setting", "")), r["value"]))
            continue
        texts = [str(v) for v in r.values() if isinstance(v, str)]
        for k, v in r.items():
            counted = k == "n" or k.startswith("n_")
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not counted:
                rows.append(_row(name, prov, k, ", ".join(texts), v))
    return rows


def kind_of(data: Any) -> str:
    """The layout of a results file, recognised by its keys (not its name)."""
    if not isinstance(data, dict):
        raise ShapeError(f"a JSON {type(data).__name__}, not an object")
    runs = data.get("runs")
    if isinstance(data.get("mask"), list):
        return "decoding"
    if isinstance(runs, list) and all(isinstance(r, dict) and "split" in r for r in runs):
        return "learning"
    if isinstance(runs, dict) and all(
        isinstance(r, dict) and "geoquery_dev" in r for r in runs.values()
    ):
        return "synthetic"
    if isinstance(data.get("encoders"), dict):
        return "parser"
    if isinstance(data.get("ablation"), dict):
        return "sheet"
    if isinstance(data.get("summary"), list):
        return "summary"
    raise ShapeError("no known layout (mask, runs, encoders, ablation or summary)")


EXTRACTORS: dict[str, Callable[[str, dict[str, Any]], list[Row]]] = {
    "decoding": rows_decoding,
    "learning": rows_learning,
    "parser": rows_parser,
    "sheet": rows_sheet,
    "synthetic": rows_synthetic,
    "summary": rows_summary,
}


def result_files(folder: Path, quick: bool = False) -> list[Path]:
    """The ``*.json`` files of ``folder`` to report. ``*_quick.json`` files only with
    ``quick``, and then in place of the full file of the same name."""
    paths = sorted(folder.glob("*.json"))
    if not quick:
        return [p for p in paths if not p.stem.endswith(QUICK_SUFFIX)]
    stems = {p.stem for p in paths}
    return [p for p in paths if p.stem + QUICK_SUFFIX not in stems]


def load_result(path: Path) -> Result:
    """Read and interpret one results file; raises ``ShapeError`` (with the reason) when it
    cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ShapeError(f"not readable JSON ({type(e).__name__}: {e})") from e
    kind = kind_of(data)
    try:
        rows = EXTRACTORS[kind](path.stem, data)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise ShapeError(f"a {kind} file with unexpected content ({type(e).__name__}: {e})") from e
    return Result(path.stem, path, kind, data, rows)


def load_results(folder: Path, quick: bool = False) -> tuple[list[Result], list[str]]:
    """Every usable results file of ``folder`` and one note per skipped file."""
    results, notes = [], []
    for path in result_files(folder, quick):
        try:
            results.append(load_result(path))
        except ShapeError as e:
            notes.append(f"skipped {path.name}: {e}")
    return results, notes


TIME_UNITS = ("µs", " ms", "minutes")


def format_value(value: Any, metric: str = "") -> str:
    """A number as shown in a table: shares and ratios with 3 decimals; times (a metric
    naming µs, ms or minutes) and larger numbers with 1 decimal, or none from 1000 up."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if abs(value) < 10 and not any(u in metric for u in TIME_UNITS):
        return f"{value:.3f}"
    if abs(value) < 1000:
        return f"{value:.1f}"
    return f"{value:.0f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def result_table(result: Result) -> list[str]:
    """The Markdown section of one results file: what it measured, a table of its rows
    and, under it, the command, commit, device and date of each footnote."""
    data = result.data
    lines = [f"## {result.name}", "", f"`{result.path.name}` ({result.kind} results)"]
    if isinstance(data.get("data"), str):
        lines += ["", f"Data: {data['data']}"]
    if isinstance(data.get("note"), str):
        lines += ["", f"> Note: {data['note']}"]
    if not result.rows:
        return [*lines, "", "(no rows)", ""]
    refs: dict[tuple[str, str, str, str, str], int] = {}
    for row in result.rows:
        refs.setdefault(row.provenance(), len(refs) + 1)
    lines += ["", "| metric | setting | value | measured by |", "|---|---|---|---|"]
    for row in result.rows:
        lines.append(
            f"| {_cell(row.metric)} | {_cell(row.setting)} | {format_value(row.value, row.metric)} "
            f"| [{refs[row.provenance()]}] |"
        )
    lines.append("")
    for (command, sha, device, date, mode), n in refs.items():
        shown_mode = f", {mode} mode" if mode else ""
        lines.append(f"- [{n}] `{command}` at commit {sha}, {device}, {date}{shown_mode}")
    return [*lines, ""]


def results_markdown(
    results: list[Result],
    plots: list[tuple[Path, str]],
    notes: list[str],
    header: dict[str, str],
) -> str:
    """RESULTS.md: one section per results file, then the plots as images, then notes on
    skipped files. ``header`` names the command, commit and date that assembled it."""
    lines = [
        "# Benchmark results",
        "",
        f"Assembled by `{header['command']}` at commit {header['commit']} on {header['date']} "
        "from the JSON files in this folder; no benchmark was run to write it. Every number "
        "names, under its table, the command, commit, device and date that measured it.",
        "",
    ]
    for result in results:
        lines += result_table(result)
    if plots:
        lines += ["## Plots", ""]
        for path, caption in plots:
            lines += [f"![{path.stem}]({path.name})", "", f"*{caption}*", ""]
    if notes:
        lines += ["## Skipped", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_report(
    folder: Path = RESULTS, quick: bool = False, command: str = "python -m benchmarks --report"
) -> Path:
    """Write ``RESULTS.md`` (``RESULTS-quick.md`` with ``quick``) and the PNG plots in
    ``folder`` from its results files; print a note per skipped file or plot."""
    from .plots import write_plots

    results, notes = load_results(folder, quick)
    plots, plot_notes = write_plots(results, folder, suffix="_quick" if quick else "")
    notes += plot_notes
    for note in notes:
        print(note)
    header = {
        "command": command,
        "commit": commit(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    out = folder / ("RESULTS-quick.md" if quick else "RESULTS.md")
    folder.mkdir(parents=True, exist_ok=True)
    out.write_text(results_markdown(results, plots, notes, header), encoding="utf-8")
    print(f"wrote {out} ({sum(len(r.rows) for r in results)} rows, {len(plots)} plots)")
    return out
