"""The input contract: template round trip, docs generated from the registry."""
import openpyxl

from model import registry as R
from model.docs import INPUTS_MD, inputs_markdown
from model.io.template import write_template
from model.validate import load
from tests.helpers import write_case


def test_docs_inputs_md_matches_registry():
    assert INPUTS_MD.read_text(encoding="utf-8") == inputs_markdown(), \
        "docs/inputs.md is stale: run python -m model.docs"


def test_template_has_every_sheet_column_unit_and_dropdowns(tmp_path):
    path = write_template(tmp_path / "template.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == R.README_SHEET
    for t in R.TABLES:
        ws = wb[t.sheet]
        headers = [c.value for c in ws[1]]
        for col in t.columns:
            assert col.header in headers
        if t not in (R.SETTINGS, R.SCENARIOS, R.DEMAND_SCENARIOS):  # no column with a list to pick from
            assert ws.data_validations.dataValidation, t.sheet
    readme = [r for r in wb[R.README_SHEET].iter_rows(values_only=True)]
    listed = {(r[0], r[1]) for r in readme if r and r[0]}
    for t in R.TABLES:
        for col in t.columns:
            if t is not R.SETTINGS:
                assert (t.sheet, col.name) in listed
    # demand column shows its unit
    assert "demand [t]" in [c.value for c in wb["demand"][1]]


def test_round_trip_reads_back_what_was_written(tmp_path):
    path = write_case(tmp_path / "c.xlsx", materials=["ga"], countries=["CN"], years=[2030, 2031],
                      rows={"materials": [{"material": "ga", "voll": 5.0, "source": "s", "note": "n"}],
                            "demand": [{"material": "ga", "year": 2030, "demand": 3.5}],
                            "supply": [{"material": "ga", "country": "CN", "stage": "processing",
                                        "year": 2030, "price": 7.0}]})
    data = load(path)
    assert data.materials == ["ga"] and data.years == [2030, 2031]
    assert data.countries == ["EU", "CN"]
    assert data.material("ga")["voll"] == 5.0
    assert data.material("ga")["processing_yield"] == 1.0  # default
    assert data.material("ga")["source"] == "s"
    assert data.demand("ga", 2030) == 3.5 and data.demand("ga", 2031) == 0.0
    assert data.table("supply")[("ga", "CN", "processing", 2030)]["available"] == float("inf")
    assert data.scenarios == ["nominal"]


def test_model_data_round_trip(tmp_path):
    from model.io.template import write_model_data

    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    data = load(root / "inputs" / "example_disruptions.xlsx")
    again = load(write_model_data(tmp_path / "again.xlsx", data))
    assert again.tables == data.tables
    assert again.settings == data.settings
    assert again.probability == data.probability and again.disruption == data.disruption
