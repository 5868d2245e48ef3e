"""The output directory: config.yaml, manifest.json, series.csv, fields/ (VTX), checkpoint/.

Rank 0 writes the small text files; VTX and adios4dolfinx checkpoints are written collectively by
all ranks (parallel ADIOS2 writers), so outputs do not depend on the number of ranks.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from mpi4py import MPI

# Everything battchem writes into an output directory; nothing else there is ever deleted.
OWN_ENTRIES = ("config.yaml", "manifest.json", "manifest.json.tmp", "series.csv", "fields", "checkpoint",
               "checkpoint.new", "checkpoint.old", "plots", "profiles")


class OutputError(RuntimeError):
    """The output directory cannot be used (the CLI exits with status 2)."""


def read_manifest(path: Path) -> dict | None:
    """The manifest of a battchem output directory, None if there is none or it does not parse."""
    try:
        data = json.loads((Path(path) / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "battchem" not in data or "status" not in data:
        return None
    return data


def prepare_directory(path: Path, comm: MPI.Comm, *, restart: bool = False, overwrite: bool = False) -> Path:
    """Make ``path`` ready for a run (collective; rank 0 works, every rank sees its error).

    - a new or empty folder is used as is;
    - a battchem output (a parsable manifest.json) is continued with ``restart``, or replaced with
      ``overwrite``, which deletes only what battchem writes (:data:`OWN_ENTRIES`) and keeps any
      other file; without either it is refused;
    - any other non-empty folder is refused: battchem never deletes what it did not write.
    """
    from battchem.parallel import on_root

    path = Path(path).resolve()

    def prepare():
        if path.exists() and not path.is_dir():
            raise OutputError(f"output path {path} exists and is not a directory")
        entries = list(path.iterdir()) if path.is_dir() else []
        manifest = read_manifest(path) if entries else None
        if restart:
            if manifest is None:
                raise OutputError(f"--restart: {path} holds no battchem run (no manifest.json)")
            if not (path / "checkpoint" / "state.json").exists():
                raise OutputError(f"--restart: no checkpoint in {path / 'checkpoint'}")
        elif entries:
            if manifest is None:
                raise OutputError(f"refusing to write into {path}: it is not empty and holds no battchem run "
                                  "(choose a new or empty folder with -o)")
            if not overwrite:
                raise OutputError(f"{path} holds a battchem run (status {manifest['status']}): continue it with "
                                  "--restart, replace it with --overwrite, or choose another folder with -o")
            for child in entries:
                if child.name in OWN_ENTRIES:
                    shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / "fields").mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create output directory {path}: {exc.strerror}") from None
        return str(path)

    return Path(on_root(comm, prepare))


def write_yaml(path: Path, data: dict, comm: MPI.Comm, header: str = "") -> None:
    if comm.rank == 0:
        text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
        path.write_text(header + text)


def write_json(path: Path, data: dict, comm: MPI.Comm) -> None:
    if comm.rank == 0:
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
        tmp.replace(path)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj)}")


# --------------------------------------------------------------------------------------------
# series.csv


class SeriesWriter:
    """Appends one row per accepted step to series.csv; header cells are ``name [unit]``."""

    def __init__(self, path: Path, columns: list[tuple[str, str]], comm: MPI.Comm, *, resume_step: int | None = None):
        self.path = Path(path)
        self.columns = columns
        self.names = [n for n, _ in columns]
        self.comm = comm
        if comm.rank != 0:
            return
        header = [f"{n} [{u}]" if u else n for n, u in columns]
        if resume_step is not None and self.path.exists():
            rows = read_series_rows(self.path)
            keep = [r for r in rows if int(float(r[0])) <= resume_step]
            with self.path.open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                w.writerows(keep)
        else:
            with self.path.open("w", newline="") as f:
                csv.writer(f).writerow(header)

    def append(self, values: dict[str, float]) -> None:
        if self.comm.rank != 0:
            return
        missing = [n for n in self.names if n not in values]
        if missing:
            raise KeyError(f"series row misses {missing}")
        row = [_fmt(values[n]) for n in self.names]
        with self.path.open("a", newline="") as f:
            csv.writer(f).writerow(row)


def _fmt(value) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.12g}"


def read_series_rows(path: Path) -> list[list[str]]:
    with Path(path).open() as f:
        rows = list(csv.reader(f))
    return rows[1:]


def read_series(path: Path) -> dict[str, np.ndarray]:
    """series.csv -> {column name (without unit): array}."""
    with Path(path).open() as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [r for r in reader if r]
    names = [h.split(" [")[0] for h in header]
    data = np.array([[float(v) for v in r] for r in rows]) if rows else np.zeros((0, len(names)))
    return {n: data[:, i] for i, n in enumerate(names)}


def series_units(path: Path) -> dict[str, str]:
    with Path(path).open() as f:
        header = next(csv.reader(f))
    out = {}
    for h in header:
        name, _, unit = h.partition(" [")
        out[name] = unit.rstrip("]")
    return out


# --------------------------------------------------------------------------------------------
# Fields and checkpoints


class FieldWriter:
    """VTX (ADIOS2 .bp) output of any Functions, readable by ParaView (ADIOS2VTXReader).

    VTX needs one mesh and one element per file, so the functions are grouped by mesh and
    element: a single group is written to ``<stem>.bp``, several to ``<stem>_<mesh>_<element>.bp``
    (e.g. ``fields_P2_vector.bp``, ``fields_P1.bp``, ``fields_DG0.bp``). A function of a mixed
    space (Taylor–Hood) is written as its sub-functions, each in its group. The geometry is written
    once unless ``moving`` (then at every write).
    """

    def __init__(self, path: Path, functions: list, comm: MPI.Comm, *, moving: bool = False):
        from dolfinx.io import VTXMeshPolicy, VTXWriter

        self.path = Path(path)
        self._copies: list[tuple] = []  # (sub-function copy, mixed function, dof map) refreshed per write
        groups: dict[tuple, list] = {}
        for f in functions:
            for g in self._split(f):
                groups.setdefault((id(g.function_space.mesh), _element_label(g.function_space)), []).append(g)
        self.functions = {g.name: g for members in groups.values() for g in members}
        policy = VTXMeshPolicy.update if moving else VTXMeshPolicy.reuse
        self.files: list[Path] = []
        self.writers = []
        for (_, label), members in groups.items():
            mesh_name = members[0].function_space.mesh.name
            if len(groups) == 1:
                name = self.path.name
            else:
                mesh_part = "" if mesh_name in ("mesh", "") else f"_{mesh_name}"
                name = f"{self.path.stem}{mesh_part}_{label}{self.path.suffix}"
            self.files.append(self.path.with_name(name))
            self.writers.append(VTXWriter(comm, str(self.files[-1]), members, engine="BP4", mesh_policy=policy))
        self.times: list[float] = []

    def _split(self, f) -> list:
        """``f``, or copies of the sub-functions of a mixed-space ``f`` (kept up to date at writes)."""
        from dolfinx import fem

        V = f.function_space
        if "Quadrature" in type(V.ufl_element()).__name__ or "quadrature" in str(V.ufl_element()).lower():
            raise ValueError(f"{f.name}: VTX cannot write quadrature functions; project them onto a "
                             "DG or Lagrange space for output (they can be checkpointed as they are)")
        if V.num_sub_spaces == 0 or V.dofmap.index_map_bs == V.num_sub_spaces and _element_label(V):
            return [f]
        parts = []
        for i in range(V.num_sub_spaces):
            Vi, dofs = V.sub(i).collapse()
            name = f"{f.name}_{i}" if not getattr(f, "sub_names", None) else f.sub_names[i]
            g = fem.Function(Vi, name=name)
            self._copies.append((g, f, np.asarray(dofs)))
            parts.append(g)
        return parts

    def write(self, t: float) -> None:
        if self.times and abs(self.times[-1] - t) <= 1e-14 * max(1.0, abs(t)):
            return
        for g, f, dofs in self._copies:
            g.x.array[:] = f.x.array[dofs]
        for writer in self.writers:
            writer.write(float(t))
        self.times.append(float(t))

    def function(self, name: str):
        """The written function ``name`` with its current values (a sub-function of a mixed
        function is copied out first)."""
        if name not in self.functions:
            raise KeyError(f"no output field '{name}' (fields: {', '.join(self.functions)})")
        for g, f, dofs in self._copies:
            if g is self.functions[name]:
                g.x.array[:] = f.x.array[dofs]
        return self.functions[name]

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


def _element_label(V) -> str:
    """Short name of a space's element: P1, P2_vector, DG0, DG1_tensor ('' for mixed elements)."""
    element = V.ufl_element()
    if hasattr(element, "sub_elements") and getattr(element, "is_mixed", False):
        return ""
    basix = V.element.basix_element
    family = "DG" if basix.discontinuous else {"P": "P", "Q": "Q"}.get(str(basix.family.name)[:1], "P")
    if str(basix.family.name) != "P":
        family = str(basix.family.name)
    if basix.discontinuous:
        family = "DG"
    shape = V.value_shape
    kind = {0: "", 1: "_vector", 2: "_tensor"}.get(len(shape), "_tensor")
    return f"{family}{basix.degree}{kind}"


