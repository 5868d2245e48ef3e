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
    "V-cite": "quoted exactly from the full text of a paper that cites the primary source",
    "V-review": "taken from a review article",
    "V-partial": "read in descendant code that does not cite the value's source",
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


# Li metal self-diffusion (vacancy transport) and site density: reference/plating-voids.md §3

_ROY = ("Messer & Noack 1975 (NMR), as used by Roy, Fleck & Deshpande 2021, Extreme Mech. Lett. 46, "
        "101307, §4")
_JI = ("5.6e-11 cm^2/s of the vacancy-limited stripping capacity analysis (Ji et al. 2026 Suppl. Table 3, "
       "read in a public audit script); attributed to Krauskopf et al. 2019, ACS AMI 11, 14463")

LITHIUM_METALS: dict[str, MaterialSet] = {
    "Li_MesserNoack1975": MaterialSet(
        "Li_MesserNoack1975",
        "Li metal at 300 K: self-diffusivity from NMR (quoted by Roy et al. 2021) and the site density used "
        "in phase-field and vacancy models.",
        {"D": Value(8e-15, "m^2/s", _ROY, "V-cite"),
         "c0": Value(7.64e4, "mol/m^3", "Li site density 1/V_m (mzl13/Lithium li.c_s; parameters.md §2c)",
                     "V-code")},
    ),
    "Li_Krauskopf2019": MaterialSet(
        "Li_Krauskopf2019",
        "Li metal: the self-diffusivity behind the vacancy-limited stripping capacity 2.39e5 A^2 s m^-4.",
        {"D": Value(5.6e-15, "m^2/s", _JI, "UNVERIFIED"),
         "c0": Value(7.64e4, "mol/m^3", "Li site density (same script: c0_mol_m3 = 7.64e4)", "V-code")},
        cautions=("D: its primary origin and the attribution to Krauskopf 2019 are unverified.",),
    ),
}


def intercalation_material(name: str) -> MaterialSet:
    """Look up a named intercalation-material set (ValueError listing the names otherwise)."""
    try:
        return INTERCALATION_MATERIALS[name]
    except KeyError:
        raise ValueError(f"unknown material '{name}' (allowed: {', '.join(INTERCALATION_MATERIALS)})") from None


# --------------------------------------------------------------------------------------------
# Li metal creep and the Li | solid-electrolyte interface: reference/parameters.md §2,
# reference/plating-voids.md §2, §4, §5a. One creep set per input: the two differ about 23x in rate.
#
# Every creep set is written in one form, ε̇_e = ε̇_ref (σ_e/σ0)^n exp(−(Q/R)(1/T − 1/T_ref)), i.e.
# Norton's ε̇0 (σ_e/σ0)^n e^(−Q/RT) with ε̇0 = ε̇_ref e^(Q/RT_ref).

_ROY2021 = ("Roy, Fleck & Deshpande 2021, Extreme Mech. Lett. 46, 101307, §3 (eq. 3.1; refs LePage 2019, "
            "Masias 2019)")
_ANAND_LEPAGE_STEADY = ("Anand-type fit to LePage et al. 2019 (ecmLab/continuum "
                        "benchmark1_metalCreep/R_Run.i @40d5159: pre_factor 4.25e4, activation_energy 37, "
                        "rate_exponent 0.15, saturation_resistance 2.0, saturation_exponent 0.05)")

