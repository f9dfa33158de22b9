"""The security baseline seen from outside: CSRF, XSS, login limits, re-authentication before
exports, safe XML, the script sandbox through the web, cookies, headers and no secrets."""

import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from webapp.auth.reauth import SESSION_KEY
from webapp.engine import BundleInvalid
from webapp.engine.bundle import parse_xml
from webapp.extensions import db
from webapp.models import AuditEvent, Case, Contribution, User, utcnow
from webapp.services import bundles
from webapp.services.audit import Actor

from ..conftest import PASSWORD, ROOT
from . import security_helpers as fixtures
from .helpers import only_task, register, to_consultation

one_user_per_request, people, two_cases = (
    fixtures.one_user_per_request, fixtures.people, fixtures.two_cases)

FAILING = Path(__file__).parent / "bundles" / "failing"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"><svg onload=alert(2)>'


def _inert(html: str) -> None:
    """No payload reached the page as markup."""
    assert "<script>alert" not in html
    assert not re.search(r"<img[^>]*onerror", html, re.I)
    assert not re.search(r"<svg[^>]*onload", html, re.I)
    assert "javascript:alert" not in html


# --- CSRF -----------------------------------------------------------------------------------
def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]


def test_post_without_csrf_token_is_refused(app, network):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    assert client.post("/login", data={"username": "coordinator",
                                       "password": PASSWORD}).status_code == 400
    page = client.get("/login").text
    ok = client.post("/login", data={"username": "coordinator", "password": PASSWORD,
                                     "csrf_token": _token(page)})
    assert ok.status_code == 302
    refused = client.post("/cases/new", data={"full_name": "No Token"})
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count(Case.id))) == 0
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_a_task_answer_without_csrf_token_completes_nothing(app, network):
    """Task forms carry no token of their own: the app-wide check refuses the POST first."""
    app.config["WTF_CSRF_ENABLED"] = True
    to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    client = app.test_client()
    page = client.get("/login").text
    client.post("/login", data={"username": "police", "password": PASSWORD,
                                "csrf_token": _token(page)})
    answer = {"action": "complete", "nothing_to_share": "y"}
    refused = client.post(f"/tasks/{task.id}", data=answer)
    assert refused.status_code == 400
    assert "Your form had expired" in refused.text
    assert db.session.scalar(select(func.count(Contribution.id))
                             .where(Contribution.task_id == task.id)) == 0
    page = client.get(f"/tasks/{task.id}").text
    task_form = page[page.index('id="task-form"'):]
    task_form = task_form[:task_form.index("</form>")]
    sent = client.post(f"/tasks/{task.id}", data={**answer, "csrf_token": _token(task_form)})
    assert sent.status_code == 302
    assert db.session.scalar(select(func.count(Contribution.id))
                             .where(Contribution.task_id == task.id)) == 1


# --- XSS ------------------------------------------------------------------------------------
def test_xss_in_sharing_and_answers_renders_inert(app, people, login):
    case = to_consultation(("police",))
    coordinator = login("coordinator")
    coordinator.post(f"/cases/{case.code}/sharing/share",
                     data={"share-organisation": "police", "share-note": XSS})
    police = login("police")
    task = only_task("police", "answer_information_request")
    police.post(f"/tasks/{task.id}", data={"risk_factors": XSS, "protective_factors": XSS,
                                           "current_involvement": XSS})
    for client, url in [(police, f"/shared/{case.code}"), (police, "/shared/"),
                        (coordinator, f"/cases/{case.code}"),
                        (coordinator, f"/cases/{case.code}/sharing")]:
        html = client.get(url).text
        _inert(html)
    assert "&lt;script&gt;" in police.get(f"/shared/{case.code}").text


def test_xss_in_form_fields_renders_inert(app, people, login):
    coordinator = login("coordinator")
    response = coordinator.post("/cases/new", data={"full_name": XSS, "address": XSS})
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    task = only_task("coordinator", "register_signal")
    page = coordinator.get(f"/tasks/{task.id}").text
    schema_fields = re.findall(r'<(?:input|textarea)[^>]*name="([a-z_]+)"', page)
    data = {name: XSS for name in schema_fields if name != "csrf_token"}
    coordinator.post(f"/tasks/{task.id}", data=data)  # may be refused by validation: fine
    coordinator.post(f"/cases/{case.code}/comments", data={"body": XSS})
    coordinator.post(f"/cases/{case.code}/person", data={"full_name": XSS, "address": XSS,
                                                          "reason": XSS})
    admin = login("admin")
    admin.post("/admin/organisations/new", data={"code": "xss", "name": XSS})
    admin.post("/admin/users/new", data={"username": "xss", "display_name": XSS,
                                         "password": PASSWORD, "organisation": "xss",
                                         "role": "partner"})
    with coordinator.session_transaction() as session:
        session[SESSION_KEY] = utcnow().timestamp()
    for client, url in [
        (coordinator, f"/cases/{case.code}"), (coordinator, f"/cases/{case.code}/person"),
        (coordinator, f"/cases/{case.code}/sharing"), (coordinator, f"/shared/{case.code}"),
        (coordinator, f"/audit/cases/{case.code}"), (coordinator, "/cases/"),
        (coordinator, "/"), (admin, "/admin/"), (login("xss"), "/"),
    ]:
        html = client.get(url).text
        _inert(html)
    assert "&lt;script&gt;" in coordinator.get(f"/cases/{case.code}/person").text


