"""The reliability run's fuzzing, as a test: about 2,000 generated submissions (wrong types,
missing and unknown fields, huge strings, control characters including NUL, invalid UTF-8,
wrong content types, odd actions and row buttons) to every task form of the default process
and to the login. Not one may get a server error (status 500), on SQLite and PostgreSQL.

The generation is seeded, so a failure repeats; one app and one database serve the run."""

import json
import random
import re
from datetime import UTC, datetime, timedelta

from flask import g

from tests.conftest import ROOT
from webapp.services import timers

from .helpers import example, inbox, requests_for
from .test_scenarios import formdata

PER_TASK = 115
LOGINS = 200
SEED = 14
FORMS = ROOT / "forms"

# The paths through the default process that reach every user task: (who, step, data), or
# ("later", days) for the timer worker to run that far ahead.
PATHS = [
    [("coordinator", "register_signal", example("register-signal")),
     ("coordinator", "confirm_intake_decision",
      example("intake-decision", intake_decision="multi_agency")),
     ("coordinator", "request_information", example("request-information",
                                                    partners=requests_for("police", "social"))),
     ("police", "answer_information_request", example("information-answer")),
     ("social", "answer_information_request", example("information-answer")),
     ("coordinator", "case_consultation", example("case-consultation")),
     ("coordinator", "agree_action_plan", example("action-plan")),
     ("school", "carry_out_action", example("action-report")),
     ("social", "carry_out_action", example("action-report")),
     ("later", 93),
     ("coordinator", "review_case", example("review", decision="closure_review")),
     ("coordinator", "closure_review", example("closure-review")),
     ("coordinator2", "approve_closure", example("closure-approval")),
     ("later", 93 + 400),
     ("school", "aftercare_check_in", example("aftercare-check-in"))],
    [("coordinator", "register_signal", example("register-signal")),
     ("coordinator", "confirm_intake_decision", example(
         "intake-decision", intake_decision="regular_care", regular_care_partner="school",
         check_back_days=60, regular_care_purpose="so that the school can contact the family")),
     ("school", "accept_referral", example("referral-response")),
     ("later", 61),
     ("coordinator", "check_back_regular_care", example("check-back"))],
    [("coordinator", "register_signal", example("register-signal")),
     ("coordinator", "confirm_intake_decision", example("intake-decision",
                                                        intake_decision="urgent")),
     ("coordinator", "record_urgent_referral", example("urgent-referral"))],
    [("coordinator", "register_signal", example("register-signal")),
     ("coordinator", "confirm_intake_decision",
      example("intake-decision", intake_decision="multi_agency")),
     ("coordinator", "request_information", example("request-information",
                                                    partners=requests_for("police"))),
     ("later", 15),
     ("later", 15 + 30),
     ("coordinator", "follow_up_overdue_requests", example("follow-up-overdue")),
     ("police", "answer_after_reminder", example("information-answer"))],
]

ODD_TEXT = [
    "", " ", "\x00", "a\x00b", "\x01\x02\x1b[31m", "\u202eevil", "\ufeff", "𝕏" * 50,
    "x" * 20_000, "<script>alert(1)</script>", "' OR 1=1 --", "{{ 7*7 }}", "=1+1",
    "NaN", "Infinity", "-0", "1e309", "99999999999999999999999999", "-1", "0", "3.5",
    "true", "false", "null", "[]", "{}", "y", "on", "2026-02-30", "0000-00-00",
    "9999-12-31", "typename", "__class__", "\r\n\r\n", "%00", "../../etc/passwd",
]
ODD_NAMES = ["typename", "__proto__", "x" * 300, "field\x00", "a-0-b", "a-99999999999-b",
             "_add_row:", "_remove_row:x:9999999999", "csrf_token", "action"]


class Fuzzer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.count = 0
        self.errors: list[str] = []

    def field_names(self, schema: dict, prefix: str = "") -> list[str]:
        names = []
        for name, prop in (schema.get("properties") or {}).items():
            items = prop.get("items") if isinstance(prop, dict) else None
            if isinstance(items, dict) and items.get("type") == "object":
                rows = self.rng.choice([0, 1, 2, 40])
                for index in range(rows):
                    names += self.field_names(items, f"{prefix}{name}-{index}-")
                names.append(f"_add_row:{name}")
                names.append(f"_remove_row:{name}:{self.rng.choice([0, 1, 99])}")
            else:
                names.append(prefix + name)
        return names

    def value(self, valid):
        roll = self.rng.random()
        if roll < 0.3 and valid is not None:
            return valid
        if roll < 0.4:
            return [self.rng.choice(ODD_TEXT) for _ in range(self.rng.randint(0, 4))]
        return self.rng.choice(ODD_TEXT)

    def submission(self, schema: dict, valid: dict) -> dict:
        """One kind of request: keyword arguments for the test client's post()."""
        kind = self.rng.random()
        if kind < 0.06:
            return {"data": json.dumps(valid), "content_type": "application/json"}
        if kind < 0.10:
            return {"data": b"risk_factors=%ff%fe%00\xff\xfe&nothing_to_share=\xc3",
                    "content_type": "application/x-www-form-urlencoded"}
        if kind < 0.13:
            return {"data": "just text \x00", "content_type": "text/plain"}
        valid_form = formdata(valid)
        data = {}
        for name in self.field_names(schema):
            if self.rng.random() < 0.2:
                continue  # missing
            if name.startswith(("_add_row:", "_remove_row:")):
                if self.rng.random() < 0.1:
                    data[name] = ""
                continue
            data[name] = self.value(valid_form.get(name))
        for _ in range(self.rng.choice([0, 0, 1, 3])):
            data[self.rng.choice(ODD_NAMES)] = self.rng.choice(ODD_TEXT)
        data["action"] = self.rng.choice(["complete"] * 6 + ["draft", "discard", "", "x\x00"])
        return {"data": data}

    def check(self, what: str, response) -> None:
        self.count += 1
        if response.status_code >= 500:
            body = re.sub(r"\s+", " ", response.get_data(as_text=True))[:300]
            self.errors.append(f"{what}: {response.status_code} {body}")
        response.close()


