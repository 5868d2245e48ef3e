"""battchem: electro-chemo-mechanics of battery materials with FEniCSx.

    import battchem
    result = battchem.run("problems/particle_sphere_1d.yaml", outdir="out/demo")
    result.series["hoop_surface_max"], result.units["hoop_surface_max"]
    result = battchem.load("out/demo")               # a finished (or running) run
    result.at("hoop_stress", [[5e-6, 0, 0]], t=600)  # fields at the written times

User-defined outputs without editing battchem: ``battchem.Probe``, ``battchem.LineProfile`` and
``battchem.Quantity`` (:mod:`battchem.exports`), given to ``run(..., exports=[...])``.
"""

__version__ = "0.1.0"


def run(config_or_path, outdir=None, overrides=None, **kwargs):
    """Run an input (YAML path, mapping or config) and return a :class:`battchem.results.Result`.

    ``overrides`` are ``"key.path=value"`` strings, as ``battchem run --set``. Keyword arguments
    go to :func:`battchem.driver.run` (``comm``, ``restart``, ``force``, ``overwrite``, ``quiet``,
    ``observer``, ``exports``).
    """
    from battchem.driver import run as _run

    return _run(config_or_path, outdir, overrides, **kwargs)


def sweep(config_or_path, outdir=None, overrides=None, **kwargs):
    """Run the ``sweep:`` block of an input (see :mod:`battchem.study`); ``groups`` rank groups."""
    from battchem.study import sweep as _sweep

    return _sweep(config_or_path, outdir, overrides, **kwargs)


def load(outdir):
    """The :class:`battchem.results.Result` of the run in ``outdir``."""
    from battchem.results import load as _load

    return _load(outdir)


def __getattr__(name):  # the exports, imported when first used (they import dolfinx)
    if name in ("Probe", "LineProfile", "Quantity"):
        from battchem import exports

        return getattr(exports, name)
    raise AttributeError(f"module 'battchem' has no attribute {name!r}")


__all__ = ["run", "sweep", "load", "Probe", "LineProfile", "Quantity", "__version__"]
