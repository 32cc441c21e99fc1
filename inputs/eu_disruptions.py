"""The disruption scenarios of inputs/eu_crma_disruptions.xlsx, built on
data/reference/disruptions.csv (docs/data.md, "Disruption scenarios")."""
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import csv  # noqa: E402
from collections import defaultdict  # noqa: E402

from inputs.eu_common import ASSUMPTION, ROOT, YEARS, _short, row, sig  # noqa: E402
from inputs.eu_spec import SANCTIONS  # noqa: E402

# Disruption scenarios (inputs/eu_crma_disruptions.xlsx), built on data/reference/disruptions.csv
# =============================================================================================
DISRUPTIONS_REF = ROOT / "data" / "reference" / "disruptions.csv"
DISRUPTIONS_CSV = "data/reference/disruptions.csv"
RECORD = (2010, 2025)                      # the historical record in disruptions.csv
RECORD_YEARS = RECORD[1] - RECORD[0] + 1   # 16 years
START_YEARS = 1      # a scenario fixes its start year, so it stands for one start year (C)
MAJOR_IMPORTERS = 3  # US, Japan, EU: the buyers China's targeted bans hit (2010, 2024)

# Kinds of event: (events in the record 2010-2025 that reach the EU, which ones). The annual rate
# of a kind is events / RECORD_YEARS; a scenario's probability is that rate x START_YEARS, split
# equally over the scenarios of the kind (formulation §11: scenarios are mutually exclusive).
KINDS = {
    "cn_ree": (2, "China's rare-earth export quota cut of 2010 and its licensing of heavy rare earths "
                  "and magnets of 4 Apr 2025 (the Oct 2025 controls were suspended before they took "
                  "effect; the 2010 embargo on Japan is a targeted ban, counted under cn_targeted)"),
    "cn_ga_ge": (1, "China's gallium and germanium export licensing of 1 Aug 2023"),
    "cn_targeted": (2 / MAJOR_IMPORTERS, "China's bans aimed at one major importer: rare earths to "
                    "Japan (Sep-Nov 2010) and gallium/germanium/antimony to the US (Dec 2024), 2 "
                    "events, of which the EU, one of three major importers, carries a third"),
    "cn_graphite": (1, "China's graphite export permits of 1 Dec 2023 (the Oct 2025 anode controls "
                       "were suspended before they took effect)"),
    "cn_magnesium": (1, "China's magnesium output cuts of Sep 2021 (power-consumption curbs)"),
    "cn_tungsten": (1, "China's tungsten and bismuth export controls of 4 Feb 2025"),
    "cd_cobalt": (1, "the DRC's cobalt export suspension of 22 Feb 2025 and the quotas that "
                     "followed it (one event)"),
    "id_nickel": (2, "Indonesia's nickel ore export bans of Jan 2014 and Jan 2020"),
    "ru_war": (1, "Russia's invasion of Ukraine (Feb 2022): the LME nickel squeeze and the "
                  "sanctions that followed (the EU ban on Russian aluminium, Feb 2025)"),
}

