"""Frozen, typed records: what a data folder means once it has been read.

Field names are the YAML keys; ``load`` builds these classes from their type
hints, so adding a field here is all it takes to accept it in data files.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from iranclash.core.dates import PartialDate, Precision
from iranclash.core.vocabulary import ACLED, ActorKind, EventType, PlaceKind

__all__ = ["ACLED", "ActorKind", "EventType", "PartialDate", "PlaceKind", "Precision"]


class Certainty(str, Enum):
    """How firmly the source states a fact ("reportedly" is not "confirmed")."""

    CONFIRMED = "confirmed"
    REPORTED = "reported"
    BELIEVED = "believed"
    EXPECTED = "expected"


class Role(str, Enum):
    ATTACKER = "attacker"
    TARGET = "target"
    RESPONDER = "responder"
    INTERCEPTOR = "interceptor"
    DECISION_MAKER = "decision-maker"
    PARTICIPANT = "participant"
    SUBJECT = "subject"
    CONDEMNER = "condemner"


class Weapon(str, Enum):
    ROCKET = "rocket"
    DRONE = "drone"
    MISSILE = "missile"
    AIRSTRIKE = "airstrike"
    EXPLOSIVES = "explosives"


class CrossingStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"


class CoordinatePrecision(str, Enum):
    """How close a general-knowledge coordinate is to the place it names."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    CITY = "city"
    REGION = "region"


class SourceKind(str, Enum):
    ARTICLE = "article"
    INTERVIEW = "interview"
    REPORT = "report"
    DATASET = "dataset"
    OTHER = "other"


class InterviewMode(str, Enum):
    EMAIL = "email"
    TELEPHONE = "telephone"
    IN_PERSON = "in-person"
    VIDEO = "video"


@dataclass(frozen=True)
class Citation:
    """Where a fact comes from: the source's id, its exact words, and the footnote if any."""

    source: str
    quote: str
    footnote: int | None = None


@dataclass(frozen=True)
class EventActor:
    """An actor's part in an event; ``certainty`` marks an attribution the source only implies,
    and ``according_to`` whose word a reported one rests on ("the Pentagon")."""

    actor: str
    role: Role
    certainty: Certainty = Certainty.CONFIRMED
    according_to: str | None = None

    def __post_init__(self) -> None:
        if self.according_to and self.certainty is Certainty.CONFIRMED:
            raise ValueError("according_to is for a link the source only reports (certainty: reported)")


@dataclass(frozen=True)
class Munition:
    """A weapon count; ``count`` absent means the source gives no number."""

    weapon: Weapon
    count: int | None = None
    at_least: bool = False
    intercepted: int | None = None

    def __post_init__(self) -> None:
        if self.count is not None and self.intercepted is not None and self.intercepted > self.count:
            raise ValueError(f"intercepted ({self.intercepted}) is more than count ({self.count})")


@dataclass(frozen=True)
class Casualties:
    """Absent figures are unknown, never zero; ``at_least`` marks the figures given as
    lower bounds (the source names these casualties, not necessarily all).

    ``none_reported`` is a source saying "No casualties were reported": no figure, and not
    0, which is a source saying no one was killed or injured.
    """

    killed: int | None = None
    injured: int | None = None
    note: str | None = None
    at_least: bool = False
    none_reported: bool = False

    def __post_init__(self) -> None:
        if self.at_least and self.killed is None and self.injured is None:
            raise ValueError("at_least needs a figure (killed or injured) to be a lower bound of")
        if self.none_reported and (self.killed is not None or self.injured is not None):
            raise ValueError("none_reported has no figure: killed and injured stay unknown")


@dataclass(frozen=True)
class Coordinates:
    """From general knowledge, not from the source; ``precision`` says how close."""

    lat: float
    lon: float
    precision: CoordinatePrecision

    def __post_init__(self) -> None:
        if not -90 <= self.lat <= 90:
            raise ValueError(f"latitude {self.lat} is not between -90 and 90")
        if not -180 <= self.lon <= 180:
            raise ValueError(f"longitude {self.lon} is not between -180 and 180")


@dataclass(frozen=True)
class CrossingSide:
    """One side of a border crossing; ``general_knowledge`` when the source does not say
    which town lies on which side."""

    country: str
    name: str
    general_knowledge: bool = False


@dataclass(frozen=True)
class Event:
    """Something that happened (or is expected), as precisely as the source dates it.

    ``year_inferred`` marks a date whose year the source does not state ("on June 27",
    "last year"); ``aggregate`` marks a record that sums up incidents the source does
    not list one by one ("at least five drone attacks this year"), which may include
    events recorded on their own, so totals never add the two together.
    """

    KIND: ClassVar[str] = "event"
    id: str
    date: PartialDate
    type: EventType
    title: str
    sources: tuple[Citation, ...]
    date_note: str | None = None
    summary: str | None = None
    certainty: Certainty = Certainty.CONFIRMED
    places: tuple[str, ...] = ()
    actors: tuple[EventActor, ...] = ()
    munitions: tuple[Munition, ...] = ()
    casualties: Casualties | None = None
    responds_to: tuple[str, ...] = ()
    year_inferred: bool = False
    aggregate: bool = False
    #: Dataset rows that record this same event (``acled:IRQ24127``): it is counted once.
    same_as: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.year_inferred and self.date.precision is Precision.DECADE:
            raise ValueError(f"year_inferred: {self.date} is a decade, with no year to infer")


