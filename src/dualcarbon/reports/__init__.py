"""Reports of results: a self-contained HTML page of an accounting result (zh by default, en)."""

from dualcarbon.reports.html import render_html, write_html

__all__ = ["render_html", "write_html"]
