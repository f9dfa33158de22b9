"""One client process of the load test: a few simulated people, a thread each, over plain
HTTP to the server on the loopback interface.

    python -m benchmarks.loadtest.client CONFIG.json RESULTS.json

Each person logs in once and keeps the cookies and the CSRF token. The process prints
"ready" when all of them are logged in, then waits for "go <unix time>" on its standard input:
from then, for HEALTHZ_SECONDS / 2 every person requests only GET /healthz, then for SECONDS the
mixed load of scenario.py, closed loop (the next request as soon as the answer is in), then
for HEALTHZ_SECONDS / 2 only the floor page (scenario.FLOOR_PAGE: the least a signed-in
person's page costs), then again HEALTHZ_SECONDS / 2 of GET /healthz (a slow spell of a
shared machine then weighs on the rates alike). It writes what it measured to RESULTS.json
and exits; it also ends by itself (SIGALRM) if the load test that started it stops talking
to it.
"""

import http.client
import json
import random
import re
import signal
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.loadtest import scenario

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')
CASE_CODE = re.compile(r"\bMAW-\d{4}-\d{4,6}\b")
SERVER_TIMING = re.compile(r"\bapp;dur=([0-9.]+)")
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
TIMEOUT = 30.0  # seconds per request (gunicorn's own worker timeout)
EXAMPLES = 20  # unexpected answers and errors kept for the report, per process
MAX_REQUESTS = 200_000  # per person and phase: a bound on what a run can send and keep


class Stop(Exception):
    """The phase is over: the person stops where it is."""


