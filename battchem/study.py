"""Parameter studies: the ``sweep:`` block of an input run as many cases on MPI rank groups.

``battchem sweep INPUT.yaml -o OUTDIR --groups K`` (or :func:`sweep`) expands the block into cases
(the product of ``grid`` with the zipped ``zip`` lists; ``derived`` keys computed per case), splits
the ranks into K groups (``MPI.Comm.Split``) that run whole cases on their sub-communicator, each
in ``OUTDIR/cases/<name>/`` (an ordinary battchem output directory), and writes

- ``OUTDIR/sweep.csv``: one row per run: its inputs, status, message, and the summary values
  (last series values and manifest results named in ``summary``);
- with ``critical``: ``OUTDIR/critical.csv``, per grid point the bracket lo < x* ≤ hi of the
  smallest value of the searched key whose run meets the criterion;
- ``OUTDIR/study.png``: the regime map (the critical value or the summary values against the
  first grid key, on log axes with a power-law fit when the values are positive).

Finished cases (status completed or failed) are reused on a rerun and interrupted ones continued
from their checkpoints, so a study killed at a wall-time limit resumes. No physics here.
"""

from __future__ import annotations

import ast
import csv
import itertools
import json
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from mpi4py import MPI

from battchem import problems
from battchem.config import BaseConfig, ConfigError, SweepConfig, parse_yaml
from battchem.output import read_manifest, read_series
from battchem.search import bisect_threshold, power_law_fit

OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
             ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a**b}
FUNCTIONS = {"min": min, "max": max, "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs}
CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf}


# --------------------------------------------------------------------------------------------
# Expressions of input keys


