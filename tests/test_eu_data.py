"""The data choices of the default EU case, pinned on the built workbook (inputs/eu_crma.xlsx,
which tests/test_eu_case.py checks is exactly what inputs/build_eu_case.py writes): which source
and year each corrected number uses (docs/data.md, "Corrections"), and that round processing
targets from 30 % to 50 % solve."""
import csv
import re
from pathlib import Path

import pytest

from model.analysis.assess import assess
from model.analysis.sweep import parse_param, run_sweep
from model.validate import load

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "inputs" / "eu_crma.xlsx"
VALUES = ROOT / "data" / "reference" / "values.csv"


@pytest.fixture(scope="module")
def data():
    return load(CASE)


@pytest.fixture(scope="module")
def values():
    with open(VALUES, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def baseline(data):
    return assess(data).set_index("material")


def _weights(note: str) -> tuple[float, float]:
    """(EU sourcing weight, world weight) as the supply note states them."""
    m = re.search(r"max\(EU sourcing ([0-9.]+), ramp x world ([0-9.]+)\)", note)
    assert m, note
    return float(m.group(1)), float(m.group(2))


def _value(values, **kw) -> float:
    rows = [r for r in values if all(r[k] == v for k, v in kw.items())]
    assert len(rows) == 1, (kw, len(rows))
    return float(rows[0]["value"])


def test_germanium_uses_the_court_of_auditors_2026(data, values, baseline):
    """ECA 04/2026: China 45 %, Belgium 32 % of EU germanium; JRC 2023 (China 83 %, EU 7 %,
    2016-2020) is the older figure, shown in docs/data.md."""
    cn = _value(values, material="germanium", country="CN", stage="processing", year="2026",
                parameter="supply_share_eu")
    be = _value(values, material="germanium", country="BE", stage="processing", year="2026",
                parameter="supply_share_eu")
    assert (cn, be) == (0.45, 0.32)
    rec = data.table("supply")[("germanium", "CN", "processing", 2025)]
    eu_w, _ = _weights(rec["note"])
    assert eu_w == pytest.approx(cn / (1 - be), abs=1e-4)  # China's share of third-country sourcing
    assert "MinexForum" in rec["source"] and "ECA 04/2026" in rec["note"]
    d25 = data.table("demand")[("germanium", 2025)]["demand"]
    rir = _value(values, material="germanium", parameter="eol_rir", year="2023 study")
    assert rir == 0.02
    cap = data.table("capacity_existing")[("germanium", "processing", 2025)]
    # a share of EU (primary) sourcing x the primary requirement, consumption x (1 - EoL-RIR)
    assert cap["capacity"] == pytest.approx(be * d25 * (1 - rir), rel=1e-5)
    assert "2026" in cap["note"]
    # today, as `python run.py assess` reports it: EU processing 32 % of primary sourcing = 31.4 %
    # of consumption, China 45 % (ECA), not the 7 % and 83 % of the JRC 2016-2020 data
    g = baseline.loc["germanium"]
    assert g["eu_processing_share"] == pytest.approx(be * (1 - rir), abs=1e-6)
    assert g["largest_processing_country"] == "CN"
    assert g["largest_processing_share"] == pytest.approx(cn, abs=0.02)


def test_gallium_has_no_extraction_credit_without_recovery(data, baseline):
    """EU monitoring: EU gallium extraction 'has always been below 2 %' (2011-2022). Gallium rides on
    alumina (sheet byproducts): its recovery is EU processing (Metlen's circuit, from 2027), and
    nothing is credited at the extraction stage; germanium rides on zinc the same way."""
    cap = data.table("capacity_existing")
    assert not any(cap.get(("gallium", "extraction", t)) for t in data.years)
    assert ("gallium", "extraction") not in data.table("technology")
    rows = data.table("byproducts")
    assert rows[("gallium", "alumina")]["host_stage"] == "processing"
    assert rows[("germanium", "zinc")]["host_stage"] == "processing"
    # Metlen design yield: 50 t/yr Ga / 1,265,000 t/yr alumina = 39.5 g/t
    assert rows[("gallium", "alumina")]["content"] * rows[("gallium", "alumina")]["recovery"] == pytest.approx(
        50 / 1_265_000, rel=1e-5)
    assert cap[("gallium", "processing", 2028)]["capacity"] == pytest.approx(50.0)
    assert baseline.loc["gallium", "eu_extraction_share"] <= 0.02
    assert "by-product of alumina" in baseline.loc["gallium", "note"]


def test_refining_shares_are_the_most_recent_in_the_data(values):
    """Every strategic material's world refinery shares come from the most recent year in
    data/reference/values.csv (2024: IEA or USGS; JRC 2016-2020 only where nothing newer exists)."""
    from inputs.eu_spec import SHARES

    def year(y):
        return int(y[-4:])
    for m, stages in SHARES.items():
        for k, (_, (wm, wy)) in stages.items():
            years = {r["year"] for r in values if r["parameter"] == "supply_share_world"
                     and r["material"] == wm and r["stage"] == k and year(r["year"]) <= 2024}
            assert year(wy) == max(year(y) for y in years), (m, k, wy, sorted(years))


def test_2024_refining_shares_in_the_workbook(data):
    """IEA 2024: China refines 78 % of the world's cobalt (Finland 8 %: EU, so China is 85 % of
    non-EU refining) and 96 % of battery-grade graphite; from there the world weights follow the
    IEA's own base-case projection (2030: NdPr 76 %, lithium 62 % China)."""
    sup = data.table("supply")
    for m, share, eu, w2030 in (("cobalt", 0.7841, 0.0804, 0.824), ("graphite_natural", 0.9571, 0.0, 0.871),
                                ("lithium", 0.7023, 0.0, 0.616), ("ndpr", 0.9128, 0.0, 0.760)):
        rec = sup[(m, "CN", "processing", 2030)]
        base = re.search(r"world share ([0-9.]+) in the base year", rec["note"])
        assert base and float(base.group(1)) == pytest.approx(share / (1 - eu), abs=2e-4), m
        _, world = _weights(rec["note"])
        assert world == pytest.approx(w2030, abs=2e-3), m
        assert "IEA Critical Minerals Dataset" in rec["source"], m
        assert rec["data_year"].startswith("world 2024 (IEA base case to 2040)"), m
    # graphite: the processed (anode-grade) stage is China's, the ore stage is not
    _, ore = _weights(sup[("graphite_natural", "CN", "extraction", 2030)]["note"])
    assert ore < 0.85


def test_build_limits_are_not_rounded_down(data):
    """max_build_per_year = share x 2030 consumption (/ yield for mines), rounded up, so that a
    target needing exactly n years of building is not infeasible by a fraction of a tonne."""
    from inputs.eu_common import BUILD_SHARE

    dem = data.table("demand")
    mats = data.table("materials")
    n = 0
    for (m, k), rec in data.table("technology").items():
        if m == "gallium" and k == "extraction":
            continue  # no new bauxite mines for gallium: 0
        if m not in data.materials:
            continue  # co-product groups: tests/test_byproducts.py checks their rows
        exact = BUILD_SHARE[k] * dem[(m, 2030)]["demand"]
        if k == "extraction":
            exact /= mats[m]["processing_yield"]
        # technology-driven demand is recomputed by the run from the sheets products, deployment and
        # intensity: within the rounding (5e-6 relative) of the demand sheet the limit is sized on
        assert rec["max_build_per_year"] >= exact * (1 - 1e-5), (m, k, rec["max_build_per_year"], exact)
        assert rec["max_build_per_year"] <= exact * (1 + 1e-5), (m, k)
        n += 1
    assert n > 40


def test_processing_sweep_30_to_50_percent(data):
    """`python run.py sweep inputs/eu_crma.xlsx --param benchmark.processing.level --range
    0.3:0.5:5`: 30-40 % solve, and a higher target never costs less. 45 % and 50 % cannot be met
    in 2030 (new refineries take 5 years from decision, so only one year of building counts by
    2030), and the answer says so in words: which material, how much capacity the level needs and
    how much can exist by then. Since existing processing is a share of the primary requirement
    (aluminium from its read 0.9 Mt output, nickel at 17.6 % of consumption), aluminium, nickel and
    tungsten processing are physically out of reach in 2030 and their rows soft, so 45 % solves; 50 %
    fails on materials at 26 % of consumption today that can add 25 % a year from 2030 (bismuth,
    boron: 26 % + 25 % of 2030 demand falls short of 50 % because demand grows 2025-2030)."""
    values = [0.30, 0.35, 0.40, 0.45, 0.50]
    res = run_sweep(data, parse_param("benchmark.processing.level"), values)
    pts = res.points.set_index("value")
    assert list(pts.loc[[0.30, 0.35, 0.40], "status"]) == ["optimal"] * 3
    cost = list(pts.loc[[0.30, 0.35, 0.40], "objective_eur"])
    assert cost[0] < cost[1] < cost[2]
    for v in (0.45, 0.50):
        if pts.loc[v, "status"] == "optimal":
            assert pts.loc[v, "objective_eur"] > cost[-1]
            continue
        msg = pts.loc[v, "message"]
        assert f"the {v:.0%} processing benchmark (capacity basis) for" in msg, msg
        assert "can exist by then" in msg and "lead time 5 years" in msg, msg
        named = re.findall(r"benchmark \(capacity basis\) for (\w+) in 2030 needs ([0-9,.]+) t/yr of EU "
                           r"refining, but at most ([0-9,.]+) t/yr", msg)
        assert named, msg
        for m, need, most in named:  # the message's own numbers show the conflict
            assert float(need.replace(",", "")) > float(most.replace(",", "")), (m, need, most)


def test_stock_rule_covers_net_imports_of_concentrated_materials(data):
    """60 days of net imports (EU 2021 study) for the materials whose largest supplier holds at
    least 65 % of EU refined imports; aluminium and copper, which held three quarters of the
    former 60-days-of-consumption stock, are not among them."""
    stock = data.table("stockpile")
    chosen = {m for m, rec in stock.items() if rec["coverage_days"] > 0}
    assert chosen == {"bismuth", "gallium", "germanium", "lithium", "magnesium", "ndpr", "dytb"}
    cap = data.table("capacity_existing")
    for m in chosen:
        rec = stock[m]
        d0 = data.table("demand")[(m, 2025)]["demand"]
        own = (cap.get((m, "extraction", 2025), {}).get("capacity", 0.0)
               * data.table("materials")[m]["processing_yield"]
               + cap.get((m, "recycling", 2025), {}).get("capacity", 0.0)) / d0
        assert rec["coverage_days"] == pytest.approx(60 * (1 - own), abs=0.06), m
        assert rec["coverage_basis"] == "consumption" and "net imports" in rec["note"]


def test_baseline_against_public_monitoring():
    """`python inputs/eu_monitoring.py`: every one of the 19 material ids (17 strategic raw
    materials) has a public figure for at least three of its four cells, and the cells where the
    project differs from it are exactly the ones docs/data.md explains ("The baseline against
    public monitoring")."""
    from inputs.eu_monitoring import compare

    recs = compare()
    assert len(recs) == 19
    differs = set()
    for rec in recs:
        public = [rec[k][1] for k in ("extraction", "processing", "recycling")] + [rec["largest"][4]]
        assert sum(r is not None for r in public) >= 3, rec["material"]
        differs |= {(rec["material"], k) for k in ("extraction", "processing", "recycling", "largest")
                    if rec[k][-1] is False}
    assert differs == {("aluminium", "extraction"), ("aluminium", "processing"), ("aluminium", "largest"), ("boron", "largest"), ("cobalt", "extraction"), ("copper", "processing"),
                       ("germanium", "processing"), ("graphite_natural", "largest"), ("lithium", "extraction"),
                       ("lithium", "processing"),
                       ("ndpr", "processing"), ("titanium_metal", "largest"), ("tungsten", "extraction")}
    doc = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    section = doc.split("## The baseline against public monitoring", 1)[1].split("\n## ", 1)[0]
    for m, k in differs:
        assert f"**{m}, {k}**" in section, (m, k)


def test_grade_table_in_docs_matches_the_workbook(data):
    """docs/data.md's grade table (rows per sheet and grade; base-year rows and their grade-A
    share) is the committed workbook's, so the gap to the 70 % grade-A target is stated as it is."""
    doc = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    head = "| sheet | rows | A | B | C | base-year rows (2025, or no year) | of which A |"
    lines = doc.split(head, 1)[1].strip().splitlines()[1:]
    documented = {}
    for line in lines:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace(",", "") for c in line.strip("|").split("|")]
        documented[cells[0]] = [int(c) if c else 0 for c in cells[1:6]] + [cells[6]]
    from inputs.eu_grades import grade_table

    assert documented == grade_table(data)


