"""``fulcrum.urls``: HTTP URLs checked where they come in, shown without their secrets."""

from __future__ import annotations

import pytest

from fulcrum.errors import InputError
from fulcrum.urls import http_url, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@db:5432/x", "postgresql://u:***@db:5432/x"),
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("http://h/v1?api_key=sk-1&x=2#f", "http://h/v1?api_key=***&x=***#f"),
        ("https://user:p@ss@h/?token=t", "https://user:***@h/?token=***"),
    ],
)
def test_redact_url_hides_passwords_and_query_values(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_http_url_keeps_a_good_url_without_its_trailing_slash() -> None:
    assert http_url(" https://gw.example:8443/ ", "--url") == "https://gw.example:8443"


@pytest.mark.parametrize(
    "url", ["127.0.0.1:8787", "ftp://h", "http://", "http://h:99999", "http://h:port", ""]
)
def test_http_url_names_the_flag_and_what_it_accepts(url: str) -> None:
    with pytest.raises(InputError, match=r"^--url: expected an http:// or https:// URL"):
        http_url(url, "--url")
