"""The objective (formulation §8) and the risk measure (formulation §9).

first_stage_cost = sum_t delta_t x first-stage costs_t; scenario_cost[w] = sum_t delta_t x
recourse costs_{t,w}. Risk neutral: total_cost = first_stage_cost + sum_w pi_w scenario_cost[w].
With risk_weight lambda > 0 the objective adds lambda x CVaR_alpha of the total cost in the
linear Rockafellar-Uryasev form: cvar_var (zeta, free) and cvar_excess[w] >= 0 with
cvar_tail[w]: scenario_cost[w] - cvar_var - cvar_excess[w] <= 0; CVaR = first_stage_cost +
cvar_var + 1/(1 - alpha) sum_w pi_w cvar_excess[w].
"""
from __future__ import annotations

import numpy as np

from model.lp import Expr, Index


def add_objective(mod) -> None:
    """Sets ``mod.lp.objective`` = (cost per column, constant) and ``mod.info['costs']``: the
    cost terms by (component, material, year, scenario) key, with each key's discount factor."""
    data, lp, sp = mod.data, mod.lp, mod.space
    c = lp.cost_terms()
    key_of, cols, coefs, const = c["key_of"], c["cols"], c["coefs"], c["const"]
    disc = np.array([mod.discount(t) for t in mod.T])[c["t"]] if len(c["t"]) else np.zeros(0)
    p = np.array([data.probability[w] for w in mod.W])
    first = c["w"] < 0
    weight = disc * np.where(first, 1.0, p[np.maximum(c["w"], 0)])
    lam = float(data.settings.get("risk_weight") or 0.0)
    c["discount"] = disc
    mod.info["costs"] = c
    if lam > 0:  # the first-stage cost enters CVaR as well (it is the same in every scenario)
        weight = weight + lam * disc * first
    cost = np.bincount(cols, weights=coefs * weight[key_of], minlength=lp.n_cols)
    offset = float(np.dot(const, weight))
    if lam > 0:
        alpha = float(data.settings["cvar_alpha"])
        W = sp.product(w=np.arange(len(mod.W)))
        cvar_var = lp.var("cvar_var", Index(sp, (), {}, n=1), lower=-np.inf)
        excess = lp.var("cvar_excess", W)
        key_w = c["w"]
        rec = key_w[key_of] >= 0
        scen = Expr(W.n, key_w[key_of][rec], cols[rec], coefs[rec] * disc[key_of][rec],
                    np.bincount(key_w[key_w >= 0], weights=(const * disc)[key_w >= 0], minlength=W.n))
        body = scen + Expr(W.n, np.arange(W.n), np.full(W.n, cvar_var.start), -np.ones(W.n)) - excess.expr()
        lp.con("cvar_tail", W, body, "<=", 0.0)
        p = np.array([data.probability[w] for w in mod.W])
        cost = np.concatenate((cost, np.zeros(lp.n_cols - len(cost))))
        cost[cvar_var.start] += lam
        cost[excess.start:excess.start + W.n] += lam / (1.0 - alpha) * p
        mod.info["cvar"] = dict(alpha=alpha, var=cvar_var, excess=excess)
    lp.objective = (cost, offset)

