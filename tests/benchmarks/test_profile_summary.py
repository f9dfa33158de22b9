"""The load test's profile summary (make loadtest with LOADTEST_PROFILE=1) puts each py-spy
sample on the page it was taken in and on the library that was working."""

from benchmarks.loadtest.profile import summary

WSGI = ("process 7:\"gunicorn\";SyncWorker.handle_request (gunicorn/workers/sync.py:184);"
        "Flask.wsgi_app (flask/app.py:1511);Flask.dispatch_request (flask/app.py:902);"
        "login_required.<locals>.decorated_view (flask_login/utils.py:290);")
SAMPLES = "\n".join([
    # the task page: the database answering a query of the case view, then a template
    WSGI + "show (webapp/tasks/routes.py:40);task_context (webapp/services/caseview.py:20);"
    "Session.execute (sqlalchemy/orm/session.py:2300);"
    "DefaultDialect.do_execute (sqlalchemy/engine/default.py:951) 6",
    WSGI + "show (webapp/tasks/routes.py:60);render_template (flask/templating.py:151);"
    "root (show.html:22);escape (markupsafe/__init__.py:10) 2",
    # completing a task: the engine at work, json of the standard library inside it
    WSGI + "show (webapp/tasks/routes.py:38);_complete_directly (webapp/tasks/routes.py:80);"
    "complete (webapp/engine/runner.py:90);"
    "BpmnWorkflow.do_engine_steps (SpiffWorkflow/bpmn/workflow.py:100);"
    "loads (json/__init__.py:346) 2",
    # the master waiting for signals is not work
    "process 6:\"gunicorn\";Arbiter.run (gunicorn/arbiter.py:247);"
    "Arbiter.wait_for_signals (gunicorn/arbiter.py:400) 90",
])


def test_samples_are_put_on_their_page_and_library():
    text = summary(SAMPLES)
    assert text.startswith("where the web workers' time went (10 samples; 100% in the app")
    assert "by library: database 60%, " in text
    assert "engine 20%" in text and "jinja 20%" in text
    assert "tasks.show 80%: database 75%, jinja 25%" in text
    assert "tasks.show (complete) 20%: engine 100%" in text
    assert "webapp/services/caseview.py:task_context 75%" in text
