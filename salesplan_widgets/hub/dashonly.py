"""The Authorizer of a dashboard-only single-user server: the page's kernel websocket, nothing else.

Voila's own pages only ask for a signed-in user; every other Jupyter API (contents, files, sessions,
kernelspecs, terminals, nbconvert) is refused. This is hygiene, not the security boundary: what the user's
kernel can read (their extract, as their own OS user) is.
"""

from __future__ import annotations

from jupyter_server.auth import Authorizer

ALLOWED_RESOURCES = frozenset({"kernels"})


class DashboardOnlyAuthorizer(Authorizer):
    """Allow only the kernels API, which a Voila page needs for its widgets."""

    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        return resource in ALLOWED_RESOURCES
