"""The HTTP API: a FastAPI app over the application layer (docs/api.md).

Routes in ``routes/`` stay thin: they parse the request, call one function of
:mod:`dualcarbon.api.services` or of the store, and shape the answer. Who may see and change what
is decided in one place, :func:`dualcarbon.api.scope.allowed`.
"""

from dualcarbon.api.app import create_app
from dualcarbon.api.settings import Settings

__all__ = ["Settings", "create_app"]
