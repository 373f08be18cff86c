from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from fulcrum.errors import InvalidRequest
from fulcrum.routing import (
    BackendCaps,
    Router,
    RouteRequest,
    RouteTarget,
    RoutingConfig,
    TargetSpec,
    parse_routing_config,
)
from fulcrum.routing.request import ANTHROPIC_MAX_TOKENS, OPENAI_MAX_TOKENS

BACKENDS = (
    BackendCaps("anthropic", "api", (), 200_000, 64_000),
    BackendCaps("llama", "local", ("qwen2.5-coder-7b", "qwen3-coder-30b"), 32_768, 8_192),
    BackendCaps("vllm", "local", ("qwen3-coder-480b",), 131_072),
)
ROUTES: dict[str, Any] = {
    "default": "anthropic",
    "fallbacks": ["llama", "vllm"],
    "aliases": {"claude-opus-*": "anthropic", "claude-sonnet-*": "vllm", "fast": "llama"},
}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def router(routes: dict[str, Any] | None = None, clock: Clock | None = None) -> Router:
    config = parse_routing_config(ROUTES if routes is None else routes, BACKENDS)
    return Router(config, clock=clock or Clock())


def req(model: str = "claude-opus-5-5", **kw: Any) -> RouteRequest:
    headers = kw.pop("headers", {})
    return RouteRequest("anthropic", model, headers, **kw)


def test_alias_glob_routes_and_chain_follows_fallbacks() -> None:
    decision = router().choose(req(max_tokens=128_000, estimated_input_tokens=5_000))
    assert decision.reason == "alias:claude-opus-*"
    assert decision.primary == RouteTarget("anthropic", "claude-opus-5-5", "api", 200_000, 64_000)
    assert [(t.backend, t.model) for t in decision.chain] == [
        ("anthropic", "claude-opus-5-5"),
        ("llama", "qwen2.5-coder-7b"),
        ("vllm", "qwen3-coder-480b"),
    ]
    assert [t.max_tokens for t in decision.chain] == [64_000, 8_192, 128_000]


def test_header_wins_over_alias_and_accepts_alias_backend_and_model() -> None:
    r = router()
    assert r.choose(req(headers={"x-fulcrum-route": "llama"})).reason == "header"
    by_backend = r.choose(req(headers={"x-fulcrum-route": "llama"})).primary
    assert (by_backend.backend, by_backend.model) == ("llama", "qwen2.5-coder-7b")
    by_model = r.choose(req(headers={"x-fulcrum-route": "llama/qwen3-coder-30b"})).primary
    assert (by_model.backend, by_model.model) == ("llama", "qwen3-coder-30b")
    by_alias = r.choose(req(headers={"x-fulcrum-route": "fast"})).primary
    assert by_alias.backend == "llama"


def test_unknown_route_header_is_a_clear_400() -> None:
    with pytest.raises(InvalidRequest) as info:
        router().choose(req(headers={"x-fulcrum-route": "gpu-box"}))
    assert info.value.status == 400
    assert "gpu-box" in info.value.message
    assert "anthropic" in info.value.message and "fast" in info.value.message


def test_background_model_goes_to_first_local_by_default() -> None:
    decision = router().choose(req("claude-haiku-4-5-20251001", max_tokens=512))
    assert decision.reason == "background→local"
    assert (decision.primary.backend, decision.primary.model) == ("llama", "qwen2.5-coder-7b")


def test_background_configured_and_disabled() -> None:
    routes = {**ROUTES, "background": "vllm"}
    assert router(routes).choose(req("claude-haiku-4-5")).primary.backend == "vllm"
    off = {**ROUTES, "background_models": []}
    assert router(off).choose(req("claude-haiku-4-5")).reason == "default"


def test_no_local_backend_means_no_background_rule() -> None:
    config = RoutingConfig(backends=(BackendCaps("anthropic", "api"),))
    decision = Router(config).choose(req("claude-haiku-4-5"))
    assert decision.reason == "default"
    assert decision.primary.model == "claude-haiku-4-5"


def test_model_listed_by_a_backend_and_default() -> None:
    r = router({"aliases": {}})
    listed = r.choose(req("qwen3-coder-480b"))
    assert (listed.reason, listed.primary.backend) == ("model", "vllm")
    unknown = r.choose(req("gpt-5"))
    assert (unknown.reason, unknown.primary.backend, unknown.primary.model) == (
        "default",
        "anthropic",
        "gpt-5",
    )


def test_default_without_api_backend_is_first_backend() -> None:
    config = RoutingConfig(backends=(BackendCaps("box", "local", ("m1",)),))
    assert Router(config).choose(req("anything")).primary == RouteTarget(
        "box", "m1", "local", None, None
    )