# One scenario = one plausible future event on the pattern of a historical one. Each event row
# refers to a row of disruptions.csv (ref: column filters) and takes its duration, severity and
# price multiplier unless 'override' says otherwise ('why' gives the reason). 'countries' lose
# 'severity' of their offers at 'stages'; the price multiplier applies, for the event's duration,
# to every third-country offer of the material at both stages (severity-0 rows; see
# disruption_rows), except the countries in 'exclude'.
# Open-ended events end at the start of the last model year: a disruption that covers the final
# year would let that scenario use up its stock without replacing it (the stock has no value
# after the horizon, formulation §5), a gain that is an artifact of the horizon.
LAST_START = float(YEARS[-1])
SCENARIOS = [
    dict(scenario="cn_graphite_licence_2027", kind="cn_graphite",
         description="China's export permits on natural graphite (as from 1 Dec 2023) cut its flake "
                     "and processed-graphite exports by 25 % for a year; no price spike",
         events=[dict(ref=dict(material="graphite_natural", start_year="2023.92"),
                      materials=("graphite_natural",), countries=("CN",),
                      stages=("extraction", "processing"), start=2027.92, grade="A",
                      why="permits on flake (ore stage here) and spherical graphite (processing "
                          "stage); exports -25 % over 8 months; prices fell in 2024 (x1)")]),
    dict(scenario="cn_gallium_germanium_licence_2028", kind="cn_ga_ge",
         description="China's export licensing of gallium and germanium (as from 1 Aug 2023): its "
                     "exports -50 % (Ga) and -55 % (Ge) for 2.5 years, prices x1.75 (Ga, China) "
                     "and x2.27 (Ge)",
         events=[dict(ref=dict(material="gallium", start_year="2023.58"), materials=("gallium",),
                      countries=("CN",), stages=("processing",), start=2028.58, grade="C",
                      why="severity 0.5 is the record's C-level reading; x1.75 is the Chinese "
                          "price (USGS), so it applies to China's offer only: non-Chinese offers "
                          "are already at the 2025 ex-China price, 4 x China's, which carries the "
                          "premium of China's controls"),
                 dict(ref=dict(material="germanium", start_year="2023.58"), materials=("germanium",),
                      countries=("CN",), stages=("processing",), start=2028.58, grade="B",
                      why="Chinese Ge metal exports -55 % y/y Jan-Aug 2024 (USGS); fob China x2.27 "
                          "(Argus)")]),
    dict(scenario="cd_cobalt_ban_2029", kind="cd_cobalt",
         description="The DRC suspends cobalt exports for 8 months (as from 22 Feb 2025; refined "
                     "cobalt x1.6), then caps them at 44 % of its output for two years (as the "
                     "2026-27 quotas)",
         events=[dict(ref=dict(material="cobalt", start_year="2025.14"), materials=("cobalt",),
                      countries=("CD",), stages=("extraction", "processing"), start=2029.14,
                      grade="B", why="the suspension covered all cobalt exports (hydroxide, the "
                                     "ore stage here, and metal)"),
                 dict(ref=dict(material="cobalt", start_year="2026"), materials=("cobalt",),
                      countries=("CD",), stages=("extraction", "processing"), start=2030.0,
                      override=dict(price=1.0), grade="C",
                      why="quota 96,600 t/yr vs ~220,000 t mined: severity 0.56 (derived in the "
                          "record); starts 0.86 yr after the suspension, as in 2025-26; price "
                          "during the quotas not sourced: x1")]),
    dict(scenario="cn_magnesium_2029", kind="cn_magnesium",
         description="Chinese magnesium output halted or halved for a quarter (as from Sep 2021 "
                     "under power curbs), prices x5",
         events=[dict(ref=dict(material="magnesium", start_year="2021"), materials=("magnesium",),
                      countries=("CN",), stages=("processing",), start=2029.67, grade="C",
                      why="from September (.67) for a quarter, as Sep-Nov 2021 (EU stocks were "
                          "expected to run out by end Nov 2021); severity 0.5 is the record's "
                          "C-level reading of 'halted or reduced drastically'")]),
    dict(scenario="cn_gallium_germanium_ban_2029", kind="cn_targeted",
         description="China bans gallium and germanium exports to the EU for a year, as it did to "
                     "the US in Dec 2024",
         events=[dict(ref=dict(material="gallium;germanium;antimony", start_year="2024.92"),
                      materials=("gallium",), countries=("CN",), stages=("processing",),
                      start=2029.92, override=dict(duration=1.0, price=1.0), grade="C",
                      why="a ban: severity 1 (A); duration 1 yr as the record's plausible Ga/Ge "
                          "rows (C); no price row: non-Chinese offers are already at the 2025 "
                          "ex-China price"),
                 dict(ref=dict(material="gallium;germanium;antimony", start_year="2024.92"),
                      materials=("germanium",), countries=("CN",), stages=("processing",),
                      start=2029.92, override=dict(duration=1.0, price=2.27), grade="C",
                      why="a ban: severity 1 (A); duration 1 yr as the record's plausible Ge row "
                          "(C); price x2.27 as in the 2023-24 licensing (Argus)")]),
    dict(scenario="cn_ree_quota_2030", kind="cn_ree",
         description="China cuts rare-earth exports by 40 % for 1.5 years (as its 2010 export "
                     "quota), rare-earth prices x9",
         events=[dict(ref=dict(material="ree_total", start_year="2010", duration_years="1.5"),
                      materials=("ndpr", "dytb"), countries=("CN",),
                      stages=("extraction", "processing"), start=2030.0, override=dict(price=9.0),
                      grade="B",
                      why="the quota covered every rare-earth export, so both stages (the case's "
                          "Chinese REE 'ore' offer stands for compounds China exports); price x9 = "
                          "Chinese export unit value Jul 2010-Feb 2011 (a basket of what importers "
                          "paid), not the record's x26 (Dy oxide peak), since the model applies the "
                          "multiplier to every tonne for the whole 1.5 years")]),
    dict(scenario="cn_hree_magnet_licence_2031", kind="cn_ree",
         description="China licenses exports of heavy rare earths and magnets (as from 4 Apr "
                     "2025): half its Dy/Tb and magnet exports lost for a year; price effect not "
                     "sourced",
         events=[dict(ref=dict(material="dytb;ree_magnet", start_year="2025.26"), materials=("dytb",),
                      countries=("CN",), stages=("extraction", "processing"), start=2031.26,
                      override=dict(price=1.0), grade="C",
                      why="Dy, Tb and their compounds at both stages; severity 0.5 and duration are "
                          "the record's C-level placeholders; price not sourced: x1"),
                 dict(ref=dict(material="dytb;ree_magnet", start_year="2025.26"), materials=("ndpr",),
                      countries=("CN",), stages=("processing",), start=2031.26,
                      override=dict(price=1.0), grade="C",
                      why="magnets (NdFeB with Dy/Tb) are in NdPr's processing stage here; severity "
                          "and duration are the record's C-level placeholders; price not sourced: "
                          "x1")]),
    dict(scenario="id_nickel_ban_2031", kind="id_nickel",
         description="Indonesia bans nickel exports for three years (as its ore ban of Jan 2014, "
                     "extended to intermediates and refined nickel); nickel x1.47 for two months "
                     "(as Jul-Aug 2019)",
         events=[dict(ref=dict(material="nickel", start_year="2014.0"), materials=("nickel",),
                      countries=("ID",), stages=("extraction", "processing"), start=2031.0,
                      override=dict(severity=1.0, price=1.0), grade="C",
                      why="a ban: severity 1 for 3 yr as 2014-17 (the record leaves severity and "
                          "price blank); Indonesia's ore ban of 2020 is in force, so a new ban "
                          "would reach intermediates and refined nickel"),
                 dict(ref=dict(material="nickel", start_year="2020.0"), materials=("nickel",),
                      countries=(), stages=(), start=2031.0, override=dict(duration=0.17),
                      exclude=("ID",), grade="C",
                      why="LME 3M nickel +47 % Jul -> end Aug 2019 on the ban's announcement: x1.47 "
                          "for two months (0.17 yr)")]),
    dict(scenario="cn_tungsten_licence_2031", kind="cn_tungsten",
         description="China licenses tungsten and bismuth exports (as from 4 Feb 2025): 30 % of "
                     "its exports lost for a year, tungsten (APT) x2.3",
         events=[dict(ref=dict(material="tungsten;bismuth", start_year="2025.1"),
                      materials=("tungsten",), countries=("CN",), stages=("processing",),
                      start=2031.1, grade="C",
                      why="APT, oxides, carbides: processing stage; APT +130 % by Nov 2025; severity "
                          "0.3 is the record's C-level placeholder (licensing delays, not a ban)"),
                 dict(ref=dict(material="tungsten;bismuth", start_year="2025.1"),
                      materials=("bismuth",), countries=("CN",), stages=("processing",),
                      start=2031.1, override=dict(price=1.0), grade="C",
                      why="severity 0.3 as for tungsten (C placeholder); the x2.3 is the APT price: "
                          "bismuth's price effect is not sourced, x1")]),
    dict(scenario="ru_supply_loss_2032", kind="ru_war",
         description="A new war shock with Russia (as Feb 2022): Russian nickel, PGMs and titanium "
                     "are lost to the EU from Feb 2032 to the end of 2039 (sanctions, as the EU's "
                     "ban on Russian aluminium); nickel x2.5 for days (LME squeeze), PGMs and titanium "
                     "x1.5 for a year",
         events=[dict(ref=dict(material="platinum;palladium", country="RU", start_year=""),
                      materials=("nickel", "palladium", "platinum", "titanium_metal"),
                      countries=("RU",), stages=("extraction", "processing"), start=2032.15,
                      override=dict(severity=1.0, duration=LAST_START - 2032.15, price=1.0),
                      extra_source=SANCTIONS[("aluminium", "RU", "processing")]["source"],
                      grade="C",
                      why="from 24 Feb (.15) to the start of 2040, the last model year, as an EU "
                          "ban of the kind already imposed on Russian aluminium (no end date; "
                          "ending it before the last year keeps the model from using up the stock "
                          "in 2040 without replacing it); severity 1, not the record's world-share "
                          "reading (0.4), because the offer is Russia's sales to the EU"),
                 dict(ref=dict(material="nickel", start_year="2022.17"), materials=("nickel",),
                      countries=(), stages=(), start=2032.17, exclude=("RU",), grade="C",
                      why="LME nickel squeeze of 7-8 Mar 2022: x2.5 for 0.05 yr (the record's "
                          "C-level reading)"),
                 dict(ref=dict(material="platinum;palladium", country="RU", start_year=""),
                      materials=("palladium", "platinum"), countries=(), stages=(),
                      start=2032.15, override=dict(severity=0.0), exclude=("RU",), grade="C",
                      why="x1.5 for a year: the record's placeholder for PGM sanctions"),
                 dict(ref=dict(material="titanium_metal", country="KZ;RU", start_year=""),
                      materials=("titanium_metal",), countries=(), stages=(), start=2032.15,
                      override=dict(severity=0.0), exclude=("RU",), grade="C",
                      why="x1.5 for a year: the record's placeholder for a loss of Russian "
                          "(and Kazakh) sponge; Kazakhstan stays available here")]),
]


