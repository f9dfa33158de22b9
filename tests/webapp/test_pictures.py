"""The case pictures (network map, timeline, inclusion chart) drawn as SVG on the server."""

from xml.etree import ElementTree

import pytest

from webapp import pictures

NETWORK = [
    {"who": who, "kind": kind, "relation": relation, "quality": quality, "closeness": closeness}
    for who, kind, relation, quality, closeness in [
        ("Mother", "person", "family", "supportive", 1),
        ("Father", "person", "family", "ambivalent", 2),
        ("Older brother", "person", "family", "harmful", 1),
        ("Grandmother", "person", "family", "supportive", 2),
        ("Best friend from primary school", "person", "friend", "supportive", 2),
        ("Football coach", "person", "leisure", "supportive", 2),
        ("Online chat group", "group", "new contacts", "harmful", 1),
        ("Local activist group", "group", "new contacts", "harmful", 2),
        ("Mosque youth worker", "person", "religion", "supportive", 3),
        ("Pupil guidance centre", "organisation", "school", "supportive", 2),
        ("Class teacher", "person", "school", "ambivalent", 3),
        ("Youth care", "organisation", "professional", "supportive", 3),
        ("Neighbourhood police officer", "person", "professional", "ambivalent", 3),
        ("Cousin abroad", "person", "family", "ambivalent", 3),
        ("Gaming friends", "group", "leisure", "ambivalent", 2),
    ]
]
TIMELINE = [
    {"date": date, "event": event, "tone": tone}
    for date, event, tone in [
        ("2012-09-01", "Started primary school", "neutral"),
        ("2015-06-15", "Parents separated", "difficult"),
        ("2016-01-10", "Moved in with the mother and brother", "neutral"),
        ("2018-09-01", "Started secondary school, technical track", "positive"),
        ("2019-04-20", "Joined the football club", "positive"),
        ("2021-03-02", "Grandfather died; very close to him", "difficult"),
        ("2022-09-01", "Changed schools after conflicts with classmates", "difficult"),
        ("2023-05-12", "Left the football team", "difficult"),
        ("2024-11-03", "First contacts with an online chat group", "difficult"),
        ("2025-09-01", "Internship at a garage, liked by the mentor", "positive"),
        ("2026-01-10", "Stopped going to school; handed out flyers with a local group "
                       "several times in the shopping street", "difficult"),
        ("2026-03-20", "Agreed to weekly talks with the youth worker", "positive"),
    ]
]
INCLUSION = [
    {"sphere": "family", "rating": 3,
     "note": "Close to the mother, little contact with the father"},
    {"sphere": "school_work", "rating": 1, "note": "Absent since January"},
    {"sphere": "peers", "rating": 1, "note": "Old friends lost; new contacts online"},
    {"sphere": "community", "rating": 2, "note": ""},
    {"sphere": "institutions", "rating": 0, "note": "Distrusts the police and the school"},
    {"sphere": "leisure", "rating": 4, "note": "Gaming and the garage internship"},
]
DATA = {"network_map": NETWORK, "timeline": TIMELINE, "inclusion": INCLUSION}


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def texts(svg: str) -> str:
    return " ".join(t for t in parse(svg).itertext())


def test_a_full_case_draws_all_three_pictures():
    drawn = pictures.pictures_from(DATA)
    assert set(drawn) == {"network_map", "timeline", "inclusion"}
    for svg in drawn.values():
        root = parse(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("role") == "img"
        assert "style" not in svg  # strict CSP: no style attributes


def test_network_map_shows_every_node_with_its_influence():
    svg = pictures.render("network_map", NETWORK)
    words = texts(svg)
    for row in NETWORK:
        assert row["who"].split()[0] in words
    assert svg.count("<line") >= 15
    assert "Supportive" in words and "Harmful" in words and "Ambivalent" in words


def test_timeline_is_in_date_order_with_every_event():
    words = texts(pictures.render("timeline", list(reversed(TIMELINE))))
    positions = [words.index(d) for d in ("2012", "2015", "2021", "2026")]
    assert positions == sorted(positions)
    assert "1 Sep 2012" in words and "20 Mar 2026" in words
    assert "handed out flyers" in words


def test_inclusion_chart_gives_each_sphere_its_rating():
    words = texts(pictures.render("inclusion", INCLUSION))
    for label in ("Family", "School or work", "Peers", "Community", "Institutions", "Leisure"):
        assert label in words
    assert "0 · not at all" in words and "4 · fully" in words


@pytest.mark.parametrize("kind", ["network_map", "timeline", "inclusion"])
def test_text_is_escaped(kind):
    evil = '<script>alert("x")</script> & "quotes"'
    rows = {"network_map": [{"who": evil, "kind": "person", "quality": "harmful"}],
            "timeline": [{"date": "2026-01-01", "event": evil}],
            "inclusion": [{"sphere": "family", "rating": 2, "note": evil}]}[kind]
    svg = pictures.render(kind, rows)
    assert "<script>" not in svg
    parse(svg)  # still well-formed


def test_nothing_to_draw_without_rows():
    assert pictures.pictures_from({"information_summary": "x"}) == {}
    assert pictures.pictures_from(None) == {}


# ---------------------------------------------------------------- on the case page


@pytest.fixture
def consulted(network):
    from .helpers import complete, example, to_consultation

    case = to_consultation(("police", "social"))
    complete("police", "answer_information_request", example("information-answer"))
    complete("social", "answer_information_request", example("information-answer"))
    complete("coordinator", "case_consultation", example("case-consultation", **DATA))
    return case


def test_case_page_draws_the_pictures_and_serves_them_as_files(consulted, login):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import AuditEvent

    client = login("coordinator")
    page = client.get(f"/cases/{consulted.code}").text
    assert "Network, life story and inclusion" in page
    assert page.count("<svg") >= 3 and "Football coach" in page
    response = client.get(f"/cases/{consulted.code}/pictures/network_map.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "Football coach" in response.text
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.case_id == consulted.id)).all()
    assert "case_picture_viewed" in actions
    assert client.get(f"/cases/{consulted.code}/pictures/nothing.svg").status_code == 404


def test_partners_do_not_get_the_pictures(consulted, login):
    police = login("police")
    assert police.get(f"/cases/{consulted.code}/pictures/timeline.svg").status_code == 403


def test_case_page_without_a_consultation_shows_no_pictures(network, login):
    from .helpers import register

    case = register()
    page = login("coordinator").get(f"/cases/{case.code}").text
    assert "Network, life story and inclusion" not in page
