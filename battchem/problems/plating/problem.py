"""plating: Li plating and stripping (docs/plating.md). One problem, several models chosen by the
input's ``model`` key; each model is its own Problem subclass in its own module:

- ``cell_1d`` (:mod:`battchem.problems.plating.cell`): Li | binary electrolyte | Li with sharp
  interfaces, Butler–Volmer at both electrodes, Sand's time;
- ``phase_field`` (:mod:`battchem.problems.plating.phase_field`): phase-field electrodeposition in
  2-D and 3-D with stress-coupled kinetics.

``Plating(config, comm)`` returns the model's problem object, so the driver needs nothing special.
"""

from __future__ import annotations

from pathlib import Path

from battchem.config import BaseConfig, ConfigError
from battchem.problems.base import Problem, register
from battchem.problems.plating.inputs import Cell1DConfig, PhaseFieldConfig


@register
class Plating(Problem):
    """Li plating and stripping: the model named by the input's ``model`` key."""

    name = "plating"
    summary = ("Li plating/stripping: 1-D cell with Butler-Volmer kinetics and Sand's time; phase-field "
               "electrodeposition with stress-coupled kinetics")
    Config = Cell1DConfig

    @classmethod
    def models(cls) -> dict[str, tuple[type[BaseConfig], type[Problem]]]:
        """model name -> (input model, problem class)."""
        from battchem.problems.plating.cell import Cell1D
        from battchem.problems.plating.phase_field import PhaseFieldPlating

        return {"cell_1d": (Cell1DConfig, Cell1D), "phase_field": (PhaseFieldConfig, PhaseFieldPlating)}

    @classmethod
    def config_class(cls, data: dict) -> type[BaseConfig]:
        model = data.get("model", "cell_1d") if isinstance(data, dict) else "cell_1d"
        models = cls.models()
        if model not in models:
            raise ConfigError(f"model = {model!r}: unknown plating model (allowed: {', '.join(models)})")
        return models[model][0]

    @classmethod
    def default_configs(cls) -> list[BaseConfig]:
        return [config(problem=cls.name) for config, _ in cls.models().values()]

    @classmethod
    def study_plots(cls, config, rows, critical, outdir):
        """phase_field: deposits.png, the final deposit of every case side by side."""
        if config.model != "phase_field":
            return []
        from battchem.problems.plating import plots

        return plots.deposit_montage(config, rows, Path(outdir))

    def __new__(cls, config=None, comm=None):
        if cls is Plating and config is not None:
            return super().__new__(cls.models()[config.model][1])
        return super().__new__(cls)
