"""Measurement uncertainty: GUM law of propagation and Monte Carlo (JCGM 100, JCGM 101)."""
