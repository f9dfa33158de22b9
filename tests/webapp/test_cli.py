"""The command line: organisations, users, deployment, cases."""

import shutil
from pathlib import Path

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ProcessVersion, User


def test_create_org_user_deploy_and_list(app):
    cli = app.test_cli_runner()
    assert (
        "Created organisation police" in cli.invoke(args=["create-org", "police", "Police"]).output
    )
    result = cli.invoke(
        args=[
            "create-user",
            "pat",
            "--name",
            "Pat",
            "--role",
            "police:partner",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert "Created user pat" in result.output, result.output
    assert db.session.scalar(select(User).where(User.username == "pat")).roles == {"partner"}

    bad = cli.invoke(
        args=[
            "create-user",
            "x",
            "--role",
            "nowhere:partner",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert bad.exit_code != 0 and "Unknown organisation 'nowhere'" in bad.output
    short = cli.invoke(args=["create-user", "y", "--role", "police:partner", "--password", "short"])
    assert short.exit_code != 0 and "at least 12 characters" in short.output

    first = cli.invoke(args=["deploy"])
    assert "Published: Multi-agency case v1" in first.output, first.output
    assert "New cases start on Multi-agency case v1." in first.output
    again = cli.invoke(args=["deploy"])  # unchanged bundle: no new version
    assert "Nothing changed, still: Multi-agency case v1" in again.output
    assert db.session.scalar(select(func.count(ProcessVersion.id))) == 1
    assert cli.invoke(args=["list-cases"]).exit_code == 0


def test_deploy_refuses_an_invalid_bundle(app, tmp_path):
    (tmp_path / "processes").mkdir()
    (tmp_path / "processes" / "broken.bpmn").write_text("<definitions")
    result = app.test_cli_runner().invoke(args=["deploy", "--path", str(tmp_path)])
    assert result.exit_code != 0
    assert "broken.bpmn" in result.output


def test_seed_demo_prints_logins_once(app):
    cli = app.test_cli_runner()
    assert "coordinator" in cli.invoke(args=["seed-demo"]).output
    assert "demo data not loaded" in cli.invoke(args=["seed-demo"]).output


def test_deploy_prints_what_the_evaluation_will_miss(app, tmp_path):
    """The workbench warns a process owner when the evaluation loses a milestone; one who
    deploys from the command line reads the same (the version is published all the same)."""
    root = Path(__file__).resolve().parents[2]
    for folder in ("processes", "rules", "forms", "i18n"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, tmp_path / folder)
    case = tmp_path / "processes" / "case.bpmn"
    text = case.read_text()
    assert text.count('value="intake_decision"') == 1
    case.write_text(text.replace('value="intake_decision"', 'value="consultation"'))
    cli = app.test_cli_runner()
    assert "warning" not in cli.invoke(args=["deploy"]).output  # the default bundle: none
    result = cli.invoke(args=["deploy", "--path", str(tmp_path)])
    assert result.exit_code == 0 and "Published: Multi-agency case v2" in result.output
    assert ("2 elements are marked as the evaluation milestone 'consultation' "
            "(case_consultation, confirm_intake_decision)") in result.output, result.output
    assert "no element is marked as the evaluation milestone 'intake_decision'" \
        in result.output