class Record:
    """data/reference/disruptions.csv as rows (strings), found by column filters."""

    def __init__(self, path=DISRUPTIONS_REF):
        with open(path, newline="", encoding="utf-8") as f:
            self.rows = list(csv.DictReader(f))

    def one(self, **kw) -> dict:
        rows = [r for r in self.rows if all(r[k] == v for k, v in kw.items())]
        if len(rows) != 1:
            raise LookupError(f"disruptions.csv: expected one row for {kw}, found {len(rows)}")
        return rows[0]


def _event_values(rec: dict, event: dict) -> dict:
    """Duration, severity and price multiplier of an event: the record's, unless overridden."""
    cols = {"duration": "duration_years", "severity": "severity_share_lost",
            "price": "price_multiplier"}
    out = {}
    for k, col in cols.items():
        if k in event.get("override", {}):
            out[k] = float(event["override"][k])
        elif rec[col].strip():
            out[k] = float(rec[col])
        elif k == "severity" and not event["countries"]:
            out[k] = 0.0
        else:
            raise ValueError(f"{event['ref']}: {col} is blank in the record; give an override")
    return out


def probability_of(scenario: dict) -> tuple[float, str]:
    """A scenario's probability and its arithmetic."""
    kind = scenario["kind"]
    n, which = KINDS[kind]
    split = sum(1 for s in SCENARIOS if s["kind"] == kind)
    rate = n / RECORD_YEARS
    p = rate * START_YEARS / split
    events = f"2 events x 1/{MAJOR_IMPORTERS}" if kind == "cn_targeted" else \
        f"{n:g} event{'' if n == 1 else 's'}"
    note = (f"kind {kind}: {which}; rate = {events} / {RECORD_YEARS} yr ({RECORD[0]}-{RECORD[1]}) "
            f"= {rate:.4f} per yr; x {START_YEARS} start year (the scenario fixes its start year)"
            + (f"; / {split} scenarios of this kind" if split > 1 else "") + f" = {p:.4f}")
    return p, note