def test_every_yearly_series_names_its_projection_rule(data):
    """Every row of the yearly sheets says how the series runs over the years (growth rate,
    interpolation, ramp, or held flat)."""
    rules = ("held flat", "growth", "geometric", "%/yr", "ramp", "interpolat", "projection")
    for sheet in ("demand", "supply", "capacity_existing"):
        silent = [k for k, rec in data.table(sheet).items() if not any(w in rec["note"] for w in rules)]
        assert not silent, (sheet, silent[:5])


def test_rows_carry_the_year_of_their_data(data):
    """The data_year column: every supply row names the years of its world shares, of its EU
    sourcing shares and of its price; the other sheets name the years of the values.csv rows
    behind each number. Only rows derived from the case itself (soft benchmark rows), company
    statements without a date and gallium's 'no new mining' row are blank."""
    for key, rec in data.table("supply").items():
        assert rec["data_year"].startswith("world ") or key[0] in ("bismuth", "germanium"), key
        assert "price 202" in rec["data_year"], key
    assert data.table("supply")[("cobalt", "CN", "processing", 2030)]["data_year"].startswith("world 2024")
    assert "2026" in data.table("capacity_existing")[("germanium", "processing", 2025)]["data_year"]
    blank = {(sheet, k) for sheet in ("materials", "demand", "upstream", "technology", "capacity_existing",
                                      "stockpile", "benchmarks")
             for k, rec in data.table(sheet).items() if not rec["data_year"]}
    allowed = {("technology", ("gallium", "extraction"))}
    allowed |= {("benchmarks", k) for k, rec in data.table("benchmarks").items() if rec["enforcement"] == "soft"}
    allowed |= {("upstream", k) for k, rec in data.table("upstream").items()
                if "company information" in rec["source"] or "annual reports" in rec["source"]}
    assert blank <= allowed, sorted(blank - allowed)[:5]


