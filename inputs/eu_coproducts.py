"""Co-products of the default EU case (sheet coproducts): plants that yield several materials at
once in fixed ratios, so the EU cannot build one member's capacity without the other's. Numbers
from data/reference/byproducts.csv, each with its source and grade; derivations in the row notes.

* ``ree_separation_light`` and ``ree_separation_heavy`` (processing, t of NdPr + Dy/Tb oxide a
  year): a rare-earth separation plant yields NdPr and Dy/Tb in the ratio of its feed, and the EU
  has two feeds in view. Light: Mkango's Pulawy plant (PL, strategic project of March 2025) on
  imported Songwe Hill (MW) carbonate, ~2,000 t NdPr + ~50 t Dy/Tb oxide a year (B) -> NdPr
  0.976, Dy/Tb 0.024 (the Songwe Hill DFS, 1,953 t NdPr and 56 t Dy/Tb, agrees). Heavy: Norra
  Karr (SE), the EU's one heavy-REE deposit with a published split (PEA as reported, B): 721 t
  NdPr, 248 t Dy and 36 t Tb oxide a year -> NdPr 0.717, Dy/Tb 0.283. Building either plant
  brings both members; the EU's Dy/Tb-to-NdPr ratio is chosen between 0.025 and 0.39 through the
  blend of the two. Capex: Caremag (Lacq, FR), EUR 216 m for 800 t NdPr + 600 t Dy/Tb oxide a
  year = 154,286 EUR per t of magnet oxide a year (B), for both (C). New NdPr and Dy/Tb
  separation capacity is built only as these groups; existing NdPr capacity (light-REE plants)
  keeps its own rows.
* ``ree_mine`` (extraction): Norra Karr's ratio at the mine, at most its planned 1,005 t/yr.
* ``pgm_kevitsa`` (extraction, t of Pt + Pd contained a year): the EU's one PGM-producing mine,
  Kevitsa (FI), a nickel-copper mine whose concentrates carry Pt and Pd: 2015 output 31,899 oz Pt
  and 25,196 oz Pd (B) -> 1.776 t/yr, Pt 0.559 / Pd 0.441; held flat to the mine's end (2034, B).
  No EU PGM mine project gives a PGM tonnage or capex in the sources found (Sakatti, a strategic
  project of 2025, gives only ~100 kt/yr copper equivalent from the early 2030s), so the group
  has no technology row: it can run, not grow.
* ``nickel_cobalt_mine`` (extraction, t of Ni + Co contained a year): cobalt in the EU is mined
  with nickel. Terrafame (Sotkamo, FI) makes 170,000 t/yr nickel sulphate and 7,400 t/yr cobalt
  sulphate from its own bioleached ore (B) = 37,960 t Ni + 1,551 t Co (C: hexa-/heptahydrate
  assumed) -> Ni 0.961, Co 0.039 of the output. The group replaces cobalt's own EU extraction
  (existing and new); its nickel is taken off nickel's existing extraction capacity, which keeps
  the EU's other nickel mines (Kevitsa, Greece) and a nickel-only build option. New
  nickel-cobalt mines cost what a nickel mine costs per t of metal (C, the nickel rule) up to
  1.5 x today's (the nickel reserve rule, C).

Third countries: most cobalt is a co-product of copper (DRC: 0.067 t Co per t Cu in 2024, 75 %
of world cobalt from copper ores, A) or of nickel (25 %, A). The EU buys DRC cobalt as hydroxide
(extraction stage); the host-output bound of sheet host_output limits refined supply only, and
DRC copper output (3.3 Mt, 2024) x 0.067 = 220 kt Co is ten times EU cobalt demand, so it
would not bind: a DRC disruption reaches cobalt through the disruptions sheet, not through a
host row.
"""
from __future__ import annotations

from inputs.eu_byproducts import _Ref, _src
from inputs.eu_capacity import lead_time
from inputs.eu_common import (
    ASSUMPTION,
    BUILD_SHARE,
    FIRST,
    FOM_SHARE,
    LIFETIME,
    MINE_VOM,
    PROC_VOM,
    YEARS,
    Ref,
    _short,
    row,
    sig,
    sig_up,
)
from inputs.eu_spec import SPEC

