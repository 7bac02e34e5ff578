"""Helpers of the HTTP benches (not a bench itself: `make bench` skips files starting with _):
start gunicorn, log a client in, and a load generator of N threads, each with its own HTTP/1.1
connection (reopened when gunicorn's sync worker closes it) and its own session cookie."""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving `target` ("module:factory()") on a free port, until stop()."""

    def __init__(self, target: str, env: dict, *, workers: int = 2, threads: int = 1, pythonpath: str = ""):
        self.port = free_port()
        args = [GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--chdir", str(ROOT),
                "--log-level", "warning", "--timeout", "60"]
        if threads > 1:
            args += ["--threads", str(threads)]
        if pythonpath:
            args += ["--pythonpath", pythonpath]
        self.process = subprocess.Popen(args + [target], env={**os.environ, **env}, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn {target} stopped at start (exit {self.process.returncode})") from None
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn {target} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Client:
    """One connection and one session cookie: a logged-in browser."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.last_retry_after = None

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Connection": "keep-alive", "User-Agent": "wegwijs-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):  # the server closed the kept-alive connection
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.last_retry_after = response.getheader("Retry-After")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, text

    def take_token(self, page: str) -> None:
        match = CSRF.search(page)
        if match:
            self.token = match.group(1) or match.group(2)

    def login(self, email: str, password: str, then: str) -> None:
        """Log in, then open `then` for a CSRF token of the new session."""
        _status, page = self.send("GET", "/inloggen")
        self.take_token(page)
        status, _page = self.send("POST", "/inloggen", {"email": email, "password": password,
                                                         "csrf_token": self.token})
        if status != 302:
            raise SystemExit(f"login of {email} answered {status}")
        status, page = self.send("GET", then)
        self.take_token(page)


def hammer(clients: list, work: Callable[[int, object], tuple[str, str, dict | None] | None],
           seconds: float) -> tuple[float, Counter]:
    """Each client in its own thread sends requests back to back for `seconds`: `work(i, client)`
    gives (method, path, form), or None when it has nothing more to do. Returns (requests per
    second, Counter of status codes)."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    done = [0] * len(clients)

    def run(i: int) -> None:
        mine: Counter = Counter()
        while time.perf_counter() < deadline:
            request = work(i, clients[i])
            if request is None:
                break
            status, _text = clients[i].send(*request)
            mine[status] += 1
        done[i] = 1
        with lock:
            statuses.update(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return sum(statuses.values()) / elapsed, statuses
