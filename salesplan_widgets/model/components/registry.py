"""The components in the order the engine runs them (the order of the statement lines too)."""

from __future__ import annotations

from salesplan_widgets.model.components.accelerators import Accelerators
from salesplan_widgets.model.components.bands import Bands
from salesplan_widgets.model.components.base import Component
from salesplan_widgets.model.components.cap_attainment import AttainmentCap
from salesplan_widgets.model.components.cap_payout import PayoutCap
from salesplan_widgets.model.components.cap_rate import RateCap
from salesplan_widgets.model.components.collections import Collections
from salesplan_widgets.model.components.credit import Credit
from salesplan_widgets.model.components.deal_kicker import DealKicker
from salesplan_widgets.model.components.milestones import Milestones
from salesplan_widgets.model.components.new_logo import NewLogo
from salesplan_widgets.model.components.overrides import Overrides
from salesplan_widgets.model.components.spifs import Spifs
from salesplan_widgets.model.components.target_incentive import TargetIncentive
from salesplan_widgets.model.components.team_override import TeamOverride
from salesplan_widgets.model.components.threshold import Threshold

# Engine order: credit (lines only) -> bands -> overrides -> accelerators -> attainment cap -> rate cap ->
# target incentive -> threshold -> team override -> cash collected -> deal-size kicker -> new logos -> SPIFs -> milestones -> payout cap. Each reads the
# running total of those before it.
ORDER: tuple[type[Component], ...] = (
    Credit,
    Bands,
    Overrides,
    Accelerators,
    AttainmentCap,
    RateCap,
    TargetIncentive,
    Threshold,
    TeamOverride,
    Collections,
    DealKicker,
    NewLogo,
    Spifs,
    Milestones,
    PayoutCap,
)
COMPONENTS: dict[str, Component] = {kind.name: kind() for kind in ORDER}


def component(name: str) -> Component:
    """The component a statement line belongs to (decelerator lines are the accelerators')."""
    return COMPONENTS["accelerator" if name == "decelerator" else name]
