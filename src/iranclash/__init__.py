"""iranclash: curated facts on the U.S.-Iran proxy conflict in Iraq and Syria, as a library and a CLI.

The library reads a data folder strictly (``load``), checks it (``validate``),
compiles it (``cache.open_store``) and answers questions (``query``); the CLI
in ``cli`` is one client of it.
"""

from .errors import DataError, IranclashError, NotFound, Problem, UsageProblem
from .model import (
    Actor,
    Analyst,
    Certainty,
    Citation,
    Event,
    EventType,
    PartialDate,
    Place,
    Quote,
    Source,
)

__version__ = "1.0.0"

__all__ = [
    "Actor",
    "Analyst",
    "Certainty",
    "Citation",
    "DataError",
    "Event",
    "EventType",
    "IranclashError",
    "NotFound",
    "PartialDate",
    "Place",
    "Problem",
    "Quote",
    "Source",
    "UsageProblem",
    "__version__",
]
