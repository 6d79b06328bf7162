-- Step 9, daily totals (China Standard Time days). A day is valid with at least 20 valid
-- (measured) hours (HJ 75-2017, 日均值的有效性). The mass counts measured and substituted hours.
-- capture_rate = measured hours / hours the stack ran (stopped hours excluded).
SELECT
    *,
    CASE WHEN n_measured >= 20 THEN 1 ELSE 0 END AS valid,
    CAST(n_measured AS DOUBLE) / nullif(hours - n_stopped, 0) AS capture_rate
FROM (
    SELECT
        source,
        CAST(hour AS DATE) AS day,
        count(*) AS hours,
        sum(CASE WHEN status = 'measured' THEN 1 ELSE 0 END) AS n_measured,
        sum(CASE WHEN status = 'substituted' THEN 1 ELSE 0 END) AS n_substituted,
        sum(CASE WHEN status = 'unfilled' THEN 1 ELSE 0 END) AS n_unfilled,
        sum(CASE WHEN status = 'stopped' THEN 1 ELSE 0 END) AS n_stopped,
        coalesce(sum(co2_t), 0.0) AS co2_t
    FROM hourly
    GROUP BY source, CAST(hour AS DATE)
) AS d
