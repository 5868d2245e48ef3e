"""void_growth: voids at the Li / solid-electrolyte interface during stripping (PHYSICS.md §3).
One problem, several models chosen by the input's ``model`` key, each its own Problem subclass:

- ``vacancy_1d`` (:mod:`battchem.problems.void_growth.vacancy`): vacancy-limited stripping of a
  1-D Li electrode; the run ends when the interface is depleted (contact lost).

``VoidGrowth(config, comm)`` returns the model's problem object.
"""

from __future__ import annotations

from battchem.config import BaseConfig, ConfigError
from battchem.problems.base import Problem, register
from battchem.problems.void_growth.inputs import Vacancy1DConfig


@register
class VoidGrowth(Problem):
    """Void growth during stripping: the model named by the input's ``model`` key."""

    name = "void_growth"
    summary = "voids at the Li/solid-electrolyte interface: vacancy-limited stripping (1-D)"
    Config = Vacancy1DConfig

    @classmethod
    def models(cls) -> dict[str, tuple[type[BaseConfig], type[Problem]]]:
        from battchem.problems.void_growth.vacancy import Vacancy1D

        return {"vacancy_1d": (Vacancy1DConfig, Vacancy1D)}

    @classmethod
    def config_class(cls, data: dict) -> type[BaseConfig]:
        model = data.get("model", "vacancy_1d") if isinstance(data, dict) else "vacancy_1d"
        models = cls.models()
        if model not in models:
            raise ConfigError(f"model = {model!r}: unknown void_growth model (allowed: {', '.join(models)})")
        return models[model][0]

    @classmethod
    def default_configs(cls) -> list[BaseConfig]:
        return [config(problem=cls.name) for config, _ in cls.models().values()]

    def __new__(cls, config=None, comm=None):
        if cls is VoidGrowth and config is not None:
            return super().__new__(cls.models()[config.model][1])
        return super().__new__(cls)
