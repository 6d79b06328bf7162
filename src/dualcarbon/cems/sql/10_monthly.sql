-- Step 9, monthly totals from the days; valid_days counts days valid by step 8.
SELECT
    *,
    CAST(n_measured AS DOUBLE) / nullif(hours - n_stopped, 0) AS capture_rate
FROM (
    SELECT
        source,
        strftime(day, '%Y-%m') AS month,
        sum(hours) AS hours,
        sum(n_measured) AS n_measured,
        sum(n_substituted) AS n_substituted,
        sum(n_unfilled) AS n_unfilled,
        sum(n_stopped) AS n_stopped,
        count(*) AS days,
        sum(valid) AS valid_days,
        sum(co2_t) AS co2_t
    FROM daily
    GROUP BY source, strftime(day, '%Y-%m')
) AS m
