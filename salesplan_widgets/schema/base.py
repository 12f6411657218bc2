"""The strict base every plan section derives from: unknown keys are errors, never silently dropped."""

from pydantic import BaseModel, ConfigDict


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)
