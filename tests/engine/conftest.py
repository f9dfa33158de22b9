"""Fixtures for engine tests: the casework bundle, a fixed clock, state round-trips."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from webapp import engine
from webapp.engine import serializer

BUNDLES = Path(__file__).parent / "bundles"
ROLES = ("coordinator", "partner", "process_owner", "admin")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CASE = "processes/case.bpmn"


def variant(files: dict[str, str], path: str, old: str, new: str) -> dict[str, str]:
    """A copy of ``files`` with one replacement in ``path`` (which must contain ``old``)."""
    assert old in files[path], f"{old!r} not in {path}"
    changed = dict(files)
    changed[path] = files[path].replace(old, new)
    return changed


def roundtrip(bundle: engine.Bundle, step: engine.Step) -> engine.Step:
    """Save/restore check between steps: restoring the state and saving it again gives the
    same state, and a snapshot of it describes the same ready tasks."""
    wf = serializer.load_state(step.state, bundle.spec, bundle.subprocess_specs, bundle.hash)
    assert serializer.dump_state(wf, bundle.hash) == step.state
    again = engine.snapshot(bundle, step.state, now=T0)
    assert [(t.id, t.due_at, t.organisation) for t in again.ready] == [
        (t.id, t.due_at, t.organisation) for t in step.ready
    ]
    assert again.timers == step.timers
    return step


@pytest.fixture(scope="session")
def files() -> dict[str, str]:
    return engine.read_bundle_dir(BUNDLES / "casework")


@pytest.fixture(scope="session")
def bundle(files) -> engine.Bundle:
    return engine.compile_bundle(files, ROLES)


def first(step: engine.Step, spec_name: str) -> engine.ReadyTask:
    """The first ready task of an element; fails the test if there is none."""
    matches = [t for t in step.ready if t.spec_name == spec_name]
    assert matches, f"no ready {spec_name}: {[t.spec_name for t in step.ready]}"
    return matches[0]