# Grade-A share of each sheet's base-year rows as the data reach it today (`python
# inputs/eu_grades.py`): (grade-A rows, base-year rows). A data change that lowers a share fails
# test_grade_a_shares_do_not_fall; one that raises it updates this table with docs/data.md.
A_SHARE_TODAY = {
    "materials": (0, 19), "demand": (0, 19), "supply": (0, 242), "upstream": (0, 352),
    "technology": (0, 51), "capacity_existing": (1, 37), "stockpile": (0, 19), "benchmarks": (3, 46),
    "byproducts": (0, 2), "host_output": (5, 6), "coproducts": (0, 11), "products": (0, 18),
    "deployment": (0, 25), "intensity": (0, 34),
}


def test_grade_a_shares_do_not_fall(data):
    """Per model-facing sheet, the grade-A share of the base-year rows (2025, or no year) is at least
    what the data reach today: benchmarks 3 of 46 (the extraction, processing and single-country
    levels read in Art. 5(1); 46 rows since aluminium, nickel and tungsten processing and tungsten
    extraction became physically out of reach in 2030 on the primary basis of existing capacity and
    carry a soft row, C), host_output 5 of 6 (2024 alumina outputs, USGS, held flat to 2025),
    capacity_existing 1 of 37 (EU graphite mine output 2024), every other sheet 0. Every sheet of the
    workbook is in the table, so a new sheet is graded too."""
    from inputs.eu_grades import base_a_share

    shares = base_a_share(data)
    assert set(shares) == set(A_SHARE_TODAY)
    for sheet, (a, n) in shares.items():
        a0, n0 = A_SHARE_TODAY[sheet]
        assert a / n >= a0 / n0 - 1e-12, (sheet, a, n, a0, n0)


