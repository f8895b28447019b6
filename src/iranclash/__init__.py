"""iranclash: curated facts on the U.S.-Iran proxy conflict in Iraq and Syria, as a library and a CLI.

The library reads a data folder strictly (``load``), checks it (``validate``),
compiles it (``cache.open_store``) and answers questions (``query``); the CLI
in ``cli`` is one client of it. The names below are imported on first use, so
that the command line starts fast.
"""

from __future__ import annotations

import importlib

# Not typing.TYPE_CHECKING: the console script imports this package first, before the cycle
# collector is paused for the rest (see ``launch``), and typing is the costliest import here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "1.0.0"

_EXPORTS = {
    "Actor": "core.model",
    "Analyst": "core.model",
    "Certainty": "core.model",
    "Citation": "core.model",
    "DataError": "core.errors",
    "Event": "core.model",
    "EventType": "core.vocabulary",
    "IranclashError": "core.errors",
    "NotFound": "core.errors",
    "PartialDate": "core.dates",
    "Place": "core.model",
    "Problem": "core.errors",
    "Quote": "core.model",
    "Source": "core.model",
    "UsageProblem": "core.errors",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'iranclash' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
