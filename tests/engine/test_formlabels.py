"""Recorded form data shown with the labels its form showed, not the stored codes."""

from webapp.engine.formlabels import choice_labels, label_choices

SCHEMA = {
    "type": "object",
    "properties": {
        "decision": {"type": "string", "oneOf": [
            {"const": "multi_agency", "title": "Take to the multi-agency table"},
            {"const": "urgent", "title": "Urgent route"},
        ]},
        "level": {"type": "string", "enum": ["low", "high"]},
        "concerns": {"type": "array", "items": {"type": "string", "oneOf": [
            {"const": "school_or_work_drop_out", "title": "School or work drop-out"},
            {"const": "mental_health", "title": "Mental health"},
        ]}},
        "domains": {"type": "array", "items": {"type": "string", "enum": ["family", "housing"]}},
        "partners": {"type": "array", "items": {"type": "string", "x-options": "orgs"}},
        "actions": {"type": "array", "items": {"type": "object", "properties": {
            "action": {"type": "string"},
            "owner": {"type": "string", "x-options": "orgs"},
            "domain": {"type": "string", "enum": ["family", "housing"]},
        }}},
        "note": {"type": "string"},
        "urgent": {"type": "boolean"},
        "score": {"type": "integer", "oneOf": [{"const": 1, "title": "Low"}]},
    },
}
UI = {
    "level": {"ui:enumNames": ["Low concern", "High concern"]},
    "domains": {"ui:widget": "checkboxes", "ui:enumNames": ["Family", "Housing"]},
    "actions": {"items": {"domain": {"ui:enumNames": ["Family", "Housing"]}}},
}
ORGS = {"orgs": {"police": "Police", "social": "Social services"}}


def options(source):
    return ORGS.get(source, {})


def test_single_choices_show_their_labels():
    data = {"decision": "multi_agency", "level": "high"}
    assert label_choices(data, SCHEMA, UI) == {
        "decision": "Take to the multi-agency table", "level": "High concern"}


def test_lists_of_choices_show_their_labels():
    data = {"concerns": ["mental_health", "school_or_work_drop_out"],
            "domains": ["housing"], "partners": ["social", "police"]}
    assert label_choices(data, SCHEMA, UI, options) == {
        "concerns": ["Mental health", "School or work drop-out"],
        "domains": ["Housing"], "partners": ["Social services", "Police"]}


def test_repeatable_rows_show_their_labels():
    data = {"actions": [{"action": "Talk to the school", "owner": "police", "domain": "family"},
                        {"action": "Find a flat", "owner": "social", "domain": "housing"}]}
    assert label_choices(data, SCHEMA, UI, options)["actions"] == [
        {"action": "Talk to the school", "owner": "Police", "domain": "Family"},
        {"action": "Find a flat", "owner": "Social services", "domain": "Housing"}]


def test_unknown_codes_text_numbers_and_yes_no_stay_as_they_are():
    data = {"decision": "retired_code", "note": "urgent", "urgent": True, "score": True,
            "partners": ["gone"], "not_in_form": "multi_agency", "level": "medium"}
    assert label_choices(data, SCHEMA, UI, options) == data


def test_without_names_for_an_enum_the_code_is_shown():
    assert label_choices({"level": "low", "domains": ["family"]}, SCHEMA) == {
        "level": "low", "domains": ["family"]}
    assert choice_labels({"enum": ["a", "b"]}, {"ui:enumNames": ["only one"]}) == []


def test_enum_names_in_the_schema_itself_count_too():
    assert choice_labels({"enum": ["a"], "enumNames": ["Aa"]}) == [("a", "Aa")]


def test_no_schema_leaves_the_data_alone():
    assert label_choices({"decision": "urgent"}, None) == {"decision": "urgent"}
    assert label_choices(None, SCHEMA) is None