def _short_of_target():
    from inputs.eu_grades import MISSING, TARGET

    return "; ".join(f"{s} ({a}/{n}): {MISSING[s]}" for s, (a, n) in A_SHARE_TODAY.items()
                     if a / n < TARGET)


@pytest.mark.xfail(strict=True, reason="issue 18's target (70 % grade-A base-year rows in every sheet) is "
                   "met by no sheet but host_output; missing per sheet: " + _short_of_target())
def test_seventy_percent_of_base_year_rows_are_grade_a(data):
    """Issue 18's done-when: at least 70 % of each model-facing sheet's base-year rows are grade A.
    Not met (docs/data.md, "Grades"): the base-year numbers of most sheets are rules of the case, and
    the sources that state the model-facing numbers themselves (partner quantities per stage, plant
    capacities, project capex, EU consumption per material) are not in the reference data. Strict:
    when every sheet reaches the target this test passes and the marker must go."""
    from inputs.eu_grades import TARGET, base_a_share

    short = {s: f"{a}/{n}" for s, (a, n) in base_a_share(data).items() if a / n < TARGET}
    assert not short, short


def test_benchmark_levels_are_read_in_article_5(data, values):
    """The four 'all' rows carry the levels of Art. 5(1) of Regulation (EU) 2024/1252 (10, 40, 25 %
    of annual consumption by 2030; at most 65 % from one third country), read in the Regulation's
    text (values.csv, A). Extraction, processing and the single-country cap are grade A; recycling is
    B because its flow basis is this case's reading of 'able to produce'. The soft rows stay C: their
    penalty (2 x the reference price) is a rule of the case."""
    bench = data.table("benchmarks")
    levels = {"extraction": 0.10, "processing": 0.40, "recycling": 0.25, "single_country": 0.65}
    for b, level in levels.items():
        rec = next(r for k, r in bench.items() if k[0] == b and k[1] == "all")
        assert rec["level"] == level and rec["start_year"] == 2030
        assert rec["confidence"] == ("B" if b == "recycling" else "A"), b
        assert "read in Art. 5(1)" in rec["note"]
        param = f"benchmark_{'max_single_country' if b == 'single_country' else b}_share"
        assert _value(values, parameter=param, confidence="A") == level
    assert all(r["confidence"] == "C" for k, r in bench.items() if k[1] != "all")