LITHIUM_CREEP: dict[str, MaterialSet] = {
    "Li_Roy2021": MaterialSet(
        "Li_Roy2021",
        "Power-law creep of Li at room temperature as used by Roy, Fleck & Deshpande 2021 (sigma0 = 1 MPa, "
        "rate 0.01 1/s, m = 5). The temperature dependence is not part of their set: Q is the LePage-fitted "
        "activation energy of the Anand set.",
        {"strain_rate": Value(0.01, "1/s", _ROY2021 + ": 'σ0 = 1 MPa and ε̇0 = 0.01 s⁻¹ and m ≈ 5'",
                              "V-cite"),
         "reference_stress": Value(1e6, "Pa", _ROY2021, "V-cite"),
         "exponent": Value(5.0, "-", _ROY2021 + " (m ≈ 5)", "V-cite"),
         "activation_energy": Value(37e3, "J/mol", _ANAND_LEPAGE_STEADY + "; not Roy's (they give none)",
                                    "V-code"),
         "reference_temperature": Value(298.15, "K", _ROY2021 + ": 'at room temperature' (taken as 298.15 K)",
                                        "UNVERIFIED")},
    ),
    "Li_Anand2019_steady": MaterialSet(
        "Li_Anand2019_steady",
        "Steady-state Norton equivalent of the Anand elastic-viscoplastic set fitted to LePage et al. 2019: "
        "at saturation S = S*, eps_dot = A exp(-Q/RT) (sigma/S~)^(1/(m + n_s)) with A = 4.25e4 1/s, "
        "Q = 37 kJ/mol, "
        "S~ = 2 MPa, 1/(m + n_s) = 5.0. About 23x slower than Li_Roy2021 at 1 MPa.",
        {"strain_rate": Value(1.40e-2, "1/s", _ANAND_LEPAGE_STEADY + ": A exp(-Q/R T_ref) = 4.25e4 "
                              "exp(-37000/(8.314 x 298.15)) "
                              "= 1.400e-2 (parameters.md §2a: 1.39e-2 at 298 K)",
                              "DERIVED"),
         "reference_stress": Value(2.0e6, "Pa", _ANAND_LEPAGE_STEADY + " (saturation coefficient S~)",
                                   "V-code"),
         "exponent": Value(5.0, "-", _ANAND_LEPAGE_STEADY + ": 1/(m + n_s) = 1/(0.15 + 0.05)", "DERIVED"),
         "activation_energy": Value(37e3, "J/mol", _ANAND_LEPAGE_STEADY, "V-code"),
         "reference_temperature": Value(298.15, "K", "temperature at which strain_rate is evaluated",
                                        "DERIVED")},
    ),
}

_SHARAFI = ("Sharafi et al. 2017, J. Mater. Chem. A 5, 21491, as used by Roy, Fleck & Deshpande 2021 §2: "
            "Z = 5 Ohm cm², kappa = 0.4 mS/cm, kappa Z = 20 µm")

LITHIUM_ELECTROLYTE_INTERFACES: dict[str, MaterialSet] = {
    "Li_LLZO_Sharafi2017": MaterialSet(
        "Li_LLZO_Sharafi2017",
        "A well-conditioned Li | LLZO interface and the garnet's ionic conductivity (kappa Z = 20 µm); the "
        "exchange current density follows from Z: i0 = RT/(F Z (alpha_a + alpha_c)).",
        {"conductivity": Value(0.04, "S/m", _SHARAFI, "V-cite"),
         "resistance": Value(5e-4, "Ohm m^2", _SHARAFI + " (interfacial resistance Z)", "V-cite"),
         "alpha_a": Value(0.5, "-", "symmetric transfer coefficients (assumed; Roy linearise BV)",
                          "UNVERIFIED"),
         "alpha_c": Value(0.5, "-", "symmetric transfer coefficients (assumed; Roy linearise BV)",
                          "UNVERIFIED"),
         "molar_volume": Value(1.30e-5, "m^3/mol", "PyBaMM Xu2019/OKane2022 sets (parameters.md §2c); "
                               "Roy use "
                               "13e-6", "V-code")},
    ),
}


# ============================================================================================
# Phase-field electrodeposition (plating problem, model phase_field)
#
# Status tags as in reference/parameters.md §1 and reference/plating-voids.md §1 (which supersedes
# it where they differ). V-partial: read in descendant code that does not cite the value's source;
# UNVERIFIED values are never test tolerances. Keys of the Hong set are the names of the source
# script (normalised: length 1 µm, time 1 s, energies in RT); battchem.physics.electrodeposition.
# parameters_from_normalised converts them to SI. Keys of the SI sets are the field names of
# battchem.physics.electrodeposition.Parameters.

_HONG = ("Hong & Viswanathan 2018, ACS Energy Lett. 3, 1737: original input (BattModels/electrodep "
         "e62ac6e test/tests/Li-run/liqcrys1.i; bdliangxy/dendrite cir_ic_input.i) and its FEniCS port "
         "(dolfinx issue #4229, 01_dend_simulation.py)")
_CHEN = "Chen, Liang et al. 2015, J. Power Sources 300, 376 (Table 1 not reached)"
_MZL = "mzl13/Lithium work/inputs (Mu, Guo & Lin 2020, a Chen 2015 descendant)"
_CALIB = "vsanzp/CellularAutomataLib Examples/CS_2D/Lithium (concentration.mo)"

