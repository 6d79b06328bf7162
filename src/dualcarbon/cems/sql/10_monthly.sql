-- Step 10, monthly totals from the days; valid_days counts the days valid by step 9. A month is
-- valid with at least 25 valid days, February with 23 (HJ 76-2017 appendix B, 月数据的有效性).
SELECT
    *,
    CASE
        WHEN valid_days >= CASE WHEN substr(month, 6, 2) = '02' THEN 23 ELSE 25 END THEN 1
        ELSE 0
    END AS valid,
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
