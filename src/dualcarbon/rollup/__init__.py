"""Regional roll-up: province and nation totals from many enterprises' accounted results, on
DuckDB by default and on Spark with the same SQL (issue 18, item 2)."""