ELECTRODEPOSITION_SETS: dict[str, MaterialSet] = {
    "Hong2018_normalised": MaterialSet(
        "Hong2018_normalised",
        "Hong & Viswanathan 2018 grand-potential set, normalised (length 1 µm, time 1 s, energy RT); "
        "the case of dolfinx issue #4229. Used here in the Chen-form model: L_σ = L, κ0 = kappa, "
        "W = W, L_η = Ls, D_l = M0, σ_s = S1, σ_l = S2, c_s from ft2, T from AA.",
        {
            "L": Value(6.25, "1/s (per RT of driving force)", _HONG),
            "kappa": Value(0.3, "RT µm^2 (normalised)", _HONG),
            "Ls": Value(0.001, "1/s", _HONG),
            "alpha": Value(0.5, "-", _HONG),
            "AA": Value(38.69, "1/V (nF/RT)", _HONG),
            "W": Value(2.4, "RT (normalised)", _HONG),
            "M0": Value(317.9, "µm^2/s (D_l × 1e12)", _HONG),
            "S1": Value(1e6, "S/m", _HONG),
            "S2": Value(1.19, "S/m", _HONG),
            "ft2": Value(0.0074, "nF c_s µm^2/(s S/m V)", _HONG),
            "es": Value(-13.8, "RT", _HONG + " (grand-potential model only)"),
            "el": Value(2.631, "RT", _HONG + " (grand-potential model only)"),
            "dv": Value(5.5, "-", _HONG + " (site ratio, grand-potential model only)"),
            "c_site": Value(1 / 14.89, "-", _HONG + " (bulk ion site fraction, grand-potential model only)"),
            "voltage": Value(-0.45, "V", _HONG + " (applied potential)"),
            "perturbation": Value(0.04, "µm", _HONG + " (initial front perturbation 0.04 sin(y))"),
            "c0": Value(1e3, "mol/m^3",
                        "assumed 1 M; the script normalises concentrations by a site fraction",
                        "UNVERIFIED"),
            "D_metal": Value(0.0, "m^2/s", _HONG + " (mobility M0 (1 − h)² vanishes in the metal)"),
        },
    ),
    "Chen2015": MaterialSet(
        "Chen2015",
        "Chen et al. 2015 set in SI. Only part of it is corroborated by descendant codes (V-partial); "
        "L_σ, W, κ0, L_η and the anisotropy are the notes' values, UNVERIFIED (only L_σ·W = 0.9375 1/s "
        "is corroborated); κ0 = 1e-10 J/m with W = 3.75e5 J/m³ gives an 11.5 nm interface.",
        {
            "L_sigma": Value(2.5e-6, "m^3/(J s)", _CHEN + "; product L_σ W = 0.9375 1/s in " + _MZL,
                             "UNVERIFIED"),
            "W": Value(3.75e5, "J/m^3", _CHEN + "; product only, see L_sigma", "UNVERIFIED"),
            "kappa0": Value(1e-10, "J/m", _CHEN, "UNVERIFIED"),
            "L_eta": Value(0.5, "1/s", _CHEN, "UNVERIFIED"),
            "anisotropy_strength": Value(0.044, "-", _CHEN, "UNVERIFIED"),
            "anisotropy_mode": Value(4, "-", _CHEN, "UNVERIFIED"),
            "D_electrolyte": Value(7.5e-10, "m^2/s", _CALIB + ": Ds = 7.5e-10", "V-partial"),
            "D_metal": Value(7.5e-13, "m^2/s", _CALIB + ": De = 7.5e-13", "V-partial"),
            "sigma_metal": Value(1e7, "S/m", _MZL + ": li.cond_sld = 1e7", "V-partial"),
            "sigma_electrolyte": Value(1.19, "S/m", _MZL + ": li.cond_liq = 1.19", "V-partial"),
            "c_s": Value(7.64e4, "mol/m^3", _MZL + ": li.c_s = 7.64e4", "V-partial"),
            "c0": Value(1e3, "mol/m^3", _MZL + ": li.c_0 = 1.e3", "V-partial"),
            "n": Value(1, "-", _MZL + ": li.ntrans = 1", "V-partial"),
            "alpha": Value(0.5, "-", _MZL + ": alpha_asy = 0.5", "V-partial"),
            "temperature": Value(300.0, "K", _MZL + ": li.temperature = 300", "V-partial"),
            "E_theta": Value(0.0, "V", "public implementations take η = φ (E^θ absorbed in the reference)",
                             "UNVERIFIED"),
        },
    ),
}

