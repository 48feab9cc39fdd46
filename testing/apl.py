"""Just enough of APL to check the night screen without a device: data-binding
expressions, resources chosen by `when`, and the viewports of the Echo Show family.

The expressions understood are the ones an APL document of ours may use: `${...}` with
`a ? b : c`, `&&`, `||`, `!`, comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`), dotted
names (`viewport.width`, `payload.nightScreen.dim`), `@resource` references, numbers
and quoted strings. Anything else raises `AplError`, so a document that starts using
more of APL fails its tests loudly instead of being checked wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from skill.memory import Memory
from skill.names import Intent, Slot
from skill.ports import Ports
from skill.reminders.port import NightlyReminders, ReminderResult
from skill.replies import Reply
from skill.safety import urgent
from skill.turn import Session, SlotValue, Turn


class AplError(ValueError):
    """An expression or document outside what this module understands."""


@dataclass(frozen=True)
class Viewport:
    """A device's viewport as APL's data-binding context describes it (sizes in dp)."""

    profile: str  # the alexa-viewport-profiles name
    device: str
    pixel_width: int
    pixel_height: int
    dpi: int
    shape: str = "rectangle"
    mode: str = "hub"

    @property
    def width(self) -> int:
        return round(self.pixel_width * 160 / self.dpi)

    @property
    def height(self) -> int:
        return round(self.pixel_height * 160 / self.dpi)

    def context(self) -> dict[str, Any]:
        """`viewport` in APL's data-binding context."""
        return {
            "width": self.width,
            "height": self.height,
            "pixelWidth": self.pixel_width,
            "pixelHeight": self.pixel_height,
            "dpi": self.dpi,
            "shape": self.shape,
            "mode": self.mode,
            "theme": "dark",
        }

    def request_viewport(self) -> dict[str, Any]:
        """`context.Viewport` as the device sends it in a request."""
        return {
            "mode": self.mode.upper(),
            "shape": self.shape.upper(),
            "pixelWidth": self.pixel_width,
            "pixelHeight": self.pixel_height,
            "currentPixelWidth": self.pixel_width,
            "currentPixelHeight": self.pixel_height,
            "dpi": self.dpi,
        }


#: One device for each viewport profile the night screen is designed for.
ECHO_SHOWS = (
    Viewport("hubRoundSmall", "Echo Spot", 480, 480, 160, shape="round"),
    Viewport("hubLandscapeSmall", "Echo Show 5", 960, 480, 160),
    Viewport("hubLandscapeMedium", "Echo Show 8", 1280, 800, 213),
    Viewport("hubLandscapeLarge", "Echo Show 10", 1280, 800, 160),
    Viewport("hubLandscapeXLarge", "Echo Show 15", 1920, 1080, 160),
    Viewport("hubPortraitMedium", "Echo Show 15, portrait", 1080, 1920, 160),
)
#: A television: left alone.
FIRE_TV = Viewport("tvLandscapeXLarge", "Fire TV", 1920, 1080, 320, mode="tv")

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'[^']*'|\"[^\"]*\")"
    r"|(?P<name>@?[A-Za-z_][A-Za-z0-9_.]*)|(?P<op>&&|\|\||==|!=|<=|>=|[<>?:!()]))"
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise AplError(f"cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        value: Any = match.group(kind)
        if kind == "number":
            value = float(value) if "." in value else int(value)
        elif kind == "string":
            value = value[1:-1]
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, scope: Mapping[str, Any], resources: Mapping[str, Any]):
        self.tokens = _tokens(text)
        self.at = 0
        self.scope = scope
        self.resources = resources

    def parse(self) -> Any:
        value = self.ternary()
        if self.at != len(self.tokens):
            raise AplError(f"unexpected {self.tokens[self.at][1]!r}")
        return value

    def peek(self) -> Any:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, op: str | None = None) -> Any:
        if self.at >= len(self.tokens):
            raise AplError("expression ends too soon")
        kind, value = self.tokens[self.at]
        if op is not None and (kind != "op" or value != op):
            raise AplError(f"expected {op!r}, got {value!r}")
        self.at += 1
        return kind, value

    def ternary(self) -> Any:
        condition = self.disjunction()
        if self.peek() != "?":
            return condition
        self.take("?")
        yes = self.ternary()
        self.take(":")
        no = self.ternary()
        return yes if _truthy(condition) else no

    def disjunction(self) -> Any:
        value = self.conjunction()
        while self.peek() == "||":
            self.take("||")
            right = self.conjunction()
            value = value if _truthy(value) else right
        return value

    def conjunction(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take("&&")
            right = self.comparison()
            value = right if _truthy(value) else value
        return value

    def comparison(self) -> Any:
        left = self.unary()
        op = self.peek()
        if op not in ("==", "!=", "<", "<=", ">", ">="):
            return left
        self.take(op)
        right = self.unary()
        if op == "==":
            return left == right
        if op == "!=":
            return left != right
        if not all(isinstance(v, int | float) for v in (left, right)):
            raise AplError(f"{left!r} {op} {right!r}: not numbers")
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take("!")
            return not _truthy(self.unary())
        if self.peek() == "(":
            self.take("(")
            value = self.ternary()
            self.take(")")
            return value
        kind, value = self.take()
        if kind in ("number", "string"):
            return value
        if kind != "name":
            raise AplError(f"unexpected {value!r}")
        if value.startswith("@"):
            if value[1:] not in self.resources:
                raise AplError(f"no resource {value}")
            return self.resources[value[1:]]
        found: Any = self.scope
        for part in value.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        return found


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", "false")


def evaluate(
    text: str, scope: Mapping[str, Any], resources: Mapping[str, Any] | None = None
) -> Any:
    """A property value: `${...}` evaluated, `@name` looked up, anything else as it is."""
    resources = resources or {}
    if not isinstance(text, str):
        return text
    if text.startswith("@") and text[1:] in resources:
        return resources[text[1:]]
    match = re.fullmatch(r"\$\{(.*)\}", text, re.DOTALL)
    if match is None:
        if "${" in text:
            raise AplError(f"mixed text and expressions: {text!r}")
        return text
    return _Parser(match.group(1), scope, resources).parse()


def resources_for(document: Mapping[str, Any], viewport: Viewport) -> dict[str, Any]:
    """Every resource by name for this viewport: the blocks in order, later ones winning,
    each block only if its `when` holds."""
    scope = {"viewport": viewport.context()}
    chosen: dict[str, Any] = {}
    for block in document.get("resources", ()):
        if "when" in block and not _truthy(evaluate(block["when"], scope)):
            continue
        for kind in ("colors", "dimensions", "strings", "numbers", "booleans"):
            chosen.update(block.get(kind, {}))
    return chosen


def applied_blocks(document: Mapping[str, Any], viewport: Viewport) -> list[str]:
    """The descriptions of the resource blocks that apply to this viewport, in order."""
    scope = {"viewport": viewport.context()}
    return [
        str(block.get("description", ""))
        for block in document.get("resources", ())
        if "when" not in block or _truthy(evaluate(block["when"], scope))
    ]


def dp(value: Any) -> float:
    """A dimension ("36dp", or a number) in dp."""
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)dp", str(value))
    if match is None:
        raise AplError(f"not a dp dimension: {value!r}")
    return float(match.group(1))


