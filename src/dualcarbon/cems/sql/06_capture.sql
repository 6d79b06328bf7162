-- Step 6, the quarterly valid-data capture rate of each parameter (季度有效数据捕集率, HJ 75-2017):
-- valid hours / hours the stack ran in the calendar quarter (stopped hours excluded; missing,
-- invalid and out-of-control hours count as not captured). It selects the substitution tier of
-- step 8.
SELECT
    source,
    parameter,
    quarter,
    CAST(valid_hours AS DOUBLE) / nullif(hours_run, 0) AS capture_rate
FROM (
    SELECT
        source,
        'co2' AS parameter,
        date_trunc('quarter', hour) AS quarter,
        sum(co2_valid) AS valid_hours,
        sum(1 - stopped) AS hours_run
    FROM gap_runs
    GROUP BY source, date_trunc('quarter', hour)
    UNION ALL
    SELECT
        source,
        'qsn' AS parameter,
        date_trunc('quarter', hour) AS quarter,
        sum(qsn_valid) AS valid_hours,
        sum(1 - stopped) AS hours_run
    FROM gap_runs
    GROUP BY source, date_trunc('quarter', hour)
) AS q