def test_session_sticks_to_its_first_target_even_if_the_model_changes() -> None:
    r = router()
    first = r.choose(req("claude-sonnet-4-6", session="s1"))
    assert (first.reason, first.primary.backend) == ("alias:claude-sonnet-*", "vllm")
    again = r.choose(req("claude-opus-5-5", session="s1"))
    assert (again.reason, again.primary.backend, again.primary.model) == (
        "sticky",
        "vllm",
        "qwen3-coder-480b",
    )
    other = r.choose(req("claude-opus-5-5", session="s2"))
    assert other.primary.backend == "anthropic"


def test_background_lane_does_not_disturb_the_main_lane() -> None:
    r = router()
    r.choose(req("claude-opus-5-5", session="s"))
    bg = r.choose(req("claude-haiku-4-5", session="s"))
    assert (bg.reason, bg.primary.backend) == ("background→local", "llama")
    assert r.choose(req("claude-haiku-4-5", session="s")).reason == "sticky"
    main = r.choose(req("claude-opus-5-5", session="s"))
    assert (main.reason, main.primary.backend) == ("sticky", "anthropic")


def test_sticky_expires_after_ttl_and_can_be_disabled() -> None:
    clock = Clock()
    r = router({**ROUTES, "sticky_ttl_s": 60}, clock)
    r.choose(req("claude-sonnet-4-6", session="s"))
    clock.now += 61
    assert r.choose(req("claude-opus-5-5", session="s")).reason == "alias:claude-opus-*"
    off = router({**ROUTES, "sticky_ttl_s": 0})
    off.choose(req("claude-sonnet-4-6", session="s"))
    assert off.choose(req("claude-opus-5-5", session="s")).reason == "alias:claude-opus-*"


def test_context_guard_moves_a_large_request_in_chain_order() -> None:
    decision = router().choose(
        req("fast-model", headers={"x-fulcrum-route": "llama"}, estimated_input_tokens=50_000)
    )
    assert decision.reason == "context-guard"
    # chain: llama (too small) → fallbacks llama (dup), vllm; then other backends
    assert [t.backend for t in decision.chain] == ["vllm", "anthropic"]


def test_context_guard_drops_fallbacks_that_cannot_fit() -> None:
    decision = router().choose(req(estimated_input_tokens=100_000))
    assert decision.reason == "alias:claude-opus-*"
    assert [t.backend for t in decision.chain] == ["anthropic", "vllm"]


def test_context_guard_breaks_stickiness_and_says_so_then_sticks_to_new_target() -> None:
    r = router()
    r.choose(req("claude-haiku-4-5", session="s", estimated_input_tokens=1_000))
    big = r.choose(req("claude-haiku-4-5", session="s", estimated_input_tokens=40_000))
    assert big.reason == "context-guard:sticky-broken"
    assert big.primary.backend == "vllm"  # first fallback with a large enough window
    follow = r.choose(req("claude-haiku-4-5", session="s", estimated_input_tokens=2_000))
    assert (follow.reason, follow.primary.backend) == ("sticky", "vllm")


def test_context_guard_searches_beyond_the_chain() -> None:
    decision = router({"default": "llama"}).choose(req("x", estimated_input_tokens=150_000))
    assert decision.reason == "context-guard"
    assert [t.backend for t in decision.chain] == ["anthropic"]


def test_when_nothing_fits_the_largest_window_goes_first() -> None:
    decision = router().choose(req(estimated_input_tokens=500_000))
    assert decision.reason == "context-guard:none-fits"
    assert [t.backend for t in decision.chain] == ["anthropic", "vllm", "llama"]


def test_unknown_window_always_fits() -> None:
    config = RoutingConfig(backends=(BackendCaps("a", "api"),))
    decision = Router(config).choose(req(estimated_input_tokens=10**7))
    assert decision.reason == "default"


def test_pin_after_failover_and_forget() -> None:
    r = router()
    request = req("claude-opus-5-5", session="s")
    decision = r.choose(request)
    r.pin(request, decision.chain[1])
    assert r.choose(request).primary.backend == "llama"
    r.forget("s")
    assert r.choose(request).reason == "alias:claude-opus-*"
    r.pin(req(), decision.chain[1])  # no session: a no-op, never an error


def test_request_builders_use_the_configs_background_patterns() -> None:
    r = router({**ROUTES, "background_models": ["*-mini"]})
    body = {"model": "gpt-5-mini", "metadata": {"user_id": json.dumps({"session_id": "z"})}}
    built = r.request("anthropic", ANTHROPIC_MAX_TOKENS, body, {})
    assert (built.is_background, built.session) == (True, "z")
    assert r.request("openai", OPENAI_MAX_TOKENS, {"model": "gpt-5"}, {}).is_background is False
    assert r.choose(built).reason == "background→local"


