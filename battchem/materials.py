"""Named material parameter sets: every number with its unit, source and verification status.

Every value carries one of the status tags of :data:`STATUS_TAGS` (``battchem show material NAME``
prints them with their meaning). A set's ``cautions`` say where a value is known to be a stand-in
(e.g. a modulus carried over from another material); ``battchem materials`` lists every set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Physical constants (CODATA 2018, exact in SI since 2019)
FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)
T_REF = 298.15  # K

# What a value's status says about how it was checked (printed by ``battchem show material``).
STATUS_TAGS = {
    "V-code": "read in a public, citable parameter file (e.g. a PyBaMM set) that names the primary source",
    "V-abs": "checked against the abstract of the primary source",
    "DERIVED": "computed from verified values (the formula is in the source text)",
    "UNVERIFIED": "not found in a primary source: illustrative only, never a test tolerance",
}


@dataclass(frozen=True)
class Value:
    """A parameter value with its unit, literature source and verification status."""

    value: float
    unit: str
    source: str
    status: str = "V-code"


@dataclass(frozen=True)
class Fit:
    """A property as a function of a state variable (e.g. D(c)), written with arithmetic and
    powers only so that it evaluates on numbers, numpy arrays and UFL expressions alike."""

    function: object  # callable(x) -> value
    expression: str  # the fit as quoted from the source, for show and the manifest
    source: str
    status: str = "V-code"


@dataclass(frozen=True)
class MaterialSet:
    """A named, citable set of parameters (and optional fits of state-dependent properties);
    ``cautions`` name values that are known stand-ins or outside their usual range."""

    name: str
    description: str
    values: dict[str, Value] = field(default_factory=dict)
    fits: dict[str, Fit] = field(default_factory=dict)
    cautions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, float]:
        return {k: v.value for k, v in self.values.items()}

    def sources(self) -> dict[str, str]:
        return {k: f"{v.source} [{v.status}]" for k, v in self.values.items()}


_ZHANG = "Zhang, Shyy & Sastry 2007, J. Electrochem. Soc. 154, A910"
_OKANE = "O'Kane et al. 2022, PCCP 24, 7909 (PyBaMM OKane2022 set)"
_AI = "Ai et al. 2020, J. Electrochem. Soc. 167, 013512 (PyBaMM Ai2020 set)"

INTERCALATION_MATERIALS: dict[str, MaterialSet] = {
    "LiMn2O4_Zhang2007": MaterialSet(
        "LiMn2O4_Zhang2007",
        "Spinel LiMn2O4 cathode particle; the classic diffusion-induced-stress validation set.",
        {
            "E": Value(10e9, "Pa", _ZHANG),
            "nu": Value(0.3, "-", _ZHANG),
            "Omega": Value(3.497e-6, "m^3/mol", _ZHANG),
            "D": Value(7.08e-15, "m^2/s", _ZHANG),
            "c_max": Value(2.29e4, "mol/m^3", _ZHANG),
            "radius": Value(5e-6, "m", _ZHANG),
        },
    ),
    "NMC811_OKane2022": MaterialSet(
        "NMC811_OKane2022",
        "NMC811 cathode (LG M50).",
        {
            "E": Value(375e9, "Pa", _OKANE + "; LiCoO2 value, see caution", "V-code"),
            "nu": Value(0.2, "-", _OKANE),
            "Omega": Value(1.25e-5, "m^3/mol", _OKANE),
            "D": Value(4e-15, "m^2/s", _OKANE + " (Chen et al. 2020, J. Electrochem. Soc. 167, 080534)"),
            "c_max": Value(63104.0, "mol/m^3", _OKANE),
            "radius": Value(5.22e-6, "m", _OKANE),
        },
        cautions=("E is the LiCoO2 value carried over by the PyBaMM set, not an NMC811 measurement "
                  "(measured NMC moduli are about 140-200 GPa): stresses scale with E.",
                  "Omega c_max / 3 = 0.26: a swing over the whole 0 to c_max range is far beyond the small "
                  "strains of linear elasticity; keep the state-of-charge swing small."),
    ),
    "LiCoO2_Ai2020": MaterialSet(
        "LiCoO2_Ai2020",
        "LiCoO2 cathode.",
        {
            "E": Value(375e9, "Pa", _AI),
            "nu": Value(0.2, "-", _AI),
            "Omega": Value(-7.28e-7, "m^3/mol", _AI),
            "D": Value(5.387e-15, "m^2/s", _AI + " (Dualfoil)"),
            "c_max": Value(49943.0, "mol/m^3", _AI),
            "radius": Value(3e-6, "m", _AI),
        },
        cautions=("Omega is negative: the particle contracts on lithiation, so every stress changes sign "
                  "against the other sets (insertion puts the surface in hoop tension).",),
    ),
    "graphite_Ai2020": MaterialSet(
        "graphite_Ai2020",
        "Graphite anode particle.",
        {
            "E": Value(15e9, "Pa", _AI),
            "nu": Value(0.3, "-", _AI),
            "Omega": Value(3.1e-6, "m^3/mol", _AI),
            "D": Value(3.9e-14, "m^2/s", _AI),
            "c_max": Value(28700.0, "mol/m^3", _AI),
            "radius": Value(5e-6, "m", _AI),
        },
    ),
}


# --------------------------------------------------------------------------------------------
# Liquid electrolytes (binary, 1 M LiPF6 in carbonates) and Li metal

_NYMAN = "Nyman et al. 2008 (PyBaMM Chen2020 set, LiPF6 in EC:EMC 3:7)"
_CAPIGLIA = "Capiglia et al. 1999 / Dualfoil (PyBaMM Marquis2019 set, LiPF6 in EC:DMC)"
_XU = "Xu et al. 2019, J. Electrochem. Soc. 166, A3456 (PyBaMM Xu2019 set)"


def _nyman_diffusivity(c):
    x = c / 1000.0
    return 8.794e-11 * x**2 - 3.972e-10 * x + 4.862e-10


def _nyman_conductivity(c):
    x = c / 1000.0
    return 0.1297 * x**3 - 2.51 * x**1.5 + 3.329 * x


def _capiglia_diffusivity(c):
    import math

    x = c / 1000.0
    # exp as a power of e: evaluates on floats, numpy arrays and UFL expressions alike
    return 5.34e-10 * math.e ** (-0.65 * x)


def _capiglia_conductivity(c):
    x = c / 1000.0
    return 0.0911 + 1.9101 * x - 1.052 * x**2 + 0.1554 * x**3


ELECTROLYTES: dict[str, MaterialSet] = {
    "LiPF6_EC_EMC_Nyman2008": MaterialSet(
        "LiPF6_EC_EMC_Nyman2008",
        "1 M LiPF6 in EC:EMC 3:7 (LG M50 cell set); values at 1 M and 298.15 K, fits of D(c), kappa(c).",
        {"c0": Value(1000.0, "mol/m^3", _NYMAN),
         "D": Value(1.7694e-10, "m^2/s", _NYMAN + "; D(1 M) from its fit", "DERIVED"),
         "kappa": Value(0.9487, "S/m", _NYMAN + "; kappa(1 M) from its fit", "DERIVED"),
         "t_plus": Value(0.2594, "-", _NYMAN)},
        {"D": Fit(_nyman_diffusivity, "8.794e-11 x^2 - 3.972e-10 x + 4.862e-10, x = c/(1000 mol/m^3)", _NYMAN),
         "kappa": Fit(_nyman_conductivity, "0.1297 x^3 - 2.51 x^1.5 + 3.329 x, x = c/(1000 mol/m^3)", _NYMAN)},
    ),
    "LiPF6_EC_DMC_Capiglia1999": MaterialSet(
        "LiPF6_EC_DMC_Capiglia1999",
        "1 M LiPF6 in EC:DMC (Dualfoil); values at 1 M and 298.15 K (no temperature dependence here).",
        {"c0": Value(1000.0, "mol/m^3", _CAPIGLIA),
         "D": Value(2.788e-10, "m^2/s", _CAPIGLIA + "; D(1 M) from its fit", "DERIVED"),
         "kappa": Value(1.1046, "S/m", _CAPIGLIA + "; kappa(1 M) from its fit", "DERIVED"),
         "t_plus": Value(0.4, "-", _CAPIGLIA)},
        {"D": Fit(_capiglia_diffusivity, "5.34e-10 exp(-0.65 x), x = c/(1000 mol/m^3)", _CAPIGLIA),
         "kappa": Fit(_capiglia_conductivity, "0.0911 + 1.9101 x - 1.052 x^2 + 0.1554 x^3", _CAPIGLIA)},
    ),
}

LITHIUM_INTERFACES: dict[str, MaterialSet] = {
    "Li_LiPF6_Xu2019": MaterialSet(
        "Li_LiPF6_Xu2019",
        "Li metal against 1 M LiPF6 in carbonate: Butler-Volmer kinetics and the metal's molar volume.",
        {"exchange_current_density": Value(
            70.6, "A/m^2", _XU + ": i0 = 3.5e-8 F c_Li^0.7 c_e^0.3 at c_e = 1 M, c_Li = 1/V_m", "DERIVED"),
         "alpha_a": Value(0.5, "-", _XU),
         "alpha_c": Value(0.5, "-", _XU),
         "concentration_exponent": Value(0.3, "-", _XU + " (i0 ~ c_e^0.3)"),
         "molar_volume": Value(1.30e-5, "m^3/mol", "PyBaMM Xu2019/OKane2022 sets")},
    ),
}


# Every kind of named set, as ``battchem materials`` lists them.
MATERIAL_KINDS: dict[str, dict[str, MaterialSet]] = {
    "intercalation material": INTERCALATION_MATERIALS,
    "electrolyte": ELECTROLYTES,
    "Li interface": LITHIUM_INTERFACES,
}


def find_set(name: str) -> tuple[str, MaterialSet]:
    """(kind, set) of the named set of any kind; ValueError with the closest names otherwise."""
    for kind, sets in MATERIAL_KINDS.items():
        if name in sets:
            return kind, sets[name]
    import difflib

    names = [n for sets in MATERIAL_KINDS.values() for n in sets]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise ValueError(f"unknown material set '{name}' ({hint}allowed: {', '.join(names)})")


def describe(kind: str, mset: MaterialSet) -> str:
    """The set as text: description, cautions, every value with unit, status and source, the fits
    and the legend of the status tags (``battchem show material NAME``)."""
    lines = [f"{mset.name}: {kind}", f"  {mset.description}"]
    lines += [f"  Caution: {c}" for c in mset.cautions]
    rows = [(k, f"{v.value:.6g}", v.unit, v.status, v.source) for k, v in mset.values.items()]
    widths = [max(len(r[i]) for r in rows + [("key", "value", "unit", "status", "")]) for i in range(4)]
    lines.append("")
    heading = ("key", "value", "unit", "status")
    lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(heading, widths, strict=True)) + "  source")
    for row in rows:
        cells = "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True))
        lines.append(f"  {cells}  {row[4]}")
    if mset.fits:
        lines.append("")
        lines.append("  fits of state-dependent properties (the values above are these fits at the reference "
                     "state):")
        for k, fit in mset.fits.items():
            lines.append(f"  {k}(c) = {fit.expression}  [{fit.status}] {fit.source}")
    lines.append("")
    lines.append("  status tags:")
    width = max(map(len, STATUS_TAGS))
    lines += [f"    {tag:{width}s}  {meaning}" for tag, meaning in STATUS_TAGS.items()]
    return "\n".join(lines)


def intercalation_material(name: str) -> MaterialSet:
    """Look up a named intercalation-material set (ValueError listing the names otherwise)."""
    try:
        return INTERCALATION_MATERIALS[name]
    except KeyError:
        raise ValueError(f"unknown material '{name}' (allowed: {', '.join(INTERCALATION_MATERIALS)})") from None
