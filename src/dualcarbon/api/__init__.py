"""The HTTP API: routes over the application layer (docs/api.md); :mod:`dualcarbon.server`
composes them with the web pages into the app.

Routes in ``routes/`` stay thin: they parse the request, call one function of
:mod:`dualcarbon.api.services` or of the store, and shape the answer. Who may see and change what
is decided in one place, :func:`dualcarbon.api.scope.allowed`.
"""

from dualcarbon.api.settings import Settings

__all__ = ["Settings"]
