"""The safety net: a statement about symptoms, a condition, medications, too much taken
or feeling unwell (HealthConcernIntent).

One calm line (the article doesn't cover it; a professional, or emergency services if
very unwell) and the session closes: nothing suggests taking more.
"""

from __future__ import annotations

from skill.content import load_content
from skill.ports import Ports
from skill.replies import Reply
from skill.turn import Session, Turn


def health_concern(turn: Turn, session: Session, ports: Ports) -> Reply:
    return Reply(speech=(load_content().prompts.safety_net,))
