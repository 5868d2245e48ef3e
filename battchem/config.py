"""YAML inputs -> validated pydantic models.

Every input is a YAML mapping with a top key ``problem:`` naming a registered problem. Values are
SI. ``--set a.b=value`` overrides are applied to the raw mapping before validation, so they are
checked like everything else. Any error becomes a :class:`ConfigError` whose message is one line
naming the key, the value and the allowed range, raised before any mesh is built.
"""

from __future__ import annotations

import difflib
import math
import re
import typing
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, Literal

import annotated_types
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ConfigError(ValueError):
    """Invalid input: the message is a single line meant for the user."""


class Model(BaseModel):
    """Base of every input section: unknown keys are errors, numbers must be finite (``.inf`` and
    ``.nan`` are rejected), values are validated on assignment.

    A section given in part is merged onto the default of the field that holds it, so that
    ``stepping: {dt_max: 10}`` changes dt_max and keeps every other value of the problem's own
    default (which may differ from the class defaults of the section's model).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _merge_onto_section_defaults(cls, data):
        if not isinstance(data, dict):
            return data
        merged = None
        for name, info in cls.model_fields.items():
            given = data.get(name)
            if isinstance(given, dict) and isinstance(info.default, BaseModel):
                merged = dict(data) if merged is None else merged
                merged[name] = deep_merge(info.default.model_dump(), given)
        return data if merged is None else merged


def named_sets(config: BaseModel, prefix: str = "") -> dict[str, NamedSet]:
    """Every :class:`NamedSet` section of ``config`` by dotted key (for the manifest)."""
    out = {}
    for name in type(config).model_fields:
        value = getattr(config, name)
        if isinstance(value, NamedSet):
            out[prefix + name] = value
        elif isinstance(value, BaseModel):
            out.update(named_sets(value, f"{prefix}{name}."))
    return out


def deep_merge(base: dict, override: dict) -> dict:
    """``base`` updated by ``override``, recursively for mappings (lists are replaced)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class NamedSet(Model):
    """A parameter section backed by a named, citable set (``battchem.materials``).

    Every value left out (null) is taken from the set named by ``name``; a value given explicitly
    overrides the set. Changing only ``name`` therefore switches every value to the new set. Use
    :meth:`resolved` for the values a run uses, :meth:`overrides` for those that differ from the set.
    Subclasses set ``sets`` (name -> ``MaterialSet``) and declare their set-backed fields with
    default None.
    """

    sets: ClassVar[dict] = {}
    name: str

    @model_validator(mode="after")
    def _known_set(self):
        if self.name not in self.sets:
            kind = type(self).__name__.lower()
            raise ValueError(f"unknown {kind} set {self.name!r} (allowed: {', '.join(self.sets)})")
        return self

    def _set(self):
        return self.sets[self.name]

    def set_keys(self) -> list[str]:
        """Fields whose value comes from the set unless given."""
        values = self._set().values
        return [k for k in type(self).model_fields if k != "name" and k in values]

    def overrides(self) -> dict[str, float]:
        """Values given in the input for keys the set defines."""
        return {k: getattr(self, k) for k in self.set_keys() if getattr(self, k) is not None}

    def resolved(self) -> SimpleNamespace:
        """Every value the run uses: given values, else the set's, else the field's default."""
        values = self._set().values
        out = {}
        for key in type(self).model_fields:
            given = getattr(self, key)
            out[key] = values[key].value if given is None and key in values else given
        return SimpleNamespace(**out)

    def provenance(self) -> dict:
        """For the manifest: the set, each value with its unit and where it came from."""
        values = self._set().values
        resolved = vars(self.resolved())
        rows = {}
        for key in self.set_keys():
            v = values[key]
            given = getattr(self, key) is not None
            rows[key] = {"value": resolved[key], "unit": v.unit,
                         "source": "input (overrides the set)" if given else f"{v.source} [{v.status}]"}
        return {"set": self.name, "overrides": self.overrides(), "values": rows}

    def label(self) -> str:
        """The set's name and every overridden value, for titles: 'X (E = 1.2e+10 Pa)'."""
        over = self.overrides()
        if not over:
            return self.name
        values = self._set().values
        parts = [f"{k} = {v:.4g}" + (f" {values[k].unit}" if values[k].unit not in ("-", "") else "")
                 for k, v in over.items()]
        return f"{self.name} ({', '.join(parts)})"


