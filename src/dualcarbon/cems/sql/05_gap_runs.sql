-- Step 5, number the valid hours of each parameter (co2: the CO2 concentration; qsn: the dry
-- standard flow) over the hours the stack ran (stopped hours form a partition of their own):
--   *_grp = the count of valid hours up to and including this hour. A valid hour and the
--   invalid hours after it, up to the next valid hour, share one *_grp: a gap is the invalid
--   rows of a *_grp, the valid hour before it is the valid row of that *_grp, and the valid
--   hour after it is the valid row of *_grp + 1 (step 6).
SELECT
    *,
    sum(co2_ok) OVER (
        PARTITION BY source, stopped ORDER BY hour ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS co2_grp,
    sum(qsn_ok) OVER (
        PARTITION BY source, stopped ORDER BY hour ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS qsn_grp
FROM hour_mass
