"""A small local stand-in of Twilio's Messages API, for the real `twilio` client to talk to.

    standin = TwilioStandIn().start()
    client.api.base_url = standin.base_url
    standin.script("429", "timeout", "201")   # how to answer the next POSTs, in order
    standin.default = "201"                    # after the script runs out
    standin.received                           # every message it processed (accepted)
    TwilioStandIn(latency=0.2)                 # every POST answered after 200 ms, as a real provider can
    standin.most_at_once                       # the most POSTs it was handling at the same time

Modes for a POST to .../Messages.json:
- "201": accept (recorded), answer 201 with the message JSON
- "429": refuse, not recorded, with Retry-After
- "500": answer 500, NOT recorded (the provider did not process it)
- "500-processed": record it, then answer 500 (processed, but we cannot know)
- "timeout": record it, then hang until stop() (or hang_seconds): the client's own timeout ends the
  call, however long it is (processed, answer lost)
- "timeout-unprocessed": hang without recording
- "21211", "21610", "21614", "21408": a 400 with that Twilio error code, not recorded
- "401": wrong credentials (20003)
GET .../Messages/<sid>.json fetches one; GET .../Messages.json?To=... lists (newest first).

For a demonstration, run it on its own and point the app at it:

    .venv/bin/python -m tests.messaging.twilio_standin --port 8099
    SMS_GATEWAY=twilio TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000 TWILIO_AUTH_TOKEN=test-token \
      TWILIO_FROM_NUMBER=+3197010000000 TWILIO_API_BASE_URL=http://127.0.0.1:8099 .venv/bin/python scheduler.py
"""
from __future__ import annotations

import base64
import collections
import json
import secrets
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ERRORS = {
    "21211": "The 'To' number is not a valid phone number.",
    "21408": "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
    "21610": "Attempt to send to unsubscribed recipient",
    "21614": "'To' number is not a valid mobile number",
}


