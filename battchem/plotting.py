"""Pictures: pyvista (offscreen, through Xvfb when there is no display) and matplotlib curves.

Fields are gathered to rank 0, which draws; other ranks return None.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_DISPLAY_STARTED = False


def plots_folder(outdir: Path, comm) -> Path:
    """``outdir/plots``, created by rank 0 before any rank writes to it."""
    from battchem.parallel import on_root

    folder = Path(outdir) / "plots"
    on_root(comm, folder.mkdir, exist_ok=True)
    return folder


def ensure_display() -> None:
    """Start a virtual X server once per process when VTK has no display to render into.

    Each process gets its own server on a free display number (``Xvfb -displayfd``): processes that
    draw at the same time (the rank-0s of a sweep's rank groups) must not share one, since a fixed
    number (pyvista's :99) lets one process's server die under the other's pictures."""
    global _DISPLAY_STARTED
    if _DISPLAY_STARTED or os.environ.get("DISPLAY"):
        return
    import atexit
    import subprocess

    import pyvista

    pyvista.OFF_SCREEN = True
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1200x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        raise RuntimeError("could not start Xvfb for the pictures (is the xvfb package installed?)")
    os.environ["DISPLAY"] = f":{number}"
    atexit.register(server.terminate)
    _DISPLAY_STARTED = True


def gather_grid(V, point_data: dict[str, np.ndarray]):
    """A pyvista UnstructuredGrid of the whole mesh of V on rank 0 (None on other ranks).

    ``point_data`` maps names to local dof arrays of V (scalar, or (n, bs) for vectors).
    """
    import dolfinx.plot

    comm = V.mesh.comm
    topology, cell_types, x = dolfinx.plot.vtk_mesh(V)
    n_local_points = x.shape[0]
    data = {k: np.asarray(v).reshape(n_local_points, -1) for k, v in point_data.items()}
    parts = comm.gather((topology, cell_types, x, data), root=0)
    if comm.rank != 0:
        return None
    import pyvista

    topo_all, types_all, x_all = [], [], []
    data_all: dict[str, list] = {k: [] for k in point_data}
    offset = 0
    for topo, types, xs, d in parts:
        topo = topo.copy()
        # VTK legacy cell array: [n, i0, ..., i_{n-1}, n, ...]; shift the point indices
        i = 0
        while i < len(topo):
            n = topo[i]
            topo[i + 1:i + 1 + n] += offset
            i += n + 1
        topo_all.append(topo)
        types_all.append(types)
        x_all.append(xs)
        for k in data_all:
            data_all[k].append(d[k])
        offset += xs.shape[0]
    grid = pyvista.UnstructuredGrid(np.concatenate(topo_all), np.concatenate(types_all),
                                    np.concatenate(x_all))
    for k, arrays in data_all.items():
        values = np.concatenate(arrays)
        grid.point_data[k] = values[:, 0] if values.shape[1] == 1 else values
    return grid


def mirror(grid, normals: Sequence[Sequence[float]], drop_original: bool = False):
    """Copies of ``grid`` reflected through the planes (through the origin) with ``normals``,
    building the whole body from a symmetric part; ``drop_original`` leaves a cut-away."""
    import pyvista

    pieces = [grid]
    for n in normals:
        pieces = pieces + [p.reflect(tuple(n), point=(0.0, 0.0, 0.0)) for p in pieces]
    if drop_original:
        pieces = pieces[1:]
    merged = pieces[0]
    for p in pieces[1:]:
        merged = merged.merge(p)
    return pyvista.wrap(merged)


def field_picture(grid, scalar: str, path: Path, *, title: str, bar_title: str, scale: float = 1.0,
                  cmap: str = "coolwarm", symmetric: bool = True, view: str = "iso",
                  show_edges: bool = False, window=(1200, 900)) -> Path:
    """Render ``grid`` coloured by point array ``scalar`` (values divided by ``scale``)."""
    import pyvista

    ensure_display()
    # merge the points duplicated across ranks and mirror copies, and draw the outer surface
    # only (linearised): otherwise coincident internal faces z-fight and speckle the shading
    g = grid.clean().extract_surface(nonlinear_subdivision=0)
    g.point_data[bar_title] = g.point_data[scalar] / scale
    values = g.point_data[bar_title]
    lim = float(np.nanmax(np.abs(values))) if values.size else 1.0
    clim = (-lim, lim) if symmetric else (float(np.nanmin(values)), float(np.nanmax(values)))
    plotter = pyvista.Plotter(off_screen=True, window_size=list(window))
    plotter.set_background("white")
    plotter.add_mesh(g, scalars=bar_title, cmap=cmap, clim=clim, show_edges=show_edges,
                     smooth_shading=False, ambient=0.45, diffuse=0.6, specular=0.0,
                     edge_color="#555555", line_width=0.3,
                     scalar_bar_args={"title": bar_title, "color": "black", "vertical": True,
                                      "position_x": 0.85, "position_y": 0.15, "height": 0.7,
                                      "title_font_size": 18, "label_font_size": 16, "fmt": "%.3g"})
    plotter.add_text(title, font_size=12, color="black")
    return _screenshot(plotter, path, view)


def _screenshot(plotter, path: Path, view: str) -> Path:
    """Write the plotter's picture to ``path`` seen along z (``view`` "xy") or obliquely, and close it."""
    if view == "xy":
        plotter.view_xy()
    else:
        plotter.view_isometric()
        plotter.camera.azimuth = 25
        plotter.camera.elevation = 15
    plotter.camera.zoom(1.1)
    path = Path(path)
    plotter.screenshot(str(path))
    plotter.close()
    return path


def crack_picture(grid, scalar: str, path: Path, *, level: float, title: str, window=(1200, 900)) -> Path:
    """A body with cracks inside it: the outer surface drawn translucent and the iso-surface
    ``scalar`` = ``level`` (e.g. damage d = 0.5, which encloses a smeared crack) opaque, so a crack
    that has not reached the surface is seen (a surface-coloured picture would show none). The
    title should name the level."""
    import pyvista

    ensure_display()
    body = grid.clean()
    plotter = pyvista.Plotter(off_screen=True, window_size=list(window))
    plotter.set_background("white")
    # translucent triangles are not depth-sorted: draw one layer (the faces towards the camera,
    # normals oriented outwards), unlit
    surface = body.extract_surface(nonlinear_subdivision=0).compute_normals(auto_orient_normals=True)
    plotter.add_mesh(surface, color="#9bb7d4", opacity=0.25, lighting=False, culling="back")
    crack = body.contour([level], scalars=scalar)
    if crack.n_points:
        plotter.add_mesh(crack, color="#b2182b", smooth_shading=True, ambient=0.3, diffuse=0.7)
    plotter.add_text(title, font_size=12, color="black")
    return _screenshot(plotter, path, "iso")


def curves(path: Path, x: np.ndarray, panels: Sequence[dict], *, xlabel: str, title: str = "",
           width: float = 7.0, panel_height: float = 2.6) -> Path:
    """Stacked matplotlib panels sharing x. Each panel: {"ylabel": str, "lines": [(y, label, style)]}
    with optional "reference" lines [(y_value, label)] and vertical "marks" [(x_value, label)] (an
    event, e.g. a crack initiating)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(panels), 1, figsize=(width, panel_height * len(panels)), sharex=True,
                             squeeze=False)
    for ax, panel in zip(axes[:, 0], panels):
        for line in panel["lines"]:
            y, label = line[0], line[1]
            style = line[2] if len(line) > 2 else {}
            ax.plot(x if "x" not in style else style.pop("x"), y, label=label, **style)
        for value, label in panel.get("reference", []):
            ax.axhline(value, color="0.4", ls=":", lw=1, label=label)
        for value, label in panel.get("marks", []):
            ax.axvline(value, color="C3", ls="--", lw=1, label=label)
        ax.set_ylabel(panel["ylabel"])
        ax.grid(alpha=0.3)
        if any(line[1] for line in panel["lines"]) or any(label for _, label in panel.get("marks", [])):
            ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel(xlabel)
    if title:
        axes[0, 0].set_title(title, fontsize=10)
    import warnings

    with warnings.catch_warnings():  # a crowded figure keeps its default margins: not a result issue
        warnings.simplefilter("ignore")
        fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