def test_aluminium_consumption_is_the_2025_eu_figure(data, values):
    """Aluminium, the input that moves the total cost most (docs/results-eu.md, rank correlation
    0.61): its 2025 demand is FACE's 2025 figure for the EU, around 13 Mt a year (primary +
    secondary, B), read, not the 2020 Europe figure derived from a growth factor (13.6 Mt, C) grown
    to 14.26 Mt. 2030 = 13.0 Mt x 1.33^(5/30) (KU Leuven growth 2020-2050: 0.955 %/yr) = 13.63 Mt."""
    base = _value(values, material="aluminium", parameter="eu_consumption_t", year="2025")
    assert base == 13_000_000
    dem = data.table("demand")
    assert dem[("aluminium", 2025)]["demand"] == pytest.approx(base, rel=1e-6)
    assert dem[("aluminium", 2030)]["demand"] == pytest.approx(13e6 * 1.33 ** (5 / 30), rel=1e-6)
    assert "FACE" in dem[("aluminium", 2025)]["source"]


def test_held_flat_readings_say_so(data):
    """A base-year row graded A on a reading of an earlier year (2024: the latest USGS edition in the
    data) says so in its note: '2024 value, held flat to 2025' (docs/data.md, grade rules)."""
    n = 0
    for sheet in ("host_output", "capacity_existing"):
        for key, rec in data.table(sheet).items():
            if key[-1] == data.years[0] and rec["confidence"] == "A":
                assert "2024 value, held flat to 2025" in rec["note"], (sheet, key)
                n += 1
    assert n == 6


