"""The hub's spawner: each signed-in user's server, as the OS account and with the server their role gets.

Analysts get JupyterLab on the workbook, as the workbook's owner. Managers, finance users and reps get a
dashboard-only server (Voila and the hub extension, nothing else) as their own account, rooted in the
folder of dashboards staged for them. The hub imports this module; it imports JupyterHub.
"""

from __future__ import annotations

import pwd

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Dict, Unicode


class SalesplanSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose OS account, root folder, start page and server config follow the role."""

    accounts = Dict(
        config=True,
        help="Hub user -> {role, os_user, root_dir, default_url, runtime_dir}; written by `salesplan hub`.",
    )
    dashboard_config = Unicode(
        config=True, help="Config file of a dashboard-only server (extensions, authorizer, Voila)."
    )

    def _account(self) -> dict:
        try:
            return self.accounts[self.user.name]
        except KeyError:
            raise PermissionError(f"{self.user.name} has no role in the plan's access section") from None

    def make_preexec_fn(self, name):
        return set_user_setuid(self._account()["os_user"])

    def user_env(self, env):
        account = pwd.getpwnam(self._account()["os_user"])
        env["USER"] = account.pw_name
        env["HOME"] = account.pw_dir
        env["SHELL"] = account.pw_shell
        if self._account().get("runtime_dir"):
            env["JUPYTER_RUNTIME_DIR"] = self._account()["runtime_dir"]
        return env

    def get_args(self):
        account = self._account()
        args = super().get_args()
        if account["role"] != "analyst":
            args.append(f"--config={self.dashboard_config}")
        if pwd.getpwnam(account["os_user"]).pw_uid == 0:
            args.append("--allow-root")
        return args

    async def start(self):
        account = self._account()
        self.notebook_dir = account["root_dir"]
        self.default_url = account["default_url"]
        return await super().start()
