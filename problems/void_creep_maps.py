"""Validation of void_growth, model creep_contact (validation): three studies on the unit cell
of problems/void_creep_closure.yaml (plane strain, a 10 µm void every 40 µm, Roy et al. 2021 creep,
Li | LLZO), each an ordinary run of the problem with overrides.

- ``closure``: no current, stack pressure 0.25 – 2 MPa: the void volume against time (voids close
  faster at higher pressure);
- ``current``: 0.1 MPa, 0.1 – 10 mA/cm²: the contact fraction that carries current and the
  overpotential against stripped capacity (the contact is lost more, and at once, at higher current);
- ``ccs``: the critical stripping current against pressure (and for the slower Anand/LePage creep
  set): the largest current at which the whole contact stays compressive after the first step,
  i.e. creep supplies the Li everywhere the current strips it; above it part of the contact is
  supply-limited (``touching`` but starved, the contact fraction through which current flows drops).
  Found by geometric bisection (``battchem.search.bisect_threshold``) and drawn against the measured
  measured values of the literature notes with their verification status.

    containers/run python3 problems/void_creep_maps.py [closure current ccs] [-o out/void_creep_maps]

Pictures and tables go to OUTDIR and are copied to docs/ (``--docs``). About 7 min (closure 1.4, current
0.8, ccs 4.8) on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
from mpi4py import MPI

import battchem
from battchem.driver import load_config
from battchem.search import bisect_threshold

HERE = Path(__file__).resolve().parent
BASE = HERE / "void_creep_closure.yaml"
QUIET = ["output.plots=false", "output.fields_every=0", "output.checkpoint_every=0"]
MA_CM2 = 10.0  # A/m² per mA/cm²

# literature: critical stripping currents [mA/cm²] at stack pressures [MPa]
MEASURED = [
    (0.0, 0.1, "Krauskopf 2019, Li/LLZO, no pressure (V-review)", "o"),
    (0.0, 0.1, "Wang 2019, Li/LLZO, no pressure (V-cite, via Roy)", "s"),
    (2.0, 0.4, "Wang 2019, Li/LLZO, 2 MPa (V-cite; conflicts with 7.5 MPa at 0.2, V-review)", "s"),
    (3.0, 0.2, "Kasemchainan 2019, Li/Li6PS5Cl, 3 MPa (V-sec)", "^"),
    (7.0, 1.0, "Kasemchainan 2019, Li/Li6PS5Cl, 7 MPa (V-sec; notes' 0.25 contradicted)", "^"),
]


def closure(outdir: Path) -> dict:
    out = {}
    for p in (0.25e6, 0.5e6, 1e6, 2e6):
        r = battchem.run(BASE, outdir / f"closure_p{p / 1e6:g}MPa", [*QUIET, f"operation.stack_pressure={p}"],
                         quiet=True, overwrite=True)
        s = r.series
        out[p] = {"time": s["time"].tolist(), "void": s["void_volume"].tolist(),
                  "contact": s["contact_fraction"].tolist(), "status": r.status,
                  "stop": r.manifest.get("stop_reason")}
        print(f"closure p = {p / 1e6:g} MPa: {r.status}, {r.message}", flush=True)
    return out


def current(outdir: Path, pressure: float = 1e5, capacity: float = 180.0) -> dict:
    """Stripping ``capacity`` [C/m²] (180 C/m² = 0.05 mAh/cm²) at several currents."""
    out = {}
    for j in (0.1, 1.0, 3.0, 10.0):
        duration = capacity / (j * MA_CM2)
        seg = (f"operation.segments=[{{control: current, current_density: {j * MA_CM2}, "
               f"duration: {duration}}}]")
        r = battchem.run(BASE, outdir / f"current_{j:g}mAcm2", [*QUIET,
                                                                f"operation.stack_pressure={pressure}", seg],
                         quiet=True, overwrite=True)
        s = r.series
        out[j] = {"charge": s["stripped_charge"].tolist(), "contact": s["contact_fraction"].tolist(),
                  "void": s["void_volume"].tolist(), "eta": s["cell_overpotential"].tolist(),
                  "status": r.status}
        print(f"current {j:g} mA/cm2: {r.status}, {r.message}; contact {s['contact_fraction'][0]:.3f} -> "
              f"{s['contact_fraction'][1]:.3f} -> {s['contact_fraction'][-1]:.3f}", flush=True)
    return out


def starved(pressure: float, current_density: float, creep: str) -> bool:
    """After the first step (1 s) of stripping at ``current_density`` [A/m²] under ``pressure``, is
    part of the touching interface supply-limited (the contact fraction that carries current below
    the touching one)?"""
    from battchem.problems.void_growth.creep import CreepContact

    seg = f"operation.segments=[{{control: current, current_density: {current_density}, duration: 10.0}}]"
    config = load_config(BASE, [f"operation.stack_pressure={pressure}", f"creep.name={creep}", seg])
    problem = CreepContact(config, MPI.COMM_WORLD)
    problem.setup(problem.build_mesh())
    result = problem.advance(0.0, 1.0)
    if not result.converged:
        raise RuntimeError(f"p = {pressure}, j = {current_density}: {result.report.reason}")
    problem.accept(1.0)
    return problem.q["active_fraction"] < problem.q["touching_fraction"] - 1e-9


def ccs(outdir: Path) -> dict:
    out = {}
    for creep in ("Li_Roy2021", "Li_Anand2019_steady"):
        rows = []
        for p in (0.05e6, 0.1e6, 0.2e6, 0.3e6, 0.5e6):
            t0 = time.perf_counter()
            try:
                bracket = bisect_threshold(lambda j: starved(p, j, creep), 1.0, factor=4.0, ratio=1.25,
                                           max_evaluations=14)
                rows.append({"pressure": p, "lo": bracket.lo, "hi": bracket.hi, "ccs": bracket.estimate,
                             "evaluations": bracket.evaluations})
                print(f"ccs {creep} p = {p / 1e6:g} MPa: {bracket.lo / MA_CM2:.3g} - "
                      f"{bracket.hi / MA_CM2:.3g} mA/cm2 "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
            except RuntimeError as exc:
                rows.append({"pressure": p, "error": str(exc)})
                print(f"ccs {creep} p = {p / 1e6:g} MPa: {exc}", flush=True)
        out[creep] = rows
    return out


def draw(results: dict, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    if "closure" in results:
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
        for p, d in sorted(results["closure"].items(), key=lambda kv: float(kv[0])):
            t = np.asarray(d["time"]) / 60
            a.plot(t, np.asarray(d["void"]) / d["void"][0], label=f"{float(p) / 1e6:g} MPa")
            b.plot(t, d["contact"], label=f"{float(p) / 1e6:g} MPa")
        a.set(xlabel="time [min]", ylabel="void volume / initial",
              title="no current: voids close faster at higher pressure")
        b.set(xlabel="time [min]", ylabel="contact fraction")
        for ax in (a, b):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        fig.tight_layout()
        paths.append(outdir / "void_creep_closure_pressure.png")
        fig.savefig(paths[-1], dpi=130)
        plt.close(fig)
    if "current" in results:
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
        for j, d in sorted(results["current"].items(), key=lambda kv: float(kv[0])):
            q = np.asarray(d["charge"]) / 36000  # mAh/cm²
            a.plot(q * 1e3, d["contact"], label=f"{float(j):g} mA/cm²")
            b.plot(q * 1e3, np.asarray(d["eta"]) * 1e3, label=f"{float(j):g} mA/cm²")
        a.set(xlabel="stripped capacity [µAh/cm²]", ylabel="contact fraction carrying current",
              title="0.1 MPa: more contact lost at higher current")
        b.set(xlabel="stripped capacity [µAh/cm²]", ylabel="cell overpotential [mV]", yscale="log")
        for ax in (a, b):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        fig.tight_layout()
        paths.append(outdir / "void_creep_current.png")
        fig.savefig(paths[-1], dpi=130)
        plt.close(fig)
    if "ccs" in results:
        fig, ax = plt.subplots(figsize=(7.5, 4.8))
        for creep, rows in results["ccs"].items():
            ok = [r for r in rows if "ccs" in r]
            p = np.array([r["pressure"] for r in ok]) / 1e6
            c = np.array([r["ccs"] for r in ok]) / MA_CM2
            lo = c - np.array([r["lo"] for r in ok]) / MA_CM2
            hi = np.array([r["hi"] for r in ok]) / MA_CM2 - c
            ax.errorbar(p, c, yerr=[lo, hi], marker="o", capsize=3, label=f"creep_contact, {creep}")
            if len(p) >= 2:
                slope = np.polyfit(np.log(p), np.log(c), 1)[0]
                ax.text(p[-1], c[-1], f"  ∝ p^{slope:.1f}", fontsize=8, va="center")
        for pressure, value, label, marker in MEASURED:
            ax.plot(max(pressure, 0.02), value, marker=marker, ls="", color="k", mfc="none", label=label)
        ax.set(xscale="log", yscale="log", xlabel="stack pressure [MPa] (0 drawn at 0.02)",
               ylabel="critical stripping current [mA/cm²]",
               title="CCS: the largest current the creep of Li supplies everywhere "
                     "(plane strain, void 10 µm / 40 µm)")
        ax.title.set_fontsize(9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=6.5, loc="upper left")
        fig.tight_layout()
        paths.append(outdir / "void_creep_ccs_map.png")
        fig.savefig(paths[-1], dpi=130)
        plt.close(fig)
    return paths


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("parts", nargs="*", default=["closure", "current", "ccs"])
    p.add_argument("-o", "--outdir", type=Path, default=Path("out/void_creep_maps"))
    p.add_argument("--replot", action="store_true", help="redraw from OUTDIR/maps.json")
    p.add_argument("--docs", action="store_true", help="copy the pictures and maps.json to docs/")
    a = p.parse_args(argv)
    a.outdir.mkdir(parents=True, exist_ok=True)
    store = a.outdir / "maps.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    if not a.replot:
        for part in a.parts:
            results[part] = {"closure": closure, "current": current, "ccs": ccs}[part](a.outdir)
            store.write_text(json.dumps(results, indent=1))
    paths = draw(results, a.outdir)
    if a.docs:
        docs = HERE.parent / "docs"
        for path in paths:
            shutil.copy(path, docs / path.name)
        shutil.copy(store, docs / "void_creep_maps.json")
    print("\n".join(str(x) for x in paths))


if __name__ == "__main__":
    main()