@dataclass(frozen=True)
class Line:
    """One Text component as it would be laid out: its text and resolved properties."""

    text: str
    font_size: float  # dp
    color: str
    bold: bool
    italic: bool
    align: str
    pad_top: float
    pad_bottom: float


@dataclass(frozen=True)
class Layout:
    """The night screen for one viewport and one datasource."""

    viewport: Viewport
    background: str
    pad_x: float
    pad_y: float
    texts: tuple[Line, ...]


def lay_out(
    document: Mapping[str, Any], datasources: Mapping[str, Any], viewport: Viewport
) -> Layout:
    """The night screen's one Container and its Text children, every property resolved."""
    resources = resources_for(document, viewport)
    template = document["mainTemplate"]
    scope: dict[str, Any] = {"viewport": viewport.context()}
    for name in template["parameters"]:
        scope[name] = datasources  # one parameter: the datasources, as Alexa binds them
    [container] = template["items"]
    if container["type"] != "Container":
        raise AplError("the night screen is one Container")

    def get(item: Mapping[str, Any], key: str, default: Any = None) -> Any:
        return evaluate(item[key], scope, resources) if key in item else default

    texts = []
    for item in container["items"]:
        if item["type"] != "Text":
            raise AplError(f"unexpected component {item['type']}")
        if "when" in item and not _truthy(evaluate(item["when"], scope, resources)):
            continue
        texts.append(
            Line(
                text=str(get(item, "text", "")),
                font_size=dp(get(item, "fontSize", "40dp")),
                color=str(get(item, "color")),
                bold=get(item, "fontWeight") == "bold",
                italic=get(item, "fontStyle") == "italic",
                align=str(get(item, "textAlign", "auto")),
                pad_top=dp(get(item, "paddingTop", 0)),
                pad_bottom=dp(get(item, "paddingBottom", 0)),
            )
        )
    return Layout(
        viewport=viewport,
        background=str(get(container, "backgroundColor")),
        pad_x=dp(get(container, "paddingLeft", 0)),
        pad_y=dp(get(container, "paddingTop", 0)),
        texts=tuple(texts),
    )


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a "#RRGGBB" colour (0 black, 1 white)."""
    match = re.fullmatch(r"#([0-9A-Fa-f]{6})", colour)
    if match is None:
        raise AplError(f"not a #RRGGBB colour: {colour!r}")

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(match.group(1)[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


class _NoReminders:
    """The Reminders port for replies that must never touch reminders."""

    def find(self, stored_id: str | None) -> NightlyReminders:
        raise AssertionError("this reply never touches reminders")

    def set(self, at: Any, spoken_text: str, stored_id: str | None) -> ReminderResult:
        raise AssertionError("this reply never touches reminders")

    def delete(self, stored_id: str | None) -> ReminderResult:
        raise AssertionError("this reply never touches reminders")


def urgent_example() -> Reply:
    """The safety net's own urgent line, as an en-US listener hears it when a child
    swallowed pills: the reply a screen shows with a headline."""
    turn = Turn(
        kind="IntentRequest",
        intent=Intent.EMERGENCY,
        slots={Slot.PILLS: SlotValue(spoken="pills")},
        locale="en-US",
    )
    session = Session()
    return urgent(turn, session, Ports(Memory(None, None, session), _NoReminders()))
