-- Step 3, every hour from each source's first to its last hour with data (an hour in between
-- without any data row is a missing hour; hours outside the span are not invented),
-- and the validity of each hourly mean: at least 45 valid minutes in the hour (HJ 75-2017,
-- 小时均值的有效性). An hour with at least 45 minutes flagged stopped (F) is a stopped hour:
-- no emission, not substituted, outside the capture rate.
-- co2_ok: the CO2 hourly mean is valid; qsn_ok: flow, temperature, pressure and moisture
-- (everything the dry standard flow needs) are valid.
-- co2_ooc / qsn_ooc: the hour lies in an out-of-control period (失控时段, HJ 75-2017) of the CO2
-- analyser / of a monitor the dry standard flow needs, from the table out_of_control
-- (source, parameter, period_start, period_end): its data are not valid whatever the minutes say.
WITH span AS (
    SELECT
        source,
        min(hour) AS first_hour,
        max(hour) AS last_hour
    FROM hour_means
    GROUP BY source
),
grid AS (
    SELECT source, unnest(generate_series(first_hour, last_hour, INTERVAL 1 HOUR)) AS hour
    FROM span
),
out_of_control_hours AS (
    SELECT
        g.source,
        g.hour,
        max(CASE WHEN o.parameter = 'co2' THEN 1 ELSE 0 END) AS co2_ooc,
        max(CASE WHEN o.parameter <> 'co2' THEN 1 ELSE 0 END) AS qsn_ooc
    FROM grid AS g
    JOIN out_of_control AS o
        ON g.source = o.source AND g.hour >= o.period_start AND g.hour < o.period_end
    GROUP BY g.source, g.hour
)
SELECT
    g.source AS source,
    g.hour AS hour,
    coalesce(m.co2_n, 0) AS co2_n,
    coalesce(m.o2_n, 0) AS o2_n,
    coalesce(m.flow_n, 0) AS flow_n,
    coalesce(m.temperature_n, 0) AS temperature_n,
    coalesce(m.pressure_n, 0) AS pressure_n,
    coalesce(m.moisture_n, 0) AS moisture_n,
    m.co2 AS co2,
    m.o2 AS o2,
    m.flow AS flow,
    m.temperature AS temperature,
    m.pressure AS pressure,
    m.moisture AS moisture,
    CASE WHEN coalesce(m.stopped_n, 0) >= 45 THEN 1 ELSE 0 END AS stopped,
    CASE WHEN coalesce(m.co2_n, 0) >= 45 THEN 1 ELSE 0 END AS co2_ok,
    CASE
        WHEN coalesce(m.flow_n, 0) >= 45
            AND coalesce(m.temperature_n, 0) >= 45
            AND coalesce(m.pressure_n, 0) >= 45
            AND coalesce(m.moisture_n, 0) >= 45
        THEN 1 ELSE 0
    END AS qsn_ok,
    coalesce(o.co2_ooc, 0) AS co2_ooc,
    coalesce(o.qsn_ooc, 0) AS qsn_ooc
FROM grid AS g
LEFT JOIN hour_means AS m ON g.source = m.source AND g.hour = m.hour
LEFT JOIN out_of_control_hours AS o ON g.source = o.source AND g.hour = o.hour
