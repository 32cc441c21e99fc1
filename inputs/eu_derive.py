"""Derivations of the EU case: prices, yields, demand paths and the sourcing weights."""
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from collections import defaultdict  # noqa: E402

from inputs.eu_common import *  # noqa: E402,F401,F403
from inputs.eu_common import _short  # noqa: E402
from inputs.eu_spec import *  # noqa: E402,F401,F403

# =============================================================================================
# Derivations
# =============================================================================================
def price_of(ref: Ref, m: str) -> dict:
    """Reference prices (EUR/t, model unit) of material m: {'refined': Num, 'cn': Num|None,
    'noncn': Num|None}. Prices are USD rows converted with the ECB annual mean of their year."""
    spec = SPEC[m]
    if m == "gallium":
        cn = ref.one(material="gallium", parameter="price_usd_per_t", country="CN", year="2024")
        ex = ref.one(material="gallium", parameter="price_usd_per_t", country="", year="2025")
        fcn, fex = ref.fx("2024"), ref.fx("2025")
        pcn = Num(cn["value"] / fcn["value"], [_short(cn["source"]), _short(fcn["source"])],
                  worst(cn["confidence"], fcn["confidence"]),
                  f"China Oct 2024 {cn['value']:,.0f} USD/t / {fcn['value']} USD/EUR (2024)")
        pex = Num(ex["value"] / fex["value"], [_short(ex["source"]), _short(fex["source"])],
                  worst(ex["confidence"], fex["confidence"]),
                  f"ex-China 2025 {ex['value']:,.0f} USD/t / {fex['value']} USD/EUR (2025)")
        return {"refined": pcn, "cn": pcn, "noncn": pex}
    kw = dict(spec["price"])
    r = ref.one(parameter="price_usd_per_t", country="", **kw)
    fx = ref.fx(r["year"])
    value = r["value"] / fx["value"]
    sources = [_short(r["source"]), _short(fx["source"])]
    grade = worst(r["confidence"], fx["confidence"])
    note = f"{r['value']:,.6g} {r['unit']} ({r['year']}) / {fx['value']} USD/EUR"
    if "factor" in spec:
        f, why = spec["factor"]
        if f == "content":
            c = ref.one(**why)
            value /= c["value"]
            note += f" / {c['value']} t Li per t LCE"
        else:
            value *= f
            grade = "C"
            note += f"; per t B: {why}"
    if spec["basis"] == "ore":
        y, mg = spec["yield_"][0], spec["margin"][0]
        value /= y * (1 - mg)
        grade = "C"
        note += (f"; the row prices ore/concentrate per t contained: refined price = ore price / "
                 f"(yield {y} x (1 - margin {mg}))")
    return {"refined": Num(value, sources, grade, note), "cn": None, "noncn": None}


def eol_rir(ref: Ref, m: str) -> tuple[float, dict | None]:
    """The end-of-life recycling input rate the case uses for m (sheet RECYCLING in eu_spec.py):
    (value, its values.csv row), (0.0, None) where the case has none. One place: the recycling
    stage (inputs/eu_capacity.recycling_params) and the primary requirement read it here."""
    spec = RECYCLING[m]["rir"]
    if not spec:
        return 0.0, None
    r = ref.one(parameter="eol_rir", material=spec[0], year=spec[1])
    return r["value"], r


def primary_requirement(ref: Ref, m: str, consumption: float) -> Num:
    """The primary (not recycled) material the EU needs for ``consumption`` t a year:
    consumption x (1 - EoL-RIR). The JRC 2023 study's EU sourcing shares (domestic production and
    imports at a stage) describe this primary supply: secondary input is measured apart by the
    EoL-RIR, which the supply risk applies as a separate factor (1 - EoL-RIR); docs/data.md,
    "Primary and secondary supply". Existing processing and extraction from sourcing shares, and
    the suppliers' availability, are shares of this quantity, not of total consumption."""
    f, r = eol_rir(ref, m)
    v = consumption * (1.0 - f)
    if r is None:
        return Num(v, [ASSUMPTION], "C", f"primary requirement = consumption {consumption:,.6g} t "
                   "(no EoL-RIR in the case: all primary)")
    return Num(v, [_short(r["source"])], r["confidence"],
               f"primary requirement = consumption {consumption:,.6g} t x (1 - EoL-RIR {f:g}, "
               f"{r['material']} {r['year']}, {r['confidence']}) = {v:,.6g} t")


