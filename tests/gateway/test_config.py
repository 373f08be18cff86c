"""The gateway config: parsed once, errors naming file/field/accepted, keys kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.errors import ConfigError
from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.gateway.cli import build_config
from fulcrum.gateway.config import load_config, with_policy_file
from fulcrum.gateway.defaults import LocalServer, default_mapping, detect_local

BASE = """
[backends.local]
format = "openai"
base_url = "http://127.0.0.1:9/v1"
kind = "local"
models = ["qwen"]
"""


def test_minimal_config_with_defaults() -> None:
    cfg = load_config(text=BASE, env={})
    backend = cfg.backends["local"]
    assert backend.base_url == "http://127.0.0.1:9"  # a trailing /v1 is accepted and dropped
    assert backend.kind == "local" and backend.models == ("qwen",)
    assert cfg.server.host == "127.0.0.1" and cfg.server.port == 8787
    assert cfg.server.store_bodies is False
    assert cfg.routes is not None and cfg.routes.backends[0].name == "local"


@pytest.mark.parametrize(
    ("extra", "field", "accepted"),
    [
        ('[server]\nport = "80"', "server.port", "an integer"),
        ("[server]\nport = 70000", "server.port", "in [0, 65535]"),
        ("[server]\nbind = 1", "server.bind", "accepted: host, port"),
        ('[backends.x]\nformat = "grpc"\nbase_url = "http://a"', "backends.x.format",
         "one of anthropic, openai"),
        ('[backends.x]\nformat = "openai"', "backends.x.base_url", "is required"),
        ('[backends.x]\nformat = "openai"\nbase_url = "ftp://a"', "backends.x.base_url",
         "http:// or https://"),
        ("[backends.local.timeouts]\nidle = -1", "backends.local.timeouts.idle", ">= 0.001"),
        ('[routes]\ndefault = "nowhere"', "routes.default", "unknown backend"),
    ],
)  # fmt: skip
def test_errors_name_file_field_and_accepted(
    tmp_path: Path, extra: str, field: str, accepted: str
) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = caught.value.message
    assert str(path) in message and field in message and accepted in message


def test_not_toml_and_no_backend() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(text="[server", env={})
    with pytest.raises(ConfigError, match="no backend configured"):
        load_config(text="[server]\nport = 1", env={})


def test_keys_from_env_or_file_never_in_repr(tmp_path: Path) -> None:
    (tmp_path / "key.txt").write_text("sk-file-secret\n", encoding="utf-8")
    text = (
        BASE
        + '\n[backends.a]\nformat = "anthropic"\nbase_url = "https://x"\napi_key_env = "K"\n'
        + '\n[backends.b]\nformat = "openai"\nbase_url = "https://y"\napi_key_file = "key.txt"\n'
    )
    path = tmp_path / "gw.toml"
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path, env={"K": "sk-env-secret", "FULCRUM_CLIENT_KEYS": "c1,c2"})
    assert cfg.backends["a"].api_key == "sk-env-secret"
    assert cfg.backends["b"].api_key == "sk-file-secret"
    assert cfg.server.client_keys == ("c1", "c2")
    shown = repr(cfg)
    assert "secret" not in shown and "c1" not in shown


def test_client_keys_carry_names_and_never_show_the_key() -> None:
    env = {"FULCRUM_CLIENT_KEYS": "alice:sk-alice-1, sk-bare-2 ,9bad:sk-3"}
    server = load_config(text=BASE, env=env).server
    assert server.client_keys == ("sk-alice-1", "sk-bare-2", "9bad:sk-3")
    alice, bare, bad = server.client_key_names
    assert alice == "alice"
    # A bare key (and one whose name part is not a name) is named by its hash, not its text.
    assert bare.startswith("key-") and len(bare) == 12 and "bare" not in bare
    assert bad.startswith("key-") and bad != bare
    assert "sk-" not in repr(server)


def test_non_loopback_bind_needs_client_keys() -> None:
    cfg = load_config(text='[server]\nhost = "0.0.0.0"\n' + BASE, env={})
    with pytest.raises(ConfigError, match="needs client keys"):
        cfg.check_bind()
    keyed = load_config(
        text='[server]\nhost = "0.0.0.0"\n' + BASE, env={"FULCRUM_CLIENT_KEYS": "k"}
    )
    keyed.check_bind()  # allowed


def test_a_named_client_keys_variable_that_is_unset_stops_the_start() -> None:
    # naming the variable means keys were meant: an unset one must not start an open gateway
    text = '[server]\nclient_keys_env = "TEAM_KEYS"\n' + BASE
    with pytest.raises(ConfigError, match=r"server\.client_keys_env: .*\$TEAM_KEYS is unset"):
        load_config(text=text, env={})
    assert load_config(text=text, env={"TEAM_KEYS": "a:k1"}).server.client_key_names == ("a",)
    assert load_config(text=BASE, env={}).server.client_keys == ()  # the default: optional


def test_precedence_flag_env_file(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text("[server]\nport = 9000\n" + BASE, encoding="utf-8")
    assert build_config(path, env={}).server.port == 9000
    assert build_config(path, env={"FULCRUM_PORT": "9100"}).server.port == 9100
    assert build_config(path, port=9200, env={"FULCRUM_PORT": "9100"}).server.port == 9200
    with pytest.raises(ConfigError, match="FULCRUM_PORT"):
        build_config(path, env={"FULCRUM_PORT": "high"})


def test_embedded_defaults_enable_keyed_frontier_and_detected_local() -> None:
    local = {"ollama": (LocalServer("ollama", 11434), ["qwen3:8b"])}
    data = default_mapping({"ANTHROPIC_API_KEY": "sk"}, local)
    assert data["backends"]["anthropic"]["api_key_env"] == "ANTHROPIC_API_KEY"
    assert "openai" not in data["backends"]
    assert data["backends"]["ollama"]["kind"] == "local"
    assert data["routes"]["aliases"] == {"claude-*": "anthropic"}
    assert data["routes"]["background"] == "ollama"


def test_detect_local_finds_a_real_openai_server() -> None:
    with FakeOpenAI() as fake:
        found = detect_local((LocalServer("fake", fake.port), LocalServer("none", 9)))
    assert list(found) == ["fake"]
    server, models = found["fake"]
    assert "gpt-4o-mini" in models
    assert server.format == "openai"  # no /v1/messages there: translate


def test_detect_local_prefers_a_native_messages_endpoint() -> None:
    with FakeAnthropic() as fake:
        found = detect_local((LocalServer("native", fake.port),))
    assert found["native"][0].format == "anthropic"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[backends."lla/ma"]\nformat = "openai"\nbase_url = "http://127.0.0.1:9"\n',
         "backends.lla/ma: expected a backend name of letters, digits"),
        ('[server]\nallowed_origins = ["localhost:3000"]\n' + BASE,
         "server.allowed_origins: expected origins like https://app.example:3000, or *"),
        (BASE + '[policy]\n[[policy.rules]]\nname = "r"\nroute = "local"\n'
         "when = { min_tokens = 100, max_tokens = 10 }\n",
         "max_tokens: expected a number of tokens >= min_tokens (100), got 10"),
        ('[backends.x]\nformat = "openai"\nbase_url = "http://127.0.0.1:8080/v1/chat/completions"',
         "backends.x.base_url: expected the server's base URL, without the API path"
         " (/chat/completions)"),
        ('[backends.x]\nformat = "anthropic"\nbase_urls = ["http://a:1", "https://b/v1/messages/"]',
         "backends.x.base_urls: expected the server's base URL, without the API path (/messages)"),
        ('[backends.x]\nformat = "openai"\nbase_url = "http://:8080"',
         "backends.x.base_url: expected an http:// or https:// URL with a host"),
        ('[backends.x]\nformat = "openai"\nbase_url = "http://127.0.0.1:99999"',
         "backends.x.base_url: expected an http:// or https:// URL with a host"),
    ],
)  # fmt: skip
def test_what_could_never_work_is_refused_at_start(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(text=text, env={})
    assert message in str(caught.value)


def test_an_origin_with_its_scheme_and_port_is_accepted() -> None:
    text = '[server]\nallowed_origins = ["https://app.example:3000/", "*"]\n' + BASE
    origins = load_config(text=text, env={}).server.allowed_origins
    assert origins == ("https://app.example:3000", "*")


BRAIN = """
[backends.api]
format = "anthropic"
base_url = "http://127.0.0.1:9"
kind = "api"
[backends.loc]
format = "openai"
base_url = "http://127.0.0.1:8"
kind = "local"
[policy.budget]
daily_usd = 5
[policy.budget.keys.{name}]
daily_usd = 1
"""


def test_a_per_key_budget_must_name_a_client_key() -> None:
    # a typo'd name was a limit that never applied: alice spent without her own cap
    env = {"FULCRUM_CLIENT_KEYS": "alice:k1,bob:k2"}
    typo = load_config(text=BRAIN.format(name="alcie"), env=env)
    with pytest.raises(ConfigError) as caught:
        typo.check_start()
    assert "policy.budget.keys.alcie: expected the name of a client key in" in str(caught.value)
    assert "(NAME:KEY entries; alice, bob), got 'alcie'" in str(caught.value)
    unkeyed = load_config(text=BRAIN.format(name="alice"), env={})
    with pytest.raises(ConfigError, match="none is set"):
        unkeyed.check_start()
    load_config(text=BRAIN.format(name="alice"), env=env).check_start()  # allowed


def test_a_per_key_budget_error_names_the_policy_file_it_is_in(tmp_path: Path) -> None:
    gateway = load_config(text=BRAIN.format(name="alice"), env={"FULCRUM_CLIENT_KEYS": "al:k"})
    policy = tmp_path / "policy.toml"
    policy.write_text("[policy.budget]\ndaily_usd = 5\n[policy.budget.keys.bob]\ndaily_usd = 1\n")
    with pytest.raises(ConfigError) as caught:
        with_policy_file(gateway, policy).check_start()
    assert str(caught.value).startswith(f"{policy}: policy.budget.keys.bob:")


def test_a_rule_must_name_a_client_key_the_gateway_was_given() -> None:
    rule = '[[policy.rules]]\nname = "carol-local"\nwhen = { client_key = ["alice", "carol"] }\n'
    text = BRAIN.format(name="alice") + rule + 'route = "local"\n'
    config = load_config(text=text, env={"FULCRUM_CLIENT_KEYS": "alice:k1,bob:k2"})
    with pytest.raises(ConfigError) as caught:
        config.check_start()
    assert "policy.rules[0].when.client_key: expected the name of a client key" in str(caught.value)
    assert str(caught.value).endswith("got 'carol'")


def test_the_ledger_timeout_reaches_serve_with_a_url_flag(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text("[ledger]\ntimeout_s = 1.5\n" + BASE, encoding="utf-8")
    config = build_config(path, ledger_url="postgresql://db/x", env={})
    assert (config.ledger.url, config.ledger.timeout_s) == ("postgresql://db/x", 1.5)
    with pytest.raises(ConfigError, match=r"ledger\.timeout_s"):
        load_config(text="[ledger]\ntimeout_s = 0\n" + BASE, env={})
