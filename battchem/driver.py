"""The shared driver: input -> validated config -> mesh -> time loop -> outputs.

Owns everything that is the same for every problem: adaptive stepping with cut-back and retry,
series.csv, VTX fields, checkpoints and restart, SIGTERM handling, progress, the manifest and the
final status (``completed``, ``failed``, ``interrupted`` or a problem-specific stop such as
``sand_time_reached``).
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from mpi4py import MPI

import battchem
from battchem import problems
from battchem.config import BaseConfig, ConfigError, apply_overrides, load_yaml, validate
from battchem.output import (Checkpoint, FieldWriter, Progress, SeriesWriter, prepare_directory,
                             read_series, write_json, write_yaml)
from battchem.stepping import StepController, StepFailure


_NO_ITERATIONS = {"stagger_its": 0, "newton_its": 0, "krylov_its": 0}


@dataclass
class Result:
    """What a run produced: ``series`` maps column names (no units) to arrays."""

    outdir: Path
    status: str
    series: dict[str, np.ndarray] = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Inputs


def load_config(source, overrides: list[str] | None = None) -> BaseConfig:
    """YAML path, mapping or config object (+ ``key=value`` overrides) -> validated config."""
    if isinstance(source, BaseConfig):
        data = source.model_dump(mode="json")
    elif isinstance(source, dict):
        data = source
    else:
        data = load_yaml(source)
    data = apply_overrides(data, overrides)
    name = data.get("problem")
    if name is None:
        raise ConfigError(f"missing key 'problem' (allowed: {', '.join(problems.names())})")
    try:
        cls = problems.get(str(name))
    except KeyError as exc:
        raise ConfigError(f"problem = {name!r}: {exc.args[0]}") from None
    return validate(cls.Config, data)


def default_outdir(source) -> Path:
    if isinstance(source, (str, Path)):
        return Path("out") / Path(source).stem
    name = source.problem if isinstance(source, BaseConfig) else source.get("problem", "run")
    return Path("out") / str(name)


# --------------------------------------------------------------------------------------------
# Provenance


def versions() -> dict[str, str]:
    import dolfinx
    import petsc4py

    from battchem._compat import DOLFINX_VERSION

    petsc = petsc4py.PETSc.Sys.getVersion()
    return {"battchem": battchem.__version__, "dolfinx": DOLFINX_VERSION,
            "petsc": ".".join(str(v) for v in petsc), "petsc4py": petsc4py.__version__,
            "mpi": MPI.Get_library_version().replace("\x00", "").splitlines()[0].strip(),
            "python": platform.python_version(), "ufl": _version("ufl"),
            "basix": _version("basix"), "ffcx": _version("ffcx"), "dolfinx_git": dolfinx.git_commit_hash}


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except Exception:  # pragma: no cover - optional
        return "unknown"


def git_commit() -> str:
    env = os.environ.get("BATTCHEM_GIT_COMMIT")
    if env:
        return env
    try:
        root = Path(__file__).resolve().parents[1]
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except Exception:
        return "unknown"


# --------------------------------------------------------------------------------------------
# The run


class _Terminate:
    """Collective view of SIGTERM/SIGINT: set by the handler, reduced over ranks every step."""

    def __init__(self):
        self.flag = False
        self.previous = {}

    def install(self):
        try:
            for sig in (signal.SIGTERM,):
                self.previous[sig] = signal.signal(sig, self._handler)
        except ValueError:  # not in the main thread
            pass

    def uninstall(self):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handler(self, signum, frame):
        self.flag = True

    def requested(self, comm) -> bool:
        return comm.allreduce(self.flag, op=MPI.LOR)


def run(source, outdir: str | Path | None = None, overrides: list[str] | None = None, *,
        comm: MPI.Comm = MPI.COMM_WORLD, restart: bool = False, quiet: bool = False,
        observer=None) -> Result:
    """Run a problem input (path, mapping or config) and return its :class:`Result`.

    Invalid input raises :class:`ConfigError` before anything is built or written. With
    ``restart`` the run continues from ``outdir/checkpoint``. ``observer(problem, t, step)`` is
    called (collectively) after every accepted step, for scripting and tests.
    """
    config = load_config(source, overrides)
    outdir = Path(outdir) if outdir is not None else default_outdir(source)
    cls = problems.get(config.problem)
    problem = cls(config, comm)

    started = time.time()
    timings = {"mesh": 0.0, "setup": 0.0, "solve": 0.0, "output": 0.0, "plots": 0.0}
    out = prepare_directory(outdir, comm, keep=restart)
    checkpoint = Checkpoint(out / "checkpoint", comm)
    if restart and not checkpoint.exists:
        raise ConfigError(f"--restart: no checkpoint in {out / 'checkpoint'}")
    progress = Progress(comm, config.output.progress_every, stream=open(os.devnull, "w") if quiet else None)
    header = f"# battchem {battchem.__version__}: resolved input of the run in this folder\n"
    manifest: dict = {"battchem": battchem.__version__, "problem": config.problem, "title": config.title,
                      "input": str(source) if isinstance(source, (str, Path)) else "(in memory)",
                      "status": "running", "message": "", "versions": versions(),
                      "git_commit": git_commit(), "mpi_size": comm.size,
                      "host": platform.node(), "started": _iso(started)}
    # rank 0 reads and rewrites the manifest just below: other ranks must not read it themselves
    previous_manifest = comm.bcast(_read_manifest(out) if restart and comm.rank == 0 else {}, root=0)
    manifest["restarts"] = previous_manifest.get("restarts", 0) + (1 if restart else 0)
    if not restart:
        write_yaml(out / "config.yaml", config.model_dump(mode="json"), comm, header)
    write_json(out / "manifest.json", manifest, comm)

    terminate = _Terminate()
    terminate.install()
    status, message = "failed", ""
    step = 0
    t = 0.0
    rejected = 0
    writer = None
    try:
        # mesh and set-up -------------------------------------------------------------
        t0 = time.perf_counter()
        if restart:
            meta = checkpoint.read_meta()
            mesh_data = checkpoint.read_mesh()
        else:
            mesh_data = problem.build_mesh()
        timings["mesh"] = time.perf_counter() - t0
        manifest["mesh_timings"] = mesh_data.timings
        t0 = time.perf_counter()
        problem.setup(mesh_data)
        controller = StepController.from_config(config.stepping)
        if restart:
            checkpoint.read_functions(problem.state_functions())
            scalars = meta["scalars"]
            t, step = float(scalars["time"]), int(scalars["step"])
            controller.restore(scalars["controller"])
            problem.restore_scalars(scalars.get("problem", {}))
        timings["setup"] = time.perf_counter() - t0
        manifest["mesh"] = problem.mesh_summary()

        columns = ([("step", ""), ("time", "s"), ("dt", "s")] + problem.columns()
                   + [("stagger_its", ""), ("newton_its", ""), ("krylov_its", "")])
        series = SeriesWriter(out / "series.csv", columns, comm, resume_step=step if restart else None)
        fields_name = "fields.bp" if not restart else f"fields_restart{manifest['restarts']}.bp"
        writer = FieldWriter(out / "fields" / fields_name, problem.output_functions(), comm)
        progress.line(_banner(config, mesh_data, problem, comm, out))

        def save_checkpoint():
            scalars = {"time": t, "step": step, "controller": controller.state(),
                       "problem": problem.state_scalars()}
            checkpoint.write(mesh_data, problem.state_functions(), scalars)

        t0 = time.perf_counter()
        if not restart:
            q = problem.quantities(t)
            series.append({"step": 0, "time": t, "dt": 0.0, **q, **_NO_ITERATIONS})
            writer.write(t)
        timings["output"] += time.perf_counter() - t0

        status = "completed"
        cfg_out = config.output
        forced_dt, event_retries = None, 0
        first_step = step
        while t < (t_end := problem.end_time()) - 1e-12 * max(1.0, abs(t_end)):
            milestones = sorted(set(problem.milestones()))
            dt, on_milestone = controller.propose(t, milestones)
            if forced_dt is not None and forced_dt < dt:
                dt, on_milestone, forced_dt = forced_dt, False, None
            t0 = time.perf_counter()
            result = problem.advance(t, dt)
            timings["solve"] += time.perf_counter() - t0
            if result.converged and result.retry_dt is not None and result.retry_dt >= controller.dt_min \
                    and event_retries < 20:
                problem.reject()  # an event (cut-off) lies inside the step: land on it instead
                forced_dt, event_retries = result.retry_dt, event_retries + 1
                continue
            event_retries = 0
            if not result.converged or controller.change_too_large(result.change):
                problem.reject()
                rejected += 1
                why = result.report.reason if not result.converged else f"change {result.change:.3g} too large"
                progress.line(f"  step {step + 1}: dt = {dt:.3e} s rejected ({why}); cutting back")
                try:
                    controller.rejected(dt)
                except StepFailure as exc:
                    status, message = "failed", str(exc)
                    break
                continue
            t_new = t + dt
            if on_milestone:
                t_new = min(milestones, key=lambda m: abs(m - t_new))
            problem.accept(t_new)
            t, step = t_new, step + 1
            controller.accepted(dt, result.effort, result.change)

            t0 = time.perf_counter()
            q = problem.quantities(t)
            rep = result.report
            series.append({"step": step, "time": t, "dt": dt, **q, "stagger_its": result.stagger,
                           "newton_its": rep.iterations, "krylov_its": rep.krylov})
            if (cfg_out.fields_every and step % cfg_out.fields_every == 0) or on_milestone:
                writer.write(t)
            stop = problem.stop_reason(t)
            if observer is not None:
                observer(problem, t, step)
            if cfg_out.checkpoint_every and step % cfg_out.checkpoint_every == 0:
                save_checkpoint()
            timings["output"] += time.perf_counter() - t0
            for event in problem.events():
                progress.line(f"  step {step}: {event}")
            progress.update(f"step {step:5d}  t = {t:.4e} s  dt = {dt:.3e} s  "
                            f"its {result.stagger}/{rep.iterations}/{rep.krylov}  {problem.progress(q)}")
            if stop:  # a normal end before end_time (e.g. the specimen broke)
                status, message = "completed", f"stopped at t = {t:.6g} s: {stop}"
                break
            if terminate.requested(comm):
                status, message = "interrupted", f"terminated by signal at t = {t:.6g} s"
                break
            if config.stepping.max_steps and step - first_step >= config.stepping.max_steps:
                status, message = "interrupted", f"stepping.max_steps = {config.stepping.max_steps} reached"
                break
        # final outputs -----------------------------------------------------------------
        t0 = time.perf_counter()
        writer.write(t)
        save_checkpoint()
        timings["output"] += time.perf_counter() - t0
    except ConfigError:
        raise
    except Exception as exc:  # keep what was written, record why
        status = "failed"
        message = f"{type(exc).__name__}: {exc}"
        manifest["traceback"] = traceback.format_exc()
        if os.environ.get("BATTCHEM_DEBUG"):
            raise
    finally:
        terminate.uninstall()
        if writer is not None:
            writer.close()

    if status != "failed" or step > 0:
        t0 = time.perf_counter()
        if config.output.plots:
            try:
                manifest["plots"] = [str(p.relative_to(out)) for p in problem.plots(out)]
            except Exception as exc:  # a picture must not sink a finished run
                manifest["plots_error"] = f"{type(exc).__name__}: {exc}"
        timings["plots"] = time.perf_counter() - t0

    finished = time.time()
    timings["total"] = finished - started
    manifest.update({"status": status, "message": message, "finished": _iso(finished),
                     "wall_time": timings,
                     "steps": {"accepted": step, "rejected": rejected, "final_time": t},
                     "solvers": _solver_stats(problem, comm)})
    if restart:
        manifest["wall_time_previous"] = previous_manifest.get("wall_time", {})
    write_json(out / "manifest.json", manifest, comm)
    progress.line(f"{status}: {step} steps to t = {t:.6g} s in {timings['total']:.1f} s"
                  + (f" ({message})" if message and status != "completed" else "") + f"; output in {out}")
    result = Result(out, status, manifest=manifest)
    if comm.rank == 0 and (out / "series.csv").exists():
        result.series = read_series(out / "series.csv")
    result.series = comm.bcast(result.series, root=0)
    return result


def _banner(config, mesh_data, problem, comm, out) -> str:
    summary = problem.mesh_summary()
    dofs = ", ".join(f"{k} {v}" for k, v in summary.get("dofs", {}).items())
    return (f"battchem {config.problem}: {mesh_data.num_cells_global()} cells on {comm.size} rank"
            f"{'s' if comm.size > 1 else ''}; unknowns: {dofs}; output: {out}")


def _solver_stats(problem, comm) -> dict:
    stats = {}
    try:
        items = problem.solver_statistics().items()
    except AttributeError:  # set-up failed before the solvers existed
        items = []
    for prefix, s in items:
        stats[prefix] = {"solves": s.solves, "failures": s.failures, "iterations": s.iterations,
                         "krylov_iterations": s.krylov, "seconds": round(s.seconds, 4)}
    return stats


def _read_manifest(out: Path) -> dict:
    import json

    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))


def replot(outdir: Path, comm: MPI.Comm = MPI.COMM_WORLD) -> list[Path]:
    """Redraw the pictures of a finished run from its config.yaml and final checkpoint."""
    outdir = Path(outdir).resolve()
    if not (outdir / "config.yaml").exists():
        raise ConfigError(f"{outdir} is not a battchem output directory (no config.yaml)")
    checkpoint = Checkpoint(outdir / "checkpoint", comm)
    if not checkpoint.exists:
        raise ConfigError(f"{outdir}: no checkpoint to draw fields from")
    config = load_config(outdir / "config.yaml")
    problem = problems.get(config.problem)(config, comm)
    meta = checkpoint.read_meta()
    problem.setup(checkpoint.read_mesh())
    checkpoint.read_functions(problem.state_functions())
    problem.restore_scalars(meta["scalars"].get("problem", {}))
    problem.quantities(float(meta["scalars"]["time"]))
    return [Path(p) for p in problem.plots(outdir)]
