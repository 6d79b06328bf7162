"""Natural gas from its measured composition (ISO 6976:2016): calorific values, density and
carbon content, a laboratory-tier input for an inventory (issue 18, item 3)."""
