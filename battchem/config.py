"""YAML inputs -> validated pydantic models.

Every input is a YAML mapping with a top key ``problem:`` naming a registered problem. Values are
SI. ``--set a.b=value`` overrides are applied to the raw mapping before validation, so they are
checked like everything else. Any error becomes a :class:`ConfigError` whose message is one line
naming the key, the value and the allowed range, raised before any mesh is built.
"""

from __future__ import annotations

import math
import re
import typing
from pathlib import Path
from typing import Any, Literal

import annotated_types
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ConfigError(ValueError):
    """Invalid input: the message is a single line meant for the user."""


class Model(BaseModel):
    """Base of every input section: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def Q(default: Any, unit: str = "-", description: str = "", **constraints: Any) -> Any:
    """A field with a unit (shown by ``battchem show``) and optional bounds (gt, ge, lt, le)."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **constraints)


# --------------------------------------------------------------------------------------------
# Sections shared by all problems (machinery settings, no physics)


class SteppingConfig(Model):
    """Adaptive time (or load) stepping."""

    dt_initial: float = Q(1.0, "s", "first step", gt=0)
    dt_min: float = Q(1e-6, "s", "the run fails when a step below this does not converge", gt=0)
    dt_max: float = Q(60.0, "s", "largest step (accuracy control)", gt=0)
    growth: float = Q(1.5, "-", "step growth factor after an easy step", gt=1, le=10)
    cutback: float = Q(0.5, "-", "step reduction factor after a failed step", gt=0, lt=1)
    easy_iterations: int = Q(5, "-", "a step is easy when it needs at most this many iterations", ge=1)
    max_cutbacks: int = Q(10, "-", "consecutive cut-backs before the run stops as failed", ge=0)
    target_change: float | None = Q(None, "-", "largest relative change of the primary field per step "
                                    "(null: no change control)", gt=0)
    max_steps: int | None = Q(None, "-", "stop (status interrupted, checkpoint written) after this many "
                              "steps in this job; rerun with --restart to continue", ge=1)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.dt_min <= self.dt_initial:
            raise ValueError(f"dt_initial = {self.dt_initial:g} must be >= dt_min = {self.dt_min:g}")
        if not self.dt_min <= self.dt_max:
            raise ValueError(f"dt_max = {self.dt_max:g} must be >= dt_min = {self.dt_min:g}")
        return self


class OutputConfig(Model):
    """What is written besides series.csv and manifest.json."""

    fields_every: int = Q(10, "steps", "write VTX fields every N accepted steps (0: first and last "
                          "only); milestones are always written", ge=0)
    checkpoint_every: int = Q(50, "steps", "write a restart checkpoint every N steps (0: only at "
                              "the end and on SIGTERM)", ge=0)
    plots: bool = Q(True, "-", "write PNG plots at the end of the run")
    progress_every: float = Q(2.0, "s", "minimum wall time between progress lines when not a TTY", ge=0)


class SolverConfig(Model):
    """Linear-algebra choices; any PETSc option can be set per subproblem prefix."""

    linear_solver: Literal["auto", "direct", "iterative"] = Q(
        "auto", "-", "auto: MUMPS LU below direct_max_dofs global unknowns, AMG-preconditioned "
        "Krylov above")
    direct_max_dofs: int = Q(60000, "-", "largest problem solved directly with solver auto", ge=0)
    rtol: float = Q(1e-9, "-", "relative tolerance of Krylov solves", gt=0, lt=1)
    snes_rtol: float = Q(1e-9, "-", "relative tolerance of Newton solves", gt=0, lt=1)
    snes_atol: float = Q(1e-12, "-", "absolute tolerance of Newton solves", gt=0)
    snes_max_it: int = Q(25, "-", "Newton iteration limit per solve", ge=1)
    stagger_tol: float = Q(1e-7, "-", "tolerance of staggered (partitioned) iterations", gt=0, lt=1)
    stagger_max_it: int = Q(50, "-", "staggered iteration limit per step", ge=1)
    petsc_options: dict[str, dict[str, str | int | float | bool | None]] = Q(
        {}, "-", "extra PETSc options per subproblem, e.g. {transport: {ksp_type: gmres}}")


class BaseConfig(Model):
    """Keys common to every problem input."""

    problem: str = Q(..., "-", "registered problem name (battchem list)")
    title: str = Q("", "-", "free text carried to the outputs")
    stepping: SteppingConfig = SteppingConfig()
    output: OutputConfig = OutputConfig()
    solver: SolverConfig = SolverConfig()


# --------------------------------------------------------------------------------------------
# Raw YAML handling


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads 1e9 and 5.e-6 as floats (YAML 1.1 wants 1.0e+9)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


def parse_yaml(text: str):
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass


