"""``fulcrum route explain``: the text and JSON reports, and one-line errors with exit 2.

With ``--config`` it builds the gateway's brain on the config's ledger database (each test
has its own data directory, so its own SQLite ledger); the gateway tests in
``tests/gateway/brain/test_explain_names_the_rule.py`` compare it with a running gateway."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fulcrum.routing.tokens import estimate_request_tokens
from fulcrum.testing.cli import run_cli

from . import bodies

POLICY = """
[policy]
otherwise = "learned"

[[policy.rules]]
name = "secrets-stay-home"
when = { secrets = true }
never_leaves = true

[[policy.rules]]
name = "escalate-after-failures"
when = { tool_errors_min = 3, kind = "main" }
handoff = true

[[policy.rules]]
name = "infra-night"
when = { header = { "x-team" = "infra*" }, hours = "22:00-06:00" }
route = "local"
"""

GATEWAY = """
[backends.llama]
format = "openai"
base_url = "http://127.0.0.1:8080"
kind = "local"

[backends.anthropic]
format = "anthropic"
base_url = "https://api.anthropic.com"
api_key_env = "ANTHROPIC_API_KEY"

[routes]
default = "anthropic"
background_models = ["*mini*"]
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {"policy": tmp_path / "policy.toml", "gateway": tmp_path / "gateway.toml"}
    out["policy"].write_text(POLICY)
    out["gateway"].write_text(GATEWAY)
    return out


def write(tmp_path: Path, name: str, body: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body) if not isinstance(body, str) else body)
    return str(path)


