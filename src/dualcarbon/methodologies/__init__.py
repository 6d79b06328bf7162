"""Methodologies: executable standards built from a small set of calculators."""
