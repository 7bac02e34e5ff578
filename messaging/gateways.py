"""SMS gateways: `outbox` (nothing leaves the machine) and `twilio` (the real Twilio client).

A gateway answers one question per send: did the provider certainly take it (`sent`), certainly
not take it (`retry` later, or `failed` for good), or do we not know (`unknown`)? Only the first
two are safe to act on; `unknown` is reconciled with the provider before anything is resent.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NameResolutionError, NewConnectionError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """What a gateway needs of a message: plain values, no database row (no lock, no session)."""

    id: int
    to_e164: str
    body: str
    provider_sid: str | None = None
    last_attempt_at: datetime | None = None


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent" | "retry" | "unknown" | "failed"
    provider_sid: str | None = None
    provider_status: str | None = None
    error_code: str | None = None  # provider code ("21211") or ours ("rate_limited", "connection")
    detail: str | None = None  # the provider's own words, for the log and the fallback reason
    retry_after: float | None = None


@dataclass(frozen=True)
class ProviderMessage:
    sid: str
    status: str
    to: str
    body: str
    date_created: datetime | None
    error_code: str | None = None


class GatewayUnavailable(Exception):
    """The provider could not be asked (reconcile later)."""


class OutboxGateway:
    """The default without credentials: messages stay in the outbox, shown on the admin page."""

    name = "outbox"
    sends = False


class TwilioGateway:
    name = "twilio"
    sends = True

    def __init__(self, *, account_sid: str, auth_token: str, messaging_service_sid: str | None = None,
                 from_number: str | None = None, public_base_url: str, timeout: float = 10,
                 api_base_url: str | None = None):
        if not (messaging_service_sid or from_number):
            raise ValueError("Twilio needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER")
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number
        self.public_base_url = public_base_url.rstrip("/")
        self._account = (account_sid, auth_token)
        self._timeout = timeout
        self._api_base_url = api_base_url.rstrip("/") if api_base_url else None
        # The dispatcher sends from a pool of threads. twilio's client is not thread-safe (one
        # requests.Session, its last request and response kept on the instance: twilio-python
        # issue 580), and neither is the Retry-After we keep, so each thread has its own of both.
        self._local = threading.local()

    @property
    def client(self) -> Client:
        """This thread's own twilio client, with its own HTTP session (connections kept alive)."""
        client = getattr(self._local, "client", None)
        if client is None:
            # An explicit timeout (connect and read) and no automatic retries: we decide what is
            # safe to retry, the HTTP library cannot know.
            http = TwilioHttpClient(timeout=self._timeout, request_hooks={"response": [self._remember_headers]})
            client = Client(*self._account, http_client=http)
            if self._api_base_url:
                client.api.base_url = self._api_base_url  # a local stand-in (tests)
            # requests reads the environment's proxy and CA-bundle settings again on every call,
            # a fifth of a send's CPU here (measured); read them once for this client instead.
            http.proxy = requests.utils.get_environ_proxies(client.api.base_url)
            http.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            http.session.trust_env = False
            self._local.client = client
        return client

    def _remember_headers(self, response, *args, **kwargs):
        self._local.retry_after = response.headers.get("Retry-After")
        return response

    def status_callback_url(self, message_id: int) -> str:
        # Our id travels in the callback URL: a callback then finds the message even when the
        # answer to our POST (with the sid) was lost to a timeout.
        return f"{self.public_base_url}/sms/status?m={message_id}"

    def send(self, out: Outgoing) -> SendResult:
        params = {"to": out.to_e164, "body": out.body, "status_callback": self.status_callback_url(out.id)}
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        else:
            params["from_"] = self.from_number
        self._local.retry_after = None
        try:
            created = self.client.messages.create(**params)
        except TwilioRestException as err:
            return self._classify_rest_error(err)
        except requests.exceptions.ConnectTimeout as err:  # no connection: the request never left
            return SendResult("retry", error_code="connection", detail=str(err)[:200])
        except requests.exceptions.ConnectionError as err:
            if _never_connected(err):
                return SendResult("retry", error_code="connection", detail=str(err)[:200])
            # Reset or closed after the request went out: the provider may have it.
            return SendResult("unknown", error_code="uncertain", detail=str(err)[:200])
        except requests.exceptions.Timeout as err:  # read timeout: it may well have been processed
            return SendResult("unknown", error_code="uncertain", detail=str(err)[:200])
        except Exception as err:  # anything else after we started: do not guess, reconcile
            log.exception("unexpected error sending SMS %s", out.id)
            return SendResult("unknown", error_code="uncertain", detail=repr(err)[:200])
        return SendResult("sent", provider_sid=created.sid, provider_status=created.status)

    def _classify_rest_error(self, err: TwilioRestException) -> SendResult:
        detail = (err.msg or "")[:200]
        code = str(err.code) if err.code else None
        if err.status == 429:
            return SendResult("retry", error_code="rate_limited", detail=detail,
                              retry_after=_seconds(self._local.retry_after))
        if err.status >= 500:
            return SendResult("unknown", error_code="uncertain", detail=detail)
        if err.status in (401, 403) and code in (None, "20003"):
            # Our credentials are wrong: the provider certainly did not send it; staff must fix it.
            return SendResult("retry", error_code="auth", detail=detail)
        # Any other 4xx (21211 invalid number, 21610 unsubscribed, 21614 not a mobile, ...) will
        # not get better by trying again.
        return SendResult("failed", error_code=code or str(err.status), detail=detail)

    # -- reconcile: asking the provider what became of a message

    def fetch(self, sid: str) -> ProviderMessage | None:
        """The provider's record of one message, None when it has no such message."""
        try:
            m = self.client.messages(sid).fetch()
        except TwilioRestException as err:
            if err.status == 404:
                return None
            raise GatewayUnavailable(str(err)) from err
        except requests.exceptions.RequestException as err:
            raise GatewayUnavailable(str(err)) from err
        return _provider_message(m)

    def recent_to(self, to_e164: str, limit: int = 50) -> list[ProviderMessage]:
        """The provider's newest messages to one number (newest first)."""
        try:
            found = self.client.messages.list(to=to_e164, limit=limit, page_size=limit)
        except (TwilioRestException, requests.exceptions.RequestException) as err:
            raise GatewayUnavailable(str(err)) from err
        return [_provider_message(m) for m in found]


