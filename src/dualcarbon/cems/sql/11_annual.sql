-- Step 11, annual totals from the months.
SELECT
    *,
    CAST(n_measured AS DOUBLE) / nullif(hours - n_stopped, 0) AS capture_rate
FROM (
    SELECT
        source,
        CAST(substr(month, 1, 4) AS INTEGER) AS year,
        sum(hours) AS hours,
        sum(n_measured) AS n_measured,
        sum(n_substituted) AS n_substituted,
        sum(n_unfilled) AS n_unfilled,
        sum(n_stopped) AS n_stopped,
        count(*) AS months,
        sum(days) AS days,
        sum(valid_days) AS valid_days,
        sum(valid) AS valid_months,
        sum(co2_t) AS co2_t
    FROM monthly
    GROUP BY source, CAST(substr(month, 1, 4) AS INTEGER)
) AS a
