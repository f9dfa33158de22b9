"""The process owners' workbench (one blueprint, ``bp``): the routes live in ``editors``
(draft, editors, validation) and ``versions`` (publish, trial, zip, compare, migration)."""

from . import editors, versions  # noqa: F401  (they register their routes on bp)
from .common import bp

__all__ = ["bp"]
