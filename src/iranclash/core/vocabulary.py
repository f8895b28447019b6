"""The vocabularies the command line filters on: event types (with their ACLED
equivalents) and the kinds of actors and places.

Apart from ``model`` so that a query answered from the cache need not build the
record classes.
"""

from __future__ import annotations

from enum import Enum


class EventType(str, Enum):
    """The event vocabulary; ``ACLED`` maps each to ACLED's event_type / sub_event_type."""

    AIRSTRIKE = "airstrike"
    DRONE_ATTACK = "drone-attack"
    ROCKET_ATTACK = "rocket-attack"
    INTERCEPTION = "interception"
    TARGETED_KILLING = "targeted-killing"
    ARMED_CLASH = "armed-clash"
    RETURN_FIRE = "return-fire"
    TERRITORY_SEIZED = "territory-seized"
    TERRITORY_LOST = "territory-lost"
    BASE_HANDOVER = "base-handover"
    BORDER_CLOSURE = "border-closure"
    BORDER_REOPENING = "border-reopening"
    DEPLOYMENT = "deployment"
    TROOP_REDUCTION = "troop-reduction"
    AGREEMENT = "agreement"
    AGREEMENT_WITHDRAWAL = "agreement-withdrawal"
    AGREEMENT_LAPSE = "agreement-lapse"
    LEGISLATIVE_VOTE = "legislative-vote"
    DIPLOMATIC = "diplomatic"
    CONDEMNATION = "condemnation"
    POLITICAL_PRESSURE = "political-pressure"
    LEADERSHIP_CHANGE = "leadership-change"
    INSURGENT_ACTIVITY = "insurgent-activity"
    #: No type here says what happened; an imported event keeps its dataset's own type.
    OTHER = "other"


_REMOTE = "Explosions/Remote violence"
_BATTLES = "Battles"
_STRATEGIC = "Strategic developments"

ACLED: dict[EventType, tuple[str, str]] = {
    EventType.AIRSTRIKE: (_REMOTE, "Air/drone strike"),
    EventType.DRONE_ATTACK: (_REMOTE, "Air/drone strike"),
    EventType.ROCKET_ATTACK: (_REMOTE, "Shelling/artillery/missile attack"),
    EventType.INTERCEPTION: (_STRATEGIC, "Disrupted weapons use"),
    EventType.TARGETED_KILLING: (_REMOTE, "Air/drone strike"),
    EventType.ARMED_CLASH: (_BATTLES, "Armed clash"),
    EventType.RETURN_FIRE: (_BATTLES, "Armed clash"),
    EventType.TERRITORY_SEIZED: (_BATTLES, "Non-state actor overtakes territory"),
    EventType.TERRITORY_LOST: (_BATTLES, "Government regains territory"),
    EventType.BASE_HANDOVER: (_STRATEGIC, "Non-violent transfer of territory"),
    EventType.BORDER_CLOSURE: (_STRATEGIC, "Other"),
    EventType.BORDER_REOPENING: (_STRATEGIC, "Other"),
    EventType.DEPLOYMENT: (_STRATEGIC, "Change to group/activity"),
    EventType.TROOP_REDUCTION: (_STRATEGIC, "Change to group/activity"),
    EventType.AGREEMENT: (_STRATEGIC, "Agreement"),
    EventType.AGREEMENT_WITHDRAWAL: (_STRATEGIC, "Agreement"),
    EventType.AGREEMENT_LAPSE: (_STRATEGIC, "Agreement"),
    EventType.LEGISLATIVE_VOTE: (_STRATEGIC, "Other"),
    EventType.DIPLOMATIC: (_STRATEGIC, "Other"),
    EventType.CONDEMNATION: (_STRATEGIC, "Other"),
    EventType.POLITICAL_PRESSURE: (_STRATEGIC, "Other"),
    EventType.LEADERSHIP_CHANGE: (_STRATEGIC, "Other"),
    EventType.INSURGENT_ACTIVITY: (_STRATEGIC, "Change to group/activity"),
    EventType.OTHER: (_STRATEGIC, "Other"),
}


class ActorKind(str, Enum):
    MILITIA = "militia"
    UMBRELLA = "umbrella"
    STATE = "state"
    GOVERNMENT = "government"
    ARMED_FORCES = "armed-forces"
    SECURITY_FORCES = "security-forces"
    LEGISLATURE = "legislature"
    INTELLIGENCE_OR_GUARD = "intelligence-or-guard"
    ORGANIZATION = "organization"
    PERSON = "person"
    ARMED_GROUP = "armed-group"
    COALITION = "coalition"
    # ACLED's actor categories with no kind above (inter codes 5, 6, 7), and an actor a
    # dataset names without saying what it is.
    RIOTERS = "rioters"
    PROTESTERS = "protesters"
    CIVILIANS = "civilians"
    UNCLASSIFIED = "unclassified"


class PlaceKind(str, Enum):
    BORDER_CROSSING = "border-crossing"
    AIR_BASE = "air-base"
    BASE = "base"
    AIRPORT = "airport"
    EMBASSY = "embassy"
    OIL_FIELD = "oil-field"
    CITY = "city"
    DISTRICT = "district"
    PROVINCE = "province"
    REGION = "region"
    ZONE = "zone"
    COUNTRY = "country"
    # A dataset's third administrative level, and its named location of no stated kind
    # (a town, a village, a neighbourhood, a base).
    SUBDISTRICT = "subdistrict"
    LOCALITY = "locality"


class CitationStyle(str, Enum):
    """The reference styles ``cite --style`` writes (see ``cite``)."""

    CHICAGO = "chicago"
    BIBTEX = "bibtex"
    RIS = "ris"
    CSL_JSON = "csl-json"


class Grain(str, Enum):
    """What ``summary --by`` counts events by: a span of time, or one of their facets."""

    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    TYPE = "type"
    PLACE = "place"
    ACTOR = "actor"
    COUNTRY = "country"


class Dataset(str, Enum):
    """The datasets whose exports a data folder may hold (under ``acled/``, ``ucdp/``)."""

    ACLED = "acled"
    UCDP = "ucdp"


#: How the store's ``event_actor`` table writes an actor's role in an event, and how firmly the
#: source attributes it (``model.Role``, ``model.Certainty``): each word's place in
#: alphabetical order. A number takes a fraction of a word's room in each of an export's
#: millions of links, and the order keeps ``min()`` and the table's key order as they were.
ROLES = (
    "attacker",
    "condemner",
    "decision-maker",
    "interceptor",
    "participant",
    "responder",
    "subject",
    "target",
)
CERTAINTIES = ("believed", "confirmed", "expected", "reported")
