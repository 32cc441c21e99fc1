"""examples/api.ipynb runs from top to bottom: its code cells are executed in order in one
namespace from the project root (as a notebook kernel would), and the numbers it shows are the
model's."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "api.ipynb"


def test_api_notebook_runs(monkeypatch, capsys):
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) >= 6 and all(not c["outputs"] for c in code)  # kept without stored outputs
    monkeypatch.chdir(ROOT)
    ns: dict = {"__name__": "__main__"}
    for i, cell in enumerate(code):
        exec(compile("".join(cell["source"]), f"{NOTEBOOK.name} cell {i}", "exec"), ns)
    out = capsys.readouterr().out
    run = ns["run"]
    assert f"{run.solution.objective:,.0f} EUR" in out and "total cost (present value)" in out
    assert ns["lower"].solution.objective > run.solution.objective  # lower discount rate: costs weigh more
    assert list(ns["sweep"].points["value"]) == [0.3, 0.4, 0.5]
    assert ns["info"]["status"] == "optimal" and float(ns["info"]["objective_eur"]) == pytest.approx(
        run.solution.objective)
    assert {"results.xlsx", "report.html", "manifest.json"} <= {p.name for p in ns["folder"].iterdir()}
