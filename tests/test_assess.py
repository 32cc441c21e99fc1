"""Baseline assessment (model/analysis/assess.py) on a hand-made case whose shares are worked out
by hand below: nothing is optimised, today's sourcing comes from the first-year data."""
import math

import pandas as pd
import pytest

from model.analysis.assess import assess, assess_workbook, format_table, write_assessment
from model.validate import load
from tests.helpers import write_case

YEARS = [2030, 2031]
BENCHMARKS = [
    {"benchmark": "extraction", "material": "all", "level": 0.10, "start_year": 2030},
    {"benchmark": "processing", "material": "all", "level": 0.40, "start_year": 2030},
    {"benchmark": "recycling", "material": "all", "level": 0.25, "start_year": 2030, "basis": "flow",
     "enforcement": "soft", "penalty": 1.0},
    {"benchmark": "single_country", "material": "all", "level": 0.65, "start_year": 2030},
]


def _case(tmp_path):
    """ga: demand 100, EoL 40 t collected at 50 %, recycled at 50 % -> feedstock 10 t;
    existing capacity extraction 20 t (contained), processing 30 t, recycling 15 t; yield 0.8.
    Offers 2030: refined CN 90 t, JP 30 t; ore AU 50 t. JP refines half its own ore, half AU's.
    li: demand 50, no EU capacity, refined offers CL only."""
    rows = {
        "materials": [{"material": "ga", "voll": 1e6, "processing_yield": 0.8, "recycling_yield": 0.5},
                      {"material": "li", "voll": 1e6}],
        "demand": [{"material": "ga", "year": 2030, "demand": 100, "eol_arising": 40, "collection_rate": 0.5},
                   {"material": "ga", "year": 2031, "demand": 200},
                   {"material": "li", "year": 2030, "demand": 50},
                   {"material": "li", "year": 2031, "demand": 50}],
        "supply": [
            {"material": "ga", "country": "CN", "stage": "processing", "year": 2030, "available": 90, "price": 10},
            {"material": "ga", "country": "JP", "stage": "processing", "year": 2030, "available": 30, "price": 12},
            {"material": "ga", "country": "AU", "stage": "extraction", "year": 2030, "available": 50, "price": 5},
            {"material": "ga", "country": "CN", "stage": "processing", "year": 2031, "available": 10, "price": 10},
            {"material": "li", "country": "CL", "stage": "processing", "year": 2030, "available": 10, "price": 10},
        ],
        "upstream": [{"material": "ga", "country": "JP", "origin": "AU", "share": 0.5},
                     {"material": "ga", "country": "JP", "origin": "JP", "share": 0.5}],
        "capacity_existing": [{"material": "ga", "stage": "extraction", "year": 2030, "capacity": 20},
                              {"material": "ga", "stage": "processing", "year": 2030, "capacity": 30},
                              {"material": "ga", "stage": "recycling", "year": 2030, "capacity": 15}],
        "technology": [{"material": "ga", "stage": "processing", "capex": 1.0}],
        "benchmarks": BENCHMARKS,
    }
    return write_case(tmp_path / "assess.xlsx", materials=["ga", "li"], countries=["CN", "JP", "AU", "CL"],
                      years=YEARS, rows=rows)


def test_shares_by_hand(tmp_path):
    table, _ = assess_workbook(_case(tmp_path))
    ga = table.set_index("material").loc["ga"]
    assert ga["year"] == 2030 and ga["demand_t"] == 100
    # recycling (flow basis): R = min(15, 0.5 x 0.5 x 40 = 10) = 10 -> 10 %
    assert ga["eu_recycling_share"] == pytest.approx(0.10)
    assert ga["recycling_met"] is not None and not ga["recycling_met"]
    # processing (capacity basis): 30 / 100
    assert ga["eu_processing_share"] == pytest.approx(0.30)
    assert not ga["processing_met"]
    # extraction (capacity basis): 0.8 x 20 / 100
    assert ga["eu_extraction_share"] == pytest.approx(0.16)
    assert ga["extraction_met"]
    # P = min(30, 100 - 10, 0.8 x (20 + 50)) = 30, fed by 20 t EU ore + 17.5 t AU ore (= 14 t refined);
    # refined imports 100 - 10 - 30 = 60: CN 60 x 90/120 = 45, JP 15.
    assert ga["largest_processing_country"] == "CN"
    assert ga["largest_processing_share"] == pytest.approx(0.45)
    # extraction stage: CN 45 (own ore), AU 14 + 0.5 x 15 = 21.5, JP 7.5 -> CN 45 %
    assert ga["largest_extraction_country"] == "CN"
    assert ga["largest_extraction_share"] == pytest.approx(0.45)
    # of imports: CN 45 of 60 t refined imports; 45 of 74 t third-country ore content (45 + 21.5 + 7.5)
    assert ga["largest_processing_share_of_imports"] == pytest.approx(0.75)
    assert ga["largest_extraction_share_of_imports"] == pytest.approx(45 / 74)
    assert ga["single_country_level"] == pytest.approx(0.65)
    assert ga["single_country_met"]
    assert ga["basis"] == "E:capacity P:capacity R:flow"


def test_single_supplier_material_misses_the_cap(tmp_path):
    table, _ = assess_workbook(_case(tmp_path))
    li = table.set_index("material").loc["li"]
    # no EU capacity: all 50 t imported refined from CL, which also mines its own ore
    assert li["eu_extraction_share"] == 0 and li["eu_processing_share"] == 0 and li["eu_recycling_share"] == 0
    assert (li["largest_processing_country"], li["largest_processing_share"]) == ("CL", pytest.approx(1.0))
    assert (li["largest_extraction_country"], li["largest_extraction_share"]) == ("CL", pytest.approx(1.0))
    assert not li["single_country_met"]


def test_other_year_groups_and_writer(tmp_path):
    data = load(_case(tmp_path))
    # 2031: no capacity rows, demand 200, only CN offers -> CN 100 %
    t31 = assess(data, 2031).set_index("material").loc["ga"]
    assert t31["largest_processing_share"] == pytest.approx(1.0) and t31["eu_processing_share"] == 0
    # a group id (here CN, as if it were 'rest of world') is never the largest single country
    grouped = assess(data, groups=("CN",)).set_index("material").loc["ga"]
    assert grouped["largest_processing_country"] == "JP"
    assert grouped["largest_processing_share"] == pytest.approx(0.15)
    table = assess(data)
    out = write_assessment(table, tmp_path / "a.xlsx", case="t")
    back = pd.read_excel(out, sheet_name=None)
    assert list(back) == ["assessment", "definitions"]
    assert back["assessment"]["largest_processing_share"].tolist() == pytest.approx(
        table["largest_processing_share"].tolist())
    assert "ga" in format_table(table)
    with pytest.raises(ValueError):
        assess(data, 2040)
    assert not math.isnan(table["eu_processing_share"].iloc[0])


def test_cli_assess_writes_the_table(tmp_path, capsys):
    from model.cli import main

    case = _case(tmp_path)
    out = tmp_path / "out"
    assert main(["assess", str(case), "--outputs", str(out)]) == 0
    files = list(out.glob("case-assessment-*.xlsx"))
    assert len(files) == 1
    printed = capsys.readouterr().out
    assert "ga" in printed and "CN" in printed
