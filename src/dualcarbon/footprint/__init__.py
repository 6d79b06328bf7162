"""Product carbon footprints (GB/T 24067-2024 / ISO 14067:2018): product systems in, traced
footprints out.

The package's table of contents:

==================  ===========================================================================
``model``           the product system: flows, processes and their exchanges, parameters with
                    formulas, life-cycle stages, boundary, cut-off, allocation, recycling,
                    electricity choice, data quality — frozen pydantic models and their rules
``pedigree``        the ecoinvent v3 pedigree matrix: scores → lognormal σ, and → PACT DQR
                    (tables in ``data/pedigree.yaml``)
``product_yaml``    the YAML file format of a product system: read (all-or-nothing, every
                    problem named) and write
``matrices``        a product system → technosphere A, biosphere B (background and bought
                    electricity folded in as kgCO2e rows), characterisation c, demand f, the
                    index maps, and each entry's exchange and lognormal σ
``solver``          solving A·s = f: checked iteration, or a kept sparse LU factorisation
``montecarlo``      the score's distribution from the exchanges' lognormal uncertainties
``footprint``       ``compute_footprint``: the total per reference flow, contributions by process,
                    stage and flow, electricity choices, primary-data share, and the trace
==================  ===========================================================================

Decisions behind the model: docs/decisions/0007-product-footprint-model.md.
"""