class Recorder:
    """What all persons of this process measured (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list] = defaultdict(list)  # kind -> [client_ms, server_ms]
        self.counts = {"errors": 0, "unexpected": 0, "conflicts": 0, "completions": 0}
        self.examples: list[str] = []

    def sample(self, kind: str, client_ms: float, server_ms: float | None) -> None:
        with self.lock:
            self.samples[kind].append((round(client_ms, 3), server_ms))

    def count(self, what: str, example: str | None = None) -> None:
        with self.lock:
            self.counts[what] += 1
            if example and len(self.examples) < EXAMPLES:
                self.examples.append(example)


class Browser:
    """One person's cookies and CSRF token; every request is timed and judged."""

    def __init__(self, host: str, port: int, recorder: Recorder) -> None:
        self.host, self.port, self.recorder = host, port, recorder
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.until = float("inf")  # end of the current phase (time.time())
        self.left = MAX_REQUESTS  # in the current phase

    def request(self, kind: str, method: str, path: str, data: dict | None = None,
                ok=(200,), tolerated=()) -> tuple[int, str, str]:
        """(status, redirect path, body). Status 0 for a connection error; an error or an
        unexpected status is counted here. Raises Stop when the phase is over."""
        if time.time() >= self.until or self.left <= 0:
            raise Stop
        self.left -= 1
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode({**data, "csrf_token": self.csrf}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
            finally:
                connection.close()
        except (OSError, http.client.HTTPException) as error:
            self.recorder.count("errors", f"{kind} {method} {path}: {error!r}")
            time.sleep(0.05)
            return 0, "", ""
        client_ms = (time.perf_counter() - started) * 1000
        if time.time() > self.until:
            raise Stop  # answered after the end: not counted
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        timing = SERVER_TIMING.search(response.headers.get("Server-Timing", ""))
        status = response.status
        if status >= 500:
            self.recorder.count("errors", f"{kind} {method} {path}: {status} {_title(text)}")
            return status, "", text
        self.recorder.sample(kind, client_ms, float(timing.group(1)) if timing else None)
        if status in tolerated:
            self.recorder.count("conflicts")
        elif status not in ok:
            self.recorder.count("unexpected", f"{kind} {method} {path}: {status} {_title(text)}")
        location = urlsplit(response.headers.get("Location", ""))
        target = location.path + (f"?{location.query}" if location.query else "")
        return status, target, text

    def _keep_cookies(self, lines: list[str]) -> None:
        for line in lines:
            pair, _, attributes = line.partition(";")
            name, _, value = pair.strip().partition("=")
            expired = "max-age=0" in attributes.lower() or "1970" in attributes
            if expired or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


def _title(page: str) -> str:
    found = TITLE.search(page)
    return " ".join(found.group(1).split())[:120] if found else page[:120].replace("\n", " ")


class Person:
    """A simulated coordinator or partner: logs in once, then works in a closed loop."""

    def __init__(self, browser: Browser, who: dict, forms: dict, seed: int) -> None:
        self.browser, self.role = browser, who["role"]
        self.username, self.password = who["username"], who["password"]
        self.forms, self.rng = forms, random.Random(seed)  # noqa: S311 - not secrets

    def login(self) -> None:
        self.browser.cookies.clear()
        status, _, page = self.browser.request("login", "GET", "/login")
        self.browser.csrf = CSRF.search(page).group(1)
        status, _, _ = self.browser.request(
            "login", "POST", "/login", {"username": self.username, "password": self.password},
            ok=(302,))
        if status != 302:
            raise RuntimeError(f"{self.username} could not log in ({status})")
        _, _, page = self.browser.request("login", "GET", "/")  # a new session: a new token
        self.browser.csrf = CSRF.search(page).group(1)

    def healthz(self) -> None:
        while True:
            self.browser.request("healthz", "GET", "/healthz")

    def floor(self) -> None:
        while True:
            self.browser.request("floor", "GET", scenario.FLOOR_PAGE)

    def mixed(self) -> None:
        activities = scenario.ACTIVITIES[self.role]
        while True:
            activity = self.rng.choices(list(activities), list(activities.values()))[0]
            getattr(self, activity)()

    # ---- activities ----
    def browse(self) -> None:
        _, _, page = self.browser.request("inbox", "GET", self.rng.choice(scenario.INBOX_VIEWS))
        if self.role == "coordinator":
            codes = sorted(set(CASE_CODE.findall(page)))
            for code in self.rng.sample(codes, min(len(codes), self.rng.randint(1, 2))):
                self.browser.request("case_page", "GET", f"/cases/{code}")

    def work(self) -> None:
        steps = scenario.STEPS[self.role]
        step = self.rng.choices(list(steps), list(steps.values()))[0]
        sort = self.rng.choice(("", "&sort=waiting", "&sort=case"))
        _, _, page = self.browser.request("inbox", "GET", f"/?step={step}{sort}")
        links = TASK_LINK.findall(page)
        if links:
            self.do_task(int(self.rng.choice(links)), step)

    def register(self) -> None:
        self.browser.request("register_form", "GET", "/cases/new")
        status, target, _ = self.browser.request(
            "register", "POST", "/cases/new", {"full_name": f"Person {self.rng.randrange(10**6)}"},
            ok=(302,))
        found = re.fullmatch(r"/tasks/(\d+)", target) if status == 302 else None
        if found:
            self.do_task(int(found.group(1)), "register_signal")

    def do_task(self, task_id: int, step: str) -> None:
        """Open the task, ask advice while ticking, autosave, complete; someone else being
        first (409, or 404 once the task is gone) or having claimed it (403) is normal."""
        url, answer = f"/tasks/{task_id}", self.rng.choice(self.forms[step])
        gone = (403, 404, 409)
        status, _, _ = self.browser.request("task_page", "GET", url, tolerated=gone)
        if status != 200:
            return
        if step in scenario.ADVICE_STEPS:
            for _ in range(self.rng.randint(1, 3)):
                ticked = {k: v for k, v in answer.items() if v != "y" or self.rng.random() < .5}
                self.browser.request("advice", "POST", f"{url}/advice", ticked, tolerated=gone)
        if self.rng.random() < scenario.AUTOSAVE_SHARE:
            self.browser.request("autosave", "POST", f"{url}/draft", answer, tolerated=gone)
        if self.rng.random() < scenario.COMPLETE_SHARE:
            status, target, _ = self.browser.request(
                "complete", "POST", url, {**answer, "action": "complete"}, ok=(302,),
                tolerated=gone)
            if status == 302 and target.split("?")[0] == "/":
                self.browser.recorder.count("completions")
                self.browser.request("inbox", "GET", target)  # the browser follows


def _run(person: Person, ready: threading.Barrier, go: threading.Event, phases, failures):
    try:
        person.login()
    except Exception as error:  # noqa: BLE001 - reported to the load test, which stops
        failures.append(f"{person.username}: {error!r}")
    ready.wait()
    go.wait()
    for until, activity in phases():
        person.browser.until, person.browser.left = until, MAX_REQUESTS
        try:
            activity(person)()
        except Stop:
            pass
        except Exception as error:  # noqa: BLE001 - a broken page must not stop the others
            person.browser.recorder.count("errors", f"{person.username}: {error!r}")


def main(config_path: str, results_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    length = config["healthz_seconds"] * 1.5 + config["seconds"]  # of all phases
    signal.alarm(int(length + 180))  # a last resort
    host, port = urlsplit(config["base"]).hostname, urlsplit(config["base"]).port
    recorder = Recorder()
    people = [Person(Browser(host, port, recorder), who, config["forms"], config["seed"] + i)
              for i, who in enumerate(config["people"])]
    ready, go, start, failures = threading.Barrier(len(people) + 1), threading.Event(), [], []

    def phases():  # half of the /healthz phase before the mixed load, half after the floor
        half = config["healthz_seconds"] / 2
        mixed = start[0] + half
        floor = mixed + config["seconds"]
        return [(mixed, lambda p: p.healthz), (floor, lambda p: p.mixed),
                (floor + half, lambda p: p.floor), (floor + 2 * half, lambda p: p.healthz)]

    threads = [threading.Thread(target=_run, args=(p, ready, go, phases, failures), daemon=True)
               for p in people]
    for thread in threads:
        thread.start()
    ready.wait()
    print("ready" if not failures else "failed " + "; ".join(failures), flush=True)
    line = sys.stdin.readline().split()
    if line[:1] != ["go"]:
        return
    start.append(float(line[1]))
    go.set()
    for thread in threads:
        thread.join(timeout=length + TIMEOUT + 30)
    Path(results_path).write_text(json.dumps({
        "samples": recorder.samples, "counts": recorder.counts, "examples": recorder.examples}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
