"""Bedtime SSML: escaped text at a slightly slower, calm pace.

Only SSML that every Alexa voice and locale supports is used: `<prosody>` and
`<break>`. No sound effects, no audio. Text from the content file is escaped
here, once, so an ampersand or a quote can never break the response.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CALM_RATE = "90%"
PAUSE = '<break time="300ms"/>'
# The quiet voice: softer and a little slower. Chosen over
# <amazon:effect name="whispered"> because whispered speech blurs numbers
# ("200 to 400 milligrams") and is not offered for every voice; soft prosody
# works in every locale and stays clear.
QUIET_PROSODY = 'volume="x-soft" rate="85%"'


# Characters XML 1.0 forbids even when escaped (controls, surrogates, non-characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(text: str) -> str:
    # By hand: xml.sax.saxutils would import urllib and http at cold start.
    text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def to_ssml(parts: Iterable[str], *, quiet: bool = False) -> str:
    """Join plain-text parts into one calm SSML fragment (without `<speak>`).

    The SDK's response builder adds the `<speak>` wrapper itself.
    """
    body = PAUSE.join(_escape(part) for part in parts if part)
    prosody = QUIET_PROSODY if quiet else f'rate="{CALM_RATE}"'
    return f"<prosody {prosody}>{body}</prosody>"


_MG = re.compile(r"\bmg\b")
# A word that links a sentence to the one before it; read alone, the quote starts after it.
_LINK = re.compile(r"^(?:However|Fortunately|Additionally|Also|So|But|And),\s+")


def speakable(text: str) -> str:
    """An article sentence as it is read aloud on its own: "200 mg" said as "200
    milligrams", and starting clean ("However, it's essential ..." -> "It's essential
    ..."), since "The article says: However, ..." answers nothing that was asked."""
    text = _MG.sub("milligrams", text)
    linked = _LINK.match(text)
    if linked:
        rest = text[linked.end() :]
        text = rest[:1].upper() + rest[1:]
    return text