def test_processing_capex_read_from_projects(data, values):
    """The processing capex that the cost of the benchmarks rests on most (docs/results-eu.md: rank
    correlation 0.81, python run.py montecarlo --samples 1000 --seed 1) is read from projects where one exists, by hand from values.csv:
    nickel = Terrafame's EUR 240 m (2018) / (170,000 t/yr NiSO4 x 0.2233 t Ni per t NiSO4.6H2O =
    37,961 t Ni) = 6,322 EUR per t/yr (B; was 30,000, C); aluminium = EGA's USD 4 bn smelter for
    600,000 t/yr / 1.1293 USD/EUR (2025) = 5,903 (B) + 1,955 alumina share (C) = 7,858 (C; was
    7,500); lithium = the mean of AMG Bitterfeld 42,322 and Keliber 144,700 = 93,511 (B, was graded C)."""
    tech = data.table("technology")
    assert _value(values, material="nickel", parameter="capex_total_eur", stage="processing") == 240e6
    assert tech[("nickel", "processing")]["capex"] == pytest.approx(240e6 / (170_000 * 0.2233), abs=0.5)
    assert tech[("aluminium", "processing")]["capex"] == pytest.approx(4e9 / 600_000 / 1.1293 + 1955, abs=0.5)
    assert "(2024, B) and FI 144,700 (2026, B)" in tech[("lithium", "processing")]["note"]
    assert tech[("lithium", "processing")]["capex"] == pytest.approx((42_322 + 144_700) / 2, abs=0.5)


def test_aluminium_primary_requirement_by_hand(data, values):
    """The JRC 2023 study's EU sourcing shares are of primary supply (docs/data.md, "Primary and
    secondary supply"), so they apply to the primary requirement, consumption x (1 - EoL-RIR), not to
    consumption. By hand for aluminium in 2025: 13,000,000 t (FACE 2025) x (1 - 0.32) = 8,840,000 t;
    the JRC proxy for existing processing is 0.39 x 8,840,000 = 3,447,600 t/yr (was 0.39 x 13 Mt =
    5,070,000), shown in the note but not used, because EU primary output is read: 900,000 t (FACE
    2025, B). Norway's availability at the processing stage in 2025 (new suppliers' ramp 0) is
    1.5 x its EU weight x 8,840,000 t; bauxite from Guinea is 1.5 x weight x 8,840,000 / yield."""
    d = _value(values, material="aluminium", parameter="eu_consumption_t", year="2025")
    rir = _value(values, material="aluminium", parameter="eol_rir", year="2023 study")
    share = _value(values, material="aluminium", parameter="eu_domestic_share_of_sourcing", stage="processing")
    out = _value(values, material="aluminium", parameter="eu_production_t", stage="processing", year="2025")
    assert (d, rir, share, out) == (13e6, 0.32, 0.39, 900_000)
    primary = d * (1 - rir)
    assert primary == pytest.approx(8_840_000)
    cap = data.table("capacity_existing")[("aluminium", "processing", 2025)]
    assert cap["capacity"] == pytest.approx(out) and cap["confidence"] == "B"
    assert "3.4476e+06 t/yr" in cap["note"] and "(1 - EoL-RIR 0.32" in cap["note"]
    assert share * primary == pytest.approx(3_447_600)
    sup = data.table("supply")
    no = sup[("aluminium", "NO", "processing", 2025)]
    w, _ = _weights(no["note"])
    tol = 1.5 * 5e-5 * primary  # the note prints the weight to 4 decimals
    assert no["available"] == pytest.approx(1.5 * w * primary, abs=tol)
    gn = sup[("aluminium", "GN", "extraction", 2025)]
    w, _ = _weights(gn["note"])
    y = data.table("materials")["aluminium"]["processing_yield"]
    assert gn["available"] == pytest.approx(1.5 * w * primary / y, abs=tol / y)