def disruption_rows(supply_rows: list[dict]) -> dict[str, list[dict]]:
    """The scenarios and disruptions sheets."""
    record = Record()
    offers = defaultdict(set)  # (m, k) -> countries with an offer
    years_of = defaultdict(set)  # (m, c, k) -> years with an offer
    for r in supply_rows:
        offers[(r["material"], r["stage"])].add(r["country"])
        years_of[(r["material"], r["country"], r["stage"])].add(r["year"])

    def offered(m, c, k, start, dur):
        return any(start < t + 1 and start + dur > t for t in years_of.get((m, c, k), ()))

    scen_rows, dis_rows, keys = [], [], set()

    def add(scenario, m, c, k, ev, v, severity, sources, grade, note):
        key = (scenario, m, c, k, ev["start"])
        assert key not in keys, key
        keys.add(key)
        dis_rows.append(row(
            dict(scenario=scenario, material=m, country=c, stage=k, start_year=ev["start"],
                 duration=sig(v["duration"]), severity=severity, price_multiplier=v["price"]),
            sources, grade, note))

    for s in SCENARIOS:
        p, pnote = probability_of(s)
        cites = []
        for ev in s["events"]:
            rec = record.one(**ev["ref"])
            v = _event_values(rec, ev)
            src = [f"{DISRUPTIONS_CSV}: {_short(rec['source'])}"] + (
                [ev["extra_source"]] if ev.get("extra_source") else [])
            cites += src
            what = (f"record row {rec['material']} {rec['country'] or '-'} {rec['stage'] or '-'} "
                    f"{rec['start_year'] or 'plausible'}")
            hit = {(m, c, k) for m in ev["materials"] for c in ev["countries"] for k in ev["stages"]}
            for (m, c, k) in sorted(hit):
                if not offered(m, c, k, ev["start"], v["duration"]):
                    continue
                add(s["scenario"], m, c, k, ev, v, v["severity"], src, ev["grade"], f"{what}: {ev['why']}")
            if abs(v["price"] - 1.0) < 1e-12:
                continue
            for m in ev["materials"]:
                if m == "gallium":
                    continue  # non-Chinese gallium is priced ex-China: the premium is in the price
                for k in ("extraction", "processing"):
                    for c in sorted(offers.get((m, k), ())):
                        if (m, c, k) in hit or c in ev.get("exclude", ()) \
                                or not offered(m, c, k, ev["start"], v["duration"]):
                            continue
                        add(s["scenario"], m, c, k, ev, v, 0.0, src + [ASSUMPTION], "C",
                            f"market price: the {what} multiplier x{v['price']:g} ({ev['why']}) is "
                            "a market price, so it applies to every third-country offer of the "
                            "material, ore included (ore is priced as a share of the refined "
                            "price in this case); EU production costs do not change")
        scen_rows.append(row(dict(scenario=s["scenario"], probability=sig(p),
                                  description=s["description"]),
                             [DISRUPTIONS_CSV] + cites, "C", pnote))
    return {"scenarios": scen_rows, "disruptions": dis_rows}
