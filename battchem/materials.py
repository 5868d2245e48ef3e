"""Named material parameter sets: every number with its unit, source and verification status.

Status tags follow ``reference/parameters.md``: ``V-code`` (read in a public input that cites the
primary source), ``V-abs`` (primary abstract), ``DERIVED`` (computed from verified inputs) and
``UNVERIFIED`` (not found in a primary source; never used as a test tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Physical constants (CODATA 2018, exact in SI since 2019)
FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)
T_REF = 298.15  # K


@dataclass(frozen=True)
class Value:
    """A parameter value with its unit, literature source and verification status."""

    value: float
    unit: str
    source: str
    status: str = "V-code"


@dataclass(frozen=True)
class MaterialSet:
    """A named, citable set of parameters."""

    name: str
    description: str
    values: dict[str, Value] = field(default_factory=dict)

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
        "NMC811 cathode (LG M50). Caution: E is the LiCoO2 value carried over by the PyBaMM set, "
        "not an NMC811 measurement (measured moduli are about 140-200 GPa).",
        {
            "E": Value(375e9, "Pa", _OKANE + "; LiCoO2 value, see caution", "V-code"),
            "nu": Value(0.2, "-", _OKANE),
            "Omega": Value(1.25e-5, "m^3/mol", _OKANE),
            "D": Value(4e-15, "m^2/s", _OKANE + " (Chen et al. 2020, J. Electrochem. Soc. 167, 080534)"),
            "c_max": Value(63104.0, "mol/m^3", _OKANE),
            "radius": Value(5.22e-6, "m", _OKANE),
        },
    ),
    "LiCoO2_Ai2020": MaterialSet(
        "LiCoO2_Ai2020",
        "LiCoO2 cathode; note the negative partial molar volume (contracts on lithiation).",
        {
            "E": Value(375e9, "Pa", _AI),
            "nu": Value(0.2, "-", _AI),
            "Omega": Value(-7.28e-7, "m^3/mol", _AI),
            "D": Value(5.387e-15, "m^2/s", _AI + " (Dualfoil)"),
            "c_max": Value(49943.0, "mol/m^3", _AI),
            "radius": Value(3e-6, "m", _AI),
        },
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


def intercalation_material(name: str) -> MaterialSet:
    """Look up a named intercalation-material set (ValueError listing the names otherwise)."""
    try:
        return INTERCALATION_MATERIALS[name]
    except KeyError:
        raise ValueError(f"unknown material '{name}' (allowed: {', '.join(INTERCALATION_MATERIALS)})") from None