@dataclass(frozen=True)
class ExternalNames:
    """The names an actor goes by in dataset exports, exactly as each writes them, so that
    the rows naming it count as its events too (``Military Forces of Iraq (2018-) Popular
    Mobilization Forces`` in ACLED)."""

    acled: tuple[str, ...] = ()
    ucdp: tuple[str, ...] = ()


@dataclass(frozen=True)
class Actor:
    KIND: ClassVar[str] = "actor"
    id: str
    name: str
    kind: ActorKind
    sources: tuple[Citation, ...]
    aliases: tuple[str, ...] = ()
    known_as: tuple[str, ...] = ()
    country: str | None = None
    title: str | None = None
    description: str | None = None
    member_of: tuple[str, ...] = ()
    backed_by: tuple[str, ...] = ()
    external: ExternalNames | None = None


@dataclass(frozen=True)
class Place:
    KIND: ClassVar[str] = "place"
    id: str
    name: str
    kind: PlaceKind
    sources: tuple[Citation, ...]
    aliases: tuple[str, ...] = ()
    known_as: tuple[str, ...] = ()
    country: str | None = None
    sides: tuple[CrossingSide, ...] = ()
    status: CrossingStatus | None = None
    status_since: PartialDate | None = None
    significance: str | None = None
    located_in: str | None = None
    coordinates: Coordinates | None = None

    @property
    def countries(self) -> tuple[str, ...]:
        found = [self.country] if self.country else []
        found += [side.country for side in self.sides if side.country not in found]
        return tuple(found)


@dataclass(frozen=True)
class Quote:
    """An analyst's words; ``footnote_inferred`` marks a footnote the source's text carries
    no marker for, read from the footnotes' order (Lesch's first two quotes: [1] and [2])."""

    KIND: ClassVar[str] = "quote"
    id: str
    text: str
    sources: tuple[Citation, ...]
    footnote: int | None = None
    about: tuple[str, ...] = ()
    footnote_inferred: bool = False

    def __post_init__(self) -> None:
        if self.footnote_inferred and self.footnote is None:
            raise ValueError("footnote_inferred needs a footnote to be inferred")


@dataclass(frozen=True)
class Analyst:
    KIND: ClassVar[str] = "analyst"
    id: str
    name: str
    sources: tuple[Citation, ...]
    aliases: tuple[str, ...] = ()
    known_as: tuple[str, ...] = ()
    affiliation: str | None = None
    description: str | None = None
    interview: str | None = None
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Source:
    KIND: ClassVar[str] = "source"
    id: str
    kind: SourceKind
    title: str
    sources: tuple[Citation, ...] = ()
    #: Other names the source goes by, as the publisher's short name ("GIF").
    aliases: tuple[str, ...] = ()
    publisher: str | None = None
    author: str | None = None
    date: PartialDate | None = None
    interviewee: str | None = None
    mode: InterviewMode | None = None
    footnotes: tuple[int, ...] = ()
    part_of: str | None = None
    url: str | None = None


Record = Event | Actor | Place | Analyst | Source

#: The record class each kind of data file holds (``folder.KINDS`` gives the load order).
FILES: dict[str, type[Event] | type[Actor] | type[Place] | type[Analyst] | type[Source]] = {
    "sources": Source,
    "actors": Actor,
    "places": Place,
    "analysts": Analyst,
    "events": Event,
}


def to_data(value: object) -> object:
    """A record as plain JSON-ready data: enums as their values, dates as their text.

    Every field is present (``None`` where the source says nothing), so scripts
    can rely on the keys.
    """
    kind = type(value)
    if kind in _AS_IS:
        return value
    return _CONVERTERS[kind](value)


#: Types whose values are already JSON data.
_AS_IS = frozenset({str, int, float, bool, type(None)})


class _Converters(dict[type, Callable[[Any], object]]):
    """How each type met so far becomes data, worked out the first time: a build converts
    every value of every record (millions for an export), so the converters call each
    other through this table, the plain values kept as they are without a call."""

    def __missing__(self, kind: type) -> Callable[[Any], object]:
        convert = self[kind] = _converter(kind)
        return convert


_CONVERTERS = _Converters()


def _converter(kind: type) -> Callable[[Any], object]:
    if kind is tuple:
        return _items
    if dataclasses.is_dataclass(kind):
        fields = tuple(spec.name for spec in dataclasses.fields(kind))
        if fields:
            return _record(fields)
    if issubclass(kind, Enum):
        # The member's own attribute: ``.value`` is a descriptor, several times slower.
        return operator.attrgetter("_value_")
    if issubclass(kind, PartialDate):
        return operator.attrgetter("text")
    return _as_is


def _items(value: tuple[object, ...]) -> list[object]:
    if not value:
        return []  # most tuples of a record are empty
    return [item if type(item) in _AS_IS else _CONVERTERS[type(item)](item) for item in value]


def _record(fields: tuple[str, ...]) -> Callable[[Any], dict[str, object]]:
    def convert(value: object) -> dict[str, object]:
        data = {}
        for name in fields:
            item = getattr(value, name)
            data[name] = item if type(item) in _AS_IS else _CONVERTERS[type(item)](item)
        return data

    return convert


def _as_is(value: object) -> object:
    return value