def _bundle(tmp_path: Path, script: str, instructions: str = "") -> Path:
    """The 'failing' test bundle with another script (and instructions on the user task)."""
    root = tmp_path / "bundle"
    (root / "processes").mkdir(parents=True, exist_ok=True)
    (root / "forms").mkdir(exist_ok=True)
    schema = json.loads((FAILING / "forms" / "note.schema.json").read_text())
    if instructions:  # titles and help texts come from process owners too
        schema["title"] = schema["properties"]["note"]["title"] = XSS
        schema["properties"]["note"]["description"] = XSS
    (root / "forms" / "note.schema.json").write_text(json.dumps(schema))
    xml = (FAILING / "processes" / "failing.bpmn").read_text()
    xml = xml.replace("ratio = len(note) / 0", script.replace("&", "&amp;")
                      .replace("<", "&lt;").replace(">", "&gt;"))
    if instructions:
        escaped = instructions.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        xml = xml.replace(
            "</spiffworkflow:properties>",
            "</spiffworkflow:properties><spiffworkflow:instructionsForEndUser>"
            f"{escaped}</spiffworkflow:instructionsForEndUser>", 1)
    (root / "processes" / "failing.bpmn").write_text(xml)
    return root


def test_xss_in_task_instructions_renders_inert(app, network, login, tmp_path):
    instructions = (f"### Note\n{XSS}\n\n[click](javascript:alert(3))\n\n"
                    "<a href=\"javascript:alert(4)\">x</a> Case: {{ case_code }}")
    bundles.deploy_bundle(Actor.system(), _bundle(tmp_path, "ratio = 1", instructions))
    db.session.commit()
    bundles.set_case_process(Actor.system(), "failing_case")
    db.session.commit()
    case = register()
    html = login("coordinator").get(f"/tasks/{only_task('coordinator', 'write_note').id}").text
    _inert(html)
    assert case.code in html  # the placeholder was filled, the rest neutralised


# --- the sandbox through the web ------------------------------------------------------------
STATIC_ESCAPES = {
    "import": "import os\nratio = os.getpid()",
    "dunder import": "ratio = __import__('os')",
    "subclasses walk": "ratio = ().__class__.__base__.__subclasses__()",
}
RUNTIME_ESCAPES = {
    "open": "ratio = open('/etc/passwd').read()",
    "getattr trick": "ratio = getattr(note, '__class__')",
    "format trick": "ratio = '{0.__class__.__mro__}'.format(note)",
    "infinite loop": "while True:\n    pass",
}


@pytest.mark.parametrize("name", sorted(STATIC_ESCAPES))
def test_hostile_scripts_are_refused_at_deployment(app, network, tmp_path, name):
    with pytest.raises(BundleInvalid) as refused:
        bundles.deploy_bundle(Actor.system(), _bundle(tmp_path, STATIC_ESCAPES[name]))
    assert "Compute a ratio" in str(refused.value) or "divide" in str(refused.value)


@pytest.mark.parametrize("name", sorted(RUNTIME_ESCAPES))
def test_hostile_scripts_fail_clearly_and_leave_the_case_unchanged(
        app, network, login, tmp_path, engine_limits, name):
    engine_limits(script_seconds=0.3)
    bundles.deploy_bundle(Actor.system(), _bundle(tmp_path, RUNTIME_ESCAPES[name]))
    db.session.commit()
    bundles.set_case_process(Actor.system(), "failing_case")
    db.session.commit()
    case = register()
    state, version = case.state, case.version
    task = only_task("coordinator", "write_note")
    response = login("coordinator").post(f"/tasks/{task.id}", data={"note": "hello"})
    assert response.status_code == 500
    assert "nothing was saved" in response.text
    assert "root:" not in response.text
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.version) == (state, version)
    assert only_task("coordinator", "write_note").id == task.id
    assert db.session.scalar(select(func.count(Contribution.id))) == 0
    assert case.last_error


# --- XML ------------------------------------------------------------------------------------
XXE_HEAD = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">"""
XXE_IN_TEXT = XXE_HEAD + """
  <bpmn:process id="p" isExecutable="true"><bpmn:documentation>&xxe;&net;</bpmn:documentation>
  </bpmn:process></bpmn:definitions>"""
XXE_IN_ATTRIBUTE = XXE_HEAD + """
  <bpmn:process id="p" name="&xxe;" isExecutable="true"/></bpmn:definitions>"""


def test_xml_external_entities_are_never_resolved():
    tree = parse_xml(XXE_IN_TEXT)
    assert "root:" not in etree.tostring(tree, encoding="unicode")
    with pytest.raises(etree.XMLSyntaxError, match="external entity"):
        parse_xml(XXE_IN_ATTRIBUTE)


