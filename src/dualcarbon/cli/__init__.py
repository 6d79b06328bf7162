"""The ``dualcarbon`` command: one module per command group."""
