from __future__ import annotations

import ipaddress

import pytest

from fulcrum.context import pages, web
from fulcrum.errors import ConfigError, InputError, UpstreamError

from .helpers import FakeSearxng


async def test_searxng_results_are_capped_and_shaped(searxng: FakeSearxng) -> None:
    provider = web.make_provider(f"searxng:{searxng.url}")
    found = await web.web_search(provider, "gpu rgb lighting", 50)
    assert len(found) == web.MAX_RESULTS
    assert found[0].title == "Result 0 for gpu rgb lighting"
    assert searxng.queries[-1] == {"q": "gpu rgb lighting", "format": "json"}


async def test_server_errors_are_retried(searxng: FakeSearxng) -> None:
    searxng.fail_next = 2
    found = await web.web_search(web.make_provider(f"searxng:{searxng.url}"), "retry me", 2)
    assert len(found) == 2 and len(searxng.queries) == 3


async def test_persistent_failure_is_an_upstream_error(searxng: FakeSearxng) -> None:
    searxng.fail_next = 10
    with pytest.raises(UpstreamError, match="HTTP 500"):
        await web.web_search(web.make_provider(f"searxng:{searxng.url}"), "down", 2)
    assert len(searxng.queries) == web.RETRIES + 1


async def test_no_provider_is_a_clear_error() -> None:
    assert web.make_provider(None) is None
    with pytest.raises(ConfigError, match=r"no search provider is configured.*FULCRUM_SEARCH"):
        await web.web_search(None, "anything", 5)
    with pytest.raises(ConfigError, match="unknown search provider 'bing'"):
        web.make_provider("bing")
    with pytest.raises(ConfigError, match="BRAVE_API_KEY"):
        web.make_provider("brave")


async def test_fetch_page_returns_visible_text_within_limits(searxng: FakeSearxng) -> None:
    page = await pages.fetch_page(f"{searxng.url}/page/1", 10_000, allow_private=True)
    assert "Page 1" in page["text"] and "openrgb --color FF0000" in page["text"]
    assert "var x" not in page["text"] and page["truncated"] is False
    big = await pages.fetch_page(f"{searxng.url}/big", 1000, allow_private=True)
    assert len(big["text"]) == 1000 and big["truncated"] is True
    with pytest.raises(InputError, match="url"):
        await pages.fetch_page("javascript:alert(1)", 100)


async def test_unreachable_host_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match=r"127\.0\.0\.1:9"):
        await pages.fetch_page("http://127.0.0.1:9/", 100, allow_private=True)


async def test_a_page_larger_than_one_network_read_is_read_up_to_the_limit(
    searxng: FakeSearxng,
) -> None:
    page = await pages.fetch_page(f"{searxng.url}/big", 200_000, allow_private=True)
    assert len(page["text"]) == 200_000 and page["truncated"] is True


async def test_the_declared_charset_decodes_the_page(searxng: FakeSearxng) -> None:
    latin = await pages.fetch_page(f"{searxng.url}/latin", 1000, allow_private=True)
    assert latin["text"] == "Caf\u00e9 cr\u00e8me"
    meta = await pages.fetch_page(f"{searxng.url}/meta", 1000, allow_private=True)
    assert meta["text"] == "na\u00efve"


async def test_redirects_are_followed_a_few_times_only(searxng: FakeSearxng) -> None:
    page = await pages.fetch_page(f"{searxng.url}/hop/3", 1000, allow_private=True)
    assert page["text"] == "landed" and page["url"] == f"{searxng.url}/hop/0"
    with pytest.raises(UpstreamError, match="redirects"):
        await pages.fetch_page(
            f"{searxng.url}/hop/{pages.MAX_REDIRECTS + 1}", 1000, allow_private=True
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost:9/admin",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::7f00:1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://0.0.0.0/",
        "http://2130706433/",
    ],
)
async def test_private_and_loopback_addresses_are_refused(url: str) -> None:
    with pytest.raises(InputError, match=r"url: .* private"):
        await pages.fetch_page(url, 1000)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),  # IPv4-mapped
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::7f00:1", False),  # IPv4-compatible (deprecated) 127.0.0.1
        ("::a9fe:a9fe", False),  # IPv4-compatible 169.254.169.254
        ("64:ff9b::7f00:1", False),  # NAT64 well-known prefix
        ("64:ff9b::a00:1", False),
        ("64:ff9b:1::7f00:1", False),  # NAT64 local-use prefix
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", False),  # 6to4 of the cloud metadata address
        ("2001:0:7f00:1::80ff:fffe", False),  # Teredo, server 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo, client 192.0.2.45
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff0e::1", False),
    ],
)
def test_an_ipv6_address_carrying_an_ipv4_one_is_judged_by_it(address: str, public: bool) -> None:
    assert pages.is_public(ipaddress.ip_address(address)) is public


async def test_a_redirect_to_a_private_address_is_refused(
    searxng: FakeSearxng, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "is_public", lambda ip: str(ip) == "127.0.0.1")
    assert (await pages.fetch_page(f"{searxng.url}/hop/0", 1000))["text"] == "landed"
    port = searxng.url.rsplit(":", 1)[1]
    hop = f"{searxng.url}/redirect?to=http://127.0.0.2:{port}/hop/0"
    with pytest.raises(InputError, match=r"url: 'http://127\.0\.0\.2.* private"):
        await pages.fetch_page(hop, 1000)


async def test_a_binary_answer_is_an_error_not_text(searxng: FakeSearxng) -> None:
    with pytest.raises(UpstreamError, match=r"image\.png: image/png is not a text page"):
        await pages.fetch_page(f"{searxng.url}/image.png", 1000, allow_private=True)


async def test_result_fields_are_bounded(searxng: FakeSearxng) -> None:
    provider = web.make_provider(f"searxng:{searxng.url}")
    found = await web.web_search(provider, "long " * 400, 20)
    assert found and all(len(r.snippet) <= web.SNIPPET_CHARS for r in found)
    assert all(len(r.title) <= web.TITLE_CHARS for r in found)
    assert found[0].snippet.endswith("…")


def test_a_providers_null_or_odd_fields_become_empty_text() -> None:
    found = [
        {"title": None, "url": "https://a.example/", "description": "A"},
        "not an object",
        {"title": "B", "url": 7},
        {"title": "C", "url": "https://c.example/", "description": "C"},
    ]
    got = web.results(found, "description", 2)
    assert [(r.title, r.url, r.snippet) for r in got] == [
        ("", "https://a.example/", "A"),
        ("B", "", ""),
    ]
    for odd in (None, {"x": 1}, "results"):
        with pytest.raises(UpstreamError, match=r"^brave: the answer's results are not a list"):
            web.results(odd, "content", 5, "brave")


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ([1, 2, 3], "searxng: the answer is not a JSON object (a list)"),
        ({"results": {"a": 1}}, "searxng: the answer's results are not a list (an object)"),
        ({"query": "q"}, "searxng: the answer's results are not a list (none)"),
    ],
)
async def test_an_answer_of_another_shape_is_an_error_not_no_results(
    searxng: FakeSearxng, answer: object, says: str
) -> None:
    searxng.answer = answer
    with pytest.raises(UpstreamError) as caught:
        await web.web_search(web.make_provider(f"searxng:{searxng.url}"), "anything", 5)
    assert caught.value.message == says
