"""Lets a closed dashboard page shut its own kernel down under standalone Voila, loaded by Voila as its
identity provider class.

Voila's page sends `POST voila/api/shutdown/<kernel id>` with the `_xsrf` cookie's value when it is
closed (`beforeunload`), but standalone Voila 0.5 never sets that cookie, so the request is refused
(403) and the kernel lives on until culled, holding memory and a place under the kernel cap. Here every
GET of a dashboard page reads the handler's `xsrf_token`, which is how Tornado sets the cookie (only when
the browser does not have one yet), so the page's shutdown request passes the XSRF check as Voila meant
it to. The check itself stays on. This works for preheated kernels too: the cookie belongs to the page
request, whichever kernel serves it. This module runs inside the Voila process: it must stay importable
without the rest of salesplan's stack.
"""

from __future__ import annotations

import inspect

from jupyter_server.auth.identity import PasswordIdentityProvider, User
from tornado import web
from voila.handler import VoilaHandler


class PageCloseIdentityProvider(PasswordIdentityProvider):
    """Voila's default identity provider, plus the `_xsrf` cookie on every dashboard page it serves."""

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        if user is not None and handler.request.method == "GET" and isinstance(handler, VoilaHandler):
            # prepare() sets this right after; the token needs it (it decides the cookie's lifetime)
            handler.current_user = user
            handler.xsrf_token  # noqa: B018 - reading it sets the cookie when the browser has none
        return user
