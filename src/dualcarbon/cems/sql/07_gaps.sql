-- Step 6, for every hour, from the numbering of step 5. Per run (source, stopped, *_grp) --
-- at most one valid hour, and only valid hours have a measured value *_m:
--   *_before      the valid value just before the gap: the run's valid value
--   *_gap         the gap's length [h]: the run's invalid hours
--   *_after       the valid value just after the gap: the next run's valid value
--   *_max_before  the maximum of the 720 valid hours ending with the one before the gap:
--                 the run's and the 719 previous runs' valid values
-- Computed on the runs (one row each) and joined back to the hours.
WITH co2_runs AS (
    SELECT
        source,
        stopped,
        co2_grp,
        max(co2_m) AS co2_before,
        sum(1 - co2_ok) AS co2_gap
    FROM gap_runs
    GROUP BY source, stopped, co2_grp
),
co2_values AS (
    SELECT
        *,
        lead(co2_before) OVER (PARTITION BY source, stopped ORDER BY co2_grp) AS co2_after,
        max(co2_before) OVER (
            PARTITION BY source, stopped ORDER BY co2_grp
            ROWS BETWEEN 719 PRECEDING AND CURRENT ROW
        ) AS co2_max_before
    FROM co2_runs
),
qsn_runs AS (
    SELECT
        source,
        stopped,
        qsn_grp,
        max(qsn_m) AS qsn_before,
        sum(1 - qsn_ok) AS qsn_gap
    FROM gap_runs
    GROUP BY source, stopped, qsn_grp
),
qsn_values AS (
    SELECT
        *,
        lead(qsn_before) OVER (PARTITION BY source, stopped ORDER BY qsn_grp) AS qsn_after,
        max(qsn_before) OVER (
            PARTITION BY source, stopped ORDER BY qsn_grp
            ROWS BETWEEN 719 PRECEDING AND CURRENT ROW
        ) AS qsn_max_before
    FROM qsn_runs
)
SELECT
    h.*,
    c.co2_before,
    c.co2_after,
    c.co2_max_before,
    c.co2_gap,
    q.qsn_before,
    q.qsn_after,
    q.qsn_max_before,
    q.qsn_gap
FROM gap_runs AS h
JOIN co2_values AS c
    ON h.source = c.source AND h.stopped = c.stopped AND h.co2_grp = c.co2_grp
JOIN qsn_values AS q
    ON h.source = q.source AND h.stopped = q.stopped AND h.qsn_grp = q.qsn_grp
