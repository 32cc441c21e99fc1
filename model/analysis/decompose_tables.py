"""Result tables of a decomposed run whose extensive form is not built (model/analysis/decompose.py,
by part): each part's tables as the part solved them, one after the other.

Every table keeps its columns (docs/results.md). Rows of a scenario carry the name of the merged
scenario that stands for it in that material's part (its first member, in the order of the
scenarios); the sheet ``scenario_classes`` lists, per part, which scenario each scenario of the case
is reported as. ``scenario_costs`` has a row for every scenario of the case: the first stage of all
parts, and the recourse of each part's scenario that stands for it, summed over the parts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from model.results import SCENARIO_COST_COLUMNS, scenario_cost_rows

CLASS_COLUMNS = ["part", "materials", "scenario", "reported_as"]


def by_part_tables(data, parts, results) -> dict:
    """The tables of every part, concatenated in the order of the parts, with ``scenario_costs`` for
    every scenario of the case and ``scenario_classes``."""
    tables: dict = {}
    # the union of the parts' tables: a table a part does not have (co-products, when the part has
    # no co-product group) is left out for that part, not for the whole run
    names = list(dict.fromkeys(name for r in results for name in r.tables))
    for name in names:
        if name == "scenario_costs":
            continue
        have = [r.tables[name] for r in results if name in r.tables]
        frames = [t for t in have if len(t)]
        tables[name] = pd.concat(frames, ignore_index=True) if frames else have[0]
    tables["scenario_costs"] = _scenario_costs(data, parts, results)
    rows = []
    for i, part in enumerate(parts, start=1):
        rep_of = {w: rep for rep, members in part.stands_for.items() for w in members}
        mats = ", ".join(part.materials)
        rows.extend(dict(part=i, materials=mats, scenario=w, reported_as=rep_of[w]) for w in data.scenarios)
    tables["scenario_classes"] = pd.DataFrame(rows, columns=CLASS_COLUMNS)
    return tables


def _scenario_costs(data, parts, results) -> pd.DataFrame:
    index = {w: i for i, w in enumerate(data.scenarios)}
    first = 0.0
    recourse = np.zeros(len(index))
    for part, res in zip(parts, results):
        sc = res.tables["scenario_costs"]
        own = sc.iloc[:len(part.stands_for)]  # one row per scenario of the part, then 'expected'
        first += float(own["first_stage_eur"].iloc[0])
        by_rep = dict(zip(own["scenario"], own["recourse_eur"].astype(float)))
        for rep, members in part.stands_for.items():
            recourse[[index[w] for w in members]] += by_rep[rep]
    return pd.DataFrame(scenario_cost_rows(data, data.scenarios, first, recourse), columns=SCENARIO_COST_COLUMNS)
