"""Product carbon footprints (GB/T 24067-2024 / ISO 14067:2018): product systems in, traced
footprints out.

The package's table of contents:

==================  ===========================================================================
``vocabulary``      stages, boundaries, exchange kinds, distributions, GHG origins, electricity
                    bases, allocation and recycling methods
``model``           the product system: flows, processes and their exchanges, parameters with
                    formulas, life-cycle stages, boundary, cut-off, allocation, recycling,
                    electricity choice, data quality — frozen pydantic models, each checking
                    itself
``rules``           the rules across a whole system (links, providers, GWP coverage, evidence)
``parameters``      parameters and formulas evaluated in dependency order; amounts, reference flow
``problems``        where a problem is reported (file, process, exchange, field, rule)
``study``           the study's own facts (commissioner, practitioner, PCR, review …)
``pedigree``        the ecoinvent v3 pedigree matrix: scores → lognormal σ, and → PACT DQR
                    (tables in ``data/pedigree.yaml``)
``product_yaml``    the YAML file format of a product system: read (all-or-nothing, every
                    problem named) and write
``background``      the background library from public factors (``data/background.yaml``): grid,
                    fuels, materials, freight — each with its source and confidence; product
                    files use a record with ``use: <id>``
``service_life``    service units: a battery's energy delivered over its life (EU 2023/1542), a
                    PV module's rated power and lifetime yield
``result_json``     a footprint result as plain JSON (the CLI's ``--json``, the API)
``label``           the carbon-label record (value, unit, scope, verification, validity)
``product_xlsx``    the Excel workbook of a product system: write, and read all-or-nothing
``olca``            openLCA JSON-LD: what export (``olca_export``) and import (``olca_import``)
                    share
``matrices``        a product system → technosphere A, biosphere B (background and bought
                    electricity folded in as kgCO2e rows), characterisation c, demand f, the
                    index maps, and each entry's exchange and lognormal σ
``solver``          solving A·s = f: checked iteration, or a kept sparse LU factorisation
``montecarlo``      the score's distribution: every exchange's law (lognormal, normal, uniform,
                    triangular), each background or electricity factor drawn once per draw
``footprint``       ``compute_footprint``: the total per reference flow, contributions by process,
                    stage and flow, electricity choices, primary-data share, and the trace
==================  ===========================================================================

Decisions behind the model: docs/decisions/0007-product-footprint-model.md.
"""