def test_aluminium_made_in_the_eu_within_public_figures(data):
    """Aluminium made in the EU in 2025 (existing processing + recycling) as a share of consumption
    lies where public figures put it: FACE (23 Dec 2025, EU-27) reads about 13 Mt used, about 7.5 Mt
    of it primary and just over 0.9 Mt of that made in the EU, so the EU makes 0.9 Mt primary plus
    at most the 5.5 Mt of secondary metal (13 - 7.5; old and new scrap): at most 49 %; with only the
    end-of-life scrap the JRC's EoL-RIR counts (0.32 x 13 Mt = 4.16 Mt) it is (0.9 + 4.16) / 13 =
    38.9 %. The case gives 38.9 %, within [35 %, 50 %]; before the primary basis it gave 71 %
    (0.39 x 13 + 4.16 Mt)."""
    cap = data.table("capacity_existing")
    d = data.table("demand")[("aluminium", 2025)]["demand"]
    made = cap[("aluminium", "processing", 2025)]["capacity"] + cap[("aluminium", "recycling", 2025)]["capacity"]
    assert made / d == pytest.approx((900_000 + 0.32 * 13e6) / 13e6, rel=1e-5)
    assert 0.35 <= made / d <= 0.50


def test_aluminium_recycling_rate_conflict_is_shown(data, values):
    """The case runs on the EoL-RIR labelled JRC 2023 (32 %, B): 2025 EoL arisings x yield 0.9 x
    collection 0.70 = 0.32 x consumption. European Aluminium's 20 % (2019, B) and its 3.6 Mt of
    post-consumer scrap (A) are kept in values.csv and shown with their effect in docs/data.md."""
    from pathlib import Path

    rec = data.table("demand")[("aluminium", 2025)]
    assert rec["eol_arising"] * 0.9 * rec["collection_rate"] == pytest.approx(0.32 * rec["demand"], rel=1e-4)
    assert _value(values, material="aluminium", parameter="eol_rir", year="2023 study") == 0.32
    assert _value(values, material="aluminium", parameter="eol_rir", year="2019", confidence="B") == 0.2
    assert _value(values, material="aluminium", parameter="eol_scrap_available_t", year="2019",
                  confidence="A") == 3_600_000
    doc = (Path(__file__).resolve().parent.parent / "docs" / "data.md").read_text(encoding="utf-8")
    assert "aluminium EoL-RIR 32 %" in doc and "about 20 % (European Aluminium" in doc