OZ_PER_T = 32150.7466
NI_IN_SULPHATE = 58.6934 / 262.85   # NiSO4.6H2O
CO_IN_SULPHATE = 58.9332 / 281.10   # CoSO4.7H2O


def _group_path(existing: dict, tech: dict | None) -> dict:
    """Most capacity the group can have each year (existing + buildable, capped)."""
    out = {}
    for t in YEARS:
        v = existing.get(t, 0.0)
        if tech:
            online = FIRST + tech["lead_time"]
            v += tech["max_build_per_year"] * sum(1 for tt in YEARS if online <= tt <= t)
            if tech.get("max_capacity"):
                v = min(v, max(tech["max_capacity"], existing.get(t, 0.0)))
        out[t] = v
    return out


def _drop(rows, sheet, **kw):
    rows[sheet] = [r for r in rows[sheet] if not all(r.get(k) == v for k, v in kw.items())]


def coproduct_rows(ref: Ref, rows: dict, info: dict) -> None:
    """Add sheet coproducts and the groups' technology / capacity_existing rows to ``rows``; take
    the members' own capacity the groups replace out of ``rows`` and ``info``; record each
    member's capacity through the groups in ``info[m]['co'][stage]`` (read by the benchmarks)."""
    bp = _Ref()
    rows.setdefault("coproducts", [])
    groups = {}  # group -> (stage, {member: share}, existing {t: v}, tech row or None)

    # rare-earth separation: two feeds, the plant's ratio follows its feed ----------------------
    nd = bp.one(material="ndpr", country="SE", parameter="nameplate_capacity_tpa")
    dy = bp.one(material="dysprosium", country="SE", parameter="nameplate_capacity_tpa")
    tb = bp.one(material="terbium", country="SE", parameter="nameplate_capacity_tpa")
    tot = nd["value"] + dy["value"] + tb["value"]
    ree = {"ndpr": nd["value"] / tot, "dytb": (dy["value"] + tb["value"]) / tot}
    ree_src = _src(nd, dy, tb)
    pl_nd = bp.one(material="ndpr", country="PL", parameter="nameplate_capacity_tpa")
    pl_dy = bp.one(material="dytb", country="PL", parameter="nameplate_capacity_tpa")
    pl_tot = pl_nd["value"] + pl_dy["value"]
    light = {"ndpr": pl_nd["value"] / pl_tot, "dytb": pl_dy["value"] / pl_tot}
    feeds = {
        "ree_separation_light": (light, _src(pl_nd, pl_dy),
                                 (f"Mkango Pulawy (PL, strategic project 2025) on Songwe Hill (MW) carbonate: "
                                  f"{pl_nd['value']:,.0f} t NdPr + {pl_dy['value']:g} t Dy/Tb oxide a year (B)"),
                                 {"ndpr": f"{pl_nd['value']:,.0f}", "dytb": f"{pl_dy['value']:g}"}, pl_tot),
        "ree_separation_heavy": (ree, ree_src,
                                 (f"Norra Karr (SE) PEA {nd['value']:g} t NdPr + {dy['value']:g} t Dy + "
                                  f"{tb['value']:g} t Tb oxide a year (B)"),
                                 {"ndpr": f"{nd['value']:g}", "dytb": f"({dy['value']:g} + {tb['value']:g})"}, tot),
    }
    cx = ref.one(parameter="capex_eur_per_tpa", material="dytb", stage="recycling")
    d30 = {m: sig(info[m]["d"][2030]) for m in ree}
    lt = lead_time(ref, "processing", "ndpr")
    mg = SPEC["ndpr"]["margin"][0]  # the same for dytb
    feed_vom = (1 - mg) + PROC_VOM * mg  # concentrate bought at ore value + separation cost
    for g, (shares, src, what, num, total) in feeds.items():
        for m, sh in shares.items():
            rows["coproducts"].append(row(
                dict(group=g, material=m, share=sig(sh, 4), stage="processing", surplus_value=0.0),
                src + [ASSUMPTION], "C",
                f"derived: {what} -> {m} = {num[m]} / {total:,.0f} = {sh:.4f} t per t of magnet oxide; "
                "two feeds, light (imported concentrate, the EU's planned plant) and heavy (the EU's own "
                "heavy-REE deposit), so the EU's Dy/Tb-to-NdPr ratio is a choice between 0.025 and 0.39 "
                "(C: no other feed's split in the data); surplus disposed of or stocked, no revenue "
                "assumed (C)", "2021"))
        value = sum(shares[m] * info[m]["P"] for m in shares)
        lead = "ndpr" if g.endswith("light") else "dytb"  # the member each feed's plant is built for
        mb = BUILD_SHARE["processing"] * d30[lead] / shares[lead]
        tech = dict(material=g, stage="processing", capex=sig(cx["value"]),
                    fixed_om=sig(FOM_SHARE * cx["value"]), variable_om=sig(feed_vom * value),
                    lifetime=LIFETIME["processing"], lead_time=int(lt.value), earliest_build_year=FIRST,
                    max_build_per_year=sig_up(mb))
        rows["technology"].append(row(
            tech, [_short(cx["source"])] + lt.sources + src, "C",
            f"capex: Caremag (Lacq, FR) EUR 216 m / (800 t NdPr + 600 t Dy/Tb oxide a year) = "
            f"{cx['value']:,.0f} EUR per t/yr of magnet oxide ({cx['confidence']}, values.csv; the one EU "
            "separation capex per t of magnet oxide in the data, used for both feeds, C); fixed O&M "
            f"{FOM_SHARE:.0%}/yr of capex; variable O&M = (feed: mixed concentrate at ore value 1 - margin "
            f"{mg} + separation {PROC_VOM} x margin {mg}) = {feed_vom:.2f} x output value {value:,.0f} EUR/t "
            "(share-weighted NdPr and Dy/Tb prices): the group's output needs no ore row, so its feed is "
            f"paid here, as an own NdPr plant pays ore price + {PROC_VOM} x margin x price (C); lifetime "
            f"{LIFETIME['processing']} yr (C); lead time {lt.note}; max build per year = what the former "
            f"rule allowed for the member this feed is for, {lead} ({BUILD_SHARE['processing']:.0%} of 2030 "
            f"demand {d30[lead]:,.0f} t) / its share {shares[lead]:.3f} (C)", "2025; 2021"))
        groups[g] = ("processing", shares, {}, tech)
    for m in ree:
        _drop(rows, "technology", material=m, stage="processing")
        info[m]["techs"].pop("processing", None)

    # rare-earth mine: the same deposit yields both at extraction -------------------------------
    cap = bp.one(material="ree_total", country="SE", parameter="nameplate_capacity_tpa")
    for m, s in ree.items():
        rows["coproducts"].append(row(
            dict(group="ree_mine", material=m, share=sig(s, 4), stage="extraction", surplus_value=0.0),
            ree_src + [ASSUMPTION], "C",
            f"derived: Norra Karr (SE) PEA, as ree_separation_heavy: {m} = {s:.4f} t per t of magnet oxide "
            "contained; the EU's one REE deposit with a published product split (C: the choice of "
            "deposit); surplus disposed of or stocked, no revenue assumed", "2021"))
    nd_tech = next(r for r in rows["technology"] if r["material"] == "ndpr" and r["stage"] == "extraction")
    value_ore = sum(ree[m] * info[m]["y"] * (1 - SPEC[m]["margin"][0]) * info[m]["P"] for m in ree)
    tech = dict(material="ree_mine", stage="extraction", capex=nd_tech["capex"], fixed_om=nd_tech["fixed_om"],
                variable_om=sig(MINE_VOM * value_ore), lifetime=LIFETIME["extraction"],
                lead_time=nd_tech["lead_time"], earliest_build_year=FIRST,
                max_build_per_year=sig_up(tot), max_capacity=sig(tot))
    rows["technology"].append(row(
        tech, ree_src + _src(cap) + [ASSUMPTION], "C",
        f"capex {nd_tech['capex']:,.0f} EUR per t/yr, fixed O&M and lead time {nd_tech['lead_time']} yr of "
        f"the former NdPr mine row (C: REE mine + concentrator); variable O&M {MINE_VOM} x ore value "
        f"{value_ore:,.0f} EUR/t (share-weighted yield x (1 - margin) x price); max_capacity {tot:,.0f} t/yr "
        f"= Norra Karr's planned {nd['value']:g} t NdPr + {dy['value'] + tb['value']:g} t Dy/Tb oxide a year "
        f"in {cap['value']:,.0f} t REO (PEA, B): no other EU REE mine has a plan in the data (Per Geijer "
        "not before the late 2030s)", "2021"))
    for m in ree:
        _drop(rows, "technology", material=m, stage="extraction")
        info[m]["techs"].pop("extraction", None)
    groups["ree_mine"] = ("extraction", ree, {}, tech)

    # PGM mine --------------------------------------------------------------------------------
    pt = bp.one(material="platinum", country="FI", parameter="eu_production_t")
    pd_ = bp.one(material="palladium", country="FI", parameter="eu_production_t")
    end = bp.one(material="pgm", country="FI", parameter="production_end_year")
    out = pt["value"] + pd_["value"]
    pgm = {"platinum": pt["value"] / out, "palladium": pd_["value"] / out}
    pgm_src = _src(pt, pd_)
    for m, s in pgm.items():
        rows["coproducts"].append(row(
            dict(group="pgm_kevitsa", material=m, share=sig(s, 4), stage="extraction", surplus_value=0.0),
            pgm_src, "B",
            f"derived: Kevitsa (FI) 2015 {pt['value'] * OZ_PER_T:,.0f} oz Pt and {pd_['value'] * OZ_PER_T:,.0f} "
            f"oz Pd (B) -> {m} = {s:.4f} of Pt + Pd; the surplus (Pt/Pd the EU does not refine) is "
            "disposed of or stocked, no revenue assumed", "2015"))
    existing = {t: (out if t <= end["value"] else 0.0) for t in YEARS}
    ore_value = sum(pgm[m] * info[m]["y"] * (1 - SPEC[m]["margin"][0]) * info[m]["P"] for m in pgm)
    rows["technology"].append(row(
        dict(material="pgm_kevitsa", stage="extraction", capex=0.0, fixed_om=0.0,
             variable_om=sig(MINE_VOM * ore_value), lifetime=LIFETIME["extraction"], lead_time=0,
             earliest_build_year=FIRST, max_build_per_year=0.0),
        pgm_src + [ASSUMPTION], "C",
        f"no build option (max_build_per_year 0: no EU PGM mine project with a PGM tonnage or capex "
        f"in the data, so capex is not used); the row carries the mine's variable O&M {MINE_VOM} x ore "
        f"value {ore_value:,.0f} EUR/t (share-weighted yield x (1 - margin) x price of Pt and Pd, the "
        "rule of every EU mine in the case)", "2015"))
    for t in YEARS:
        if existing[t] > 0:
            rows["capacity_existing"].append(row(
                dict(material="pgm_kevitsa", stage="extraction", year=t, capacity=sig(out)),
                pgm_src + _src(end), "B",
                f"Kevitsa 2015 output {pt['value']:.3f} t Pt + {pd_['value']:.3f} t Pd = {out:.3f} t/yr, "
                f"held flat to the mine's end ({end['value']:.0f}: reserves re-estimated in 2024 for "
                "ten more years)", "2015; 2024"))
    groups["pgm_kevitsa"] = ("extraction", pgm, existing, None)

    # nickel-cobalt mine ----------------------------------------------------------------------
    ni = bp.one(material="nickel", country="FI", parameter="nameplate_capacity_tpa")
    co = bp.one(material="cobalt", country="FI", parameter="nameplate_capacity_tpa")
    ni_t, co_t = ni["value"] * NI_IN_SULPHATE, co["value"] * CO_IN_SULPHATE
    out = ni_t + co_t
    nico = {"nickel": ni_t / out, "cobalt": co_t / out}
    nico_src = _src(ni, co)
    deriv = (f"Terrafame (FI) {ni['value']:,.0f} t/yr NiSO4 x {NI_IN_SULPHATE:.4f} t Ni/t (hexahydrate) = "
             f"{ni_t:,.0f} t Ni and {co['value']:,.0f} t/yr CoSO4 x {CO_IN_SULPHATE:.4f} t Co/t (heptahydrate) = "
             f"{co_t:,.0f} t Co (B; the hydrates are assumed, C)")
    for m, s in nico.items():
        rows["coproducts"].append(row(
            dict(group="nickel_cobalt_mine", material=m, share=sig(s, 4), stage="extraction", surplus_value=0.0),
            nico_src, "C", f"derived: {deriv} -> {m} = {s:.4f} of Ni + Co (Co:Ni {co_t / ni_t:.4f}); "
            "surplus disposed of or stocked, no revenue assumed", "2021"))
    existing = {t: out for t in YEARS}
    for t in YEARS:
        rows["capacity_existing"].append(row(
            dict(material="nickel_cobalt_mine", stage="extraction", year=t, capacity=sig(out)), nico_src, "C",
            f"derived: {deriv}; design capacity of the plant fed by the Sotkamo mine (operating since "
            "2021), held flat", "2021"))
    ni_tech = info["nickel"]["techs"]["extraction"]
    fac = SPEC["nickel"]["e_max_factor"]
    ore_value = sum(nico[m] * info[m]["y"] * (1 - SPEC[m]["margin"][0]) * info[m]["P"] for m in nico)
    tech = dict(material="nickel_cobalt_mine", stage="extraction", capex=ni_tech["capex"],
                fixed_om=ni_tech["fixed_om"], variable_om=sig(MINE_VOM * ore_value),
                lifetime=LIFETIME["extraction"], lead_time=ni_tech["lead_time"], earliest_build_year=FIRST,
                max_build_per_year=ni_tech["max_build_per_year"], max_capacity=sig(fac * out))
    rows["technology"].append(row(
        tech, nico_src + [ASSUMPTION], "C",
        f"as a nickel mine per t of metal (capex {ni_tech['capex']:,.0f} EUR per t/yr, fixed O&M, lead time "
        f"{ni_tech['lead_time']} yr and build rate of nickel's extraction row, C); variable O&M {MINE_VOM} x "
        f"ore value {ore_value:,.0f} EUR/t (share-weighted yield x (1 - margin) x price of Ni and Co); "
        f"max_capacity {fac} x existing {out:,.0f} t/yr (nickel's reserve rule, C)", "2021"))
    # cobalt's own EU extraction is replaced; nickel's loses the group's nickel
    _drop(rows, "technology", material="cobalt", stage="extraction")
    _drop(rows, "capacity_existing", material="cobalt", stage="extraction")
    info["cobalt"]["techs"].pop("extraction", None)
    info["cobalt"]["cap"].pop("extraction", None)
    rest = {}
    for r in rows["capacity_existing"]:
        if r["material"] == "nickel" and r["stage"] == "extraction":
            v = max(0.0, r["capacity"] - ni_t)
            rest[r["year"]] = v
            r["capacity"] = sig(v)
            r["note"] = (f"{r['note']}; less Terrafame's {ni_t:,.0f} t Ni, which sheet coproducts holds as "
                         "group nickel_cobalt_mine (C)")
            r["source"] = " + ".join(dict.fromkeys(r["source"].split(" + ") + nico_src))
            r["confidence"] = "C"
    info["nickel"]["cap"]["extraction"] = {t: (rest.get(t, 0.0), num) for t, (_, num)
                                           in info["nickel"]["cap"]["extraction"].items()}
    for r in rows["technology"]:
        if r["material"] == "nickel" and r["stage"] == "extraction" and r.get("max_capacity"):
            r["max_capacity"] = sig(fac * rest[YEARS[-1]])
            r["note"] += (f"; max_capacity re-based on the nickel-only existing capacity "
                          f"{rest[YEARS[-1]]:,.0f} t/yr (Terrafame is group nickel_cobalt_mine)")
            info["nickel"]["techs"]["extraction"]["max_capacity"] = r["max_capacity"]
    groups["nickel_cobalt_mine"] = ("extraction", nico, existing, tech)

    groups["aluminium_restart"] = _aluminium_restart(ref, rows, info)

    for g, (k, shares, ex, tech) in groups.items():
        path = _group_path(ex, tech)
        for m, s in shares.items():
            co_m = info[m].setdefault("co", {}).setdefault(k, {t: 0.0 for t in YEARS})
            for t in YEARS:
                co_m[t] += s * path[t]
            info[m].setdefault("co_groups", {}).setdefault(k, []).append(g)