def consumption_of_primary(ref: Ref, m: str, primary: float) -> tuple[float, str]:
    """Inverse of primary_requirement: total consumption whose primary part is ``primary`` t
    (a gap fill that grosses up EU sourcing to consumption), with the derivation."""
    f, r = eol_rir(ref, m)
    if r is None:
        return primary, "no EoL-RIR: consumption = primary sourcing"
    return primary / (1.0 - f), (f"EU sourcing is primary supply: consumption = {primary:,.6g} t / "
                                 f"(1 - EoL-RIR {f:g}) = {primary / (1.0 - f):,.6g} t")


def processing_yield(ref: Ref, m: str) -> Num:
    y = SPEC[m]["yield_"]
    if y[0] == "ref":
        return Num.of(ref.one(**y[1]))
    return Num(y[0], [ASSUMPTION], "C", f"processing yield {y[0]}: {y[1]}")


def geometric(anchors: dict[int, float], rate_after=None, rate_before=None) -> dict[int, float]:
    """Values for YEARS by geometric interpolation between (year, value) anchors."""
    ys = sorted(anchors)
    out = {}
    for t in YEARS:
        if t <= ys[0]:
            r = rate_before
            if r is None:
                r = (anchors[ys[1]] / anchors[ys[0]]) ** (1 / (ys[1] - ys[0])) - 1 if len(ys) > 1 else 0
            out[t] = anchors[ys[0]] * (1 + r) ** (t - ys[0])
        elif t >= ys[-1]:
            r = rate_after
            if r is None:
                r = (anchors[ys[-1]] / anchors[ys[-2]]) ** (1 / (ys[-1] - ys[-2])) - 1 if len(ys) > 1 else 0
            out[t] = anchors[ys[-1]] * (1 + r) ** (t - ys[-1])
        else:
            for a, b in zip(ys, ys[1:]):
                if a <= t <= b:
                    out[t] = anchors[a] * (anchors[b] / anchors[a]) ** ((t - a) / (b - a))
                    break
    return out


