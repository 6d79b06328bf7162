-- Step 7, the gaps: one row per parameter ('co2', 'qsn') and run of step 5 that has invalid
-- hours, with what step 8 may substitute them by:
--   gap_hours      the run's invalid hours the stack ran; ooc_hours those out of control
--   capture_rate   step 6's rate of the quarter in which the gap starts (it picks the tier)
--   before, after  the valid value just before the gap (valid hour number grp) and just after
--                  it (number grp + 1)
--   max_180, max_720, max_2160   the maximum of the 180, 720 and 2160 valid hours ending with the
--                  one before the gap; computed only for the gaps whose tier needs them
--                  (out of control, longer than 24 h, or a capture rate under 90 %)
-- The lookback joins a gap to the valid hours of its own block of 2160 valid hours and of the
-- block before, which hold every hour of its window: each gap reads at most 4320 hours.
WITH hours AS (
    SELECT source, hour, 'co2' AS parameter, stopped, co2_valid AS valid, co2_ooc AS ooc,
        co2_m AS value, co2_grp AS grp
    FROM gap_runs
    UNION ALL
    SELECT source, hour, 'qsn' AS parameter, stopped, qsn_valid AS valid, qsn_ooc AS ooc,
        qsn_m AS value, qsn_grp AS grp
    FROM gap_runs
),
runs AS (
    -- only the invalid hours the stack ran belong to a gap: a run without any has none
    SELECT
        source,
        parameter,
        grp,
        count(*) AS gap_hours,
        sum(ooc) AS ooc_hours,
        min(hour) AS gap_start
    FROM hours
    WHERE stopped = 0 AND valid = 0
    GROUP BY source, parameter, grp
),
gaps AS (
    SELECT
        r.source,
        r.parameter,
        r.grp,
        r.gap_hours,
        r.ooc_hours,
        r.gap_start,
        c.capture_rate,
        r.grp + 1 AS next_grp,
        CAST(floor(r.grp / 2160.0) AS BIGINT) AS block
    FROM runs AS r
    JOIN capture AS c
        ON r.source = c.source AND r.parameter = c.parameter
        AND date_trunc('quarter', r.gap_start) = c.quarter
),
valid AS (
    SELECT source, parameter, grp, value, CAST(floor(grp / 2160.0) AS BIGINT) AS block
    FROM hours
    WHERE valid = 1
),
-- before and after: the valid hours just before (number grp) and after (grp + 1) some gap, found
-- by semi-joins so that the few gaps are hashed rather than the many valid hours
before_gap AS (
    SELECT v.source, v.parameter, v.grp, v.value
    FROM valid AS v
    WHERE EXISTS (
        SELECT 1 FROM gaps AS g
        WHERE g.source = v.source AND g.parameter = v.parameter AND g.grp = v.grp
    )
),
after_gap AS (
    SELECT v.source, v.parameter, v.grp - 1 AS grp, v.value
    FROM valid AS v
    WHERE EXISTS (
        SELECT 1 FROM gaps AS g
        WHERE g.source = v.source AND g.parameter = v.parameter AND g.next_grp = v.grp
    )
),
lookback_pairs AS (
    SELECT g.source, g.parameter, g.grp, v.grp AS valid_grp, v.value
    FROM gaps AS g
    JOIN valid AS v
        ON g.source = v.source AND g.parameter = v.parameter AND v.block = g.block
    WHERE (g.ooc_hours > 0 OR g.gap_hours > 24 OR g.capture_rate < 0.9)
        AND v.grp <= g.grp AND v.grp > g.grp - 2160
    UNION ALL
    SELECT g.source, g.parameter, g.grp, v.grp AS valid_grp, v.value
    FROM gaps AS g
    JOIN valid AS v
        ON g.source = v.source AND g.parameter = v.parameter AND v.block = g.block - 1
    WHERE (g.ooc_hours > 0 OR g.gap_hours > 24 OR g.capture_rate < 0.9)
        AND v.grp > g.grp - 2160
),
lookback AS (
    SELECT
        source,
        parameter,
        grp,
        max(CASE WHEN valid_grp > grp - 180 THEN value END) AS max_180,
        max(CASE WHEN valid_grp > grp - 720 THEN value END) AS max_720,
        max(value) AS max_2160
    FROM lookback_pairs
    GROUP BY source, parameter, grp
)
SELECT
    g.source,
    g.parameter,
    g.grp,
    g.gap_hours,
    g.ooc_hours,
    g.capture_rate,
    b.value AS before,
    a.value AS after,
    l.max_180,
    l.max_720,
    l.max_2160
FROM gaps AS g
LEFT JOIN before_gap AS b ON g.source = b.source AND g.parameter = b.parameter AND g.grp = b.grp
LEFT JOIN after_gap AS a ON g.source = a.source AND g.parameter = a.parameter AND g.grp = a.grp
LEFT JOIN lookback AS l ON g.source = l.source AND g.parameter = l.parameter AND g.grp = l.grp
