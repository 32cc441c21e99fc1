"""A hard capacity-basis benchmark that no capacity can meet in time is explained with the lead
time and the earliest build year, and never asks for a technology row that exists (issue: run
integrity, finding 8). Both backends and the flow-basis explanation say the same thing."""
import pytest

from model.cli import main
from tests.helpers import write_case

YEARS = [2030, 2031, 2032]


def _case(tmp_path, technology, basis=""):
    rows = {
        "materials": [{"material": "x", "voll": 1000.0}],
        "demand": [{"material": "x", "year": t, "demand": 100.0} for t in YEARS],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": t, "price": 10.0}
                   for t in YEARS],
        "technology": technology,
        "benchmarks": [{"benchmark": "processing", "material": "all", "level": 0.4, "start_year": 2031,
                        "basis": basis}],
    }
    return write_case(tmp_path / "case.xlsx", materials=["x"], countries=["CN"], years=YEARS, rows=rows)


NEED = "the 40% processing benchmark ({basis} basis) for x in 2031 needs 40.0 t/yr of EU refining, but at most 0.0 t/yr can exist by then: existing capacity 0.0 t/yr"


@pytest.mark.parametrize("backend", ["highs", "pyomo"])
def test_lead_time_makes_the_benchmark_impossible(tmp_path, capsys, backend):
    path = _case(tmp_path, [{"material": "x", "stage": "processing", "capex": 50.0, "lead_time": 2}])
    assert main([str(path), "--outputs", str(tmp_path / "out"), "-q", "--backend", backend]) == 3
    err = capsys.readouterr().err
    assert NEED.format(basis="capacity") + (", new capacity can come online from 2032 at the earliest "
                                            "(earliest build year 2030, lead time 2 years)") in err
    assert "start the benchmark in 2032 or later (sheet benchmarks, start_year)" in err
    assert "add a technology row" not in err


def test_capacity_that_cannot_come_online_within_the_horizon(tmp_path, capsys):
    path = _case(tmp_path, [{"material": "x", "stage": "processing", "lead_time": 1,
                             "earliest_build_year": 2032}])
    assert main([str(path), "--outputs", str(tmp_path / "out"), "-q"]) == 3
    err = capsys.readouterr().err
    assert "new capacity can come online from 2033 at the earliest (earliest build year 2032, lead time 1 years)" in err
    assert "new capacity would come online only in 2033, after the horizon ends in 2032" in err
    assert "add a technology row" not in err


def test_without_a_technology_row_the_message_asks_for_one(tmp_path, capsys):
    path = _case(tmp_path, [])
    assert main([str(path), "--outputs", str(tmp_path / "out"), "-q"]) == 3
    err = capsys.readouterr().err
    assert NEED.format(basis="capacity") + " and no technology row to build more" in err
    assert "add a technology row (sheet technology, material x, stage processing)" in err


def test_the_flow_basis_explanation_gives_the_same_facts(tmp_path, capsys):
    path = _case(tmp_path, [{"material": "x", "stage": "processing", "capex": 50.0, "lead_time": 2}], "flow")
    assert main([str(path), "--outputs", str(tmp_path / "out"), "-q"]) == 3
    err = capsys.readouterr().err
    assert NEED.format(basis="flow") + (", new capacity can come online from 2032 at the earliest "
                                        "(earliest build year 2030, lead time 2 years)") in err
