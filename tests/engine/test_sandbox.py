"""The restricted script engine: ordinary scripts work, escapes fail at run time and are
refused at deployment where that can be seen statically."""

from __future__ import annotations

import time

import pytest

from webapp import engine
from webapp.engine.bundle import build_bundle
from webapp.engine.sandbox import RestrictedEnvironment

from .conftest import CASE, ROLES, T0, variant

SCRIPT = "deadline_days = 7"
REGISTER = {"urgency": "low", "partners": ["police"]}

HOSTILE = {
    "import": ("import os\ndeadline_days = os.getpid()", True),
    "dunder_import": ("deadline_days = __import__('os')", True),
    "open": ("deadline_days = open('/etc/passwd').read()", False),
    "subclasses": ("deadline_days = ().__class__.__base__.__subclasses__()", True),
    "getattr_globals": ("deadline_days = getattr(partners, '__globals__')", False),
    "format_escape": ("deadline_days = '{0.__class__}'.format(1)", False),
    "forever": ("while True:\n    pass", False),
    # the functions scripts may call know their task; the script must not reach it
    "function_reaches_task": ("deadline_days = running_instances.args[0].workflow", False),
}


def _run_register(bundle):
    step = engine.start(bundle, {"case_code": "MAW-9"}, now=T0)
    return step, lambda: engine.complete(bundle, step.state, step.ready[0].id, REGISTER, now=T0)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_script_raises_script_error_and_keeps_state_usable(files, name, engine_limits):
    engine_limits(script_seconds=0.2)
    script, _static = HOSTILE[name]
    bundle = build_bundle(variant(files, CASE, SCRIPT, script))
    step, run = _run_register(bundle)
    started = time.monotonic()
    with pytest.raises(engine.ScriptError) as info:
        run()
    assert time.monotonic() - started < 2
    assert info.value.task_name == "build_requests"
    assert info.value.task_title == "Build requests"
    again = engine.snapshot(bundle, step.state, now=T0)
    assert [t.spec_name for t in again.ready] == ["register"]


@pytest.mark.parametrize("name", sorted(n for n, (_, static) in HOSTILE.items() if static))
def test_statically_visible_escapes_are_refused_at_deployment(files, name):
    bad = variant(files, CASE, SCRIPT, HOSTILE[name][0])
    with pytest.raises(engine.BundleInvalid) as info:
        engine.compile_bundle(bad, ROLES)
    assert [p.element_id for p in info.value.problems] == ["build_requests"]


def test_runtime_error_reports_line_number(files):
    bundle = build_bundle(variant(files, CASE, SCRIPT, "deadline_days = 7\nx = 1 / 0"))
    _, run = _run_register(bundle)
    with pytest.raises(engine.ScriptError) as info:
        run()
    assert info.value.line_number == 3
    assert "ZeroDivisionError" in str(info.value)


def test_decision_table_error_is_a_script_error(bundle):
    step = engine.start(bundle, {"case_code": "MAW-9"}, now=T0)
    with pytest.raises(engine.ScriptError) as info:
        engine.complete(bundle, step.state, step.ready[0].id, {"partners": []}, now=T0)
    assert info.value.task_name == "triage"


def test_ordinary_scripts_can_build_and_mutate_data():
    env = RestrictedEnvironment()
    data = {"partners": ["a", "b"], "d": {"k": 0}, "items": [], "n": 1, "gone": 1}
    script = "\n".join([
        'requests = [{"organisation": o} for o in partners]',
        'd["k"] = 1',
        "items.append(len(partners))",
        "n += 2",
        "for i, p in enumerate(sorted(partners)):",
        "    last = f'{i}:{p}'",
        "del gone",
        "print('ignored')",
    ])  # fmt: skip
    env.execute(script, data)
    assert data["requests"] == [{"organisation": "a"}, {"organisation": "b"}]
    assert (data["d"], data["items"], data["n"], data["last"]) == ({"k": 1}, [2], 3, "1:b")
    assert "gone" not in data
    assert env.evaluate('f"P{n}D"', data) == "P3D"


def test_failed_script_leaves_task_data_untouched():
    env = RestrictedEnvironment()
    data = {"d": {"k": 0}}
    with pytest.raises(ZeroDivisionError):
        env.execute('d["k"] = 1\nx = 1 / 0', data)
    assert data == {"d": {"k": 0}}