def test_text_report_shows_features_every_rule_and_the_route(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    request = write(tmp_path, "loop.json", bodies.tool_loop(3))
    argv = ["route", "explain", request, "--policy", str(files["policy"])]
    code, out, err = run_cli([*argv, "--at", "2026-03-07T23:10"], capsys)
    assert (code, err) == (0, "")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "shop-api" in out and "main" in out
    for name in ("secrets-stay-home", "escalate-after-failures", "infra-night"):
        assert name in out
    assert "header x-team is absent" in out
    assert "rule fired: escalate-after-failures" in out
    assert "route: frontier  (reason: rule:escalate-after-failures)" in out


def test_json_report_and_headers(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    request = write(tmp_path, "first.json", bodies.first_turn())
    argv = ["route", "explain", request, "--policy", str(files["policy"]), "--json"]
    argv += ["--header", "X-Team: infra-east", "--at", "2026-03-07T23:10", "--client-key", "ci"]
    code, out, _ = run_cli(argv, capsys)
    data = json.loads(out)
    assert code == 0
    assert data["features"]["headers"]["x-team"] == "infra-east"
    assert data["features"]["client_key"] == "ci"
    assert [r["matched"] for r in data["rules"]] == [False, False, True]
    assert (data["rule"], data["route"], data["reason"]) == (
        "infra-night",
        "local",
        "rule:infra-night",
    )
    assert "score" not in data  # nothing is shown that was not computed


def test_secrets_in_the_request_stay_local(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    body = bodies.first_turn("deploy with AWS_SECRET_ACCESS_KEY=" + "Zq8vLr2mKx9" + "Pw4Ty7Nb")
    request = write(tmp_path, "secret.json", body)
    code, out, _ = run_cli(
        ["route", "explain", request, "--policy", str(files["policy"]), "--json"], capsys
    )
    data = json.loads(out)
    assert code == 0
    assert data["features"]["secrets"] == ["env-assignment"]
    assert (data["route"], data["reason"]) == ("local", "never-leaves:secrets-stay-home")


def test_explain_scans_a_document_block_and_says_what_it_read(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key = "AKIA" + "Q7ZL3MX2B9TR4WNP"
    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                               "data": f"aws_access_key_id = {key}"}}  # fmt: skip
    body = bodies.main_body(
        [{"role": "user", "content": [document, {"type": "text", "text": "ok?"}]}]
    )
    request = write(tmp_path, "document.json", body)
    argv = ["route", "explain", request, "--policy", str(files["policy"])]
    code, out, _ = run_cli([*argv, "--json"], capsys)
    data = json.loads(out)
    assert "aws-access-key" in data["features"]["secrets"]
    assert data["features"]["scanned"] == "whole"
    assert data["reason"] == "never-leaves:secrets-stay-home"
    code, out, _ = run_cli(argv, capsys)
    assert code == 0 and "(whole request read)" in out


def test_explain_estimates_tokens_from_the_bytes_the_gateway_would_get(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    body = bodies.main_body([bodies.user("この関数を説明してください。" * 300)])
    request = tmp_path / "escaped.json"
    request.write_text(json.dumps(body, indent=1))  # \\u escapes and whitespace, as sent
    code, out, _ = run_cli(["route", "explain", str(request), "--policy", str(files["policy"]),
                            "--json"], capsys)  # fmt: skip
    assert code == 0
    view = json.loads(request.read_text())
    live = estimate_request_tokens(view, request.read_bytes())  # what the gateway estimates
    assert json.loads(out)["features"]["estimated_tokens"] == live


@pytest.mark.parametrize("api", [["--api", "responses"], []])
def test_a_responses_body_is_read_as_its_conversation(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str], api: list[str]
) -> None:
    """``--api responses``, or read from the body (the default): the secret in a function
    call's output is found, the turns are counted from the input items, as the gateway reads
    a Responses request."""
    secret = "AWS_SECRET_ACCESS_KEY=" + "Zq8vLr2mKx9" + "Pw4Ty7Nb"
    body = {
        "model": "gpt-5",
        "instructions": "You are a coding agent.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "deploy it"}]},
            {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": f"env: {secret}"},
        ],
        "tools": [{"type": "function", "name": "shell", "parameters": {"type": "object"}}],
    }
    request = write(tmp_path, "responses.json", body)
    argv = ["route", "explain", request, "--policy", str(files["policy"])]
    code, out, _ = run_cli([*argv, *api, "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["features"]["secrets"] == ["env-assignment"]
    assert (data["features"]["turn"], data["features"]["tool_count"]) == (1, 1)
    assert data["reason"] == "never-leaves:secrets-stay-home"


def test_config_supplies_background_models(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    files["policy"].write_text(POLICY.replace('"learned"', '"frontier"'))
    body = {"model": "gpt-5-mini", "messages": [{"role": "user", "content": "Name this session"}]}
    request = write(tmp_path, "bg.json", body)
    argv = ["route", "explain", request, "--config", str(files["gateway"])]
    argv += ["--policy", str(files["policy"]), "--api", "openai", "--json"]
    code, out, _ = run_cli(argv, capsys)
    data = json.loads(out)
    assert code == 0
    assert data["features"]["kind"] == "background"
    assert (data["mode"], data["route"], data["reason"]) == ("brain", "llama", "background→local")
    assert [t["backend"] for t in data["chain"]] == ["llama"]


def test_no_rule_goes_to_the_learned_router(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    request = write(tmp_path, "first.json", bodies.first_turn())
    code, out, _ = run_cli(["route", "explain", request, "--policy", str(files["policy"])], capsys)
    assert code == 0
    assert "rule fired: none" in out
    assert "route: learned  (reason: learned)" in out
    assert "it is not run here" in out
    assert "rules only" in " ".join(out.split())


# a request the gateway accepts: its flags' and files' errors are what these tests read
OK = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 8,
    "messages": [{"role": "user", "content": "hi"}],
}
BAD_INPUT: list[tuple[Callable[[Path], str], list[str], str]] = [
    (lambda p: str(p / "missing.json"), [], "missing.json: cannot read the file"),
    (lambda p: write(p, "bad.json", "{nope"), [], "bad.json: not valid JSON"),
    (lambda p: write(p, "list.json", "[1]"), [], "expected a JSON object"),
    (
        lambda p: write(
            p, "lone.json", '{"model": "m", "messages": [{"role": "user", "content": "\\ud83d"}]}'
        ),
        [],
        "lone.json: a string holds a lone UTF-16 surrogate",
    ),
    (
        lambda p: write(p, "e.json", {}),
        [],
        "e.json: model: expected a non-empty string, got null (the gateway answers it 400)",
    ),
    (
        lambda p: write(p, "ok.json", OK),
        ["--header", "NoColon"],
        "--header: expected 'Name: value'",
    ),
    (
        lambda p: write(p, "ok.json", OK),
        ["--api", "grpc"],
        "--api: expected one of anthropic, openai",
    ),
    (lambda p: write(p, "ok.json", OK), ["--at", "tonight"], "--at: expected an ISO 8601 time"),
]


@pytest.mark.parametrize("case", BAD_INPUT, ids=[c[2].split(":")[0] for c in BAD_INPUT])
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    case: tuple[Callable[[Path], str], list[str], str],
) -> None:
    make, extra, message = case
    argv = ["route", "explain", make(tmp_path), "--policy", str(files["policy"]), *extra]
    code, out, err = run_cli(argv, capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


def test_a_bad_policy_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(
        '[policy]\n[[policy.rules]]\nname = "a"\nroute = "local"\nwhen = { kinds = ["main"] }\n'
    )
    request = write(tmp_path, "ok.json", OK)
    code, _, err = run_cli(["route", "explain", request, "--policy", str(policy)], capsys)
    assert code == 2
    assert "p.toml: policy.rules[0].when.kinds: unknown key `kinds`; did you mean `kind`?" in err
    assert len(err.strip().splitlines()) == 1


# A policy file alone (no config to resolve its routes against) is still checked whole.
BAD_POLICY_TABLES = [
    ("target_local_share = 1.5", "policy.target_local_share: expected a number in [0.0, 1.0]"),
    ("shares = 0.6", "policy.shares: unknown key `shares`"),
    ("frontier = 3", "policy.frontier: expected a non-empty string, got 3"),
    ("[policy.budget]\ndaily = 3", "policy.budget.daily: unknown key `daily`"),
    ("[policy.budget]\ndaily_usd = -3", "policy.budget.daily_usd: expected a number >= 0"),
    ("[policy.latency]\nttft = 9", "policy.latency.ttft: unknown key `ttft`"),
]


@pytest.mark.parametrize("table, message", BAD_POLICY_TABLES)
def test_a_policy_file_alone_is_checked_beyond_its_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(f"[policy]\n{table}\n")
    request = write(tmp_path, "ok.json", OK)
    code, out, err = run_cli(["route", "explain", request, "--policy", str(policy)], capsys)
    assert code == 2, out
    assert f"p.toml: {message}" in err
    assert len(err.strip().splitlines()) == 1 and out == ""


def test_rules_are_required_from_somewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["route", "explain", write(tmp_path, "ok.json", OK)], capsys)
    assert code == 2
    assert "give --config GATEWAY.toml or --policy POLICY.toml" in err


def test_the_gateway_configs_own_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "gateway.toml"
    rules = '[policy]\notherwise = "frontier"\n[[policy.rules]]\nname = "titles"\n'
    config.write_text(GATEWAY + rules + 'when = { kind = "title" }\nroute = "llama"\n')
    argv = ["route", "explain", "", "--config", str(config), "--json"]
    argv[2] = write(tmp_path, "title.json", bodies.title_body())
    data = json.loads(run_cli(argv, capsys)[1])
    assert (data["rule"], data["route"], data["reason"]) == ("titles", "llama", "rule:titles")
    argv[2] = write(tmp_path, "main.json", bodies.first_turn())
    data = json.loads(run_cli(argv, capsys)[1])
    assert (data["rule"], data["route"], data["reason"]) == (None, "anthropic", "otherwise")
    assert data["verdict"]["side"] == "frontier" and data["share"]["fresh"] is True
    assert data["session"]["pin"] is None and data["budget"] is None


def test_a_config_without_a_policy_routes_by_its_routes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(GATEWAY)
    argv = ["route", "explain", write(tmp_path, "main.json", bodies.first_turn())]
    code, out, err = run_cli([*argv, "--config", str(config), "--json"], capsys)
    data = json.loads(out)
    assert (code, err) == (0, "")
    assert (data["mode"], data["route"], data["verdict"]) == (
        "routes",
        "anthropic/claude-sonnet-4-6",
        None,
    )
    assert data["reason"] == "default" and data["rules"] == []
    assert "no [policy]" in data["notes"][0]


def test_escalation_and_the_session_come_from_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(GATEWAY + '[policy]\notherwise = "local"\n')
    argv = ["route", "explain", write(tmp_path, "main.json", bodies.first_turn())]
    argv += ["--config", str(config), "--session", "s-1", "--json"]
    plain = json.loads(run_cli(argv, capsys)[1])
    assert (plain["route"], plain["reason"], plain["session"]["id"]) == (
        "llama",
        "otherwise",
        "s-1",
    )
    escalated = json.loads(run_cli([*argv, "--header", "X-Fulcrum-Escalate: frontier"], capsys)[1])
    assert (escalated["route"], escalated["reason"]) == ("anthropic", "escalate:header")
    assert escalated["verdict"]["events"] == ["handoff"]
    code, out, err = run_cli([*argv, "--header", "X-Fulcrum-Escalate: up"], capsys)
    assert (code, out) == (2, "")
    assert "X-Fulcrum-Escalate: 'up' is not accepted" in err and len(err.splitlines()) == 1


def test_text_with_a_config_shows_the_decision_and_the_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    budget = "[policy.budget]\ndaily_usd = 5\n[policy.latency]\nttft_ms_max = 4000\n"
    config.write_text(GATEWAY + '[policy]\notherwise = "frontier"\n' + budget)
    argv = ["route", "explain", write(tmp_path, "main.json", bodies.first_turn())]
    code, out, err = run_cli([*argv, "--config", str(config), "--session", "s-9"], capsys)
    assert (code, err) == (0, "")
    assert max(len(line) for line in out.splitlines()) <= 80
    for words in ("Decision", "failover chain", "pin", "none: a new decision",
                  "budget global/day", "$5 left", "rebuilt from 0 local TTFTs",
                  "route: anthropic  (reason: otherwise)"):  # fmt: skip
        assert words in out, words


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ("[policy.budget]\ndaily_usd = 5\n[policy.budget.keys.carol]\ndaily_usd = 1\n",
         "policy.budget.keys.carol"),
        ('[[policy.rules]]\nname = "c"\nwhen = { client_key = "carol" }\nroute = "local"\n',
         "policy.rules[0].when.client_key"),
    ],
)  # fmt: skip
def test_explain_refuses_a_client_key_name_serve_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    policy: str, field: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alice:k1,bob:k2")
    config = tmp_path / "gateway.toml"
    config.write_text(GATEWAY)
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(policy)
    argv = ["route", "explain", write(tmp_path, "ok.json", OK), "--config", str(config),
            "--policy", str(policy_file)]  # fmt: skip
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{policy_file}: {field}: expected the name of a client key" in err


@pytest.mark.parametrize(
    ("side", "message"),
    [
        ("share_window = 1000000000000000000000000000000",
         "policy.share_window: expected an integer in [20, 100000]"),
        ("[policy.latency]\nqueue_max = 1\nwindow_s = 1e300",
         "policy.latency.window_s: expected a number in [1.0, 86400.0]"),
        ('local = "anthropic"', "policy.local: expected a backend of kind local, got 'anthropic' "
         "(kind api)"),
        ('frontier = "llama"', "policy.frontier: expected a backend of kind api, got 'llama' "
         "(kind local)"),
    ],
)  # fmt: skip
def test_the_policys_sides_are_backends_of_their_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], side: str, message: str
) -> None:
    # a never_leaves request goes to `local`: an api backend there would send it off the machine
    config = tmp_path / "gateway.toml"
    config.write_text(GATEWAY + f"[policy]\n{side}\n")
    argv = ["route", "explain", write(tmp_path, "ok.json", OK), "--config", str(config)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_refused_request_is_shown_refused_and_text_is_printed_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A per-key budget that refuses: the route says so, and its window ``key:alice/day``
    is printed as written (rich read ``:key:`` as an emoji), as is a prompt's markup."""
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "alice:k1")
    config = tmp_path / "gateway.toml"
    config.write_text(GATEWAY + '[policy]\notherwise = "frontier"\n[policy.budget]\n'
                      'daily_usd = 20\non_exhausted = "refuse"\n'
                      "[policy.budget.keys.alice]\ndaily_usd = 0\n")  # fmt: skip
    body = {**OK, "messages": [{"role": "user", "content": "fix [red]this[/red] :key: now"}]}
    argv = ["route", "explain", write(tmp_path, "r.json", body), "--config", str(config),
            "--client-key", "alice"]  # fmt: skip
    code, out, _ = run_cli([*argv, "--json"], capsys)
    data = json.loads(out)
    assert (data["route"], data["reason"]) == ("refused (HTTP 429)", "otherwise+budget-refused")
    code, out, _ = run_cli(argv, capsys)
    assert code == 0 and "budget:key:alice/day" in out and "\N{KEY}" not in out
    assert "fix [red]this[/red] :key: now" in out
    assert "route: refused (HTTP 429)  (reason: otherwise+budget-refused)" in out


def test_a_cascade_rule_is_shown_as_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(GATEWAY + '[policy]\notherwise = "frontier"\n[[policy.rules]]\n'
                      'name = "try-local"\nwhen = { tools = false }\nroute = "local"\n'
                      'cascade = true\nverify = ["json_schema"]\n')  # fmt: skip
    argv = ["route", "explain", write(tmp_path, "r.json", OK), "--config", str(config)]
    code, out, _ = run_cli(argv, capsys)
    assert code == 0 and "route: llama  (reason: rule:try-local)" in out
    assert "│ cascade" in out and "local first, checked by json_schema" in out
