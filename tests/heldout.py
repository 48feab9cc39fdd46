"""The held-out sets in tests/data, read through the measure (skill.dev.model.measure).

Every set here is spent: its phrasings were in view while the samples changed, so its
figure says the samples cover it, not how a new listener fares. Untuned figures come from
fresh sets measured with `python -m skill.dev.model.measure PATH --summary`.

- heldout_utterances.tsv: written by someone who had read the samples (older format:
  phrase, intent, slot=value);
- heldout_blind.tsv: written blind for issue 9, then used to grow the samples (older format);
- heldout_set_a.tsv: written blind for issue 17 (variety, phrase, label), then used to
  tune the model of issue 17;
- heldout_set_b.tsv: written blind for issue 17 after that tuning, measured untuned (48%
  right answer), then used to tune the carrier-slot model;
- heldout_set_c.tsv: written blind for issue 17, measured untuned on the carrier-slot model
  (46.5% right answer), then added here: the latest untuned figure, nothing tuned on it yet.
"""

from __future__ import annotations

from pathlib import Path

from skill.dev.model.measure import Row, load_intent_set, load_set

DATA = Path(__file__).resolve().parent / "data"
HELDOUT_PATH = DATA / "heldout_utterances.tsv"
BLIND_PATH = DATA / "heldout_blind.tsv"
SET_A_PATH = DATA / "heldout_set_a.tsv"
SET_B_PATH = DATA / "heldout_set_b.tsv"
SET_C_PATH = DATA / "heldout_set_c.tsv"


def spent_sets() -> dict[str, list[Row]]:
    """Every spent set, by name, as labelled rows."""
    return {
        "first": load_intent_set(HELDOUT_PATH),
        "blind": load_intent_set(BLIND_PATH),
        "a": load_set(SET_A_PATH),
        "b": load_set(SET_B_PATH),
        "c": load_set(SET_C_PATH),
    }
