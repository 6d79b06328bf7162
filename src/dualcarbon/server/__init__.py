"""The server: the HTTP API (:mod:`dualcarbon.api`), the web pages (:mod:`dualcarbon.web`) and
the PACT endpoints composed into one ASGI app. Neither the API nor the pages import this
package, so they do not import each other in a circle."""

from dualcarbon.server.app import create_app

__all__ = ["create_app"]
