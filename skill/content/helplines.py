"""Where to send someone in danger, per shipped locale: the emergency number and, for a
swallowing, the poison line where the country has one for the public.

Each number was checked on 2026-12-06 against the official source named in the `# source:`
comment above it (tests/test_safety.py fails if a locale has no entry or a number no
source). Spoken forms are read the way people there say them ("triple zero"); `shown` is
for cards and screens. The sentences around them are data (`answers.json`, `safety.texts`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """A phone line: as spoken, and as shown on a card or a screen."""

    spoken: str
    shown: str


@dataclass(frozen=True)
class Helplines:
    emergency: Line
    # After a swallowing: the safety text (`urgent_poison`, `urgent_nhs`, `urgent_hospital`)
    # and the line it names, if any.
    swallowed: str
    poison: Line | None = None


HELPLINES: dict[str, Helplines] = {
    "en-US": Helplines(
        # source: https://www.911.gov/
        emergency=Line("nine one one", "911"),
        swallowed="urgent_poison",
        # source: https://poisonhelp.hrsa.gov/ (HRSA, US Department of Health and Human Services)
        poison=Line(
            "Poison Help, one eight hundred, two two two, one two two two",
            "Poison Help, 1-800-222-1222",
        ),
    ),
    "en-CA": Helplines(
        # source: https://crtc.gc.ca/eng/phone/911/ (CRTC, 9-1-1)
        emergency=Line("nine one one", "911"),
        swallowed="urgent_poison",
        # source: https://www.canada.ca/en/health-canada/news/2023/03/ (Health Canada,
        # March 2023, "Health Canada launches new toll-free number for poison centres")
        poison=Line(
            "a poison centre, one eight four four, seven six four, seven six six nine",
            "a poison centre, 1-844-764-7669 (Quebec: 1-800-463-5060)",
        ),
    ),
    "en-GB": Helplines(
        # source: https://www.nhs.uk/nhs-services/urgent-and-emergency-care-services/when-to-call-999/
        emergency=Line("nine nine nine", "999"),
        # No poison line for the public (NPIS is for professionals); when it is not an
        # emergency, NHS 111 (https://www.nhs.uk/conditions/poisoning/).
        swallowed="urgent_nhs",
        # source: https://www.nhs.uk/nhs-services/urgent-and-emergency-care-services/when-to-use-111/
        poison=Line("NHS one one one", "NHS 111"),
    ),
    "en-AU": Helplines(
        # source: https://www.triplezero.gov.au/
        emergency=Line("triple zero", "000"),
        swallowed="urgent_poison",
        # source: https://www.healthdirect.gov.au/poisoning and https://www.poisonsinfo.nsw.gov.au/
        poison=Line(
            "the Poisons Information Centre, thirteen eleven twenty-six",
            "Poisons Information Centre, 13 11 26",
        ),
    ),
    "en-IN": Helplines(
        # source: https://112.gov.in/ (Emergency Response Support System, Ministry of Home Affairs)
        emergency=Line("one one two", "112"),
        # No national poison line verified for the public: the nearest hospital.
        swallowed="urgent_hospital",
    ),
}

#: A locale the skill does not ship (or a request without one): no number is guessed.
ANYWHERE = Helplines(
    emergency=Line("your local emergency number", "your local emergency number"),
    swallowed="urgent_hospital",
)


def helplines(locale: str | None) -> Helplines:
    """The lines for `locale`, else the wording that names no number."""
    return HELPLINES.get(locale or "", ANYWHERE)