class Walk:
    """Cases moved along the paths; before each step is done properly, it is fuzzed."""

    def __init__(self, login, fuzzer: Fuzzer):
        self.login, self.fuzzer, self.clients = login, fuzzer, {}
        self.fuzzed: dict[str, int] = {}
        self.case_id = None

    def client(self, username):
        g.pop("_login_user", None)
        if username not in self.clients:
            self.clients[username] = self.login(username)
            g.pop("_login_user", None)
        return self.clients[username]

    def task(self, username, spec_name):
        found = [t for t in inbox(username)
                 if t.spec_name == spec_name and t.case_id == self.case_id]
        return found[0] if found else None

    def run(self, path) -> None:
        while not self._walk(path):
            pass  # a fuzzed submission happened to be valid and moved the case: again

    def _walk(self, path) -> bool:
        response = self.client("coordinator").post("/cases/new", data={"full_name": "Fuzz"})
        assert response.status_code == 302
        self.case_id = max(t.case_id for t in inbox("coordinator"))
        for step in path:
            if step[0] == "later":
                later = datetime.now(UTC) + timedelta(days=step[1])
                while timers.run_due_timers(now=later):
                    pass  # a pass fires at most 50: the walk's earlier cases have timers too
                continue
            username, spec_name, data = step
            task = self.task(username, spec_name)
            assert task is not None, f"{spec_name} is not waiting for {username}"
            if not self._fuzz(username, spec_name, task, data):
                return False
            task = self.task(username, spec_name)
            sent = self.client(username).post(f"/tasks/{task.id}",
                                              data={**formdata(data), "action": "complete"})
            assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
        return True

    def _fuzz(self, username, spec_name, task, valid) -> bool:
        """Fuzz the task until its budget is spent; False when a submission completed it."""
        schema = json.loads((FORMS / task.form).read_text())
        task_id = task.id
        while self.fuzzed.get(spec_name, 0) < PER_TASK:
            self.fuzzed[spec_name] = self.fuzzed.get(spec_name, 0) + 1
            request = self.fuzzer.submission(schema, valid)
            response = self.client(username).post(f"/tasks/{task_id}", **request)
            self.fuzzer.check(f"{spec_name} {request}"[:400], response)
            if task_id not in {t.id for t in inbox(username)}:
                return False
        return True


def _fuzz_login(app, fuzzer: Fuzzer) -> None:
    rng = fuzzer.rng
    for n in range(LOGINS):
        client = app.test_client()
        address = f"198.51.{n % 7}.{rng.randint(1, 250)}"
        if rng.random() < 0.1:
            response = client.post("/login", data=b"username=\xff\x00&password=%00",
                                   content_type="application/x-www-form-urlencoded",
                                   environ_base={"REMOTE_ADDR": address})
        else:
            data = {"username": rng.choice(ODD_TEXT + ["police", "Police ", "POLICE"]),
                    "password": rng.choice(ODD_TEXT)}
            if rng.random() < 0.2:
                data.pop(rng.choice(["username", "password"]))
            target = rng.choice(["", "?next=" + rng.choice(ODD_TEXT), "?next=//x.example"])
            response = client.post(f"/login{target}", data=data,
                                   environ_base={"REMOTE_ADDR": address})
        fuzzer.check(f"login #{n}", response)


def test_fuzzed_submissions_to_every_task_form_and_the_login_never_fail(app, network, login):
    fuzzer = Fuzzer(random.Random(SEED))
    walk = Walk(login, fuzzer)
    for path in PATHS:
        walk.run(path)
    _fuzz_login(app, fuzzer)
    reached = {spec for spec, n in walk.fuzzed.items() if n >= PER_TASK}
    assert len(reached) == 16, sorted(reached)  # every user task of the default process
    assert fuzzer.count >= 2000
    assert not fuzzer.errors, "\n".join(fuzzer.errors[:20])
