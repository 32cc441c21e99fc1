"""By-products of the default EU case: gallium on alumina, germanium on zinc (sheets byproducts and
host_output), from data/reference/byproducts.csv. Every number carries its source and grade; the
derivations are written out in the row notes.

* Gallium rides on alumina refining (Bayer liquor). Recoverable gallium per tonne of alumina:
  Metlen's design, 50 t/yr of gallium (A) at the Agios Nikolaos refinery expanded to 1,265 kt/yr of
  alumina (A) = 39.5 g/t (C, derived; China realises 8.9 g/t, the world 5.35 g/t on average over
  refineries with and without a gallium circuit). The gallium content of Bayer liquor and the
  circuit's recovery are not published separately (a gap of the reference data), so the row gives
  content = the design yield and recovery = 1.
* Germanium rides on zinc smelting. Germanium recovered per tonne of refined zinc today: half of
  world primary germanium (C: 'almost the same' share as coal fly ash) x 140 t (2022, A) / world
  refined zinc 13.7 Mt (2024, A) = 5.1 g/t (C); 'less than 3 %' of the germanium in zinc ores is
  recovered (A), so content = 5.1 / 0.03 = 170 g/t (C) and recovery = 0.03 (today's practice; what
  a new recovery circuit could reach is not in the data, so the case does not assume better).
* EU host throughput: alumina = DE + GR + IE + ES output 2024 (A each, 4,240 kt), plus Metlen's
  expansion (865 -> 1,265 kt/yr, A) from 2028; zinc = the four EU smelters' capacities (Budel 315,
  Nordenham 165, Auby ~150 kt/yr; Balen's 2016 output 236 kt), 866 kt/yr (C). Both held flat after
  their last data year (said in the note).
* Third countries: alumina output 2024 (USGS, A) of each country that sells the EU gallium, held
  flat: a disruption of a country's alumina (host id 'alumina' in the disruptions sheet) cuts its
  gallium by the same share. Zinc: USGS reports mine output, not smelter output, by country, and
  germanium is recovered at smelters, so no third-country zinc rows (a gap).

Recovery is EU processing of the by-product (formulation §3.4): it uses the by-product's
processing capacity (Metlen's gallium circuit is existing gallium processing capacity from 2027)
and counts toward the processing benchmark only.
"""
from __future__ import annotations

import csv

from inputs.eu_common import REFERENCE, YEARS, _short, row, sig, worst

BYPRODUCTS = REFERENCE.parent / "byproducts.csv"


class _Ref:
    """byproducts.csv rows, looked up by exact column values."""

    def __init__(self, path=BYPRODUCTS):
        with open(path, newline="", encoding="utf-8") as f:
            self.rows = [dict(r, value=float(r["value"])) for r in csv.DictReader(f)]

    def one(self, **kw) -> dict:
        got = [r for r in self.rows if all(r[k] == v for k, v in kw.items())]
        if len(got) != 1:
            raise LookupError(f"byproducts.csv: expected one row for {kw}, found {len(got)}")
        return got[0]


def _src(*rows) -> list[str]:
    return [_short(r["source"]) for r in rows]


