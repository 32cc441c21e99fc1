"""Results do not depend on Python's hash seed: every table of a run is the same, cell for cell and
digit for digit, whatever PYTHONHASHSEED is (no set or dict order leaks into a sum)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DUMP = """
import sys
from model.pipeline import solve_workbook
run = solve_workbook(sys.argv[1])
out = [repr(run.solution.objective)]
for name in sorted(run.results.tables):
    out.append(name)
    out.append(run.results.tables[name].to_csv(float_format=repr))
sys.stdout.write("\\n".join(out))
"""


def _tables(case: str, seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", DUMP, str(ROOT / "inputs" / case)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return proc.stdout


@pytest.mark.parametrize("case", ["example_disruptions.xlsx", "eu_crma.xlsx"])
def test_tables_identical_under_different_hash_seeds(case):
    a, b = _tables(case, "0"), _tables(case, "1")
    assert len(a) > 1000
    assert a == b