def test_an_uploaded_bundle_with_an_external_entity_leaks_nothing(app, network, tmp_path):
    root = _bundle(tmp_path, "ratio = 1")
    bpmn = root / "processes" / "failing.bpmn"
    text = bpmn.read_text().replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    bpmn.write_text(text.replace('name="Write a note"', 'name="&xxe;"'))
    try:
        version = bundles.deploy_bundle(Actor.system(), root)
    except BundleInvalid as refused:
        assert "root:" not in str(refused)
        return
    assert "root:" not in version.spec_json


# --- logins ---------------------------------------------------------------------------------
def test_login_is_rate_limited_per_address(app, network):
    limit = app.config["LOGIN_IP_MAX_FAILURES"]
    attacker = app.test_client()
    for n in range(limit):  # a different username every time: no account lockout helps
        attacker.post("/login", data={"username": f"guess{n}", "password": "x"},
                      environ_base={"REMOTE_ADDR": "203.0.113.9"})
    blocked = attacker.post("/login", data={"username": "police", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert blocked.status_code == 429 and "Too many failed logins" in blocked.text
    elsewhere = app.test_client().post("/login", data={"username": "police",
                                                       "password": PASSWORD},
                                       environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert elsewhere.status_code == 302


def test_session_cookie_flags(app, network):
    response = app.test_client().post("/login", data={"username": "police",
                                                      "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["PERMANENT_SESSION_LIFETIME"] <= timedelta(minutes=30)


def test_a_copied_session_cookie_stops_working_at_logout(app, network, login):
    client = login("police")
    stolen = app.test_client()
    cookie = client.get_cookie("session")
    stolen.set_cookie("session", cookie.value)
    assert stolen.get("/").status_code == 200  # the copy works while the owner is logged in
    client.post("/logout")
    assert stolen.get("/").status_code == 302  # and not after the owner logged out
    assert login("police").get("/").status_code == 200


def test_deactivated_users_are_logged_out(app, network, login):
    police = login("police")
    admin = login("admin")
    user_id = db.session.scalar(select(User.id).where(User.username == "police"))
    admin.post(f"/admin/users/{user_id}/active")
    assert police.get("/").status_code == 302
    refused = app.test_client().post("/login", data={"username": "police",
                                                     "password": PASSWORD})
    assert "Login failed" in refused.text


def test_behind_a_proxy_the_client_address_is_audited(app, network):
    from webapp import create_app

    proxied = create_app({**app.config, "PROXY_FIX_X_FOR": 1})
    proxied.test_client().post(
        "/login", data={"username": "police", "password": "wrong"},
        headers={"X-Forwarded-For": "198.51.100.77"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert event.remote_addr == "198.51.100.77"


def test_security_headers_in_production(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.delenv("MAWFLOW_ENV_NAME", raising=False)
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/h.sqlite"})
    with app.app_context():
        db.create_all()
        headers = app.test_client().get("/login").headers
        db.engine.dispose()
    assert "max-age" in headers["Strict-Transport-Security"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.delenv("MAWFLOW_ENV_NAME", raising=False)
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


# --- re-authentication before exports -------------------------------------------------------
def _move_time(client, app):
    """The last password confirmation is older than the re-authentication window."""
    with client.session_transaction() as session:
        session[SESSION_KEY] -= app.config["REAUTH_MINUTES"] * 60 + 1


def test_exports_ask_for_the_password_again(app, network, login):
    case = to_consultation(("police",))
    client = login("coordinator")
    url = f"/audit/cases/{case.code}/access.csv"
    assert client.get(url).status_code == 200  # the password was given a moment ago
    _move_time(client, app)
    prompt = client.get(url)
    assert prompt.status_code == 302 and "/reauth" in prompt.headers["Location"]
    wrong = client.post(prompt.headers["Location"], data={"password": "not-it"})
    assert wrong.status_code == 422 and "not right" in wrong.text
    right = client.post(prompt.headers["Location"], data={"password": PASSWORD})
    assert right.status_code == 302 and right.headers["Location"].endswith(url)
    assert client.get(url).status_code == 200
    _move_time(client, app)
    assert "/reauth" in client.get(url).headers["Location"]
    assert "/reauth" in client.get("/cases/export.csv").headers["Location"]
    assert "/reauth" in client.get(f"/cases/{case.code}/person/export.json").headers["Location"]


# --- secrets --------------------------------------------------------------------------------
SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"(?i)(secret_key|api_key|password)\s*=\s*['\"][A-Za-z0-9+/]{32,}['\"]"),
    re.compile(r"postgres(?:ql)?://[^:/\s]+:[^@\s]{6,}@"),
]


def test_no_secrets_in_the_repository():
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    found = []
    for name in listed.stdout.splitlines():
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".zip", ".woff", ".woff2"}:
            continue
        text = path.read_text(errors="ignore")
        found += [f"{name}: {p.pattern}" for p in SECRET_PATTERNS if p.search(text)]
    assert not found
