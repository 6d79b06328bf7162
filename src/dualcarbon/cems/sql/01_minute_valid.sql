-- Step 1, minute validity (HJ 75-2017; flags of HJ 212-2017).
-- A minute value counts only when its flag is N (正常) and a value was sent; C (校准),
-- M (维护), D (故障), F (停运), S, T, B and a missing flag all make it invalid (null here).
-- stopped: the stack is reported stopped (停运, flag F on the flow).
SELECT
    source,
    date_trunc('hour', time) AS hour,
    CASE WHEN co2_flag = 'N' THEN co2 END AS co2,
    CASE WHEN o2_flag = 'N' THEN o2 END AS o2,
    CASE WHEN flow_flag = 'N' THEN flow END AS flow,
    CASE WHEN temperature_flag = 'N' THEN temperature END AS temperature,
    CASE WHEN pressure_flag = 'N' THEN pressure END AS pressure,
    CASE WHEN moisture_flag = 'N' THEN moisture END AS moisture,
    CASE WHEN flow_flag = 'F' THEN 1 ELSE 0 END AS stopped
FROM minute