_ANAND = ("Anand & Narayan 2019 fit to LePage et al. 2019 (ecmLab/continuum 40d5159 "
          "benchmark1_metalCreep/R_Run.i)")
_NI2012 = "Ni, Case, Sakamoto et al. 2012, J. Mater. Sci. (resonant ultrasound), Al-doped LLZO, porosity 0.03"

ELECTRODEPOSITION_MECHANICS: dict[str, MaterialSet] = {
    "Li_metal": MaterialSet(
        "Li_metal",
        "Li metal elasticity and molar volume (the deposit).",
        {
            "E": Value(7.81e9, "Pa", _ANAND + ": youngs_modulus = 7.81e3 MPa"),
            "nu": Value(0.38, "-", _ANAND + ": poissons_ratio = 0.38"),
            "Omega": Value(1.3e-5, "m^3/mol",
                           "PyBaMM Xu2019/OKane2022: Lithium metal partial molar volume 1.3e-05"),
        },
    ),
    "LLZO_Ni2012": MaterialSet(
        "LLZO_Ni2012",
        "Garnet solid electrolyte (Al-doped LLZO) as the stiff partner of the deposit.",
        {
            "E": Value(149.8e9, "Pa", _NI2012, "V-abs"),
            "nu": Value(0.257, "-", "DERIVED from E = 149.8 GPa and G = 59.6 GPa (Ni 2012, as quoted by "
                        "Foster 2014): ν = E/(2G) − 1", "DERIVED"),
        },
    ),
}


def electrodeposition_set(name: str) -> MaterialSet:
    """Look up a phase-field electrodeposition set (ValueError listing the names otherwise)."""
    try:
        return ELECTRODEPOSITION_SETS[name]
    except KeyError:
        raise ValueError(f"unknown electrodeposition set '{name}' (allowed: "
                         f"{', '.join(ELECTRODEPOSITION_SETS)})") from None


def electrodeposition_mechanics(name: str) -> MaterialSet:
    """Look up an elastic set for the deposit or its partner (ValueError listing the names otherwise)."""
    try:
        return ELECTRODEPOSITION_MECHANICS[name]
    except KeyError:
        raise ValueError(f"unknown electrodeposition mechanics set '{name}' (allowed: "
                         f"{', '.join(ELECTRODEPOSITION_MECHANICS)})") from None


# --------------------------------------------------------------------------------------------
# Solid electrolytes and their interphases with Li metal: reference/interphase.md (§0 corrections,
# §2 moduli and toughness, §3 growth, §4 conductivity, §6 validation targets). Status tags as there:
# V-abs, V-text, V-sec, V-review, DERIVED (arithmetic shown), UNVERIFIED (no source found: a model
# choice or placeholder, never a test tolerance). G_c is not stored: the interphase problem derives
# it from K_IC, E and nu as G_c = K_IC² (1 − ν²)/E.

_CR = "de Vasconcelos et al. 2022, Chem. Rev. [CR]"
_JACKMAN = "Jackman & Cutler 2012, J. Power Sources 218, 65"
_AKTEKIN = "Aktekin et al. 2023, Nat. Commun. (doi 10.1038/s41467-023-42512-y)"
_SINGH = "Singh et al. 2022, Cell Rep. Phys. Sci. 3, 101043"
_ZHOU = "Zhou, Minafra, Zeier & Nazar 2021, Acc. Chem. Res. 54, 2717"
_ASSUMED_NU = "assumed (no measured value found; interphase.md §2 note (a))"

