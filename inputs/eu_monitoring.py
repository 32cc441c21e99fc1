"""The default EU case's baseline against public monitoring, material by material.

``python inputs/eu_monitoring.py`` prints the comparison table of docs/data.md: for each of the
17 strategic raw materials (19 material ids), the EU extraction, processing and recycling shares
and the largest single third country as ``python run.py assess`` computes them for 2025 from
inputs/eu_crma.xlsx, next to what public monitoring says (data/reference/monitoring.csv: the
Commission's monitoring cards on the Art. 5 benchmarks (JRC data 2011-2022), the Court of
Auditors' special report 04/2026, Eurostat 2024, the JRC 2023 CRM study), with source and year.

Choice of the public figure per cell: the most recent year in monitoring.csv for the material (or
its group: ``pgm`` for platinum and palladium), the Commission's card (2022) for the EU shares,
EoL-RIR rows for recycling. Bounds ("< 2 %", "> 40 %") are kept as bounds. A cell agrees when the
project's value lies within the bound, or within 10 percentage points of a point value (the
public figures are of 2016-2026 and of different bases, docs/data.md says which).
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.analysis.assess import assess  # noqa: E402
from model.validate import load  # noqa: E402

MONITORING = ROOT / "data" / "reference" / "monitoring.csv"
CASE = ROOT / "inputs" / "eu_crma.xlsx"
GROUP = {"platinum": "pgm", "palladium": "pgm"}
ANNEX = {"aluminium": "bauxite, alumina, aluminium", "graphite_natural": "natural graphite",
         "platinum": "platinum group metals", "palladium": "platinum group metals",
         "ndpr": "rare earths for magnets (Nd, Pr)", "dytb": "rare earths for magnets (Dy, Tb)"}
TOLERANCE = 0.10


def _year(y: str) -> int:
    digits = [int(x) for x in "".join(c if c.isdigit() else " " for c in y).split() if len(x) == 4]
    return max(digits, default=0)


def _short(source: str) -> str:
    for key, name in (("Green Deal", "Commission monitoring card"), ("Court of Auditors press", "ECA 04/2026"),
                      ("MinexForum", "ECA 04/2026 (press)"), ("Observatorial", "ECA 04/2026 (press)"),
                      ("Plataforma", "ECA 04/2026 (press)"), ("rawmaterials.net", "ECA 04/2026 (press)"),
                      ("special report 15/2023", "ECA 15/2023"), ("Eurostat Statistics", "Eurostat 2024"),
                      ("Comext", "Comext 2024"), ("Study on the Critical", "JRC 2023 study"),
                      ("CRMA 2023", "Commission 2023"), ("EoL-RIR values labelled", "JRC 2023 (compilation)"),
                      ("COM(2020) 474", "JRC 2020 study"), ("RESourceEU", "RESourceEU 2025"),
                      ("Benchmark", "Benchmark Mineral Intelligence"), ("Fastmarkets", "industry (Fastmarkets)"),
                      ("Soapbox", "Soapbox Trade"), ("WAM", "Eurostat via WAM"), ("Wikipedia", "press 2023"),
                      ("JRC (2023) Platinum", "JRC 2023 platinum")):
        if key in source:
            return name
    return source[:40]


def monitoring(path=MONITORING) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _bound(r: dict) -> str:
    note = r["note"].lower()
    if "upper bound" in note or "below" in note[:60]:
        return "<"
    if "lower bound" in note or "above" in note[:60]:
        return ">"
    return ""


def _pick(rows, m, stage, params, prefer_card=False):
    ids = {m, GROUP.get(m, m)}
    cand = [r for r in rows if r["material"] in ids and r["stage"] == stage and r["parameter"] in params
            and _year(r["year"]) <= 2026 and "projection" not in r["note"]]
    if m in ("ndpr", "dytb"):
        cand = [r for r in cand if r["material"] == m]
    if not cand:
        return None
    if prefer_card:
        card = [r for r in cand if "Green Deal" in r["source"] and r["year"] == "2022"]
        if card:
            cand = card
    return max(cand, key=lambda r: (_year(r["year"]), r["material"] == m, r["confidence"] == "A"))


def _agrees(value: float, r: dict | None) -> bool | None:
    if r is None or value != value:
        return None
    v, b = float(r["value"]), _bound(r)
    if b == "<":
        return value <= v + 0.005
    if b == ">":
        return value >= v - 0.005
    return abs(value - v) <= TOLERANCE + 1e-9


def compare(case=CASE, path=MONITORING) -> list[dict]:
    """One record per material: project figures (2025 baseline) and the public ones."""
    table = assess(load(case)).set_index("material")
    rows = monitoring(path)
    out = []
    for m, t in table.iterrows():
        rec = dict(material=m)
        for k, params, card in (("extraction", ("eu_share_of_consumption",), True),
                                ("processing", ("eu_share_of_consumption",), True),
                                ("recycling", ("eol_rir",), True)):
            r = _pick(rows, m, k, params, prefer_card=card)
            rec[k] = (float(t[f"eu_{k}_share"]), r, _agrees(float(t[f"eu_{k}_share"]), r))
        # largest single third country: the public figure of the most recent year, at any stage
        r = max((x for x in (_pick(rows, m, k, ("largest_supplier_share",)) for k in ("extraction", "processing"))
                 if x), key=lambda x: (_year(x["year"]), x["confidence"] == "A"), default=None)
        k = r["stage"] if r else "processing"
        share = float(t[f"largest_{k}_share"])
        of_imports = float(t[f"largest_{k}_share_of_imports"])
        country = t[f"largest_{k}_country"]
        same = r is not None and r["country"] == country
        ok = None if r is None else same and (_agrees(share, r) or _agrees(of_imports, r))
        rec["largest"] = (k, country, share, of_imports, r, ok)
        out.append(rec)
    return out


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.0f} %"


def _pub(r: dict | None) -> str:
    if r is None:
        return "no public figure"
    b = {"<": "< ", ">": "> "}.get(_bound(r), "")
    who = f"{r['country']} " if r["parameter"] == "largest_supplier_share" else ""
    return f"{who}{b}{100 * float(r['value']):.0f} % ({_short(r['source'])}, {r['year']})"


def markdown(records: list[dict]) -> str:
    head = ("| material (Annex I) | EU extraction: project / public | EU processing: project / public | "
            "EU recycling: project / public | largest third country: project (of consumption; of imports) "
            "/ public |\n|---|---|---|---|---|")
    lines = [head]
    flag = {True: "", False: " **differs**", None: ""}
    for rec in records:
        m = rec["material"]
        cells = []
        for k in ("extraction", "processing", "recycling"):
            v, r, ok = rec[k]
            cells.append(f"{_pct(v)} / {_pub(r)}{flag[ok]}")
        k, c, s, si, r, ok = rec["largest"]
        cells.append(f"{k[:4]}. {c or '-'} {_pct(s)}; {_pct(si)} / {_pub(r)}{flag[ok]}")
        name = f"{m} ({ANNEX[m]})" if m in ANNEX else m
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    recs = compare(*(Path(a) for a in sys.argv[1:2]))
    print(markdown(recs))
    n = sum(1 for rec in recs for k in ("extraction", "processing", "recycling", "largest")
            if rec[k][-1] is False)
    print(f"\n{len(recs)} material ids; {n} cells differ from the public figure (docs/data.md explains each)")