def test_concurrent_sessions_each_keep_their_own_target() -> None:
    r = router()
    results: dict[str, set[str]] = {}
    lock = threading.Lock()

    def client(n: int) -> None:
        model = "claude-sonnet-4-6" if n % 2 else "claude-opus-5-5"
        seen = {r.choose(req(model, session=f"s{n}")).primary.backend for _ in range(50)}
        seen |= {r.choose(req("claude-opus-5-5", session=f"s{n}")).primary.backend}
        with lock:
            results[f"s{n}"] = seen

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(len(s) == 1 for s in results.values())
    assert results["s1"] == {"vllm"} and results["s0"] == {"anthropic"}


def test_sticky_target_of_removed_backend_is_ignored() -> None:
    r = router()
    r._sticky.put(("s", "main"), TargetSpec("gone"))
    assert r.choose(req(session="s")).reason == "alias:claude-opus-*"


def test_choose_without_recording_leaves_stickiness_alone() -> None:
    r = router()
    peek = r.choose(req("claude-sonnet-4-6", session="s"), record=False)
    assert peek.primary.label == "vllm/qwen3-coder-480b"
    assert r.choose(req("claude-opus-5-5", session="s")).reason == "alias:claude-opus-*"


def test_header_choice_becomes_the_sessions_sticky_target() -> None:
    r = router()
    r.choose(req(session="s", headers={"x-fulcrum-route": "fast"}))
    follow = r.choose(req(session="s"))
    assert (follow.reason, follow.primary.backend) == ("sticky", "llama")


def test_claude_code_session_end_to_end() -> None:
    r = router({**ROUTES, "aliases": {"claude-opus-*": "llama"}, "fallbacks": ["anthropic"]})
    meta = {"user_id": json.dumps({"session_id": "cc-1"})}
    tools = [{"name": "Bash", "input_schema": {"type": "object"}}] * 12

    def body(model: str, chars: int) -> dict[str, Any]:
        return {
            "model": model,
            "max_tokens": 128_000,
            "metadata": meta,
            "system": [{"type": "text", "text": "You are Claude Code."}],
            "tools": tools,
            "messages": [{"role": "user", "content": "x" * chars}],
        }

    headers = {"X-Claude-Code-Session-Id": "cc-1", "User-Agent": "claude-cli/2.1.0 (external)"}

    def ask(model: str, chars: int) -> RouteRequest:
        return r.request("anthropic", ANTHROPIC_MAX_TOKENS, body(model, chars), headers)

    count = r.choose(ask("claude-opus-5-5", 100), record=False)
    assert count.primary.label == "llama/qwen2.5-coder-7b"
    first = r.choose(ask("claude-opus-5-5", 1_000))
    assert (first.reason, first.primary.max_tokens) == ("alias:claude-opus-*", 8_192)
    title = r.choose(ask("claude-haiku-4-5", 500))
    assert (title.reason, title.primary.backend) == ("background→local", "llama")
    grown = r.choose(ask("claude-opus-5-5", 200_000))
    assert grown.reason == "context-guard:sticky-broken"
    assert grown.primary == RouteTarget("anthropic", "claude-opus-5-5", "api", 200_000, 64_000)
    after = r.choose(ask("claude-opus-5-5", 2_000))
    assert (after.reason, after.primary.backend) == ("sticky", "anthropic")


def test_choose_target_keeps_the_chain_and_local_only_keeps_api_backends_out() -> None:
    r = router({"default": "anthropic", "fallbacks": ["anthropic", "vllm"]})
    req = RouteRequest(api="anthropic", model="claude-sonnet-4-6", estimated_input_tokens=1000)
    open_chain = r.choose_target(req, TargetSpec("llama"), "rule:x")
    assert [t.backend for t in open_chain.chain] == ["llama", "anthropic", "vllm"]
    assert open_chain.reason == "rule:x"
    home = r.choose_target(req, TargetSpec("llama"), "never-leaves:s", local_only=True)
    assert [t.backend for t in home.chain] == ["llama", "vllm"]
    # Too big for llama's window: the guard moves it, but only to a local backend.
    big = RouteRequest(api="anthropic", model="m", estimated_input_tokens=100_000)
    moved = r.choose_target(big, TargetSpec("llama"), "never-leaves:s", local_only=True)
    assert [t.backend for t in moved.chain] == ["vllm"]
    assert moved.reason == "context-guard"
    free = r.choose_target(big, TargetSpec("llama"), "rule:x")
    assert [t.backend for t in free.chain] == ["anthropic", "vllm"]
