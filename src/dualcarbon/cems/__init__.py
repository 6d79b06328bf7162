"""Continuous emission monitoring (CEMS) of CO2 at stacks: HJ 212-2017 intake, HJ 75-2017 data
validity, CO2 mass, analyser QA, uncertainty, and direct measurement against the accounting
method (docs/cems.md, docs/cems-hj212.md, docs/cems-qa.md).

==================  ===========================================================================
``schema``          the minute-data layout every part shares (Parquet, ``source=…/month=…``)
``hj212``           HJ 212-2017 packets, CRC, parameter codes, the TCP receiver and its sink
``intake``          bulk import of CSV/Parquet history into the layout, all or nothing
``rules``           plausibility rules (ranges, whole minutes) of the import and the receiver
``mass``            standard dry flow, CO2 mass concentration and hourly mass (pure functions)
``sql/``            the batch pipeline, once, as SQL: validity, hourly means, substitution,
                    mass, daily, monthly and annual totals
``engines``         running that SQL on DuckDB (embedded) or Spark (transpiled by sqlglot)
``pipeline``        ``run(root, engine=…)``: the pipeline end to end
``qa``, ``qa_file`` relative accuracy, drift, calibration error, linearity; a campaign file
``uncertainty``     the hourly CO2 mass's uncertainty (GUM, Monte Carlo) and the year's
``comparison``      CEMS against the accounting method per unit and month: δ and E_n
``plan``            the monitoring plan: stacks → units, monitor uncertainties → monthly u
==================  ===========================================================================
"""
