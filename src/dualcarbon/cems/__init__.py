"""Continuous emission monitoring (CEMS) of CO2 at stacks: HJ 212-2017 intake, HJ 75-2017 data
validity, CO2 mass, analyser QA, uncertainty, and direct measurement against the accounting
method. The minute-data layout every part shares is :mod:`.schema`."""
