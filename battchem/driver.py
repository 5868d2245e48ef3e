"""The shared driver: input -> validated config -> mesh -> time loop -> outputs.

Owns everything that is the same for every problem: adaptive stepping with cut-back and retry,
series.csv, VTX fields, checkpoints and restart, interrupts (SIGINT/SIGTERM), warnings, progress,
the manifest and the final status:

- ``completed``: the end time was reached, or the problem stopped early for a physical reason
  (its ``stop_reason``, e.g. "specimen broken"), recorded as ``stop_reason`` and ``stop_time``;
- ``failed``: a step could not be made to converge, or an error occurred (message recorded,
  everything written so far kept);
- ``interrupted``: a signal or ``stepping.max_steps``; a checkpoint of the last accepted state is
  written and ``--restart`` continues.

A run has three parts, :meth:`Run.setup`, :meth:`Run.loop` and :meth:`Run.finish`, which the
command line, the Python API, restarts and sweeps share.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

from mpi4py import MPI

import battchem
from battchem import interrupt, problems
from battchem.config import (
    BaseConfig,
    ConfigError,
    apply_overrides,
    load_yaml,
    named_sets,
    parse_yaml,
    validate,
)
from battchem.diagnostics import WarningLog
from battchem.interrupt import RunInterrupted
from battchem.output import (
    Checkpoint,
    FieldWriter,
    OutputError,
    Progress,
    SeriesWriter,
    prepare_directory,
    read_manifest,
    read_series,
    series_units,
    write_json,
    write_yaml,
)
from battchem.parallel import FailureAgreement, on_root
from battchem.results import Result
from battchem.stepping import StepController, StepFailure

_NO_ITERATIONS = {"stagger_its": 0, "newton_its": 0, "krylov_its": 0}

# Keys that may change when a run is continued with --restart: they steer the run, not the physics.
RUN_CONTROL = ("title", "output", "stepping", "solver", "sweep")
# keys of physics sections that choose only how the same equations are solved
SOLVE_METHOD_KEYS = ("fracture.stagger", "fracture.anderson_depth", "fracture.overrelaxation",
                     "fracture.preconditioner_reuse_its")


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
    name = _problem_name(data, overrides)
    if name is None:
        raise ConfigError(f"missing key 'problem' (allowed: {', '.join(problems.names())})")
    try:
        cls = problems.get(str(name))
    except KeyError as exc:
        raise ConfigError(f"problem = {name!r}: {exc.args[0]}") from None
    model = cls.config_class(apply_overrides(data, [o for o in overrides or [] if o.startswith("model=")]))
    data = apply_overrides(data, overrides, defaults=model(problem=cls.name).model_dump(mode="json"))
    return validate(model, data)


def _problem_name(data: dict, overrides: list[str] | None):
    name = data.get("problem")
    for item in overrides or []:
        key, _, text = item.partition("=")
        if key.strip() == "problem":
            name = parse_yaml(text)
    return name


def default_outdir(source) -> Path:
    if isinstance(source, (str, Path)):
        return Path("out") / Path(source).stem
    name = source.problem if isinstance(source, BaseConfig) else source.get("problem", "run")
    return Path("out") / str(name)


def config_changes(old: dict, new: dict, prefix: str = "") -> dict[str, tuple]:
    """Dotted keys whose values differ between two config mappings: {key: (old, new)}."""
    changes = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changes.update(config_changes(a, b, f"{prefix}{key}."))
        elif a != b:
            changes[f"{prefix}{key}"] = (a, b)
    return changes


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


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))


# --------------------------------------------------------------------------------------------
# The run


def run(source, outdir: str | Path | None = None, overrides: list[str] | None = None, *,
        comm: MPI.Comm = MPI.COMM_WORLD, restart: bool = False, force: bool = False,
        overwrite: bool = False, quiet: bool = False, observer=None, exports=None,
        context: dict | None = None) -> Result:
    """Run a problem input (path, mapping or config) and return its :class:`Result`.

    Invalid input raises :class:`ConfigError`, and an output directory that may not be used
    :class:`OutputError`, before anything is built or written. ``overwrite`` replaces an earlier
    run in ``outdir`` (only the files battchem wrote); ``restart`` continues it from its checkpoint
    (``source`` may then be None: the saved input is used), refusing changes to anything but
    run-control keys (:data:`RUN_CONTROL`) unless ``force``. ``observer(problem, t, step)`` is
    called (collectively) after every accepted step, for scripting and tests. ``exports`` are
    :mod:`battchem.exports` objects: point probes and scalars as extra series columns, line
    profiles in profiles/. ``context`` (e.g. the study a case belongs to) is recorded in the
    manifest as ``sweep``.
    """
    job = Run(source, outdir, overrides, comm=comm, restart=restart, force=force, overwrite=overwrite,
              quiet=quiet, observer=observer, exports=exports, context=context)
    try:
        return job.execute()
    finally:
        # Solvers hold reference cycles (SNES callbacks): free this run's PETSc objects here, on every
        # rank at the same point, rather than whenever each rank's collector runs (a MUMPS factor on
        # COMM_WORLD must be destroyed collectively), and before the next run of a sweep or notebook.
        del job
        gc.collect()


class Run:
    """One run of an input: :meth:`setup`, :meth:`loop`, :meth:`finish` (see :func:`run`)."""

    def __init__(self, source, outdir=None, overrides=None, *, comm=MPI.COMM_WORLD, restart=False, force=False,
                 overwrite=False, quiet=False, observer=None, exports=None,
                 context=None):
        if source is None and not (restart and outdir is not None):
            raise ConfigError("no input file given (only --restart with -o OUTDIR can do without one)")
        self.comm = comm
        self.source, self.overrides = source, list(overrides or [])
        self.restart, self.force, self.overwrite = restart, force, overwrite
        self.quiet, self.observer, self.context = quiet, observer, context
        self.exports = list(exports or [])
        self.outdir = Path(outdir) if outdir is not None else default_outdir(source)
        self.warnings = WarningLog(comm)
        self.timings = {"mesh": 0.0, "setup": 0.0, "solve": 0.0, "output": 0.0, "plots": 0.0}
        self.status, self.message = "failed", ""
        self.stop: tuple[str, float] | None = None
        self.step, self.t, self.rejected, self.first_step = 0, 0.0, 0, 0
        self.time_unit = "s"
        self.problem = self.writer = self.series = self.controller = self.mesh_data = None
        self.checkpoint: Checkpoint | None = None
        self.last_checkpoint: tuple[int, float] | None = None
        self.checkpoint_wall = time.monotonic()

    # ------------------------------------------------------------------------------------
    def execute(self) -> Result:
        with self.warnings:
            self.read_input()
            self.prepare_output()
            agreement = FailureAgreement(self.comm)
            interrupt.install(self.record_request)
            try:
                self.setup()
                self.loop()
                self.save_state()
            except RunInterrupted as exc:
                self.interrupted(f"{exc}")
            except StepFailure as exc:
                self.status, self.message = "failed", str(exc)
                self.save_state()
            except KeyboardInterrupt:  # a second Ctrl-C: stop at once, no checkpoint
                self.status, self.message = "interrupted", "stopped at once by a second interrupt (no checkpoint)"
                if not agreement.collective():
                    self.fail_now(agreement, self.status, self.message)
            except Exception as exc:
                self.manifest["traceback"] = traceback.format_exc()
                self.status, self.message = "failed", _one_line(exc)
                if os.environ.get("BATTCHEM_DEBUG"):
                    raise
                if not agreement.collective():
                    self.fail_now(agreement, "failed", self.message)
            finally:
                interrupt.uninstall()
                if self.writer is not None:
                    self.writer.close()
            agreement.free()
            return self.finish()

    # inputs and output directory ---------------------------------------------------------
    def read_input(self) -> None:
        """Validate the input (and, on restart, compare it with the saved one) before any work."""
        saved = None
        if self.restart:
            saved = on_root(self.comm, _read_saved_config, self.outdir)
        source = self.source if self.source is not None else saved
        if source is None:
            raise OutputError(f"--restart: {self.outdir} holds no battchem run (no config.yaml)")
        self.config = load_config(source, self.overrides)
        self.changes: dict = {}
        if saved is not None:
            self.changes = config_changes(saved, self.config.model_dump(mode="json"))
            physics = {k: v for k, v in self.changes.items()
                       if k.split(".")[0] not in RUN_CONTROL and k not in SOLVE_METHOD_KEYS}
            if physics and not self.force:
                shown = ", ".join(f"{k}: {_short(a)} -> {_short(b)}" for k, (a, b) in list(physics.items())[:4])
                raise ConfigError(f"--restart: the input differs from the run in {self.outdir} in {shown}"
                                  f"{' ...' if len(physics) > 4 else ''}; only {', '.join(RUN_CONTROL + SOLVE_METHOD_KEYS)} may change "
                                  "(use --force to continue anyway)")

    def prepare_output(self) -> None:
        self.out = prepare_directory(self.outdir, self.comm, restart=self.restart, overwrite=self.overwrite)
        self.started = time.time()
        self.progress = Progress(self.comm, self.config.output.progress_every,
                                 stream=open(os.devnull, "w") if self.quiet else None)
        config_json = self.config.model_dump(mode="json")
        self.manifest: dict = {
            "battchem": battchem.__version__, "problem": self.config.problem, "title": self.config.title,
            "input": str(self.source) if isinstance(self.source, (str, Path)) else "(in memory)",
            "input_sha256": hashlib.sha256(json.dumps(config_json, sort_keys=True).encode()).hexdigest(),
            "status": "running", "message": "", "versions": versions(), "git_commit": git_commit(),
            "mpi_size": self.comm.size, "host": platform.node(), "started": _iso(self.started),
            "parameters": {k: s.provenance() for k, s in named_sets(self.config).items()}}
        if self.context:
            self.manifest["sweep"] = self.context
        recipe = os.environ.get("BATTCHEM_IMAGE_RECIPE")
        if recipe:
            self.manifest["image_recipe"] = recipe
        previous = on_root(self.comm, read_manifest, self.out) if self.restart else None
        if previous:
            history = previous.get("restart_history", [])
            history.append({"restart": len(history) + 1, "started": _iso(self.started),
                            "overrides": self.overrides, "forced": self.force,
                            "changes": {k: list(v) for k, v in self.changes.items()}})
            self.manifest.update({"restarts": len(history), "restart_history": history,
                                  "wall_time_previous": previous.get("wall_time", {})})
        else:
            self.manifest["restarts"] = 0
        header = (f"# battchem {battchem.__version__}: resolved input of the run in this folder. Values left null in a\n"
                  "# named set (material: ...) come from that set: manifest.json 'parameters' lists them.\n")
        on_root(self.comm, write_yaml, self.out / "config.yaml", config_json, MPI.COMM_SELF, header)
        self.write_manifest()

    def write_manifest(self) -> None:
        self.manifest["warnings"] = list(self.warnings.messages)
        on_root(self.comm, write_json, self.out / "manifest.json", self.manifest, MPI.COMM_SELF)

    # set-up -------------------------------------------------------------------------------
    def setup(self) -> None:
        """Mesh (or the checkpointed one), problem set-up, restored state, writers."""
        config, comm = self.config, self.comm
        self.problem = problem = problems.get(config.problem)(config, comm)
        self.checkpoint = Checkpoint(self.out / "checkpoint", comm)
        t0 = time.perf_counter()
        meta = self.checkpoint.read_meta() if self.restart else None
        self.mesh_data = self.checkpoint.read_mesh() if self.restart else problem.build_mesh()
        self.timings["mesh"] = time.perf_counter() - t0
        self.manifest["mesh_timings"] = self.mesh_data.timings
        t0 = time.perf_counter()
        problem.setup(self.mesh_data)
        self.controller = StepController.from_config(config.stepping)
        if meta is not None:
            self.checkpoint.read_functions(problem.state_functions())
            scalars = meta["scalars"]
            self.t, self.step = float(scalars["time"]), int(scalars["step"])
            self.controller.restore(scalars["controller"])  # its step size; the limits are the input's
            problem.restore_scalars(scalars.get("problem", {}))
            self.last_checkpoint = (self.step, self.t)
        self.first_step = self.step
        self.timings["setup"] = time.perf_counter() - t0
        self.manifest["mesh"] = problem.mesh_summary()
        meaning, unit = problem.time_axis
        self.time_unit = unit
        self.manifest["time_axis"] = {"column": "time", "meaning": meaning, "unit": unit}

        self.manifest["field_units"] = problem.field_units()
        self.open_fields()
        for export in self.exports:
            export.start(self.writer.function, problem, self.out, self.t if self.restart else None)
        columns = ([("step", ""), ("time", unit), ("dt", unit)] + problem.columns()
                   + [c for export in self.exports for c in export.columns()]
                   + [("stagger_its", ""), ("newton_its", ""), ("krylov_its", "")])
        self.series = SeriesWriter(self.out / "series.csv", columns, comm,
                                   resume_step=self.step if self.restart else None)
        self.progress.line(_banner(config, self.mesh_data, problem, comm, self.out))
        self.progress.line(f"progress: step, t/t_end [{unit}] ({meaning}), dt [{unit}], iterations "
                           "staggered/Newton/Krylov of the step, then the problem's quantities")
        self.write_manifest()
        if not self.restart:
            t0 = time.perf_counter()
            self.series.append({"step": 0, "time": self.t, "dt": 0.0, **problem.quantities(self.t),
                                **self.export_values(), **_NO_ITERATIONS})
            self.write_fields()
            self.timings["output"] += time.perf_counter() - t0

    # time loop ----------------------------------------------------------------------------
    def loop(self) -> None:
        """Adaptive steps to the problem's end time; sets ``status`` and ``message``."""
        problem, controller, comm = self.problem, self.controller, self.comm
        cfg_out, max_steps = self.config.output, self.config.stepping.max_steps
        self.status = "completed"
        forced_dt, event_retries = None, 0
        while self.t < (t_end := problem.end_time()) - 1e-12 * max(1.0, abs(t_end)):
            milestones = sorted(set(problem.milestones()) | {t for e in self.exports for t in e.times()})
            dt, on_milestone = controller.propose(self.t, milestones)
            if forced_dt is not None and forced_dt < dt:
                dt, on_milestone, forced_dt = forced_dt, False, None
            t0 = time.perf_counter()
            result = problem.advance(self.t, dt)
            self.timings["solve"] += time.perf_counter() - t0
            if result.converged and result.retry_dt is not None and result.retry_dt >= controller.dt_min \
                    and event_retries < 20:
                problem.reject()  # an event (cut-off) lies inside the step: land on it instead
                forced_dt, event_retries = result.retry_dt, event_retries + 1
                continue
            event_retries = 0
            if not result.converged or controller.change_too_large(result.change):
                problem.reject()
                self.rejected += 1
                why = result.report.reason if not result.converged else f"change {result.change:.3g} too large"
                self.progress.line(f"  step {self.step + 1}: dt = {dt:.3e} {self.time_unit} rejected "
                                   f"({why}); cutting back")
                controller.rejected(dt)  # raises StepFailure when it cannot cut back any further
                interrupt.check(comm)
                continue
            t_new = self.t + dt
            if on_milestone:
                t_new = min(milestones, key=lambda m: abs(m - t_new))
            problem.accept(t_new)
            self.t, self.step = t_new, self.step + 1
            controller.accepted(dt, result.effort, result.change)
            if problem.step_reset():  # a protocol switch: resolve the new transient from the start
                controller.dt = min(controller.dt, self.config.stepping.dt_initial)

            t0 = time.perf_counter()
            self.follow_mesh()
            q = problem.quantities(self.t)
            rep = result.report
            self.series.append({"step": self.step, "time": self.t, "dt": dt, **q, **self.export_values(),
                                "stagger_its": result.stagger, "newton_its": rep.iterations,
                                "krylov_its": rep.krylov})
            every = cfg_out.fields_every
            self.write_fields((every and self.step % every == 0) or on_milestone)
            stop = problem.stop_reason(self.t)
            if self.observer is not None:
                self.observer(problem, self.t, self.step)
            if self.checkpoint_due():
                self.write_checkpoint()
            self.timings["output"] += time.perf_counter() - t0
            for event in problem.events():
                self.progress.line(f"  step {self.step}: {event}")
            unit = self.time_unit
            self.progress.update(f"step {self.step:5d}  t {self.t:.4e}/{problem.end_time():.4e} {unit}  "
                                 f"dt {dt:.3e} {unit}  "
                                 f"its {result.stagger}/{rep.iterations}/{rep.krylov}  {problem.progress(q)}")
            if stop:  # a normal end before the end time (e.g. the specimen broke)
                self.stop = (stop, self.t)
                self.message = f"stopped at t = {self.t:.6g} {self.time_unit}: {stop}"
                return
            interrupt.check(comm)
            if max_steps and self.step - self.first_step >= max_steps:
                self.status = "interrupted"
                self.message = f"stepping.max_steps = {max_steps} reached; {self.continue_hint()}"
                return

    def export_values(self) -> dict[str, float]:
        """The exports' series columns at the current state."""
        return {k: v for export in self.exports for k, v in export.values(self.t).items()}

    def write_fields(self, due: bool = True) -> None:
        """Write the fields at the current time when ``due``; then the exports' per-step work."""
        if due:
            self.writer.write(self.t)
        for export in self.exports:
            export.after_step(self.t, bool(due))

    def open_fields(self) -> None:
        """VTX files of the current mesh: fields.bp; after a restart fields_restartN.bp; after a
        remesh fields_gK.bp (K the mesh generation)."""
        parts = ["fields"]
        if self.mesh_data.generation:
            parts.append(f"g{self.mesh_data.generation}")
        if self.restart:
            parts.append(f"restart{self.manifest['restarts']}")
        self.writer = FieldWriter(self.out / "fields" / ("_".join(parts) + ".bp"), self.problem.output_functions(),
                                  self.comm, moving=self.problem.moving_mesh)

    def follow_mesh(self) -> None:
        """After a remesh (the problem's MeshData changed), write to new VTX files and checkpoint the
        new mesh."""
        current = self.problem.mesh_data()
        if current is None or current is self.mesh_data:
            return
        self.mesh_data = current
        self.writer.close()
        self.open_fields()
        self.write_fields()
        self.manifest.setdefault("remeshes", []).append({"step": self.step, "time": self.t,
                                                          "generation": current.generation,
                                                          "cells": current.num_cells_global()})

    # ends ---------------------------------------------------------------------------------
    def write_checkpoint(self) -> None:
        scalars = {"time": self.t, "step": self.step, "controller": self.controller.state(),
                   "problem": self.problem.state_scalars()}
        self.checkpoint.write(self.mesh_data, self.problem.state_functions(), scalars)
        self.last_checkpoint = (self.step, self.t)
        self.checkpoint_wall = time.monotonic()

    def checkpoint_due(self) -> bool:
        """Every ``output.checkpoint_every`` steps, or when ``output.checkpoint_interval`` seconds of
        wall time have passed since the last one (rank 0's clock decides, for all ranks)."""
        out = self.config.output
        if out.checkpoint_every and self.step % out.checkpoint_every == 0:
            return True
        if not out.checkpoint_interval:
            return False
        late = time.monotonic() - self.checkpoint_wall >= out.checkpoint_interval
        return bool(self.comm.bcast(late, root=0))

    def save_state(self) -> None:
        """Final fields and checkpoint of the last accepted state (when the loop ran)."""
        if self.series is None:
            return
        t0 = time.perf_counter()
        self.write_fields()
        self.write_checkpoint()
        self.timings["output"] += time.perf_counter() - t0

    def interrupted(self, why: str) -> None:
        """A signal: back to the last accepted state, checkpoint it, say how to go on."""
        self.status = "interrupted"
        self.message = f"{why} at t = {self.t:.6g} {self.time_unit} (step {self.step})"
        if self.series is None:  # during set-up: nothing to save
            return
        self.problem.reject()
        self.save_state()
        self.message += f"; {self.continue_hint()}"

    def record_request(self, signame: str) -> None:
        """Signal-handler callback: mark the manifest at once, in case the launcher kills the ranks
        before the stop completes (Open MPI's mpirun does so 0.25 s after a SIGTERM)."""
        if self.comm.rank != 0:
            return
        last = self.last_checkpoint
        where = f"step {last[0]}, t = {last[1]:.6g} s" if last else "none yet"
        record = {**self.manifest, "status": "interrupted",
                  "message": f"{signame} received at step {self.step}, t = {self.t:.6g} s; if the job ended before "
                             f"the stop completed, the last checkpoint is: {where}"}
        write_json(self.out / "manifest.json", record, MPI.COMM_SELF)

    def continue_hint(self) -> str:
        source = f" {self.source}" if isinstance(self.source, (str, Path)) else ""
        return f"checkpoint written, continue with: battchem run{source} -o {self.out} --restart"

    def fail_now(self, agreement: FailureAgreement, status: str, message: str) -> None:
        """A failure the other ranks did not share: record it from this rank, end the job."""
        self.manifest.update({"status": status, "message": f"rank {self.comm.rank}: {message}",
                              "finished": _iso(time.time())})
        try:
            write_json(self.out / "manifest.json", self.manifest, MPI.COMM_SELF)
        finally:
            sys.stderr.write(f"battchem: {status} on rank {self.comm.rank}: {message}; ending the job\n")
            sys.stderr.flush()
            if self.comm.size > 1:
                agreement.abort(1 if status == "failed" else 3)
            raise SystemExit(1 if status == "failed" else 3)

    def finish(self) -> Result:
        """Pictures, the final manifest and the last line; returns the :class:`Result`."""
        comm, problem = self.comm, self.problem
        if problem is not None and self.series is not None and self.config.output.plots:
            t0 = time.perf_counter()
            try:
                self.manifest["plots"] = [str(Path(p).relative_to(self.out)) for p in problem.plots(self.out)]
            except Exception as exc:  # a picture must not sink a finished run (collective: see plotting)
                self.manifest["plots_error"] = _one_line(exc)
            self.timings["plots"] = time.perf_counter() - t0
        finished = time.time()
        self.timings["total"] = finished - self.started
        self.manifest.update({"status": self.status, "message": self.message, "finished": _iso(finished),
                              "wall_time": self.timings,
                              "steps": {"accepted": self.step, "rejected": self.rejected, "final_time": self.t},
                              "solvers": _solver_stats(problem)})
        if self.stop is not None:
            self.manifest.update({"stop_reason": self.stop[0], "stop_time": self.stop[1]})
        if problem is not None and self.series is not None:
            try:
                self.manifest["results"] = problem.results()
            except Exception as exc:  # noqa: BLE001 - reported, not fatal
                self.manifest["results_error"] = _one_line(exc)
        self.write_manifest()
        if self.warnings.messages:
            self.progress.line(f"{len(self.warnings.messages)} warning(s): see manifest.json")
        self.progress.line(f"{self.status}: {self.step} steps to t = {self.t:.6g} {self.time_unit} in "
                           f"{self.timings['total']:.1f} s"
                           + (f" ({self.message})" if self.message else "") + f"; output in {self.out}")
        series = self.out / "series.csv"
        data, units = on_root(comm, lambda: (read_series(series), series_units(series)) if series.exists()
                              else ({}, {}))
        return Result(self.out, self.status, data, self.manifest, units)


def _read_saved_config(outdir: Path) -> dict | None:
    path = Path(outdir) / "config.yaml"
    return load_yaml(path) if path.exists() else None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _banner(config, mesh_data, problem, comm, out) -> str:
    summary = problem.mesh_summary()
    dofs = ", ".join(f"{k} {v}" for k, v in summary.get("dofs", {}).items())
    return (f"battchem {config.problem}: {mesh_data.num_cells_global()} cells on {comm.size} rank"
            f"{'s' if comm.size > 1 else ''}; unknowns: {dofs}; output: {out}")


def _solver_stats(problem) -> dict:
    stats = {}
    try:
        items = problem.solver_statistics().items()
    except AttributeError:  # no problem, or set-up failed before the solvers existed
        items = []
    for prefix, s in items:
        stats[prefix] = {"solves": s.solves, "failures": s.failures, "iterations": s.iterations,
                         "krylov_iterations": s.krylov, "seconds": round(s.seconds, 4)}
    return stats


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
