"""docs/formulation.md names every variable and constraint family the model declares, as the code
and the results name them: built from every shipped workbook, as shipped and with the options that
add families (CVaR with a risk weight, recycling counted toward processing). A family whose name
is missing from the document fails here; soft benchmarks' columns are documented once, as
``shortfall_<name>`` (formulation §6)."""
import re
from pathlib import Path

import pytest

from model.build import build
from model.data import with_settings
from model.validate import load

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "formulation.md").read_text(encoding="utf-8")
WORKBOOKS = ("example.xlsx", "example_disruptions.xlsx", "example_purchasing.xlsx", "eu_crma.xlsx",
             "eu_crma_technologies.xlsx")


def _documented(name: str) -> bool:
    if name.startswith("shortfall_"):
        return "shortfall_<name>" in DOC
    return re.search(r"\b" + re.escape(name) + r"\b", DOC) is not None


@pytest.mark.parametrize("workbook", WORKBOOKS)
def test_every_family_is_named_in_the_formulation(workbook):
    data = load(ROOT / "inputs" / workbook)
    names = set()
    for d in (data, with_settings(data, processing_counts_recycling="yes", risk_weight=0.5)):
        lp = build(d).lp
        names |= set(lp.vars) | set(lp.cons)
    assert names, workbook
    assert sorted(n for n in names if not _documented(n)) == []
