"""Analyses built on the model: joint purchasing (coalitions), comparisons of runs, parameter
sweeps and reproduction of past runs."""
