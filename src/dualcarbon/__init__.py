"""dualcarbon: carbon accounting you can defend."""

__version__ = "0.1.0"