def _provider_message(m) -> ProviderMessage:
    return ProviderMessage(sid=m.sid, status=str(m.status or ""), to=m.to or "", body=m.body or "",
                           date_created=m.date_created,
                           error_code=str(m.error_code) if m.error_code else None)


def _never_connected(err: BaseException) -> bool:
    """True when the chain of causes shows the TCP connection was never made (refused, no DNS)."""
    seen = set()
    cur: BaseException | None = err
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, NewConnectionError | NameResolutionError | ConnectionRefusedError):
            return True
        for arg in getattr(cur, "args", ()):
            if isinstance(arg, BaseException) and isinstance(
                    arg, NewConnectionError | NameResolutionError | ConnectionRefusedError):
                return True
        cur = getattr(cur, "reason", None) or cur.__cause__ or cur.__context__
    return False


def _seconds(raw: str | None) -> float | None:
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None


def gateway_from_config(config) -> OutboxGateway | TwilioGateway:
    """`SMS_GATEWAY` chooses; unset means twilio when the credentials are there, outbox otherwise."""
    choice = (config.get("SMS_GATEWAY") or "").strip().lower()
    has_credentials = bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"))
    if not choice:
        choice = "twilio" if has_credentials else "outbox"
    if choice == "outbox":
        return OutboxGateway()
    if choice != "twilio":
        raise ValueError(f"SMS_GATEWAY must be 'outbox' or 'twilio', not {choice!r}")
    if not has_credentials:
        raise ValueError("SMS_GATEWAY=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    return TwilioGateway(
        account_sid=config["TWILIO_ACCOUNT_SID"], auth_token=config["TWILIO_AUTH_TOKEN"],
        messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
        from_number=config.get("TWILIO_FROM_NUMBER"), public_base_url=config["PUBLIC_BASE_URL"],
        timeout=float(config.get("TWILIO_TIMEOUT_SECONDS") or 10), api_base_url=config.get("TWILIO_API_BASE_URL"),
    )