def evaluate(expression: str, values: dict) -> float:
    """Value of an arithmetic expression whose names are dotted input keys (``geometry.radius``),
    with min, max, sqrt, exp, log, abs, pi. ``values`` maps dotted keys to numbers."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise ConfigError(f"sweep expression {expression!r}: not an arithmetic expression") from None

    def name_of(node) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = name_of(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = walk(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            return float(FUNCTIONS[node.func.id](*[walk(a) for a in node.args]))
        name = name_of(node)
        if name is not None:
            if name in CONSTANTS:
                return CONSTANTS[name]
            if name in values and isinstance(values[name], (int, float)) and not isinstance(values[name], bool):
                return float(values[name])
            raise ConfigError(f"sweep expression {expression!r}: {name!r} is not a numeric input key")
        raise ConfigError(f"sweep expression {expression!r}: only arithmetic, input keys and "
                          f"{', '.join(FUNCTIONS)} are allowed")

    return walk(tree)


def flatten(config: BaseConfig) -> dict:
    """Dotted key -> value of every leaf of a config, with the values named sets supply."""
    from battchem.config import NamedSet

    out = {}

    def visit(model, prefix):
        resolved = vars(model.resolved()) if isinstance(model, NamedSet) else {}
        for name in type(model).model_fields:
            value = getattr(model, name)
            if hasattr(value, "model_fields"):
                visit(value, f"{prefix}{name}.")
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if hasattr(item, "model_fields"):
                        visit(item, f"{prefix}{name}.{i}.")
            else:
                out[f"{prefix}{name}"] = resolved.get(name, value) if value is None else value

    visit(config, "")
    return out


# --------------------------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    """One grid point: its overrides and a folder name."""

    index: int
    values: dict  # key -> value (grid, zip and derived)
    name: str
    runs: list = field(default_factory=list)  # (outdir, overrides) of every run (several with critical)


def expand(config: BaseConfig) -> list[Case]:
    """The grid points of ``config.sweep`` (derived keys evaluated), in a fixed order."""
    s: SweepConfig = config.sweep
    grid_keys = list(s.grid)
    combos = list(itertools.product(*s.grid.values())) or [()]
    zipped = list(zip(*s.zip.values(), strict=True)) or [()]
    cases = []
    for k, (g, z) in enumerate(itertools.product(combos, zipped)):
        values = dict(zip(grid_keys, g, strict=True)) | dict(zip(s.zip, z, strict=True))
        if s.derived:
            with warnings.catch_warnings():  # the input before its derived keys is not the case's input
                warnings.simplefilter("ignore")
                flat = flatten(case_config(config, values))
            for key, expression in s.derived.items():
                values[key] = evaluate(expression, flat | values)
        shown = "_".join(f"{key.split('.')[-1]}={_short(v)}" for key, v in values.items() if key not in s.derived)
        cases.append(Case(k, values, _safe(f"{k:03d}_{shown}" if shown else f"{k:03d}")))
    return cases


def case_config(config: BaseConfig, values: dict) -> BaseConfig:
    """The base input with ``values`` set (dotted keys, list indices) and no sweep block."""
    from battchem.driver import load_config

    data = config.model_dump(mode="json")
    data["sweep"] = None
    overrides = [f"{key}={json.dumps(value)}" for key, value in values.items()]
    return load_config(data, overrides)


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", name)


# --------------------------------------------------------------------------------------------
# Running


@dataclass
class StudyResult:
    """What a study produced (on every rank)."""

    outdir: Path
    rows: list[dict]
    critical: list[dict]
    status: str  # completed, or interrupted when a case was


def sweep(source, outdir: str | Path | None = None, overrides: list[str] | None = None, *, groups: int = 1,
          comm: MPI.Comm = MPI.COMM_WORLD, quiet: bool = True) -> StudyResult:
    """Run the ``sweep`` block of an input (path, mapping or config) on ``groups`` rank groups."""
    from battchem.driver import default_outdir, load_config

    config = load_config(source, overrides)
    if config.sweep is None:
        raise ConfigError("the input has no sweep block (see battchem show for its keys)")
    if not 1 <= groups <= comm.size:
        raise ConfigError(f"--groups = {groups}: allowed 1 to the number of ranks ({comm.size})")
    cases = expand(config)
    for case in cases:  # every case's input is checked before anything runs
        case_config(config, case.values)
    outdir = Path(outdir) if outdir is not None else default_outdir(source).with_name(
        default_outdir(source).name + "_sweep")
    outdir = outdir.resolve()
    if comm.rank == 0:
        (outdir / "cases").mkdir(parents=True, exist_ok=True)
    comm.Barrier()
    color = comm.rank * groups // comm.size
    group = comm.Split(color, comm.rank)
    interrupted = False
    try:
        for case in cases[color::groups] if groups > 1 else cases:
            if not _run_case(config, case, outdir, group, quiet):
                interrupted = True
                break
    finally:
        group.Free()
    interrupted = comm.allreduce(interrupted, op=MPI.LOR)
    rows, critical = [], []
    if comm.rank == 0:
        rows, critical = _tables(config, cases, outdir)
        _plot(config, rows, critical, outdir)
        problems.get(config.problem).study_plots(config, rows, critical, outdir)
    rows, critical = comm.bcast((rows, critical), root=0)
    return StudyResult(outdir, rows, critical, "interrupted" if interrupted else "completed")


def _run_case(config: BaseConfig, case: Case, outdir: Path, comm: MPI.Comm, quiet: bool) -> bool:
    """Run one grid point (a bisection of runs with ``critical``); False if a run was interrupted."""
    s = config.sweep
    context = {"study": str(outdir), "case": case.name, "values": case.values}

    def one(values: dict, folder: Path) -> dict:
        return _run_once(config, values, folder, comm, quiet, context)

    if s.critical is None:
        manifest = one(case.values, outdir / "cases" / case.name)
        return manifest.get("status") != "interrupted"
    c = s.critical
    start = c.start if isinstance(c.start, float | int) else evaluate(str(c.start), flatten(
        case_config(config, case.values)) | case.values)
    stopped = {"interrupted": False}

    def fails(x: float) -> bool:
        values = case.values | {c.key: float(x)}
        folder = outdir / "cases" / case.name / _safe(f"{c.key.split('.')[-1]}={x:.6g}")
        manifest = one(values, folder)
        if manifest.get("status") == "interrupted":
            stopped["interrupted"] = True
            raise _Interrupted
        return _criterion(c.criterion, manifest, folder)

    try:
        bisect_threshold(fails, float(start), factor=c.factor, ratio=c.ratio, max_evaluations=c.max_runs)
    except _Interrupted:
        return False
    except RuntimeError as exc:  # no bracket within max_runs: recorded, the study goes on
        if comm.rank == 0:
            (outdir / "cases" / case.name / "search_failed.txt").write_text(str(exc) + "\n")
    return not stopped["interrupted"]


class _Interrupted(Exception):
    pass


def _run_once(config, values, folder: Path, comm, quiet, context) -> dict:
    """One battchem run in ``folder`` (reused when finished, continued when interrupted)."""
    from battchem.driver import run

    manifest = comm.bcast(read_manifest(folder) if comm.rank == 0 else None, root=0)
    if manifest is not None and manifest.get("status") in ("completed", "failed"):
        return manifest
    restart = manifest is not None and (folder / "checkpoint" / "state.json").exists()
    case = case_config(config, values)
    result = run(case, folder, comm=comm, quiet=quiet, restart=restart, overwrite=not restart,
                 context=context | {"values": values})
    return result.manifest


def _criterion(criterion, manifest: dict, folder: Path) -> bool:
    if criterion.stopped is not None:
        return bool(manifest.get("stop_reason")) == criterion.stopped
    if criterion.stop_reason is not None:
        return criterion.stop_reason in (manifest.get("stop_reason") or "")
    series = read_series(folder / "series.csv")
    last = float(series[criterion.column][-1])
    return last > criterion.above if criterion.above is not None else last < criterion.below


# --------------------------------------------------------------------------------------------
# Tables and the regime map (rank 0)


def _tables(config: BaseConfig, cases: list[Case], outdir: Path) -> tuple[list[dict], list[dict]]:
    s = config.sweep
    rows, critical = [], []
    for case in cases:
        folders = [outdir / "cases" / case.name]
        if s.critical is not None:
            folders = sorted(p for p in folders[0].iterdir() if p.is_dir()) if folders[0].is_dir() else []
        outcomes = []
        for folder in folders:
            manifest = read_manifest(folder)
            if manifest is None:
                continue
            values = dict((manifest.get("sweep") or {}).get("values", case.values))
            row = {"case": case.name, **values, "status": manifest["status"], "message": manifest.get("message", ""),
                   "stop_reason": manifest.get("stop_reason", ""), "folder": str(folder.relative_to(outdir))}
            row.update(_summary(s.summary, manifest, folder))
            if s.critical is not None:
                row["fails"] = _criterion(s.critical.criterion, manifest, folder)
                outcomes.append((float(values[s.critical.key]), row["fails"]))
            rows.append(row)
        if s.critical is not None:
            lo = max((x for x, f in outcomes if not f), default=float("nan"))
            hi = min((x for x, f in outcomes if f), default=float("nan"))
            estimate = math.sqrt(lo * hi) if lo > 0 and hi > 0 and math.isfinite(lo * hi) else float("nan")
            critical.append({"case": case.name, **case.values, f"{s.critical.key} lo": lo, f"{s.critical.key} hi": hi,
                             f"{s.critical.key} critical": estimate, "runs": len(outcomes)})
    _write_csv(outdir / "sweep.csv", rows)
    if critical:
        _write_csv(outdir / "critical.csv", critical)
    return rows, critical


def _summary(names: list[str], manifest: dict, folder: Path) -> dict:
    out = {}
    series = read_series(folder / "series.csv") if names and (folder / "series.csv").exists() else {}
    results = manifest.get("results", {})
    for name in names:
        if name in series and len(series[name]):
            out[name] = float(series[name][-1])
        else:
            match = next((k for k in results if k == name or k.split(" [")[0] == name), None)
            out[name] = results.get(match) if match is not None else None
    return out


def _write_csv(path: Path, rows: list[dict]) -> None:
    keys = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)


def _plot(config: BaseConfig, rows: list[dict], critical: list[dict], outdir: Path) -> Path | None:
    """The regime map: the critical value (or each summary value) against the first grid key, one
    curve per value of the second grid key when there is one."""
    s = config.sweep
    keys = list(s.grid) or list(s.zip)
    if not keys:
        return None
    x_key = keys[0]
    group_key = keys[1] if len(s.grid) > 1 else None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def grouped(table, name, lo=None, hi=None):
        groups: dict = {}
        for r in table:
            if isinstance(r.get(x_key), (int, float)) and isinstance(r.get(name), (int, float)) \
                    and math.isfinite(r[name]):
                point = (r[x_key], r[name], r[lo] if lo else None, r[hi] if hi else None)
                groups.setdefault(r.get(group_key) if group_key else None, []).append(point)
        return groups

    if critical:
        k = s.critical.key
        series = {k: grouped(critical, f"{k} critical", f"{k} lo", f"{k} hi")}
    else:
        series = {name: grouped(rows, name) for name in s.summary}
    series = {name: groups for name, groups in series.items() if groups}
    if not series:
        return None
    fig, axes = plt.subplots(len(series), 1, figsize=(6.5, 3.2 * len(series)), squeeze=False)
    for ax, (name, groups) in zip(axes[:, 0], series.items(), strict=True):
        every = [p for pts in groups.values() for p in pts]
        positive_x = all(p[0] > 0 for p in every)
        positive = positive_x and all(p[1] > 0 for p in every)
        for group, pts in sorted(groups.items(), key=lambda g: (g[0] is None, g[0])):
            pts.sort()
            x = [p[0] for p in pts]
            y = [p[1] for p in pts]
            label = f"{group_key} = {group:g}" if group_key and isinstance(group, (int, float)) else \
                (f"{group_key} = {group}" if group_key else name)
            if pts[0][2] is not None:
                lo = [p[1] - p[2] for p in pts]
                hi = [p[3] - p[1] for p in pts]
                ax.errorbar(x, y, yerr=[lo, hi], fmt="o", capsize=3, label="bracket" if not group_key else label)
            else:
                ax.plot(x, y, "o-", label=label)
            if positive and len(x) >= 2 and len(groups) == 1:
                p, a, err = power_law_fit(x, y)
                xs = sorted(x)
                ax.plot(xs, [a * v**p for v in xs], "--", color="0.4",
                        label=f"fit ∝ x^{p:.3g}" + (f" ± {err:.2g}" if math.isfinite(err) else ""))
        if positive_x and max(p[0] for p in every) > 10 * min(p[0] for p in every):
            ax.set_xscale("log")
        if positive and len(groups) == 1:
            ax.set_yscale("log")
        ax.set_xlabel(x_key)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    axes[0, 0].set_title(f"{config.problem}: {config.title}"[:90], fontsize=10)
    fig.tight_layout()
    path = outdir / "study.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def load_table(path: Path) -> list[dict]:
    """A sweep.csv or critical.csv back as rows of parsed values."""
    with Path(path).open() as f:
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _parse(text: str):
    try:
        return parse_yaml(text) if text != "" else None
    except Exception:  # noqa: BLE001
        return text
