"""The process owners' workbench (one blueprint, ``bp``): the routes live in ``editors``
(draft, editors, validation), ``versions`` (publish, zip, compare, migration) and ``trials``
(Try it, scenarios)."""

from . import editors, translations, trials, versions  # noqa: F401  (they register their routes on bp)
from .common import bp

__all__ = ["bp"]
