-- Step 8, the hourly result: each parameter measured or substituted, and the CO2 mass.
-- Substitution of an invalid hour by HJ 75-2017 (recalled, see docs/cems.md), tier by the
-- capture rate of the quarter in which the gap starts (step 6):
--   missing or invalid data (缺失), capture rate >= 90 %:
--     gap <= 24 h   the mean of the valid hour before and the valid hour after (mean_before_after);
--                   at an edge of the data only one exists (one_side, ours)
--     gap  > 24 h   the maximum of the 720 valid hours before the gap (max_720)
--   out of control (失控), capture rate >= 90 %:
--     <= 24 out-of-control hours: the maximum of the 180 valid hours before (max_180)
--      > 24:                      the maximum of the 720 valid hours before (max_720)
--   either, capture rate < 90 %: the maximum of the 2160 valid hours before (max_2160)
--   nothing to substitute from: unfilled (mass null, counted apart).
-- CO2 concentration and the dry standard flow are substituted separately; the mass is
--   E = c_CO2 * Q_sn * 1e-9 [t] for the hour (mass.co2_mass_rate). A stopped hour emits 0 t.
SELECT
    *,
    CASE
        WHEN stopped = 1 THEN 'stopped'
        WHEN co2_rule = 'unfilled' OR qsn_rule = 'unfilled' THEN 'unfilled'
        WHEN co2_rule = 'measured' AND qsn_rule = 'measured' THEN 'measured'
        ELSE 'substituted'
    END AS status,
    CASE WHEN stopped = 1 THEN 0.0 ELSE co2_mg_m3 * qsn * 1e-9 END AS co2_t
FROM (
    SELECT
        source,
        hour,
        stopped,
        CASE WHEN co2_mg_m3 IS NULL AND co2_tier <> 'stopped' THEN 'unfilled' ELSE co2_tier END
            AS co2_rule,
        CASE WHEN qsn IS NULL AND qsn_tier <> 'stopped' THEN 'unfilled' ELSE qsn_tier END
            AS qsn_rule,
        co2_n,
        o2_n,
        flow_n,
        temperature_n,
        pressure_n,
        moisture_n,
        co2,
        o2,
        flow,
        temperature,
        pressure,
        moisture,
        co2_mg_m3,
        qsn
    FROM (
        SELECT
            *,
            CASE co2_tier
                WHEN 'measured' THEN co2_m
                WHEN 'mean_before_after' THEN (co2_before + co2_after) / 2.0
                WHEN 'one_side' THEN coalesce(co2_before, co2_after)
                WHEN 'max_180' THEN co2_max_180
                WHEN 'max_720' THEN co2_max_720
                WHEN 'max_2160' THEN co2_max_2160
            END AS co2_mg_m3,
            CASE qsn_tier
                WHEN 'measured' THEN qsn_m
                WHEN 'mean_before_after' THEN (qsn_before + qsn_after) / 2.0
                WHEN 'one_side' THEN coalesce(qsn_before, qsn_after)
                WHEN 'max_180' THEN qsn_max_180
                WHEN 'max_720' THEN qsn_max_720
                WHEN 'max_2160' THEN qsn_max_2160
            END AS qsn
        FROM (
            SELECT
                h.*,
                c.before AS co2_before,
                c.after AS co2_after,
                c.max_180 AS co2_max_180,
                c.max_720 AS co2_max_720,
                c.max_2160 AS co2_max_2160,
                q.before AS qsn_before,
                q.after AS qsn_after,
                q.max_180 AS qsn_max_180,
                q.max_720 AS qsn_max_720,
                q.max_2160 AS qsn_max_2160,
                CASE
                    WHEN h.stopped = 1 THEN 'stopped'
                    WHEN h.co2_valid = 1 THEN 'measured'
                    WHEN c.capture_rate < 0.9 THEN 'max_2160'
                    WHEN h.co2_ooc = 1 AND c.ooc_hours <= 24 THEN 'max_180'
                    WHEN h.co2_ooc = 1 OR c.gap_hours > 24 THEN 'max_720'
                    WHEN c.before IS NOT NULL AND c.after IS NOT NULL THEN 'mean_before_after'
                    ELSE 'one_side'
                END AS co2_tier,
                CASE
                    WHEN h.stopped = 1 THEN 'stopped'
                    WHEN h.qsn_valid = 1 THEN 'measured'
                    WHEN q.capture_rate < 0.9 THEN 'max_2160'
                    WHEN h.qsn_ooc = 1 AND q.ooc_hours <= 24 THEN 'max_180'
                    WHEN h.qsn_ooc = 1 OR q.gap_hours > 24 THEN 'max_720'
                    WHEN q.before IS NOT NULL AND q.after IS NOT NULL THEN 'mean_before_after'
                    ELSE 'one_side'
                END AS qsn_tier
            FROM gap_runs AS h
            LEFT JOIN gaps AS c
                ON h.source = c.source AND c.parameter = 'co2' AND h.co2_grp = c.grp
            LEFT JOIN gaps AS q
                ON h.source = q.source AND q.parameter = 'qsn' AND h.qsn_grp = q.grp
        ) AS tiered
    ) AS valued
) AS ruled
