"""A case started before the review chose which actions to close keeps running on the version
it started on: its review still has the one box that closes every open action."""

from webapp import engine
from webapp.engine.bundle import read_bundle_dir
from webapp.services.designer import spiffmigrate

from .common import ROLES, ROOT, example
from .driver import to_consultation

EARLIER = ROOT / "tests" / "bundles" / "before-choosing-actions"


def _earlier_bundle():
    files = read_bundle_dir(ROOT)
    for path in ("processes/case.bpmn", "processes/action.bpmn", "forms/review.schema.json",
                 "forms/review.uischema.json"):
        files[path] = (EARLIER / path).read_text()
    return engine.compile_bundle(files, ROLES)


def _old_review(**fields):
    data = example("review", **fields)
    data.pop("close_actions")
    return data


def test_a_case_on_the_earlier_version_still_closes_all_open_actions_with_its_box(bundle):
    earlier = _earlier_bundle()
    assert "close_open_actions" in earlier.form("review.schema.json")["properties"]
    case = to_consultation(earlier).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    case.do("carry_out_action", example("action-report", status="under_way"), "school")
    case.wait(days=93)
    review = case.ready("review_case")[0]
    assert review.form == "review.schema.json" and "close_action_choices" not in review.data
    # a newer version is published meanwhile; the case cannot be moved onto it while its
    # actions wait for the table, so it keeps its own
    assert spiffmigrate.assess(earlier, case.step.state, bundle)
    case.do("review_case", _old_review(decision="continue", close_open_actions=True))
    assert case.names() == []
    assert sorted(case.step.ended.values()) == ["Action closed by the table"] * 2
