from __future__ import annotations

import pytest

from fulcrum.context import web
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
    page = await web.fetch_page(f"{searxng.url}/page/1", 10_000)
    assert "Page 1" in page["text"] and "openrgb --color FF0000" in page["text"]
    assert "var x" not in page["text"] and page["truncated"] is False
    big = await web.fetch_page(f"{searxng.url}/big", 1000)
    assert len(big["text"]) == 1000 and big["truncated"] is True
    with pytest.raises(InputError, match="url"):
        await web.fetch_page("javascript:alert(1)", 100)


async def test_unreachable_host_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match=r"127\.0\.0\.1:9"):
        await web.fetch_page("http://127.0.0.1:9/", 100)
