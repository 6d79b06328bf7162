"""Enterprise → process → product: an accounted inventory attributed to the production processes
its guideline names, and from them to products (issue 17; decision 0021). Footprints, CBAM and
disclosure read their figures from here, so each figure is the inventory's own line, never typed
again."""

from dualcarbon.attribution.attribute import (
    AttributedLine,
    Attribution,
    AttributionError,
    ProcessInstance,
    attribute,
)

__all__ = ["AttributedLine", "Attribution", "AttributionError", "ProcessInstance", "attribute"]