# (case material, case year, values.csv row of the public figure, conversion factor, the docs' "vs case")
PUBLIC_CONSUMPTION = [
    ("aluminium", 2025, {"material": "aluminium", "parameter": "eu_consumption_t", "year": "2024"}, 1.0, "+3.8 %"),
    ("copper", 2025, {"material": "copper", "parameter": "eu_consumption_t", "year": "2025"}, 1.0, "+62.5 %"),
    ("copper", 2040, {"material": "copper", "parameter": "eu_demand_t", "year": "2040"}, 1.0, "+85.4 %"),
    ("dytb", 2025, {"material": "ree_magnet", "parameter": "eu_demand_t", "year": "2024"}, 0.025 / 0.87, "-17.7 %"),
    ("ndpr", 2025, {"material": "ree_magnet", "parameter": "eu_demand_t", "year": "2024"}, 0.29 / 0.85, "-17.7 %"),
    ("gallium", 2025, {"material": "gallium", "parameter": "eu_consumption_t", "year": "2025"}, 1.0, "0.0 %"),
    ("gallium", 2025, {"material": "gallium", "parameter": "eu_consumption_t", "year": "2023"}, 1.0, "-15.0 %"),
    ("graphite_natural", 2025, {"material": "graphite_natural", "parameter": "eu_import_t"}, 1.0, "+4.1 %"),
    ("lithium", 2030, {"material": "lithium", "parameter": "eu_demand_t", "year": "2030",
                       "unit": "t (LCE assumed)"}, 0.1879, "+76.5 %"),
    ("magnesium", 2025, {"material": "magnesium", "parameter": "eu_consumption_t", "year": "2023"}, 1.0, "+26.1 %"),
    ("nickel", 2025, {"material": "nickel", "parameter": "eu_consumption_t", "year": "2023"}, 1.0, "-47.7 %"),
    ("platinum", 2025, {"material": "platinum", "parameter": "eu_consumption_t_excl_investment"}, 1.0, "+2.8 %"),
    ("silicon_metal", 2025, {"material": "silicon_metal", "parameter": "eu_consumption_t", "year": "2024"}, 1.0,
     "+5.9 %"),
]


def test_consumption_against_public_figures(data, values):
    """docs/data.md, "EU consumption: the case against the latest public figures": every
    difference it states is public figure x conversion / the case's demand of that year - 1, on
    the committed workbook. By hand: copper 4,000,000 / 2,460,840 - 1 = +62.5 %, and 5,300,000 /
    2,859,240 - 1 = +85.4 % in 2040; NdPr 20,000 t magnets x 0.29 / 0.85 = 6,824 t REO against
    8,290 t = -17.7 %; lithium 550,000 t LCE x 0.1879 = 103,345 t Li against 58,561 t in 2030 =
    +76.5 %; aluminium's primary 9 Mt against 13.0 Mt x (1 - 0.32) = 8.84 Mt = +1.8 %. The case's
    consumption is unchanged by issue 18's search: aluminium stays FACE's 13 Mt (2025) and copper
    the refined apparent consumption 2,412,100 t (2023) grown at 1.35^(1/30) a year."""
    doc = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    sec = doc.split("### EU consumption: the case against the latest public figures", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in sec.splitlines() if line.startswith("| ")}
    dem = data.table("demand")
    mats = sorted({m for m, _ in dem})
    assert sorted(k for k in rows if k != "material") == mats, "one row per material id"
    for m in mats:
        v = dem[(m, 2025)]["demand"]
        shown = f"{v:,.0f}" if v >= 100 else f"{v:.4g}"
        assert shown in rows[m].split("|")[2], (m, shown)
    for m, year, sel, factor, stated in PUBLIC_CONSUMPTION:
        rows_v = [r for r in values if all(r[k] == val for k, val in sel.items())]
        assert len(rows_v) == 1, (sel, len(rows_v))
        diff = float(rows_v[0]["value"]) * factor / dem[(m, year)]["demand"] - 1
        pct = f"{diff * 100:+.1f} %"
        assert (pct if pct not in ("+0.0 %", "-0.0 %") else "0.0 %") == stated, (m, sel, diff)
        assert stated in rows[m], (m, stated)
    ea = _value(values, material="aluminium", parameter="eu_demand_t", year="2024")
    assert ea / (dem[("aluminium", 2025)]["demand"] * (1 - 0.32)) - 1 == pytest.approx(0.018, abs=5e-4)
    assert "+1.8 % (primary)" in rows["aluminium"]
    assert dem[("copper", 2025)]["demand"] == pytest.approx(2_412_100 * 1.35 ** (2 / 30), rel=1e-5)  # 6 digits
    assert dem[("aluminium", 2025)]["demand"] == 13_000_000
