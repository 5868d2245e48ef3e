"""battchem: electro-chemo-mechanics of battery materials with FEniCSx.

    import battchem
    result = battchem.run("problems/particle_sphere_1d.yaml", outdir="out/demo")
    result.series["hoop_surface_max"]
"""

__version__ = "0.1.0"


def run(config_or_path, outdir=None, overrides=None, **kwargs):
    """Run an input (YAML path, mapping or config) and return a :class:`battchem.driver.Result`.

    ``overrides`` are ``"key.path=value"`` strings, as ``battchem run --set``. Keyword arguments
    go to :func:`battchem.driver.run` (``comm``, ``restart``, ``quiet``, ``observer``).
    """
    from battchem.driver import run as _run

    return _run(config_or_path, outdir, overrides, **kwargs)


def sweep(config_or_path, outdir=None, overrides=None, **kwargs):
    """Run the ``sweep:`` block of an input (see :mod:`battchem.study`); ``groups`` rank groups."""
    from battchem.study import sweep as _sweep

    return _sweep(config_or_path, outdir, overrides, **kwargs)


__all__ = ["run", "sweep", "__version__"]
