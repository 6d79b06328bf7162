-- Step 7, the hourly result: each parameter measured or substituted, and the CO2 mass.
-- Substitution of an invalid or missing hour (HJ 75-2017, handling of missing data, recalled):
--   gap <= 24 h: the mean of the valid hour before and the valid hour after the gap
--                (mean_before_after); at an edge of the data only one exists (one_side, ours);
--   gap  > 24 h: the maximum of the 720 valid hours before the gap (max_720);
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
        co2_rule,
        qsn_rule,
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
        CASE co2_rule
            WHEN 'measured' THEN co2_m
            WHEN 'mean_before_after' THEN (co2_before + co2_after) / 2.0
            WHEN 'one_side' THEN coalesce(co2_before, co2_after)
            WHEN 'max_720' THEN co2_max_before
        END AS co2_mg_m3,
        CASE qsn_rule
            WHEN 'measured' THEN qsn_m
            WHEN 'mean_before_after' THEN (qsn_before + qsn_after) / 2.0
            WHEN 'one_side' THEN coalesce(qsn_before, qsn_after)
            WHEN 'max_720' THEN qsn_max_before
        END AS qsn
    FROM (
        SELECT
            *,
            CASE
                WHEN stopped = 1 THEN 'stopped'
                WHEN co2_ok = 1 THEN 'measured'
                WHEN co2_gap <= 24 AND co2_before IS NOT NULL AND co2_after IS NOT NULL
                    THEN 'mean_before_after'
                WHEN co2_gap <= 24 AND coalesce(co2_before, co2_after) IS NOT NULL
                    THEN 'one_side'
                WHEN co2_gap > 24 AND co2_max_before IS NOT NULL THEN 'max_720'
                ELSE 'unfilled'
            END AS co2_rule,
            CASE
                WHEN stopped = 1 THEN 'stopped'
                WHEN qsn_ok = 1 THEN 'measured'
                WHEN qsn_gap <= 24 AND qsn_before IS NOT NULL AND qsn_after IS NOT NULL
                    THEN 'mean_before_after'
                WHEN qsn_gap <= 24 AND coalesce(qsn_before, qsn_after) IS NOT NULL
                    THEN 'one_side'
                WHEN qsn_gap > 24 AND qsn_max_before IS NOT NULL THEN 'max_720'
                ELSE 'unfilled'
            END AS qsn_rule
        FROM gap_values
    ) AS ruled
) AS valued