class TwilioStandIn:
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-token", hang_seconds: float = 60.0,
                 now=None, latency: float = 0.0):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.hang_seconds = hang_seconds
        self.latency = latency  # seconds before each POST is handled
        self.released = threading.Event()  # ends every hanging answer
        self.now = now or (lambda: datetime.now(UTC))  # tests pass the app's (frozen) clock
        self.default = "201"
        self.lock = threading.Lock()
        self._script: collections.deque[str] = collections.deque()
        self.messages: dict[str, dict] = {}  # sid -> message (what the provider "has")
        self.received: list[dict] = []  # accepted messages, in order
        self.posts = 0  # every POST, whatever the answer
        self.answers: list[str] = []  # the mode used for each POST
        self.at_once = 0  # POSTs being handled now
        self.most_at_once = 0
        self.server: ThreadingHTTPServer | None = None
        self.on_post = None  # optional callable(form), called while a POST is being handled

    # -- control

    def start(self, port: int = 0) -> TwilioStandIn:
        standin = self

        class Handler(_Handler):
            owner = standin

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        # A short poll interval: stop() waits for it, at the end of every test that uses the stand-in.
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, name="twilio-standin",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.released.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, *modes: str) -> None:
        with self.lock:
            self._script.extend(modes)

    def next_mode(self) -> str:
        with self.lock:
            self.posts += 1
            mode = self._script.popleft() if self._script else self.default
            self.answers.append(mode)
            return mode

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> None:
        with self.lock:
            self.messages[sid]["status"] = status
            self.messages[sid]["error_code"] = error_code

    def bodies_received(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(m["body"] for m in self.received)

    def record(self, form: dict) -> dict:
        now = self.now()
        msg = {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": self.account_sid,
            "to": form.get("To", ""),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued" if form.get("MessagingServiceSid") else "accepted",
            "status_callback": form.get("StatusCallback"),
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": format_datetime(now, usegmt=True),
            "date_updated": format_datetime(now, usegmt=True),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "EUR",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/SMxx.json",
            "subresource_uris": {},
            "_created": now,
        }
        with self.lock:
            self.messages[msg["sid"]] = msg
            self.received.append(msg)
        return msg


def public(msg: dict) -> dict:
    return {k: v for k, v in msg.items() if not k.startswith("_")}


class _Handler(BaseHTTPRequestHandler):
    owner: TwilioStandIn
    protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API
    disable_nagle_algorithm = True  # answer at once, no 40 ms delayed-ACK stalls

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self._headers_buffer.append(b"\r\n")  # headers and body in one write
            self._headers_buffer.append(data)
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{self.owner.account_sid}:{self.owner.auth_token}".encode()).decode()
        return self.headers.get("Authorization") == f"Basic {expected}"

    def _error(self, status: int, code: int, message: str) -> None:
        self._send(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                            "status": status})

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:  # the client died half-way: like Twilio, process nothing
            self.close_connection = True
            return None
        with self.owner.lock:
            self.owner.at_once += 1
            self.owner.most_at_once = max(self.owner.most_at_once, self.owner.at_once)
        try:
            if self.owner.latency:
                time.sleep(self.owner.latency)
            return self._post(raw)
        finally:
            with self.owner.lock:
                self.owner.at_once -= 1

    def _post(self, raw: bytes):
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        path = urlparse(self.path).path
        if not path.endswith("/Messages.json"):
            return self._error(404, 20404, "The requested resource was not found")
        if self.owner.on_post is not None:
            self.owner.on_post(form)
        mode = self.owner.next_mode()
        if mode == "401" or not self._authorised():
            return self._error(401, 20003, "Authenticate")
        if mode == "201":
            return self._send(201, public(self.owner.record(form)))
        if mode == "429":
            return self._send(429, {"code": 20429, "message": "Too Many Requests", "status": 429},
                              {"Retry-After": "1"})
        if mode == "500":
            return self._error(500, 20500, "Internal Server Error")
        if mode == "500-processed":
            self.owner.record(form)
            return self._error(500, 20500, "Internal Server Error")
        if mode in ("timeout", "timeout-unprocessed"):
            if mode == "timeout":
                self.owner.record(form)
            self.owner.released.wait(self.owner.hang_seconds)
            self.close_connection = True
            return None
        if mode in ERRORS:
            return self._error(400, int(mode), ERRORS[mode])
        raise AssertionError(f"unknown stand-in mode {mode}")

    def do_GET(self):  # noqa: N802
        if not self._authorised():
            return self._error(401, 20003, "Authenticate")
        url = urlparse(self.path)
        parts = url.path.split("/")
        if url.path.endswith("/Messages.json"):
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            size = int(query.get("PageSize", 50))
            with self.owner.lock:
                found = [m for m in self.owner.messages.values() if not query.get("To") or m["to"] == query["To"]]
            found.sort(key=lambda m: m["_created"], reverse=True)
            return self._send(200, {"messages": [public(m) for m in found[:size]], "next_page_uri": None,
                                    "page": 0, "page_size": size, "first_page_uri": url.path,
                                    "previous_page_uri": None, "uri": self.path, "start": 0, "end": size})
        if len(parts) >= 2 and parts[-2] == "Messages" and parts[-1].endswith(".json"):
            sid = parts[-1][: -len(".json")]
            with self.owner.lock:
                msg = self.owner.messages.get(sid)
            if msg is None:
                return self._error(404, 20404, "The requested resource was not found")
            return self._send(200, public(msg))
        return self._error(404, 20404, "The requested resource was not found")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Local stand-in of Twilio's Messages API")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--latency-ms", type=int, default=0, help="answer each POST after this long")
    options = parser.parse_args()
    standin = TwilioStandIn(latency=options.latency_ms / 1000).start(options.port)
    print(f"Twilio stand-in on {standin.base_url} (account {standin.account_sid}, token {standin.auth_token})",
          flush=True)
    shown = 0
    try:
        while True:
            time.sleep(0.5)
            with standin.lock:
                new = standin.received[shown:]
            for msg in new:
                print(f"{msg['date_created']}  to {msg['to']}: {msg['body']}", flush=True)
            shown += len(new)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