class Checkpoint:
    """Restart data: mesh, tags and state Functions (adios4dolfinx) plus a JSON of scalars.

    Each write replaces the previous checkpoint atomically (written to ``checkpoint.new`` and
    renamed), so a run killed while writing keeps the last complete one.
    """

    def __init__(self, folder: Path, comm: MPI.Comm):
        self.folder = Path(folder)
        self.comm = comm

    @property
    def exists(self) -> bool:
        return (self.folder / "state.json").exists()

    def write(self, mesh_data, functions: dict, scalars: dict) -> None:
        import adios4dolfinx

        from battchem.parallel import on_root

        tmp = self.folder.with_name(self.folder.name + ".new")

        def fresh_folder():
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)

        on_root(self.comm, fresh_folder)
        bp = tmp / "state.bp"
        adios4dolfinx.write_mesh(bp, mesh_data.mesh)
        if mesh_data.facet_tags is not None:
            mesh_data.facet_tags.name = "facet_tags"
            adios4dolfinx.write_meshtags(bp, mesh_data.mesh, mesh_data.facet_tags, meshtag_name="facet_tags")
        if mesh_data.cell_tags is not None:
            mesh_data.cell_tags.name = "cell_tags"
            adios4dolfinx.write_meshtags(bp, mesh_data.mesh, mesh_data.cell_tags, meshtag_name="cell_tags")
        for name, f in functions.items():
            adios4dolfinx.write_function(bp, f, name=name, time=0.0)
        meta = {"scalars": scalars, "cell_names": mesh_data.cell_names,
                "generation": getattr(mesh_data, "generation", 0), "ghost_mode": getattr(mesh_data, "ghost_mode", "none"),
                "facet_names": mesh_data.facet_names, "functions": list(functions),
                "written": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.comm.barrier()  # every rank's part of state.bp is written

        def replace_previous():
            write_json(tmp / "state.json", meta, MPI.COMM_SELF)
            old = self.folder.with_name(self.folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                self.folder.rename(old)
            tmp.rename(self.folder)
            shutil.rmtree(old, ignore_errors=True)

        on_root(self.comm, replace_previous)

    def read_meta(self) -> dict:
        """The scalars and names of the checkpoint (rank 0 reads, every rank receives)."""
        from battchem.parallel import on_root

        return on_root(self.comm, lambda: json.loads((self.folder / "state.json").read_text()))

    def read_mesh(self):
        """The checkpointed mesh with its tags, distributed over ``comm``."""
        import adios4dolfinx
        from dolfinx.mesh import GhostMode

        from battchem.mesh import MeshData

        meta = self.read_meta()
        bp = self.folder / "state.bp"
        ghost_mode = meta.get("ghost_mode", "none")
        msh = adios4dolfinx.read_mesh(bp, self.comm, ghost_mode=GhostMode.shared_facet if ghost_mode == "shared_facet"
                                      else GhostMode.none)
        tdim = msh.topology.dim
        msh.topology.create_entities(tdim - 1)
        msh.topology.create_connectivity(tdim - 1, tdim)
        facet_tags = adios4dolfinx.read_meshtags(bp, msh, meshtag_name="facet_tags") if meta["facet_names"] else None
        cell_tags = adios4dolfinx.read_meshtags(bp, msh, meshtag_name="cell_tags") if meta["cell_names"] else None
        return MeshData(msh, cell_tags, facet_tags, meta["cell_names"], meta["facet_names"],
                        generation=meta.get("generation", 0), ghost_mode=ghost_mode)

    def read_functions(self, functions: dict) -> None:
        import adios4dolfinx

        bp = self.folder / "state.bp"
        for name, f in functions.items():
            adios4dolfinx.read_function(bp, f, name=name, time=0.0)
            f.x.scatter_forward()


# --------------------------------------------------------------------------------------------
# Progress on the terminal


class Progress:
    """Rank-0 progress: an updating line on a TTY, plain lines (throttled) otherwise."""

    def __init__(self, comm: MPI.Comm, every_seconds: float = 2.0, stream=None):
        self.enabled = comm.rank == 0
        self.stream = stream or sys.stdout
        # Open MPI hands each rank a pseudo-terminal even when mpirun's output goes to a file or
        # pipe, so under a launcher isatty() says nothing: plain lines there, and in CI
        launched = any(k in os.environ for k in ("OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMIX_RANK"))
        self.tty = (self.enabled and self.stream.isatty() and not launched
                    and os.environ.get("TERM", "dumb") != "dumb" and not os.environ.get("CI"))
        self.every = every_seconds
        self._last = -np.inf
        self._width = 0

    def update(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            pad = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self._width = len(text)
            self.stream.flush()
        elif force or now - self._last >= self.every:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last = now

    def line(self, text: str) -> None:
        """A permanent line (ends an updating line first)."""
        if not self.enabled:
            return
        if self.tty and self._width:
            self.stream.write("\n")
            self._width = 0
        self.stream.write(text + "\n")
        self.stream.flush()
