import pytest

from webapp import engine
from webapp.engine.bundle import read_bundle_dir

from .common import ROLES, ROOT


@pytest.fixture(scope="module")
def bundle():
    """The default bundle, compiled as deployment would."""
    return engine.compile_bundle(read_bundle_dir(ROOT), ROLES)
