"""An answer to an information request says something: "nothing to share" or what is known."""

from webapp.extensions import db
from webapp.models import Contribution

from .helpers import only_task, to_consultation

MESSAGE = "Tick &#39;nothing to share&#39; or write what your organisation knows."


def _field(html: str, field_id: str) -> str:
    """The markup of the form field holding the control with this id."""
    at = html.index(f'id="{field_id}"')
    start = html.rfind('class="mb-3', 0, at)
    end = html.find('class="mb-3', at)
    return html[start:end]


def test_an_empty_answer_is_refused_with_a_message_next_to_the_first_field(network, login):
    to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    police = login("police")
    for blank in ("", "   "):
        response = police.post(f"/tasks/{task.id}", data={
            "risk_factors": blank, "protective_factors": "", "current_involvement": "",
            "action": "complete"})
        assert response.status_code == 422
        assert "Nothing was saved yet" in response.text
        risks = _field(response.text, "risk_factors")
        assert MESSAGE in risks and "is-invalid" in risks
        assert response.text.count(MESSAGE) == 1
    assert only_task("police", "answer_information_request").id == task.id
    assert db.session.query(Contribution).filter_by(spec_name=task.spec_name).count() == 0


def test_nothing_to_share_or_any_one_field_is_an_answer(network, login):
    to_consultation(("police", "social"))
    police = login("police")
    ticked = police.post(f"/tasks/{only_task('police', 'answer_information_request').id}",
                         data={"nothing_to_share": "y", "action": "complete"})
    assert ticked.status_code == 302
    social = login("social")
    written = social.post(f"/tasks/{only_task('social', 'answer_information_request').id}",
                          data={"current_involvement": "Family coach since March.",
                                "action": "complete"})
    assert written.status_code == 302
    answers = db.session.query(Contribution).filter_by(
        spec_name="answer_information_request").all()
    assert sorted(a.data["nothing_to_share"] for a in answers) == [False, True]
