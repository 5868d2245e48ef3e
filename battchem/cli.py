"""Command line: ``battchem run | list | materials | show | check | plot``.

Exit codes: 0 completed (also a problem's physical early stop, e.g. Sand's time reached), 1 run
failed, 2 invalid input, output directory or usage, 3 interrupted (SIGINT/SIGTERM or
stepping.max_steps; a checkpoint was written, rerun with --restart).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_FAILED, EXIT_INPUT, EXIT_INTERRUPTED = 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="battchem", description="Battery electro-chemo-mechanics with FEniCSx.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action=_Version, help="print the versions of battchem and its stack")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run an input file")
    r.add_argument("input", nargs="?", help="YAML input (with --restart: default OUTDIR/config.yaml)")
    r.add_argument("-o", "--outdir", help="output directory (default: out/<input name>)")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override an input value, e.g. --set geometry.refine=1 or "
                        "operation.segments.0.c_rate=2 (repeatable)")
    r.add_argument("--restart", action="store_true", help="continue the run in OUTDIR from its checkpoint")
    r.add_argument("--force", action="store_true",
                   help="with --restart: accept changes to physics or mesh keys of the saved input")
    r.add_argument("--overwrite", action="store_true",
                   help="replace an earlier run in OUTDIR (only the files battchem wrote are deleted)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    sw = sub.add_parser("sweep", help="run the sweep block of an input: a parameter study on MPI rank groups")
    sw.add_argument("input", help="YAML input with a sweep: block")
    sw.add_argument("-o", "--outdir", help="study directory (default: out/<input name>_sweep)")
    sw.add_argument("--groups", type=int, default=1, help="rank groups running cases side by side (default 1)")
    sw.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    sw.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    sub.add_parser("list", help="list the problems")
    sub.add_parser("materials", help="list the named material sets of every kind")

    s = sub.add_parser("show", help="print the full default input of a problem, with units and sources; "
                       "'show material NAME': every value of a named set with unit, source and status")
    s.add_argument("problem", help="a problem (battchem list), or 'material'")
    s.add_argument("name", nargs="?", help="with 'material': the set's name (battchem materials)")

    c = sub.add_parser("check", help="validate an input without running it")
    c.add_argument("input")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    c.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    pl = sub.add_parser("plot", help="(re)draw the pictures of an output directory; with --field or --time: "
                        "one field at one written time")
    pl.add_argument("outdir")
    pl.add_argument("--field", help="a field of fields/ (default: the first written), e.g. hoop_stress")
    pl.add_argument("--time", type=float, help="the written time nearest this one (default: the last)")
    pl.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


class _Version(argparse.Action):
    """``--version``: battchem's version and the stack's (imported only when asked)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from battchem.driver import versions

        v = versions()
        print(f"battchem {v['battchem']} (dolfinx {v['dolfinx']}, PETSc {v['petsc']}, Python {v['python']}; "
              f"{v['mpi'].split(',')[0]})")
        parser.exit()


