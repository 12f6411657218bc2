"""The plan's `access` section: which hub users may sign in, in which role, and what each may read.

Pure declarations. Whether the teams and reps named here exist is a question about the data, answered
by `workbook.publish.access_problems`; nothing here reads a file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from salesplan_widgets.schema.base import PlanModel

Role = Literal["analyst", "finance", "manager", "rep"]
# A hub user name doubles as part of an OS account name (salesplan-<name>, at most 32 characters).
USER_NAME = re.compile(r"[a-z][a-z0-9_-]{0,21}")


class HubUser(PlanModel):
    """One signed-in user's role and scope."""

    role: Role = Field(
        description="analyst: JupyterLab on the workbook, edits; finance: every payout (read-only); "
        "manager: the dashboards of `teams`; rep: the dashboards of `rep` alone."
    )
    teams: list[str] = Field(
        default_factory=list, description="A manager's teams, as the sales data names them."
    )
    rep: str | None = Field(None, description="A rep's own name, exactly as the sales data spells it.")

    @model_validator(mode="after")
    def _scope_fits_role(self) -> HubUser:
        if self.role == "manager" and not self.teams:
            raise ValueError("a manager needs teams: the teams whose numbers they may see")
        if self.role == "rep" and not self.rep:
            raise ValueError("a rep needs rep: their name as the sales data spells it")
        if self.role != "manager" and self.teams:
            raise ValueError(f"teams applies to managers only, not to a {self.role}")
        if self.role != "rep" and self.rep:
            raise ValueError(f"rep applies to reps only, not to a {self.role}")
        return self


class AccessSection(PlanModel):
    """Who may sign in to `salesplan hub`, and what each user's server may read."""

    users: dict[str, HubUser] = Field(
        default_factory=dict,
        description="Hub user name (as the sign-in provider reports it; lower case letters, digits, '-', "
        "'_', at most 22 characters) -> role and scope.",
    )

    @field_validator("users")
    @classmethod
    def _valid_names(cls, users: dict[str, HubUser]) -> dict[str, HubUser]:
        bad = [name for name in users if not USER_NAME.fullmatch(name)]
        if bad:
            raise ValueError(
                f"user names must be lower case letters, digits, '-' or '_' (at most 22), not {bad[0]!r}"
            )
        return users

    def of_role(self, role: Role) -> list[str]:
        return sorted(name for name, user in self.users.items() if user.role == role)