def _aluminium_restart(ref: Ref, rows: dict, info: dict) -> tuple:
    """Curtailed EU primary smelters as a second way to add aluminium processing capacity: a
    one-member group (aluminium, share 1) with its own technology row, restart capex per t/yr and
    a limit of the capacity curtailed in 2021-2022. The group's output needs no ore row, so its
    feed is paid in its variable O&M at ore value, as the rare-earth groups' is."""
    cut = ref.one(parameter="curtailed_primary_capacity_t", material="aluminium")
    rs = ref.one(parameter="restart_capex_usd_per_tpa", material="aluminium", country="AU")
    fx = ref.fx(rs["year"])
    own = info["aluminium"]["techs"]["processing"]
    mg, price = SPEC["aluminium"]["margin"][0], info["aluminium"]["P"]
    capex = rs["value"] / fx["value"]
    tech = {"material": "aluminium_restart", "stage": "processing", "capex": sig(capex),
            "fixed_om": own["fixed_om"], "variable_om": sig((1 - mg) * price + own["variable_om"]),
            "lifetime": LIFETIME["processing"], "lead_time": 1, "earliest_build_year": FIRST,
            "max_build_per_year": sig(cut["value"]), "max_capacity": sig(cut["value"])}
    rows["coproducts"].append(row(
        {"group": "aluminium_restart", "material": "aluminium", "share": 1.0, "stage": "processing",
         "surplus_value": 0.0}, [_short(cut["source"])], "C",
        "one-member group: restarting a curtailed EU primary smelter yields aluminium like a new "
        "smelter; a group so that it can carry a technology row of its own (C)", cut["year"]))
    rows["technology"].append(row(
        tech, [_short(rs["source"]), _short(fx["source"]), _short(cut["source"])], "C",
        f"restart of curtailed EU primary smelters: capex Portland (AU) potline restart, 35,000 t/yr "
        f"idled since 2009, about $28 m = {rs['value']:,.0f} USD per t/yr ({rs['confidence']}) / "
        f"{fx['value']} USD/EUR ({rs['year']}) = {capex:,.0f} EUR per t/yr (Warrick, US, 2018: 217 USD "
        f"per t/yr; a new smelter with its alumina share {own['capex']:,.0f}); fixed O&M and variable "
        f"O&M those of a running smelter (aluminium's processing row: fixed {own['fixed_om']:,.2f}, "
        f"variable {own['variable_om']:,.2f} EUR/t) plus the feed at ore value (1 - margin {mg}) x price "
        f"{price:,.0f} EUR/t, which an own smelter buys through its ore rows; lead time 1 yr (Portland: "
        f"announced Nov 2021, metal from Q3 2022, B); at most {cut['value']:,.0f} t/yr in all: the EU "
        "smelters' cuts of 2021-2022 in the Reuters factbox of 25 Aug 2022 (San Ciprian, Delfzijl, "
        "Slatina, Dunkirk, Slovalco, Talum, TRIMET Essen, Hamburg, Voerde), C as capacity still idle "
        "and restartable (restarts and closures since 2022 not in the data); the model sees no "
        "electricity price, which is why they were curtailed (C)", f"{rs['year']}; {cut['year']}"))
    return ("processing", {"aluminium": 1.0}, {}, tech)
