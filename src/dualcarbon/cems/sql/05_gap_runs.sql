-- Step 5, number the valid hours of each parameter (co2: the CO2 concentration; qsn: the dry
-- standard flow) of each source in time order:
--   *_grp = the count of valid hours up to and including this hour. A valid hour and the hours
--   after it up to the next valid hour share one *_grp (a run): the gap of a run is its invalid
--   hours the stack ran (stopped hours are skipped: a stop neither ends nor lengthens a gap), the
--   valid hour before the gap is the run's valid hour (number *_grp), the one after it is valid
--   hour number *_grp + 1 (step 7).
SELECT
    *,
    sum(co2_valid) OVER (
        PARTITION BY source ORDER BY hour ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS co2_grp,
    sum(qsn_valid) OVER (
        PARTITION BY source ORDER BY hour ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS qsn_grp
FROM hour_mass
