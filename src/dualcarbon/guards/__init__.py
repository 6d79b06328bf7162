"""Guards for files that come from outside: YAML without aliases bombs or custom tags, size and
depth limits, zip and workbook bombs. Every reader (``dualcarbon.io``) and the loaders of the
shipped data files go through them; they import nothing else of the project."""
