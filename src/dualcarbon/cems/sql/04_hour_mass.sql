-- Step 4, the measured values of each valid hour (mass.py has the same formulas):
--   Q_sn = Q_s * 273.15 / (273.15 + t_s) * p_s / 101.325 * (1 - X_sw / 100)   [m3/h, dry, std]
--     (HJ 75-2017; GB/T 16157-1996 section 7)
--   c_CO2 = phi / 100 * M / V_m * 1e6 (mass.py: M = 44.01 g/mol, V_m = 22.4 L/mol)  [mg/m3, dry, std]
-- co2_valid / qsn_valid: the hour's value is measured and usable: a valid hourly mean, the stack
-- running, not out of control. co2_m and qsn_m are the values of those hours, null elsewhere.
SELECT
    *,
    CASE WHEN co2_valid = 1 THEN co2 / 100.0 * {M_CO2} / {V_M} * 1000000.0 END AS co2_m,
    CASE
        WHEN qsn_valid = 1
        THEN flow * 273.15 / (273.15 + temperature) * pressure / 101.325
            * (1.0 - moisture / 100.0)
    END AS qsn_m
FROM (
    SELECT
        *,
        CASE WHEN co2_ok = 1 AND stopped = 0 AND co2_ooc = 0 THEN 1 ELSE 0 END AS co2_valid,
        CASE WHEN qsn_ok = 1 AND stopped = 0 AND qsn_ooc = 0 THEN 1 ELSE 0 END AS qsn_valid
    FROM hour_valid
) AS v
