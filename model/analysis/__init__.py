"""Analyses built on the model: joint purchasing (coalitions), summaries of results, comparisons of
runs, parameter sweeps and reproduction of past runs."""