SOLID_ELECTROLYTES: dict[str, MaterialSet] = {
    "LATP_Jackman2012": MaterialSet(
        "LATP_Jackman2012",
        "Li1.3Al0.3Ti1.7(PO4)3 (NASICON): reduced by Li to a mixed-conducting interphase. E at the "
        "fine-grained end of 81-115 GPa.",
        {"E": Value(115e9, "Pa", _JACKMAN + ": 'Young's modulus (81-115 GPa)', fine-grained end", "V-abs"),
         "nu": Value(0.25, "-", _ASSUMED_NU, "UNVERIFIED"),
         "K_IC": Value(1.1e6, "Pa m^0.5", _JACKMAN + ": '1.1 MPa√m fracture toughness'", "V-abs"),
         "kappa": Value(0.07, "S/m", _JACKMAN + ": 'total ionic conductivity of 0.7 mS cm-1'", "V-abs")},
    ),
    "LAGP_Tippens2019": MaterialSet(
        "LAGP_Tippens2019",
        "Li1.5Al0.5Ge1.5(PO4)3, the Li|LAGP|Li cell of Tippens et al. 2019 (cracks start at the edge of "
        "the Li contact; ~100x impedance rise). No measured K_IC or nu: the LATP toughness is a "
        "placeholder.",
        {"E": Value(90.2e9, "Pa", _CR + " Table 1 (Zekoll thesis 2018): 90.2 ± 10.5 GPa", "V-review"),
         "nu": Value(0.25, "-", _ASSUMED_NU, "UNVERIFIED"),
         "K_IC": Value(1.1e6, "Pa m^0.5", "LATP value used as a placeholder: no LAGP K_IC found ([CR] lists "
                       "N/A)", "UNVERIFIED"),
         "kappa": Value(0.04, "S/m", "Hartmann et al. 2013, J. Phys. Chem. C 117, 21064: 'about 4 × 10−4 "
                        "S/cm for the solely Ge containing sample'", "V-abs")},
    ),
    "LLZO_Kim2016": MaterialSet(
        "LLZO_Kim2016",
        "Li7La3Zr2O12 garnet: stable against Li (self-limited interphase of ~5 unit cells).",
        {"E": Value(140e9, "Pa", _CR + " Table 1 (Kim et al. 2016, J. Am. Ceram. Soc.)", "V-review"),
         "nu": Value(0.257, "-", "Ni et al. 2012 E = 149.8 GPa, G = 59.6 GPa (Foster 2014 thesis quote): "
                     "nu = E/(2G) - 1", "DERIVED"),
         "K_IC": Value(0.97e6, "Pa m^0.5", _CR + " Table 1 (Kim et al. 2016): 0.97 ± 0.1 MPa m^1/2",
                       "V-review"),
         "kappa": Value(0.0454, "S/m", "Hu et al. 2022, Chin. Phys. Lett. (LLZTO): 4.54e-4 S/cm", "V-abs")},
    ),
    "LPSCl_Singh2022": MaterialSet(
        "LPSCl_Singh2022",
        "Li6PS5Cl argyrodite: passivating interphase growing as sqrt(t). E is a first-principles value "
        "and K_IC the Li2S-P2S5 glass value (McGrogan 2017) used as a proxy.",
        {"E": Value(22e9, "Pa", _SINGH + ": 'E (LPSCl) = 22 GPa' (first-principles, Deng et al. 2016)",
                    "V-sec"),
         "nu": Value(0.37, "-", "Pugh's ratio G/B = 0.28 (DFT, Singh 2022): nu = (3 - 2r)/(2(3 + r))",
                     "DERIVED"),
         "K_IC": Value(0.23e6, "Pa m^0.5", _SINGH + ": 'KIC = 0.23 MPa m 1/2 for Li2S-P2S5' (glass "
                       "proxy)", "V-sec"),
         "kappa": Value(0.24, "S/m", _ZHOU + ": ≈ 2.4 mS/cm (solution route; 0.46-5 mS/cm solid state)",
                        "V-sec")},
    ),
    "LGPS_Kamaya2011": MaterialSet(
        "LGPS_Kamaya2011",
        "Li10GeP2S12: non-passivating (mixed-conducting) interphase. E is a first-principles value; nu "
        "and K_IC were not found (the sulfide-glass proxy is used).",
        {"E": Value(37.19e9, "Pa", _CR + " Table 1 (Wang 2014, first principles)", "V-review"),
         "nu": Value(0.3, "-", _ASSUMED_NU, "UNVERIFIED"),
         "K_IC": Value(0.23e6, "Pa m^0.5", "Li2S-P2S5 glass value (McGrogan 2017) as a proxy; no LGPS K_IC "
                       "found", "UNVERIFIED"),
         "kappa": Value(1.2, "S/m", "Tang et al. 2021 review [P2]: 'the ionic conductivity of LGPS reached "
                        "12 mS cm-1' (Kamaya 2011)", "V-review")},
    ),
}