def demand_of(ref: Ref, m: str) -> tuple[dict, list, str, str]:
    """EU consumption per year (t): values, sources, grade, derivation."""
    one = ref.one
    cons = lambda **kw: one(parameter="eu_consumption_t", material=m, **kw)  # noqa: E731
    gf = lambda **kw: one(parameter="demand_growth_factor", **kw)  # noqa: E731

    def factor_path(base_row, f_row, base_year=None, note=""):
        by = int(base_year or base_row["year"])
        anchors = {by: base_row["value"], int(f_row["year"]): base_row["value"] * f_row["value"]}
        vals = geometric(anchors)
        src = [_short(base_row["source"]), _short(f_row["source"])]
        rate = f_row["value"] ** (1 / (int(f_row["year"]) - by)) - 1
        return vals, src, "C", (f"{base_row['value']:,.6g} t in {by} (values.csv eu_consumption_t, "
                                f"{base_row['confidence']}) x growth factor {f_row['value']} by "
                                f"{f_row['year']} ({f_row['confidence']}) = {rate:.2%}/yr. {note}").strip()

    def rate_path(base, year, rate, src, why):
        vals = {t: base * (1 + rate) ** (t - year) for t in YEARS}
        return vals, src, "C", f"{base:,.6g} t in {year} ({why}); growth {rate:.1%}/yr assumed"

    def grown(base, year):
        """A reading of year ``year`` grown at the rate of the KU Leuven 2020->2050 factor."""
        f = gf(material=m, country="EU", year="2050")
        rate = f["value"] ** (1 / 30) - 1
        vals = {t: base["value"] * (1 + rate) ** (t - year) for t in YEARS}
        return vals, [_short(base["source"]), _short(f["source"])], f, rate

    if m == "aluminium":
        base = cons(year="2025")
        old = cons(year="2020")
        vals, src, f, rate = grown(base, 2025)
        return vals, src, "C", (
            f"EU use of aluminium (primary + secondary) {base['value']:,.0f} t in 2025 (FACE, "
            f"{base['confidence']}: read, the 2025 value itself) grown at the KU Leuven factor "
            f"{f['value']} 2020->2050 = {rate:.2%}/yr. Not used: the KU Leuven-derived "
            f"{old['value'] / 1e6:.1f} Mt (2020, Europe, C) and FACE's 'over 13.5 Mt' (Europe, 2024).")
    if m == "cobalt":
        return factor_path(cons(year="2020"),
                           _pick(ref.find(parameter="demand_growth_factor", material="cobalt",
                                          country="EU", year="2050"), 4.3),
                           note="KU Leuven 18.2 kt (2020) chosen over the JRC-derived ~29 kt (2018): "
                           "same source as the growth factor.")
    if m == "copper":
        base = cons(year="2023")
        vals, src, f, rate = grown(base, 2023)
        return vals, src, "C", (
            f"refined apparent consumption {base['value']:,.0f} t (2023, B) grown at the KU Leuven "
            f"factor {f['value']} 2020->2050 = {rate:.2%}/yr. The ~4.3 Mt 'all uses' figure "
            "(semis/scrap) is not used.")
    if m == "nickel":
        return factor_path(cons(year="2020"), gf(material="nickel", country="EU", year="2050"),
                           note="Chosen over 235 kt class-1 only (2023, a lower bound).")
    if m == "silicon_metal":
        return factor_path(cons(year="2020"), gf(material="silicon_metal", country="EU", year="2050"))
    if m == "lithium":
        base = cons(year="2020")
        a30 = one(parameter="eu_tech_demand_t", material="lithium", year="2030")
        a50 = one(parameter="eu_tech_demand_t", material="lithium", year="2050")
        vals = geometric({2020: base["value"], 2030: a30["value"], 2050: a50["value"]})
        return vals, [_short(base["source"]), _short(a30["source"])], "C", (
            f"anchors: {base['value']:,.0f} t (2020, Imerys-derived, C), JRC 2020 foresight medium "
            f"scenario {a30['value']:,.0f} t (2030) and {a50['value']:,.0f} t (2050) (A; batteries "
            "dominate Li use, so the technology demand is taken as total); geometric interpolation. "
            "Alternatives (x10-x18 by 2030) are higher.")
    if m == "platinum":
        b = one(parameter="eu_consumption_t_excl_investment", material="platinum")
        a30 = one(parameter="eu_demand_t", material="platinum", year="2030")
        a50 = one(parameter="eu_demand_t", material="platinum", year="2050")
        vals = geometric({2023: b["value"], 2030: a30["value"], 2050: a50["value"]})
        return vals, [_short(b["source"]), _short(a30["source"])], "B", (
            f"Johnson Matthey EU+ demand excl. investment {b['value']} t (2023) and the model's "
            f"projection {a30['value']} t (2030), {a50['value']} t (2050), geometric interpolation")
    if m == "gallium":
        b = cons(year="2025")
        return rate_path(b["value"], 2025, 0.03, [_short(b["source"]), ASSUMPTION],
                         "B; 3 %/yr lies between EU industrial growth ~1 % and the JRC 2020 "
                         "foresight growth of gallium in its technologies (2 t 2030 -> 5 t 2050, 4.7 %/yr)")
    if m == "germanium":
        b = cons(year="2024")
        return rate_path(b["value"], 2024, 0.03, [_short(b["source"]), ASSUMPTION],
                         "C lower bound: Comext imports only; 3 %/yr as the JRC 2020 foresight growth "
                         "of germanium in its technologies (5 t 2030 -> 10 t 2050, 3.5 %/yr)")
    if m == "magnesium":
        b = cons(year="2021")
        return rate_path(b["value"], 2021, 0.01, [_short(b["source"]), ASSUMPTION],
                         "B, Europe; 1 %/yr with EU industrial output (no projection in the data)")
    if m == "titanium_metal":
        b = cons(year="2024")
        return rate_path(b["value"], 2024, 0.02, [_short(b["source"]), ASSUMPTION],
                         "C: sponge imports ~ consumption; 2 %/yr for aerospace growth (no projection)")
    if m == "manganese":
        b = cons(year="2024")
        p = one(parameter="eu_domestic_share_of_sourcing", material="manganese", stage="processing")
        y = SPEC[m]["yield_"][0]
        base, gross = consumption_of_primary(ref, m, b["value"] * y / p["value"])
        return rate_path(base, 2024, 0.01, [_short(b["source"]), _short(p["source"]), ASSUMPTION],
                         f"Mn units in imported ore {b['value']:,.0f} t (C) x yield {y} / EU "
                         f"processing share {p['value']} (JRC): the ore feeds the EU's own {p['value']:.0%} "
                         f"of primary processing-stage sourcing; {gross}; 1 %/yr (steel flat, battery "
                         "grades growing)")
    if m == "tungsten":
        b = one(parameter="eu_sourcing_t", material="tungsten")
        p = one(parameter="eu_domestic_share_of_sourcing", material="tungsten", stage="processing")
        y = SPEC[m]["yield_"][0]
        base, gross = consumption_of_primary(ref, m, b["value"] * y / p["value"])
        return rate_path(base, 2024, 0.015, [_short(b["source"]), _short(p["source"]), ASSUMPTION],
                         f"concentrate sourcing {b['value']:,.0f} t W (C) x yield {y} / EU processing "
                         f"share {p['value']} (JRC) = primary processing-stage sourcing; {gross}; "
                         "consistent with EU mine output 2,000 t (USGS 2024) = 77 % of EU ore sourcing; "
                         "1.5 %/yr assumed")
    if m == "boron":
        b = cons(year="2024")
        p = one(parameter="eu_domestic_share_of_sourcing", material="boron", stage="processing")
        cf = one(parameter="content_factor", material="boron")
        base, gross = consumption_of_primary(ref, m, b["value"] * 0.40 * cf["value"] / p["value"])
        return rate_path(base, 2024, 0.01, [_short(b["source"]), _short(p["source"]), ASSUMPTION],
                         f"natural borates {b['value']:,.0f} t gross (C) x 0.40 t B2O3/t x {cf['value']} "
                         f"t B/t B2O3 feed EU refining, which is {p['value']:.0%} of EU refined (primary) "
                         f"sourcing (JRC); {gross}; 1 %/yr assumed")
    if m == "bismuth":
        w = one(parameter="world_production_t", material="bismuth", country="WORLD")
        be_w = one(parameter="supply_share_world", material="bismuth", country="BE", year=J)
        be_eu = one(parameter="supply_share_eu", material="bismuth", country="BE")
        base, gross = consumption_of_primary(ref, m, w["value"] * be_w["value"] / be_eu["value"])
        return rate_path(base, 2024, 0.01, [_short(w["source"]), _short(be_w["source"]), ASSUMPTION],
                         f"gap filled: world refinery output {w['value']:,.0f} t (USGS 2024) x Belgium's "
                         f"world share {be_w['value']} / Belgium's share of EU sourcing {be_eu['value']} "
                         f"(JRC) = EU (primary) sourcing; {gross}; 1 %/yr assumed (no clean-tech driver)")
    if m == "palladium":
        v = one(parameter="eu_import_value_eur", material="palladium")
        p = one(parameter="price_eur_per_t", material="palladium", year="2024")
        base = v["value"] / p["value"]
        return rate_path(base, 2024, -0.03, [_short(v["source"]), _short(p["source"]), ASSUMPTION],
                         f"gap filled: extra-EU imports of unwrought Pd {v['value']/1e9:.3f} bn EUR (2024) "
                         f"/ price {p['value']/1e6:.2f} MEUR/t; no EU mining; recycled supply and "
                         "re-exports of EU refiners assumed to offset; ~20 % of world demand as a "
                         "cross-check. -3 %/yr: gasoline autocatalysts decline with the 2035 "
                         "zero-emission car rule, without platinum's hydrogen offset")
    if m == "graphite_natural":
        no_p = one(parameter="world_production_t", material="graphite_natural", country="NO")
        no_s = one(parameter="supply_share_eu", material="graphite_natural", country="NO", year=J)
        f = one(parameter="demand_growth_factor", material="graphite_natural", country="WORLD")
        base, gross = consumption_of_primary(ref, m, no_p["value"] / no_s["value"])
        rate = f["value"] ** (1 / 16) - 1
        vals = {t: base * (1 + rate) ** (t - 2024) for t in YEARS}
        return vals, [_short(no_p["source"]), _short(no_s["source"]), _short(f["source"])], "C", (
            f"gap filled: Norway's mine output {no_p['value']:,.0f} t (USGS 2024) is {no_s['value']:.0%} "
            f"of EU (primary) sourcing (JRC) -> {no_p['value'] / no_s['value']:,.0f} t (if all Norwegian "
            f"output goes to the EU; {gross}; EU mine "
            "output of 670 t being below JRC's 1 % threshold implies > 67,000 t). Growth: IEA APS "
            f"world graphite demand x{f['value']} 2024->2040 = {rate:.1%}/yr")
    if m in ("ndpr", "dytb"):
        mag = one(parameter="eu_consumption_t", material="ree_magnet", year="2024")
        g34 = one(parameter="demand_growth_factor", material="ree_magnet", year="2034")
        g40 = one(parameter="demand_growth_factor", material="ree_magnet", country="WORLD")
        if m == "ndpr":
            content, oxide, what = 0.29, 0.85, "0.29 t NdPr per t NdFeB / 0.85 t metal per t oxide"
        else:
            content, oxide, what = 0.025, 0.87, "0.025 t Dy+Tb per t NdFeB (0-4 %) / 0.87 t metal per t oxide"
        base = mag["value"] * content / oxide
        after = g40["value"] ** (1 / 16) - 1
        vals = geometric({2024: base, 2034: base * g34["value"]}, rate_after=after)
        return vals, [_short(mag["source"]), _short(g34["source"]), _short(g40["source"])], "C", (
            f"{mag['value']:,.0f} t NdFeB demand (2024, B) x {what} = {base:,.0f} t REO; magnet "
            f"demand x{g34['value']} by 2034 (B), then IEA APS world magnet growth {after:.1%}/yr. "
            "Includes NdPr/DyTb in imported magnets (processing includes magnet making).")
    raise KeyError(m)