def byproduct_rows(gallium_suppliers) -> dict:
    """{'byproducts': [...], 'host_output': [...]} for the default case; ``gallium_suppliers``:
    the third countries with gallium supply rows (their alumina output bounds and carries it)."""
    ref = _Ref()
    out = {"byproducts": [], "host_output": []}
    ga = ref.one(material="gallium", country="GR", parameter="eu_capacity_tpa")
    al_gr = ref.one(material="aluminium", country="GR", year="2028", parameter="eu_capacity_tpa",
                    unit="t Al2O3/yr")
    y_ga = ga["value"] / al_gr["value"]
    out["byproducts"].append(row(
        dict(material="gallium", host="alumina", host_stage="processing", content=sig(y_ga), recovery=1.0),
        _src(ga, al_gr), "C",
        f"derived: recoverable gallium per t alumina = Metlen design {ga['value']:g} t/yr Ga / "
        f"{al_gr['value']:,.0f} t/yr alumina = {y_ga * 1e6:.1f} g/t (content x recovery as one number: "
        "the Bayer-liquor content and the circuit's recovery are not published separately); China "
        "realises 8.9 g/t, the world 5.35 g/t", "2028 (planned start)"))
    ge = ref.one(material="germanium", country="WORLD", year="2022", parameter="world_production_t")
    zshare = ref.one(material="germanium", country="WORLD", parameter="source_share_zinc")
    # the world refined-zinc row (the other WORLD zinc rows are mine output)
    zn = [r for r in ref.rows if r["material"] == "zinc" and r["country"] == "WORLD"
          and r["parameter"] == "host_output_t" and "refined" in r["note"]][0]
    rec = ref.one(material="germanium", country="WORLD", parameter="recovery_rate")
    realised = zshare["value"] * ge["value"] / zn["value"]
    content = realised / rec["value"]
    out["byproducts"].append(row(
        dict(material="germanium", host="zinc", host_stage="processing", content=sig(content),
             recovery=rec["value"]),
        _src(ge, zshare, zn, rec), "C",
        f"derived: germanium recovered per t refined zinc today = share from zinc {zshare['value']:g} (C) x "
        f"world primary Ge {ge['value']:g} t (2022) / world refined zinc {zn['value']:,.0f} t (2024) = "
        f"{realised * 1e6:.2f} g/t; recovery {rec['value']:g} ('less than 3 %' recovered today, A) -> "
        f"content = {realised * 1e6:.2f} / {rec['value']:g} = {content * 1e6:.0f} g/t; a better "
        "circuit's recovery is not in the data, so none is assumed", "2024; 2022"))

    # EU host throughput
    al = [ref.one(material="aluminium", country=c, year="2024", parameter="host_output_t") for c in
          ("DE", "GR", "IE", "ES")]
    al_gr_now = ref.one(material="aluminium", country="GR", year="2024", parameter="eu_capacity_tpa")
    base = sum(r["value"] for r in al)
    extra = al_gr["value"] - al_gr_now["value"]
    parts = " + ".join(f"{r['value'] / 1e3:,.0f}" for r in al)
    expansion = f" + Metlen expansion {al_gr_now['value'] / 1e3:,.0f} -> {al_gr['value'] / 1e3:,.0f} kt/yr"
    for t in YEARS:
        v = base + (extra if t >= 2028 else 0.0)
        # the base year: the sum of four read 2024 outputs (arithmetic on A numbers), the 2024 value
        # held flat to 2025 as the third countries' rows below (USGS MCS 2025 is the latest edition
        # in the data); later years are a projection rule (C)
        grade = worst(*(r["confidence"] for r in al)) if t == YEARS[0] else "C"
        out["host_output"].append(row(
            dict(host="alumina", country="EU", year=t, output=sig(v)),
            _src(*al) if t == YEARS[0] else _src(*al, al_gr, al_gr_now), grade,
            f"EU alumina = DE + GR + IE + ES output 2024 ({parts} kt, USGS, each read)"
            + (expansion + " from 2028" if t >= 2028 else "")
            + ("; 2024 value, held flat to 2025" if t == YEARS[0] else
               "; held flat after 2024 (no projection in the data)"), "2024"))
    smelters = [ref.one(material="zinc", country="NL", parameter="eu_capacity_tpa"),
                ref.one(material="zinc", country="DE", parameter="eu_capacity_tpa"),
                ref.one(material="zinc", country="FR", parameter="eu_capacity_tpa"),
                ref.one(material="zinc", country="BE", parameter="eu_production_t")]
    zn_eu = sum(r["value"] for r in smelters)
    for t in YEARS:
        out["host_output"].append(row(
            dict(host="zinc", country="EU", year=t, output=sig(zn_eu)), _src(*smelters), "C",
            "derived: EU zinc smelting = Budel 315 + Nordenham 165 + Auby ~150 kt/yr capacity + Balen "
            f"236 kt (2016 output) = {zn_eu / 1e3:,.0f} kt/yr; held flat (capacities, not output: an "
            "upper end)", "2024; 2022; 2016"))
    for c in sorted(gallium_suppliers):
        got = [r for r in ref.rows if r["material"] == "aluminium" and r["country"] == c
               and r["parameter"] == "host_output_t" and r["year"] == "2024"]
        if not got:
            continue
        r = got[0]
        for t in YEARS:
            out["host_output"].append(row(
                dict(host="alumina", country=c, year=t, output=sig(r["value"])), _src(r),
                r["confidence"] if t == YEARS[0] else "C",
                "alumina refinery output 2024 (USGS); " + ("2024 value, held flat to 2025" if t == YEARS[0]
                                                          else "held flat after 2024 (no projection in the data)"),
                "2024"))
    return out
