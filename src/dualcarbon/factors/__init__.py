"""Factor catalogue: published values with their sources, versioned like standards."""

from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.factors.model import Factor, SourceDocument, Uncertainty

__all__ = ["Factor", "FactorCatalogue", "SourceDocument", "Uncertainty", "default_catalogue"]
