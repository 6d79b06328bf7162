"""The verifier's work (核查): checklists per sector, automatic checks on a result."""