def load_yaml(path: str | Path) -> dict:
    """Read an input file; malformed or missing files are ConfigErrors."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"input file {path} does not exist")
    try:
        data = parse_yaml(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the input must be a YAML mapping with a 'problem:' key")
    return data


def apply_overrides(data: dict, overrides: list[str] | None) -> dict:
    """Apply ``key.path=value`` strings (values parsed as YAML) to a copy of ``data``."""
    import copy

    data = copy.deepcopy(data)
    for item in overrides or []:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected key.path=value")
        key, text = item.split("=", 1)
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise ConfigError(f"--set {item!r}: empty key")
        try:
            value = parse_yaml(text) if text.strip() else None
        except yaml.YAMLError:
            value = text
        node = data
        for p in parts[:-1]:
            child = node.get(p)
            if child is None:
                child = node[p] = {}
            if not isinstance(child, dict):
                raise ConfigError(f"--set {key}: '{p}' is not a section")
            node = child
        node[parts[-1]] = value
    return data


# --------------------------------------------------------------------------------------------
# Errors -> one line


def _field_info(model: type[BaseModel], loc: tuple):
    """The FieldInfo at ``loc`` inside ``model`` (None when the path leaves the models)."""
    info = None
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part) if isinstance(part, str) else None
        if info is None:
            return None
        current = info.annotation
        args = getattr(current, "__args__", ())
        for a in args:  # Optional[Model] / Model | None
            if isinstance(a, type) and issubclass(a, BaseModel):
                current = a
    return info


def allowed_range(info) -> str:
    """'0 <= x < 0.5' style text from a field's bounds ('' when unbounded)."""
    if info is None:
        return ""
    lo = hi = ""
    for m in info.metadata:
        if isinstance(m, annotated_types.Gt):
            lo = f"> {m.gt:g}"
        elif isinstance(m, annotated_types.Ge):
            lo = f">= {m.ge:g}"
        elif isinstance(m, annotated_types.Lt):
            hi = f"< {m.lt:g}"
        elif isinstance(m, annotated_types.Le):
            hi = f"<= {m.le:g}"
    parts = [p for p in (lo, hi) if p]
    unit = (info.json_schema_extra or {}).get("unit", "") if isinstance(info.json_schema_extra, dict) else ""
    text = " and ".join(parts)
    if text and unit and unit != "-":
        text += f" [{unit}]"
    return text


def format_validation_error(exc: ValidationError, model: type[BaseModel]) -> str:
    """First error of a pydantic ValidationError as one line naming key, value and allowed range."""
    errors = exc.errors()
    err = errors[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    key = ".".join(str(p) for p in loc) or "(input)"
    etype = err["type"]
    value = err.get("input")
    more = f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    if etype == "extra_forbidden":
        parent = _field_info(model, loc[:-1])
        target = parent.annotation if parent is not None else model
        allowed = ""
        if isinstance(target, type) and issubclass(target, BaseModel):
            allowed = f" (allowed keys: {', '.join(target.model_fields)})"
        elif len(loc) == 1:
            allowed = f" (allowed keys: {', '.join(model.model_fields)})"
        return f"unknown key '{key}'{allowed}{more}"
    if etype == "missing":
        return f"missing key '{key}'{more}"
    msg = err["msg"].removeprefix("Value error, ")
    rng = allowed_range(_field_info(model, loc))
    shown = _short(value)
    text = f"{key} = {shown}: {msg}" if loc else msg
    if rng and "range" not in msg:
        text += f" (allowed: {rng})"
    return text + more


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{...}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validate(model: type[BaseModel], data: dict) -> BaseModel:
    """Validate ``data`` against ``model``; failures raise a one-line ConfigError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, model)) from None


# --------------------------------------------------------------------------------------------
# Defaults as commented YAML (battchem show)


def commented_yaml(config: BaseModel, sources: dict[str, str] | None = None, indent: int = 0) -> str:
    """Dump ``config`` as YAML with each leaf commented with its unit, meaning and source."""
    sources = sources or {}
    lines: list[str] = []
    pad = "  " * indent
    for name, info in type(config).model_fields.items():
        value = getattr(config, name)
        if isinstance(value, BaseModel):
            if info.description:
                lines.append(f"{pad}# {info.description}")
            lines.append(f"{pad}{name}:")
            lines.append(commented_yaml(value, sources.get(name, {}) if isinstance(sources.get(name), dict) else {},
                                        indent + 1))
            continue
        optional_model = _optional_model(info.annotation) if value is None else None
        if optional_model is not None:  # an optional section: show its keys, commented out
            lines.append(f"{pad}{name}: null  # {info.description or 'optional section'}; to enable, "
                         f"replace null by (defaults shown):")
            body = commented_yaml(optional_model(), {}, indent + 1)
            lines.extend(f"{pad}#{line[len(pad):]}" if line.strip() else line for line in body.splitlines())
            continue
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            lines.append(f"{pad}{name}:")
            for item in value:
                dumped = yaml.safe_dump(item.model_dump(mode="json"), default_flow_style=True, width=1000).strip()
                lines.append(f"{pad}  - {dumped}")
            continue
        dumped = yaml.safe_dump(_plain(value), default_flow_style=True, width=1000).strip()
        dumped = dumped.removesuffix("\n...").removesuffix("...").strip()
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        unit = extra.get("unit", "")
        comment = []
        if unit and unit != "-":
            comment.append(f"[{unit}]")
        if info.description:
            comment.append(info.description)
        rng = allowed_range(info)
        if rng:
            comment.append(f"(allowed {rng.split(' [')[0]})")
        if name in sources and isinstance(sources[name], str):
            comment.append(f"source: {sources[name]}")
        lines.append(f"{pad}{name}: {dumped}" + (f"  # {' '.join(comment)}" if comment else ""))
    return "\n".join(lines)


def _optional_model(annotation) -> type[BaseModel] | None:
    """The model class M of an ``M | None`` field annotation, else None."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0]
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, float) and math.isinf(value):
        return ".inf"
    return value
