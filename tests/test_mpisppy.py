"""Progressive hedging through mpi-sppy (model/mpisppy_adapter.py) agrees with the extensive form.

The case is the example with its disruption scenarios (4 scenarios), as an LP (plants not in
modules): the extensive form's optimum must lie between PH's Lagrangian bound and its incumbent,
so that the two agree within the gap PH reports. Skipped when the optional extra ``mpi`` is not
installed (pip install -e ".[mpi]"); the three-process run also needs an MPI launcher (mpiexec,
from Debian's openmpi-bin), which .ci/run installs when it can.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.mpisppy_adapter import available

ROOT = Path(__file__).resolve().parent.parent
OK, WHY = available()
pytestmark = pytest.mark.skipif(not OK, reason=f"mpi-sppy not available: {WHY}")
REL = 1e-6  # solver tolerance on top of the gap


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    from model.io.template import write_model_data
    from model.stochastic import risk_neutral
    from model.validate import load

    data = load(ROOT / "inputs" / "example_disruptions.xlsx")
    for rec in data.tables["technology"].values():
        rec["module_size"] = 0.0  # an LP
    path = write_model_data(tmp_path_factory.mktemp("mpisppy") / "lp_disruptions.xlsx", data)
    return path, risk_neutral(load(path))


@pytest.fixture(scope="module")
def ef(case):
    from model.mpisppy_adapter import extensive_form

    return extensive_form(case[1])["objective"]


def _agrees(res: dict, ef: float) -> None:
    bound, incumbent, gap = res["bound"], res["incumbent"], res["rel_gap"]
    assert bound <= ef * (1 + REL), (bound, ef)
    assert ef <= incumbent * (1 + REL), (ef, incumbent)
    assert gap == pytest.approx((incumbent - bound) / abs(incumbent))
    assert abs(incumbent - ef) <= (gap + REL) * abs(incumbent)
    assert gap < 0.05


def test_scenario_models_add_up_to_the_extensive_form(case, ef):
    """sum_w p_w (one-scenario optimum) is the wait-and-see bound: at most the extensive form."""
    from model.mpisppy_adapter import scenario_model, scenario_names
    from model.backends.highs import solve

    data = case[1]
    ws = 0.0
    for w in scenario_names(data):
        m = scenario_model(data, w)
        assert m._mpisppy_node_list[0].name == "ROOT"
        names = {v.parent_component().name for v in m._mpisppy_node_list[0].nonant_vardata_list}
        assert {"cap_new_cont", "stock_target"} <= names
        ws += m._mpisppy_probability * solve(m._crm_builder)[0].objective
    assert sum(data.probability[w] for w in scenario_names(data)) == pytest.approx(1.0)
    assert ws <= ef * (1 + REL)


def test_ph_in_one_process_brackets_the_extensive_form(case, ef):
    from model.mpisppy_adapter import run_ph_single

    res = run_ph_single(case[1], max_iterations=10)
    _agrees(res, ef)


@pytest.mark.skipif(shutil.which("mpiexec") is None, reason="no MPI launcher (mpiexec); install openmpi-bin")
def test_ph_on_three_mpi_processes_brackets_the_extensive_form(case, ef):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", PYTHONPATH=str(ROOT))
    cmd = ["mpiexec", "-n", "3", sys.executable, "-m", "model.mpisppy_adapter", str(case[0]), "--json",
           "--rel-gap", "0.01", "--max-iterations", "20"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])
    assert res["mode"].startswith("MPI, 3")
    _agrees(res, ef)
