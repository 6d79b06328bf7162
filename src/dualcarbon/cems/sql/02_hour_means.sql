-- Step 2, hourly means of each parameter over its valid minutes, with the count of valid
-- minutes (avg and count ignore the nulls step 1 made of invalid minutes).
SELECT
    source,
    hour,
    count(co2) AS co2_n,
    count(o2) AS o2_n,
    count(flow) AS flow_n,
    count(temperature) AS temperature_n,
    count(pressure) AS pressure_n,
    count(moisture) AS moisture_n,
    sum(stopped) AS stopped_n,
    avg(co2) AS co2,
    avg(o2) AS o2,
    avg(flow) AS flow,
    avg(temperature) AS temperature,
    avg(pressure) AS pressure,
    avg(moisture) AS moisture
FROM minute_valid
GROUP BY source, hour