def _pick(rows, value):
    for r in rows:
        if abs(r["value"] - value) < 1e-9:
            return r
    raise LookupError(value)


def normalise(dist: dict) -> dict:
    tot = sum(dist.values())
    return {k: v / tot for k, v in dist.items()} if tot > 0 else {}


class Sourcing:
    """Country sets, weights, availability and prices of every material and stage."""

    def __init__(self, ref: Ref):
        self.ref = ref
        self.countries = {}       # material -> sorted third countries modelled on their own
        self.eu = {}              # (m, k) -> {c: EU weight} (third countries + RW, sums to 1)
        self.world = {}           # (m, k) -> {c: world weight}
        self.world_all = {}       # (m, k) -> raw world shares {country: share} (incl. EU states)
        self.world_proj = {}      # (m, k) -> {year: world weights}: the source's own projection
        self.sources = {}         # (m, k) -> [citations]
        self.grades = {}
        self.years = {}           # (m, k) -> years of the share data, e.g. 'world 2024; EU 2016-2020, 2024'
        for m in MATERIALS:
            self.countries[m] = self._declared(m)
        for m in MATERIALS:
            for k, (eu_src, w_src) in SHARES[m].items():
                self._stage(m, k, eu_src, w_src)

    @staticmethod
    def _code(c: str) -> str:
        c = ALIAS.get(c, c)
        return "EU" if c in EU27 else c

    def _declared(self, m: str) -> list[str]:
        """Third countries with >= THRESHOLD of EU sourcing or world output at any stage."""
        ids = {m}
        for stages in SHARES[m].values():
            ids |= {s[1] for s in stages[0]} | {stages[1][0]}
        found = set()
        for r in self.ref.rows:
            if r["parameter"] in (SSE, ISE, "supply_share_world") and r["material"] in ids \
                    and r["stage"] in ("extraction", "processing") and r["value"] >= THRESHOLD - 1e-9:
                c = self._code(r["country"])
                if c and c != "EU" and c != REST:
                    found.add(c)
        return sorted(found)

    def _group(self, m: str, raw: dict) -> dict:
        """Raw {country: share} -> third-country distribution over declared countries + RW."""
        third = defaultdict(float)
        for c, s in raw.items():
            code = self._code(c) if c else REST
            if code == "EU":
                continue
            third[code if code in self.countries[m] else REST] += s
        return dict(third)

    def _stage(self, m, k, eu_src, w_src):
        ref = self.ref
        cites, grades = [], []
        wm, wy = w_src
        ks = PROXY_STAGE.get((m, k), k)
        wrows = ref.find(parameter="supply_share_world", material=wm, stage=k, year=wy) or \
            ref.find(parameter="supply_share_world", material=wm, stage=ks, year=wy)
        if not wrows:
            raise LookupError(f"no world shares {wm} {k} {wy}")
        self.world_all[(m, k)] = {self._code(r["country"]) if r["country"] else REST: 0.0 for r in wrows}
        raw_w = defaultdict(float)
        for r in wrows:
            raw_w[r["country"]] += r["value"]
            cites.append(_short(r["source"]))
            grades.append(r["confidence"])
        eu_world = sum(v for c, v in raw_w.items() if self._code(c) == "EU")
        third_w = self._group(m, raw_w)
        listed = sum(third_w.values())
        third_w[REST] = third_w.get(REST, 0.0) + max(0.0, (1.0 - eu_world) - listed)
        self.world[(m, k)] = normalise(third_w)
        agg = defaultdict(float)
        for c, v in raw_w.items():
            agg[self._code(c) if c else REST] += v
        self.world_all[(m, k)] = dict(agg)
        # the IEA's own base-case projection of the same shares (2030, 2035, 2040), where the
        # world shares are the IEA's: announced projects weighted by their chance of coming online
        if "IEA Critical Minerals Dataset" in wrows[0]["source"]:
            proj = {int(wy): self.world[(m, k)]}
            for py in PROJECTION_YEARS:
                prows = [r for r in ref.find(parameter="supply_share_world", material=wm,
                                             stage=wrows[0]["stage"], year=str(py))
                         if "projection" in r["note"]]
                if not prows:
                    continue
                raw_p = defaultdict(float)
                for r in prows:
                    raw_p[r["country"]] += r["value"]
                eu_p = sum(v for c, v in raw_p.items() if self._code(c) == "EU")
                third_p = self._group(m, raw_p)
                third_p[REST] = third_p.get(REST, 0.0) + max(0.0, (1.0 - eu_p) - sum(third_p.values()))
                proj[py] = normalise(third_p)
            if len(proj) > 1:
                self.world_proj[(m, k)] = proj

        dists = []
        for src in eu_src:
            param, mid, year = src[:3]
            partial = len(src) > 3 and src[3]
            rows = ref.find(parameter=param, material=mid, stage=ks, year=year)
            if not rows:
                raise LookupError(f"no EU shares {param} {mid} {k} {year}")
            raw = defaultdict(float)
            for r in rows:
                raw[r["country"]] += r["value"]
                cites.append(_short(r["source"]))
                grades.append(r["confidence"])
            dom = sum(v for c, v in raw.items() if self._code(c) == "EU")
            third = self._group(m, raw)
            scale = 1.0 - dom if param == SSE else 1.0
            third = {c: v / scale for c, v in third.items()}
            resid = max(0.0, 1.0 - sum(third.values()))
            if partial:  # split the residual by world shares of the others
                others = {c: v for c, v in self.world[(m, k)].items() if c not in third}
                for c, v in normalise(others).items():
                    third[c] = third.get(c, 0.0) + resid * v
            else:
                third[REST] = third.get(REST, 0.0) + resid
            dists.append(normalise(third))
        if dists:
            keys = sorted({c for d in dists for c in d})
            self.eu[(m, k)] = {c: sum(d.get(c, 0.0) for d in dists) / len(dists) for c in keys}
        else:
            self.eu[(m, k)] = dict(self.world[(m, k)])
        self.years[(m, k)] = f"world {data_years(wrows)}" + (
            " (IEA base case to 2040)" if (m, k) in self.world_proj else "") + (
            f"; EU sourcing {', '.join(s[2] for s in eu_src)}" if eu_src else "")
        self.sources[(m, k)] = list(dict.fromkeys(cites))
        self.grades[(m, k)] = worst(*grades)

    def world_at(self, m, k, c, t) -> float:
        """Country c's world weight in year t: the base year's, or the source's own projection
        interpolated linearly between its years (held flat after the last)."""
        proj = self.world_proj.get((m, k))
        if not proj:
            return self.world[(m, k)].get(c, 0.0)
        ys = sorted(proj)
        if t <= ys[0]:
            return proj[ys[0]].get(c, 0.0)
        if t >= ys[-1]:
            return proj[ys[-1]].get(c, 0.0)
        a, b = next((a, b) for a, b in zip(ys, ys[1:]) if a <= t <= b)
        f = (t - a) / (b - a)
        return (1 - f) * proj[a].get(c, 0.0) + f * proj[b].get(c, 0.0)

    def weight(self, m, k, c, t) -> float:
        ramp = min(1.0, max(0.0, (t - FIRST) / NEW_SUPPLIER_YEARS))
        return max(self.eu[(m, k)].get(c, 0.0), ramp * self.world_at(m, k, c, t))

    def suppliers(self, m, k) -> list[str]:
        cs = {c for c, v in self.eu[(m, k)].items() if v > 1e-6}
        cs |= {c for c, v in self.world[(m, k)].items() if v > 1e-6}
        for dist in self.world_proj.get((m, k), {}).values():
            cs |= {c for c, v in dist.items() if v > 1e-6}
        return sorted(cs, key=lambda c: (c == REST, c))

    def _named(self, m, k) -> dict:
        """Today's weights of the named suppliers (world weights if the EU data name none)."""
        d = {c: v for c, v in self.eu[(m, k)].items() if c != REST and v > 0}
        return d or {c: v for c, v in self.world[(m, k)].items() if c != REST and v > 0}

    def incumbent(self, m, k) -> str:
        d = self._named(m, k)
        return max(sorted(d), key=lambda c: d[c])

    def ladder(self, m, k, c) -> float:
        """Price multiplier: 1 for the incumbent, up to 1 + LADDER for the smallest supplier."""
        if c == REST:  # many small suppliers: the top of the ladder
            return 1.0 + LADDER
        d = self._named(m, k)
        top = max(d.values())
        return 1.0 + LADDER * (1.0 - min(1.0, d.get(c, 0.0) / top))


# =============================================================================================