def main(argv: list[str] | None = None) -> int:
    """The ``battchem`` command (``argv`` None: the process's own arguments, as the console script
    and ``python -m battchem.cli`` call it; then a non-zero exit leaves MPI on all ranks together)."""
    code = _main(argv)
    if argv is None and code:
        _leave_mpi_together()
    return code


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.debug:
        os.environ["BATTCHEM_DEBUG"] = "1"
    from battchem.config import ConfigError
    from battchem.output import OutputError

    try:
        return _dispatch(args)
    except ConfigError as exc:
        _error(f"input error: {exc}")
        if args.debug:
            raise
        return EXIT_INPUT
    except OutputError as exc:
        _error(f"output directory: {exc}")
        if args.debug:
            raise
        return EXIT_INPUT
    except Exception as exc:
        if args.debug:
            raise
        _error(f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        return EXIT_FAILED


def _error(message: str) -> None:
    from mpi4py import MPI

    if MPI.COMM_WORLD.rank == 0:
        print(f"battchem: {message}", file=sys.stderr, flush=True)


def _dispatch(args) -> int:
    if args.command == "list":
        return _list()
    if args.command == "materials":
        return _materials()
    if args.command == "show":
        if args.problem == "material":
            return _show_material(args.name)
        if args.name is not None:
            from battchem.config import ConfigError

            raise ConfigError(f"show {args.problem} {args.name}: a second name goes with 'show material' "
                              "only")
        return _show(args.problem)
    if args.command == "check":
        return _check(args.input, args.overrides)
    if args.command == "plot":
        return _plot(args.outdir, args.field, args.time)
    if args.command == "sweep":
        return _sweep(args)
    return _run(args)


def _list() -> int:
    from battchem import problems

    for name in problems.names():
        print(f"{name:20s} {problems.get(name).summary}")
    return 0


def _set_users() -> dict[int, list[str]]:
    """id(kind of named set) -> 'problem key' of the inputs that take a set of that kind: the name of
    a NamedSet section, or a key whose allowed values are exactly the names of one kind."""
    from battchem import problems
    from battchem.config import named_sets
    from battchem.materials import MATERIAL_KINDS

    by_names = {frozenset(sets): id(sets) for sets in MATERIAL_KINDS.values()}
    users: dict[int, list[str]] = {}

    def add(kind: int, entry: str) -> None:
        if entry not in users.setdefault(kind, []):
            users[kind].append(entry)

    for name in problems.names():
        for config in problems.get(name).default_configs():
            for key, section in named_sets(config).items():
                add(id(type(section).sets), f"{name} {key}.name")
            for key, allowed in _literal_keys(config):
                if frozenset(allowed) in by_names:
                    add(by_names[frozenset(allowed)], f"{name} {key}")
    return users


def _literal_keys(model, prefix: str = ""):
    """(dotted key, allowed values) of every Literal-typed key of a config, recursively."""
    import typing

    from pydantic import BaseModel

    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _literal_keys(value, f"{prefix}{name}.")
            continue
        args = [info.annotation, *typing.get_args(info.annotation)]
        for a in args:
            if typing.get_origin(a) is typing.Literal:
                yield prefix + name, typing.get_args(a)


def _materials() -> int:
    from battchem.materials import MATERIAL_KINDS

    users = _set_users()
    width = max(len(n) for sets in MATERIAL_KINDS.values() for n in sets)
    for kind, sets in MATERIAL_KINDS.items():
        where = ", ".join(users.get(id(sets), [])) or "no problem yet"
        print(f"# {kind} (input: {where})")
        for name, mset in sets.items():
            n = len(mset.cautions)
            caution = f" [{n} caution{'s' if n > 1 else ''}]" if n else ""
            print(f"{name:{width}s}  {mset.description}{caution}")
    print("# battchem show material NAME: every value with its unit, source and verification status")
    return 0


def _show_material(name: str | None) -> int:
    from battchem.config import ConfigError
    from battchem.materials import MATERIAL_KINDS, describe, find_set

    if name is None:
        raise ConfigError("show material NAME: give a set name (battchem materials lists them)")
    try:
        kind, mset = find_set(name)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    print(describe(kind, mset))
    where = _set_users().get(id(MATERIAL_KINDS[kind]), [])
    if where:
        beside = "; a value given beside the name overrides the set's" if all(
            w.endswith(".name") for w in where) else ""
        print(f"\n  use: {' or '.join(where)} = {name}{beside}")
    return 0


def _show(name: str) -> int:
    from battchem import problems
    from battchem.config import ConfigError, commented_yaml

    try:
        cls = problems.get(name)
    except KeyError as exc:
        raise ConfigError(exc.args[0]) from None
    configs = cls.default_configs()
    for i, config in enumerate(configs):
        if i:
            print("---")
        model = f", model {config.model}" if hasattr(config, "model") else ""
        print(f"# Default input of battchem problem '{name}'{model}: {cls.summary}.")
        print("# SI units. Comments give [unit], meaning, allowed range and the source of material values.")
        print(commented_yaml(config, cls.sources(config)))
    return 0


def _check(path: str, overrides: list[str]) -> int:
    from battchem.diagnostics import WarningLog
    from battchem.driver import load_config

    with WarningLog() as log:
        config = load_config(path, overrides)
    note = f" ({len(log.messages)} warning{'s' if len(log.messages) > 1 else ''})" if log.messages else ""
    print(f"{path}: valid {config.problem} input{note}")
    return 0


def _run(args) -> int:
    from mpi4py import MPI

    from battchem.driver import run

    if args.input is None and not (args.restart and args.outdir):
        from battchem.config import ConfigError

        raise ConfigError("give an input file (only --restart -o OUTDIR can do without one)")
    if args.force and not args.restart:
        from battchem.config import ConfigError

        raise ConfigError("--force applies to --restart only")
    result = run(args.input, args.outdir, args.overrides, restart=args.restart, force=args.force,
                 overwrite=args.overwrite, quiet=args.quiet)
    if result.status == "failed":
        _error(f"run failed: {result.message} (outputs so far kept in {result.outdir})")
        return EXIT_FAILED
    if result.status == "interrupted":
        _error(f"run interrupted: {result.message}")
        return EXIT_INTERRUPTED
    if MPI.COMM_WORLD.rank == 0 and result.manifest.get("plots") and not args.quiet:
        print("pictures: " + ", ".join(str(result.outdir / p) for p in result.manifest["plots"]))
    return 0


def _sweep(args) -> int:
    from mpi4py import MPI

    from battchem.diagnostics import WarningLog
    from battchem.study import sweep

    with WarningLog():
        result = sweep(args.input, args.outdir, args.overrides, groups=args.groups)
    if MPI.COMM_WORLD.rank == 0:
        failed = sum(1 for r in result.rows if r.get("status") == "failed")
        print(f"{result.status}: {len(result.rows)} runs ({failed} failed) in {result.outdir}; "
              f"table {result.outdir / 'sweep.csv'}")
    return EXIT_INTERRUPTED if result.status == "interrupted" else 0


def _plot(outdir: str, field: str | None, time: float | None) -> int:
    from mpi4py import MPI

    from battchem.config import ConfigError
    from battchem.results import load

    try:
        result = load(outdir)
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from None
    if field is not None and field not in result.fields:
        raise ConfigError(f"--field {field}: no such field in {Path(outdir) / 'fields'} (fields: "
                          f"{', '.join(result.fields) or 'none written'})")
    paths = result.plot(field, time)
    if MPI.COMM_WORLD.rank == 0:
        for p in paths:
            print(p)
    return 0


def _leave_mpi_together() -> None:
    """Before a non-zero exit under mpirun: finalise PETSc and MPI on every rank at the same point.
    Open MPI ends the whole job when the first rank exits with a non-zero code, killing a slower
    rank while it finalises (PMIx errors); finalised ranks can be killed harmlessly."""
    from mpi4py import MPI

    if not MPI.Is_initialized() or MPI.Is_finalized():
        return
    MPI.COMM_WORLD.Barrier()
    if "petsc4py.PETSc" in sys.modules:  # PETSc's own exit handler would call MPI after Finalize
        import gc

        from petsc4py import PETSc

        gc.collect()
        PETSc._finalize()
    MPI.Finalize()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
