"""Keyset pagination (accounts.pagination): every row once, in order, forwards and backwards, with
ties in the ORDER BY; the last page without reading the rows before it; a capped count; tampered
cursors. Through the real outbox page (created_at desc, id desc) on the test database."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from accounts import pagination
from accounts.models import Role
from extensions import clock, db
from messaging.services import queue_sms

PHONE = re.compile(r"06 4444(\d{4})")


@pytest.fixture
def daytime(app):
    clock.freeze(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))  # a Tuesday at noon: no quiet hours
    yield
    clock.freeze(None)


def _queue(n: int) -> None:
    for i in range(n):  # a frozen clock: every message has the same created_at (ties)
        queue_sms(to=f"06 4444{i:04d}", purpose="test", language="nl", values={"organisation": "Gemeente Ede"},
                  subject_type="demo", subject_id=1, dedup_key=f"p{i}", organisation_id=None)
    db.session.commit()


def _numbers(html: str) -> list[int]:
    return [int(m) for m in PHONE.findall(html)]


def _link(html: str, label: str) -> str | None:
    for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', html):
        if text.strip() == label:
            return unescape(href)
    return None


def test_walking_forwards_and_backwards_shows_every_row_once_in_order(client, factory, login, daytime, app):
    app.config["PAGE_SIZE"] = 5
    _queue(23)
    login(client, factory.user(Role.ADMIN))
    html = client.get("/beheer/sms").get_data(as_text=True)
    assert "Pagina 1 van 5" in html and "23 resultaten" in html
    seen, pages = [], []
    url = "/beheer/sms"
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(_numbers(html))
        seen += pages[-1]
        url = _link(html, "Volgende")
    assert seen == sorted(range(23), reverse=True)  # newest (highest id) first, each once
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert "Pagina 5 van 5" in html
    back = []
    url = _link(html, "Vorige")
    while url:
        html = client.get(url).get_data(as_text=True)
        back.insert(0, _numbers(html))
        url = _link(html, "Vorige")
    assert back == pages[:-1]
    assert "Pagina 1 van 5" in html


def test_the_last_page_link_and_a_page_past_the_end_show_the_same_rows(client, factory, login, daytime, app):
    app.config["PAGE_SIZE"] = 5
    _queue(12)
    login(client, factory.user(Role.ADMIN))
    first = client.get("/beheer/sms").get_data(as_text=True)
    last = client.get(_link(first, "Laatste")).get_data(as_text=True)
    assert _numbers(last) == [1, 0] and "Pagina 3 van 3" in last
    assert _numbers(client.get("/beheer/sms?page=999999999999999").get_data(as_text=True)) == [1, 0]
    previous = client.get(_link(last, "Vorige")).get_data(as_text=True)
    assert _numbers(previous) == [6, 5, 4, 3, 2] and "Pagina 2 van 3" in previous


def test_a_long_list_says_more_than_the_cap_and_still_pages(client, factory, login, daytime, app, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    app.config["PAGE_SIZE"] = 4
    _queue(15)
    login(client, factory.user(Role.ADMIN))
    html = client.get("/beheer/sms").get_data(as_text=True)
    assert "meer dan 10 resultaten" in html and "Pagina 1" in html
    last = client.get(_link(html, "Laatste")).get_data(as_text=True)
    assert _numbers(last) == [3, 2, 1, 0] and "Laatste pagina" in last


def test_a_tampered_cursor_shows_the_first_page(client, factory, login, daytime, app):
    app.config["PAGE_SIZE"] = 5
    _queue(7)
    login(client, factory.user(Role.ADMIN))
    for bad in ("na=!!!", "na=W10", "voor=eyJ0IjoxfQ", "na=WyJ4IiwieSJd", "voor=" + "A" * 3000):
        response = client.get(f"/beheer/sms?{bad}")
        assert response.status_code == 200, bad
        assert _numbers(response.get_data(as_text=True)) == [6, 5, 4, 3, 2], bad