# Interphase growth and transport per electrolyte. The growth law of the interphase problem is
# Deal-Grove-like: δ² + A δ = B t with B = 2 D_int c_b/n and A = 2 D_int c_b/(n v0) = B/v0. Only B (or
# the thickness at a time) is constrained by data; c_b and v0 are model choices (UNVERIFIED), and
# D_int is then DERIVED from B. n is the Li consumed per volume of electrolyte transformed: from
# Aktekin's conversion 1 µAh/cm² ↔ 9 nm, n = 36 C/m² /(F × 9e-9 m) = 4.15e4 mol/m³ (DERIVED);
# the same n is assumed (UNVERIFIED) for the other sulfides and phosphates.
_N_AKTEKIN = Value(4.15e4, "mol/m^3", _AKTEKIN + ": 1 µAh/cm² ↔ d ≈ 9 nm, n = 36 C/m²/(F · 9e-9 m)",
                   "DERIVED")
_N_ASSUMED = Value(4.15e4, "mol/m^3", "the Li6PS5Cl value (Aktekin 2023 conversion) assumed", "UNVERIFIED")
_CB = Value(100.0, "mol/m^3", "model choice: neutral Li concentration in the interphase at the Li side "
            "(only D_int c_b/n is constrained)", "UNVERIFIED")
_CHOICE = "model choice (no data)"
_EXPANSION_38 = Value(0.38, "-", _CR + " §2.4.2.1: '~38% for the interphase formed at the Li/LAGP "
                      "interface' (primary source uncertain, most likely Lewis et al. 2019)", "V-review")

