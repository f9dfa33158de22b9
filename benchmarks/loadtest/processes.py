"""Starting and stopping what the load test runs: gunicorn with its workers, the timer worker,
the client processes and the profiler.

Each child runs in its own process group, so stopping it stops everything it started
(gunicorn's workers too), and asks the kernel for SIGTERM should the load test itself die
(Linux), so nothing is left behind even after a kill -9 of the load test."""

import contextlib
import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Children:
    """The processes started so far; stop() ends them all (whole process groups)."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, argv: list[str], *, log: Path | None = None, **kwargs) -> subprocess.Popen:
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed by stop
        process = subprocess.Popen(argv, cwd=ROOT, start_new_session=True,  # noqa: S603
                                   preexec_fn=_die_with_parent, stdout=kwargs.pop("stdout", out),
                                   stderr=out, **kwargs)
        process.log = out
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen, grace: float = 10.0) -> None:
        """SIGTERM to the process group, SIGKILL after `grace` seconds."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(wait)
        with contextlib.suppress(ProcessLookupError):  # workers of a master that died first
            os.killpg(process.pid, signal.SIGKILL)
        if process.log is not subprocess.DEVNULL:
            process.log.close()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.running)):
            self.stop(process)


def server_environment(database_url: str) -> dict:
    """The environment of the web and timer worker processes: production settings, a random
    secret key, the Server-Timing header on."""
    env = dict(os.environ)  # other MAWFLOW_ settings pass through
    env.update(DATABASE_URL=database_url, MAWFLOW_SECRET_KEY=os.urandom(24).hex(),
               MAWFLOW_ENV_NAME="production", MAWFLOW_SERVER_TIMING="true")
    return env


def start_server(children: Children, env: dict, workers: int, run_dir: Path):
    """gunicorn on 127.0.0.1 and a free port (a socket bound here and handed over, so no other
    program can take the port between), plus one timer worker. Returns (master, worker,
    base URL) once /readyz answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    try:
        master = children.start(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
             f"fd://{listener.fileno()}", "--graceful-timeout", "5", "--error-logfile", "-",
             "webapp:create_app()"],
            log=run_dir / "gunicorn.log", env=env, pass_fds=(listener.fileno(),))
    finally:
        listener.close()
    worker = children.start([sys.executable, "-m", "flask", "--app", "webapp", "worker"],
                            log=run_dir / "worker.log", env=env)
    _wait_ready(port, (master, worker), run_dir)
    return master, worker, f"http://127.0.0.1:{port}"


def _wait_ready(port: int, processes, run_dir: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("the server or the timer worker stopped at start:\n"
                               + tail(run_dir / "gunicorn.log") + tail(run_dir / "worker.log"))
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /readyz within {timeout:.0f} s:\n"
                       + tail(run_dir / "gunicorn.log"))


def gunicorn_workers(master: subprocess.Popen) -> list[int]:
    """The pids of gunicorn's worker processes (children of the master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == master.pid:
                    found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids) -> float:
    """The CPU time (user and system) the processes ``pids`` have used so far, from /proc
    (Linux); a process that is gone counts nothing."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """The CPU time all cores of the machine spent on anything but idling and waiting for
    I/O so far (/proc/stat, Linux): the server, its database, the clients, everything
    else."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    return 0.0


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- {path.name} (last lines) ---\n" + "\n".join(text) + "\n"