def Q(default: Any, unit: str = "-", description: str = "", **constraints: Any) -> Any:
    """A field with a unit (shown by ``battchem show``) and optional bounds (gt, ge, lt, le)."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **constraints)


def implausible(key: str, value: float, low: float, high: float, unit: str, what: str,
                typical: float | None = None) -> str | None:
    """A warning text when ``value`` is valid but outside the plausible range [low, high] of ``what``
    (None inside it). When ``value`` times a power of 1e3 lands in the range (a unit-prefix slip,
    µm given as m), the text asks "did you mean" the one closest to ``typical`` (on a log scale)."""
    if low <= value <= high:
        return None
    text = f"{key} = {value:g} {unit} is outside the plausible range {low:g} to {high:g} {unit} for {what}"
    candidates = [value * 10.0**e for e in (-9, -6, -3, 3, 6, 9) if low <= value * 10.0**e <= high]
    if candidates:
        ref = typical if typical is not None else math.sqrt(low * high)
        best = min(candidates, key=lambda v: abs(math.log(v / ref)))
        text += f" (did you mean {best:g}? inputs are in SI units, {unit})"
    return text + "; running anyway"


# --------------------------------------------------------------------------------------------
# Sections shared by all problems (machinery settings, no physics)


# A gmsh mesh is generated on one rank: beyond this many cells (before parallel refinement) it takes
# hours and tens of GB, so such an input is refused before anything is built.
MAX_GMSH_CELLS = 5e7


def check_cell_count(estimate: float, keys: str, hint: str = "use coarser sizes") -> None:
    """Refuse an input whose gmsh mesh would have more than :data:`MAX_GMSH_CELLS` cells."""
    if not estimate <= MAX_GMSH_CELLS:  # also catches nan/inf
        raise ValueError(f"{keys} would give about {estimate:.2g} cells in gmsh (allowed: at most "
                         f"{MAX_GMSH_CELLS:.0e}; {hint})")


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
    checkpoint_interval: float = Q(600.0, "s", "also write one when this much wall time has passed since the "
                                   "last (0: off); bounds the work lost if a job is killed", ge=0)
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
    snes_atol: float = Q(1e-12, "-", "absolute tolerance of Newton solves whose residual is already "
                         "scaled or has no physical scale (else snes_rtol × that scale: docs/solvers.md)", gt=0)
    snes_max_it: int = Q(25, "-", "Newton iteration limit per solve", ge=1)
    stagger_tol: float = Q(1e-7, "-", "tolerance of staggered (partitioned) iterations", gt=0, lt=1)
    stagger_max_it: int = Q(50, "-", "staggered iteration limit per step", ge=1)
    petsc_options: dict[str, dict[str, str | int | float | bool | None]] = Q(
        {}, "-", "extra PETSc options per subproblem, e.g. {transport: {ksp_type: gmres}}")


class Criterion(Model):
    """When a case of a critical-value search counts as "failing" (exactly one of the keys)."""

    stopped: bool | None = Q(None, "-", "true: the problem ended the run early (any stop_reason)")
    stop_reason: str | None = Q(None, "-", "the run's stop_reason contains this text")
    column: str | None = Q(None, "-", "a series.csv column whose last value is compared (with above or below)")
    above: float | None = Q(None, "-", "with column: fails when the last value is above this")
    below: float | None = Q(None, "-", "with column: fails when the last value is below this")

    @model_validator(mode="after")
    def _one(self):
        modes = [self.stopped is not None, self.stop_reason is not None, self.column is not None]
        if sum(modes) != 1:
            raise ValueError("give exactly one of stopped, stop_reason or column")
        if self.column is not None and (self.above is None) == (self.below is None):
            raise ValueError("with column, give exactly one of above or below")
        return self


class Critical(Model):
    """Search, at every point of the grid, the smallest positive value of ``key`` whose run fails
    (the criterion holds), by geometric bracketing then bisection (``battchem.search``)."""

    key: str = Q(..., "-", "dotted input key searched (positive values)")
    start: float | str = Q(..., "-", "first value tried: a number or an expression of the input's keys")
    factor: float = Q(1.5, "-", "step of the bracketing phase", gt=1, le=100)
    ratio: float = Q(1.1, "-", "the search ends when hi/lo is at most this", gt=1, le=10)
    max_runs: int = Q(20, "-", "runs per grid point at most", ge=2, le=200)
    criterion: Criterion = Q(..., "-", "what failing means")


class SweepConfig(Model):
    """A parameter study, run by ``battchem sweep`` (ignored by ``battchem run``): the cases are the
    product of ``grid`` (each key with its list of values) with the zipped lists of ``zip``;
    ``derived`` keys are computed per case from expressions of the others (arithmetic, min, max,
    sqrt, exp, log, pi)."""

    grid: dict[str, list] = Q({}, "-", "key: [values]; every combination is a case")
    zip: dict[str, list] = Q({}, "-", "key: [values]; lists of equal length, taken together")
    derived: dict[str, str] = Q({}, "-", "key: expression of other keys, e.g. "
                                "'min(1, 5 * fracture.length_scale / geometry.radius)'")
    critical: Critical | None = Q(None, "-", "a critical-value search at every grid point")
    summary: list[str] = Q([], "-", "series columns (last value) and manifest results to tabulate")

    @model_validator(mode="after")
    def _shapes(self):
        lengths = {len(v) for v in self.zip.values()}
        if len(lengths) > 1:
            raise ValueError(f"zip: the lists must have equal lengths (got {sorted(lengths)})")
        for key, values in {**self.grid, **self.zip}.items():
            if not values:
                raise ValueError(f"sweep key {key}: give at least one value")
        return self


class BaseConfig(Model):
    """Keys common to every problem input."""

    problem: str = Q(..., "-", "registered problem name (battchem list)")
    title: str = Q("", "-", "free text carried to the outputs")
    stepping: SteppingConfig = SteppingConfig()
    output: OutputConfig = OutputConfig()
    solver: SolverConfig = SolverConfig()
    sweep: SweepConfig | None = Q(None, "-", "a parameter study for battchem sweep (battchem run ignores it)")


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
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (byte {exc.start}); give a YAML input") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the input must be a YAML mapping with a 'problem:' key")
    return data


def apply_overrides(data: dict, overrides: list[str] | None, defaults: dict | None = None) -> dict:
    """Apply ``key.path=value`` strings (values parsed as YAML) to a copy of ``data``.

    A path may index lists (``operation.segments.0.c_rate=2``); a list that the input leaves out is
    first copied from ``defaults`` (the problem's default input as a mapping), so that one item of
    a default list can be changed.
    """
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
        node, default = data, defaults
        for depth, p in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[:depth]) or "the input"
            if isinstance(node, list):
                if not p.lstrip("-").isdigit():
                    raise ConfigError(f"--set {key}: {where} is a list; expected an index, got {p!r}")
                index = int(p)
                if not -len(node) <= index < len(node):
                    raise ConfigError(f"--set {key}: index {index} out of range ({where} has {len(node)} items)")
                default = default[index] if isinstance(default, list) and -len(default) <= index < len(default) \
                    else None
                if last:
                    node[index] = value
                else:
                    node = node[index]
                continue
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {where} is not a section")
            default = default.get(p) if isinstance(default, dict) else None
            if last:
                node[p] = value
                break
            child = node.get(p)
            if child is None:
                child = node[p] = copy.deepcopy(default) if isinstance(default, list) else {}
            node = child
    return data


# --------------------------------------------------------------------------------------------
# Errors -> one line


def _model_at(model: type[BaseModel], loc: tuple):
    """The model class that holds the key at ``loc`` (list indices step into the item model)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if _is_model(current) else None
        if info is None:
            return None
        current = _inner_model(info.annotation)
        if current is None:
            return None
    return current


def _is_model(obj) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _inner_model(annotation):
    """M for annotations M, M | None, list[M] (None when no model is inside)."""
    if _is_model(annotation):
        return annotation
    for a in typing.get_args(annotation):
        inner = _inner_model(a)
        if inner is not None:
            return inner
    return None


def _field_info(model: type[BaseModel], loc: tuple):
    """The FieldInfo at ``loc`` inside ``model`` (None when the path leaves the models)."""
    keys = [p for p in loc if not isinstance(p, int)]
    if not keys:
        return None
    parent = _model_at(model, tuple(loc[:max(i for i, p in enumerate(loc) if not isinstance(p, int))]))
    return parent.model_fields.get(keys[-1]) if _is_model(parent) else None


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
        target = _model_at(model, loc[:-1])
        allowed = ""
        if _is_model(target):
            names = list(target.model_fields)
            close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            allowed = f" ({hint}allowed keys: {', '.join(names)})"
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
    """Dump ``config`` as YAML with each leaf commented with its unit, meaning, range and source.

    Values a named set supplies (:class:`NamedSet` fields left null) are printed commented out with
    the set's value and source, so that an edited copy that changes only the set's name takes every
    value from the new set. Optional sections and list items show their keys and defaults.
    """
    sources = sources or {}
    lines: list[str] = []
    pad = "  " * indent
    set_values = config._set().values if isinstance(config, NamedSet) else {}
    for name, info in type(config).model_fields.items():
        value = getattr(config, name)
        if isinstance(value, BaseModel):
            if info.description:
                lines.append(f"{pad}# {info.description}")
            lines.append(f"{pad}{name}:")
            lines.append(commented_yaml(value, sources.get(name, {}) if isinstance(sources.get(name), dict) else {},
                                        indent + 1))
            continue
        if value is None and name in set_values:  # supplied by the named set: commented out
            v = set_values[name]
            text = _leaf(name, v.value, info, f"from set {config.name}: {v.source} [{v.status}]; "
                         "uncomment to override")
            lines.append(f"{pad}# {text}")
            continue
        optional_model = _optional_model(info.annotation) if value is None else None
        if optional_model is not None:  # an optional section: show its keys, commented out
            lines.append(f"{pad}{name}: null  # {info.description or 'optional section'}; to enable, "
                         f"replace null by (defaults shown):")
            try:
                body = commented_yaml(optional_model(), {}, indent + 1)
            except ValidationError:  # a section with required keys: list them with their meaning
                body = _item_keys(optional_model, indent + 1)
            lines.extend(_commented_out(body, pad))
            continue
        item_model = _list_item_model(info.annotation)
        if item_model is not None:
            lines.append(f"{pad}# {name}: {info.description or 'list'}; keys of each item:")
            lines.extend(_commented_out(_item_keys(item_model, indent + 1), pad))
            if not value:
                lines.append(f"{pad}{name}: []")
                continue
            lines.append(f"{pad}{name}:")
            for item in value:
                dumped = yaml.safe_dump(item.model_dump(mode="json", exclude_defaults=True),
                                        default_flow_style=True, width=1000).strip()
                lines.append(f"{pad}  - {dumped}")
            continue
        source = sources.get(name) if isinstance(sources.get(name), str) else ""
        lines.append(pad + _leaf(name, value, info, f"source: {source}" if source else ""))
    return "\n".join(lines)


def _leaf(name: str, value: Any, info, note: str = "") -> str:
    """'name: value  # [unit] description (allowed range) note'."""
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
    if note:
        comment.append(note)
    return f"{name}: {dumped}" + (f"  # {' '.join(comment)}" if comment else "")


def _item_keys(model: type[BaseModel], indent: int) -> str:
    """Each key of a list item model with its default, unit and meaning (for ``show``)."""
    pad = "  " * indent
    rows = []
    for name, info in model.model_fields.items():
        default = None if info.is_required() else info.default
        rows.append(pad + _leaf(name, default, info))
    return "\n".join(rows)


def _commented_out(block: str, pad: str) -> list[str]:
    return [f"{pad}#{line[len(pad):]}" if line.strip() else line for line in block.splitlines()]


def _list_item_model(annotation) -> type[BaseModel] | None:
    """M of a ``list[M]`` annotation with M a model, else None."""
    if typing.get_origin(annotation) is list:
        args = typing.get_args(annotation)
        if args and _is_model(args[0]):
            return args[0]
    return None


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