INTERPHASE_GROWTH: dict[str, MaterialSet] = {
    "LPSCl_Aktekin2023": MaterialSet(
        "LPSCl_Aktekin2023",
        "Li|Li6PS5Cl at 25 °C: passivating SEI growing as sqrt(t), d ≈ 315 nm after 1 week and ≈ 540 nm "
        "after 400 h, d² = k t with k ≈ 1.6-2.0e-19 m²/s (Aktekin 2023, V-text; the DERIVED k = 1.8e-19 is "
        "used).",
        {"D_int": Value(3.735e-17, "m^2/s", "from B = k = 1.8e-19 m²/s (" + _AKTEKIN + "): D_int = B n/"
                        "(2 c_b)", "DERIVED"),
         "c_b": _CB, "n": _N_AKTEKIN,
         "front_rate": Value(1e-9, "m/s", _CHOICE + ": fast enough that A = B/v0 ≈ 0.2 nm, so growth is "
                             "diffusion-limited from the start, as measured", "UNVERIFIED"),
         "tunnelling_length": Value(0.0, "m", "none (0: the interphase conducts throughout)", "UNVERIFIED"),
         "expansion": Value(0.0, "-", "not measured for Li6PS5Cl", "UNVERIFIED"),
         "E": Value(20e9, "Pa", _CHOICE + ": interphase modulus (Li2S-rich)", "UNVERIFIED"),
         "nu": Value(0.3, "-", _CHOICE, "UNVERIFIED"),
         "kappa": Value(1e-5, "S/m", _CHOICE + " (interphase conductivities not found)", "UNVERIFIED")},
    ),
    "LGPS_Aktekin2023": MaterialSet(
        "LGPS_Aktekin2023",
        "Li|Li10GeP2S12: non-passivating, ≈ 0.7 mAh/cm² of Li lost in 1 week (Aktekin 2023, V-text), ≈ 20x "
        "Li6PS5Cl; growth as sqrt(t) (Wenzel 2016, V-abs). Thickness from Aktekin's 9 nm per µAh/cm² "
        "(assumed).",
        {"D_int": Value(1.36e-14, "m^2/s", "700 µAh/cm² × 9 nm = 6.3 µm after 6.05e5 s: B = 6.56e-17 m²/s, "
                        "D_int = B n/(2 c_b)", "DERIVED"),
         "c_b": _CB, "n": _N_ASSUMED,
         "front_rate": Value(1e-7, "m/s", _CHOICE + ": A = B/v0 ≈ 0.7 nm, diffusion-limited", "UNVERIFIED"),
         "tunnelling_length": Value(0.0, "m", "none: a mixed conductor", "UNVERIFIED"),
         "expansion": Value(0.0, "-", "not measured for LGPS", "UNVERIFIED"),
         "E": Value(20e9, "Pa", _CHOICE, "UNVERIFIED"),
         "nu": Value(0.3, "-", _CHOICE, "UNVERIFIED"),
         "kappa": Value(1e-5, "S/m", _CHOICE, "UNVERIFIED")},
    ),
    "LLZO_Ma2016": MaterialSet(
        "LLZO_Ma2016",
        "Li|LLZO: a self-limited tetragonal-like interphase of 5 unit cells (Ma et al. 2016 via [P2], "
        "V-review; ≈ 6.5 nm if a ≈ 1.30 nm, UNVERIFIED). Modelled as an electronic insulator: electron "
        "transport decays as exp(-depth/λ_t), so growth is logarithmic and stops at a few λ_t.",
        {"D_int": Value(1.67e-19, "m^2/s", "chosen with λ_t so that the thickness reaches 6.5 nm (5 unit "
                        "cells) after 1 week: e^u − u − 1 = D c_b t/(n λ_t²), u = δ/λ_t = 5", "UNVERIFIED"),
         "c_b": _CB,
         "n": Value(4.2e4, "mol/m^3", "Li sites of LLZO, 7 Li per formula unit of ≈ 1.65e-4 m³/mol",
                    "UNVERIFIED"),
         "front_rate": Value(1e-9, "m/s", _CHOICE, "UNVERIFIED"),
         "tunnelling_length": Value(1.3e-9, "m", _CHOICE + ": one unit cell (a ≈ 1.30 nm, UNVERIFIED)",
                                    "UNVERIFIED"),
         "expansion": Value(0.0, "-", "not measured", "UNVERIFIED"),
         "E": Value(140e9, "Pa", "LLZO modulus assumed for the thin interphase", "UNVERIFIED"),
         "nu": Value(0.257, "-", "LLZO value assumed", "UNVERIFIED"),
         "kappa": Value(0.0454, "S/m", "LLZO value assumed (tetragonal-like LLZO)", "UNVERIFIED")},
    ),
    "LAGP_Lewis2019": MaterialSet(
        "LAGP_Lewis2019",
        "Li|LAGP: amorphisation and ~38 % volume expansion that fracture the electrolyte (Lewis 2019 V-abs, "
        "Tippens 2019 V-abs). No thickness-time data: growth rate, interphase stiffness, viscosity and "
        "conductivity are placeholders.",
        {"D_int": Value(5e-13, "m^2/s", _CHOICE + ": B = 2 D_int c_b/n ≈ 2.4e-15 m²/s (≈ 2 µm in 30 min)",
                        "UNVERIFIED"),
         "c_b": _CB, "n": _N_ASSUMED,
         "front_rate": Value(1e-7, "m/s", _CHOICE, "UNVERIFIED"),
         "tunnelling_length": Value(0.0, "m", "none: a mixed conductor (reduced Ge, Li-Ge alloy)",
                                    "UNVERIFIED"),
         "expansion": _EXPANSION_38,
         "E": Value(30e9, "Pa", _CHOICE + ": amorphous interphase, softer than LAGP (E, nu of the phases "
                    "Li2O, Li3P, Li-Ge not found)", "UNVERIFIED"),
         "nu": Value(0.3, "-", _CHOICE, "UNVERIFIED"),
         "kappa": Value(1e-4, "S/m", _CHOICE + " (interphase conductivity not found)", "UNVERIFIED")},
    ),
}


# Every kind of named set, as ``battchem materials`` lists them.
MATERIAL_KINDS: dict[str, dict[str, MaterialSet]] = {
    "intercalation material": INTERCALATION_MATERIALS,
    "electrolyte": ELECTROLYTES,
    "Li interface": LITHIUM_INTERFACES,
    "Li metal (vacancy transport)": LITHIUM_METALS,
    "phase-field electrodeposition": ELECTRODEPOSITION_SETS,
    "deposit and partner elasticity": ELECTRODEPOSITION_MECHANICS,
    "Li creep": LITHIUM_CREEP,
    "Li | solid-electrolyte interface": LITHIUM_ELECTROLYTE_INTERFACES,
    "solid electrolyte": SOLID_ELECTROLYTES,
    "interphase growth": INTERPHASE_GROWTH,
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
