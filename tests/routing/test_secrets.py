"""The secrets detector: each shipped detector finds its shape, and the things coding sessions
are full of (digests, UUIDs, base64 of text, placeholders, code) do not count.

Test secrets are assembled at run time from parts, so this file holds no credential-shaped
literal for a repository scanner to flag."""

from __future__ import annotations

import base64
import hashlib
import random
import re
import string
import uuid

import pytest

from fulcrum.routing import secrets
from fulcrum.routing.secrets import (
    _SHAPES,
    DETECTORS,
    PatternDetector,
    register,
    scan,
)

_rng = random.Random(7)


def rand(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + string.digits

POSITIVES = {
    "private-key": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----",
    "aws-access-key": "aws_access_key_id = " + "AKIA" + rand(UPPER_NUM, 16),
    "aws-secret-key": "aws_secret_access_key = " + rand(ALNUM + "/+", 40),
    "gcp-service-account": '{"type": "service_account", "private_key_id": "'
    + rand("0123456789abcdef", 40)
    + '"}',
    "google-api-key": "key=" + "AIza" + rand(ALNUM + "_-", 35),
    "github-token": "GH=" + "ghp_" + rand(ALNUM, 36),
    "gitlab-token": "glpat-" + rand(ALNUM, 20),
    "slack-token": "xoxb-" + rand(string.digits, 12) + "-" + rand(ALNUM, 24),
    "slack-webhook": "https://hooks.slack.com/services/T"
    + rand(UPPER_NUM, 8)
    + "/B"
    + rand(UPPER_NUM, 8)
    + "/"
    + rand(ALNUM, 24),
    "stripe-key": "sk_" + "live_" + rand(ALNUM, 24),
    "anthropic-key": "sk-ant-" + "api03-" + rand(ALNUM + "_-", 93),
    "openai-key": "sk-" + "proj-" + rand(ALNUM + "_-", 60),
    "jwt": "Bearer eyJ" + rand(ALNUM, 20) + ".eyJ" + rand(ALNUM, 40) + "." + rand(ALNUM + "_-", 43),
    "env-assignment": "DATABASE_PASSWORD=Zq8" + "vLr2mKx9",
    "npm-token": "//registry.npmjs.org/:_authToken=" + "npm_" + rand(ALNUM, 36),
    "pypi-token": "password = " + "pypi-" + "AgEIcHlwaS5vcmc" + rand(ALNUM + "_-", 120),
    "huggingface-token": "HF=" + "hf_" + rand(ALNUM, 34),
    "sendgrid-key": "SG." + rand(ALNUM, 22) + "." + rand(ALNUM + "_-", 43),
    "digitalocean-token": "doctl auth init -t " + "dop_" + "v1_" + rand("0123456789abcdef", 64),
    "azure-storage-key": "DefaultEndpointsProtocol=https;AccountName=acme;"
    + "AccountKey="
    + rand(ALNUM + "+/", 86)
    + "==;EndpointSuffix=core.windows.net",
    "url-credentials": "DATABASE_URL=postgres://app:" + rand(ALNUM, 14) + "@db.internal:5432/app",
}


def test_each_shapes_shortest_match_is_its_patterns() -> None:
    """``scan`` skips a detector on a text shorter than its ``min_length``: too high and it
    misses a secret, so each must be the least width its regular expression can match."""
    for name, rx, _hints, _check, least in _SHAPES:
        assert least == re._parser.parse(rx).getwidth()[0], name  # type: ignore[attr-defined]


def test_a_secret_exactly_as_long_as_the_shortest_match_is_found() -> None:
    key = "AKIA" + "Q" * 16  # the aws-access-key pattern's least width: 20 characters
    assert len(key) == DETECTORS["aws-access-key"].min_length  # type: ignore[attr-defined]
    assert scan(key) == ("aws-access-key",)
    assert scan(key[:-1]) == ()


@pytest.mark.parametrize("name", sorted(POSITIVES))
def test_each_detector_finds_its_shape(name: str) -> None:
    found = scan("some context\n" + POSITIVES[name] + "\nmore context")
    assert name in found


def test_every_shipped_detector_has_a_positive_case() -> None:
    assert set(DETECTORS) - set(POSITIVES) == {"high-entropy"}


@pytest.mark.parametrize(
    "text",
    [
        "run `export STRIPE_API_KEY=" + rand(ALNUM, 24) + "` first",
        '{"client_secret": "' + rand(ALNUM, 30) + '"}',
        "  password: " + rand(ALNUM, 12),
        "SIGNING_PRIVATE_KEY='" + rand(ALNUM, 40) + "'",
        "DB_PASSWORD_URL=postgres://app:" + rand(ALNUM, 12) + "@db/app",
    ],
)
def test_assignments_inside_a_line_json_and_yaml(text: str) -> None:
    assert "env-assignment" in scan(text)


@pytest.mark.parametrize(
    "text",
    [
        "redis://:" + rand(ALNUM, 16) + "@cache:6379/0",  # no user
        "mongodb+srv://admin:" + rand(ALNUM, 10) + "@cluster0.abcde.mongodb.net/?retryWrites=true",
        "git clone https://deploy:" + rand(ALNUM, 20) + "@github.com/acme/app.git",
        "amqp://worker:" + rand(ALNUM, 8) + ":x@[fd00::1]:5672/",  # a colon in it, an IPv6 host
    ],
    ids=["redis", "mongodb", "git", "amqp"],
)
def test_passwords_inside_urls(text: str) -> None:
    assert "url-credentials" in scan(text)


def test_a_fine_grained_github_token_is_a_github_token() -> None:
    token = "github_" + "pat_" + rand(ALNUM, 22) + "_" + rand(ALNUM, 59)
    assert "github-token" in scan(f"use {token} please")
    assert "github-token" in scan(token)


HEX = "0123456789abcdef"


@pytest.mark.parametrize(
    "text",
    [
        "STRIPE_API_KEY=qwerty8877zzkk",
        "export OPENAI_API_KEY=abcd1234efgh5678",
        "db_password: hunter22hunter",
        "DB_PASSWORD=hunter2hunter2",
        "DB_PASSWORD=ab12cd34ef56",
        *(f"DATADOG_API_KEY={first}{rand(HEX, 31)}" for first in "abcdef"),
        *(
            f"DB_PASSWORD={pw}"
            for pw in (
                "Xk9$mQ2!pL7z",
                "P@ss%w0rd!2024",
                "abc(123)XYZ!",
                "s3cr3t{pw}99",
                "x<y>z[1]!99",
            )
        ),
        'login(password="Xk9$mQ2!pL")',
        "DB_PASS=Xy7kLm9pQ2",
        "PASS=Xy7#kLm9$pQ",
        "SMTP_PASSWD=Xy7kLm9pQ2",
    ],
)
def test_env_values_that_look_like_names_or_carry_punctuation(text: str) -> None:
    assert "env-assignment" in scan(text)


def test_assignments_after_text_that_lowers_to_more_characters() -> None:
    text = "İstanbul notes → deploy\nexport API_TOKEN=" + rand(ALNUM, 24)
    assert "env-assignment" in scan(text)
    assert "env-assignment" in scan("Café → notes\nDB_PASSWORD=" + rand(ALNUM, 16))


def test_scan_names_detectors_never_the_secret() -> None:
    secret = "ghp_" + rand(ALNUM, 36)
    found = scan(f"token: {secret}")
    assert "github-token" in found
    assert all(secret not in name for name in found)


def test_a_random_token_is_found_as_high_entropy() -> None:
    assert scan("the key is " + rand(ALNUM, 48)) == ("high-entropy",)


NEGATIVES = {
    "sha256 lock hash": 'sha256 = "' + hashlib.sha256(b"requests-2.32.3").hexdigest() + '"',
    "poetry lock": '{file = "x.whl", hash = "sha256:' + hashlib.sha256(b"x").hexdigest() + '"}',
    "git sha": "commit " + hashlib.sha1(b"c").hexdigest(),
    "uuid": f"session {uuid.UUID(int=_rng.getrandbits(128))}",
    "npm integrity": '"integrity": "sha512-'
    + base64.b64encode(hashlib.sha512(b"left-pad").digest()).decode()
    + '"',
    "base64 of text": base64.b64encode(
        b"The quick brown fox jumps over the lazy dog, twice over the fence."
    ).decode(),
    "identifiers": "getUserAccountBalanceForCurrentMonth2024 = HTTPServerConnectionPoolManager3",
    "paths": "/usr/lib/x86_64-linux-gnu/libssl3 src/fulcrum/routing/policy/conditions",
    "placeholder": "OPENAI_API_KEY=your_api_key_here\nSECRET_KEY=changeme\nTOKEN=<token>",
    "references": 'API_TOKEN = os.environ["API_TOKEN"]\npassword: ${DB_PASSWORD}\n'
    "SECRET = settings.secret_value",
    "numbers": "MAX_TOKENS=128000\nmax_tokens: 4096",
    "env var names": 'TOKEN_VAR = "FULCRUM_SANDBOX_TOKEN"\napi_key_env = "ANTHROPIC_API_KEY"',
    "word paths": "token = bytes/token per second\nSECRET_NAME = prod-db-password",
    "camel case": "Win32_SetProcessDpiAwareness_max(HTTPConnectionPool2Manager_v3)",
    "url path": "see hg.python.org/cpython/file/603b4d593758/Lib/socket.py",
    "type annotations": "TOKEN_TYPE: TokenType,\nclient_secret: ClientSecret\ntoken = Punctuation",
    "model names": "Llama-4-Maverick-17B-128E-Instruct-FP8 and Qwen3-Coder-480B-A35B-Instruct-FP8",
    "rst prose": "A secret: ``found`` says whether ``text`` holds one",
    "private names": "credentials: _ProviderT,\napi_key_env_vars=_MANTLE_API_KEY_ENV_VARS,",
    "urls": 'TOKEN_ENDPOINT = "/v1/oauth/token"\nTOKEN_URL = "https://auth.example.org/token"',
    "type names": "azure_ad_token_provider: AzureADTokenProvider | None = None",
    "code": "self.token = compute_token()\npassword: str = field()\nif token == other_token:",
    "aws docs example": "AKIA" + "IOSFODNN7EXAMPLE",
    "inline image": "data:image/png;base64," + base64.b64encode(bytes(range(256)) * 3).decode(),
    "embedded in a word": "xghp_" + rand(ALNUM, 36).lower() + " MYAKIA" + rand(UPPER_NUM, 16),
    "prose": "Please fix the bug in src/app.py where the handler crashes on empty input.\n" * 20,
    "url defaults": "postgres://postgres:postgres@localhost:5432/postgres\n"
    "amqp://guest:guest@localhost:5672/\npostgresql://user:password@localhost/db\n"
    "mysql://root:example123@db\nhttps://user:pass@host/x\nmongodb://me:changeme@h/",
    "url references": "https://${GH_USER}:${GH_TOKEN}@github.com/acme/app.git\n"
    'f"redis://:{password}@{host}"\n"postgres://%s:%s@%s/%s" % args\n'
    "mongodb://user:<password>@cluster0.mongodb.net\nhttps://x:*****@host",
    "urls without credentials": "ssh://git@github.com:22/acme/app.git git@github.com:acme/a\n"
    "http://[::1]:8080/path@v2 https://host:8443/a@b http://localhost:11434/api",
    "names as values": 'CHALLENGE_PASSWORD: "challengePassword"\n'
    'ACCESS_TOKEN_HEADER = "X-Xet-Access-Token"\nsecret_key: "mySecretKey"',
    "values cut short in docs": 'verify_token="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."\n'
    '"access_token": "hf_jwt_\u2026"\nsmb://myuser:mypassword@myserver.com/share',
    "word lookalikes": "npm_config_cache hf_hub_download(repo_id) SG.Account doo_v1_x",
    "names with digits at a part's end": "api_key = api_key_v2\ntoken_hash = sha256_hex\n"
    "password: x86_64_build",
    "calls, subscripts, generics": "token = get_token().strip()\napi_key = keys[0]\n"
    "api_key = os.getenv('API_KEY', 'x')\npassword: Optional<String>\npass = lambda_fn",
    "code with calls and slices": "api_key, auth_token = static_credential_from_env(warn=x(self))\n"
    "secret = keypair[:32]\ntoken = buf[pos:nextpos]\nBasicAuth(username=u, password=password)\n"
    "session_secret = (constants.OAUTH_CLIENT_SECRET or '')\nobj = f(token=self._token)",
    "references and formats": "TOKEN=$(cat token.txt)\nDB_PASS=${DB_PASSWORD}\n"
    "password=%(db_pass)s\nsecret: {{ vault_secret }}\ntoken: [a, b]",
    "test output": "===== 5 passed, 1 failed in 0.3s =====\npassed: 12\nbypass_cache: true",
    "base64 command output": "$ base64 logo.png\n"
    + "\n".join(
        base64.encodebytes(bytes(_rng.getrandbits(8) for _ in range(900))).decode().splitlines()
    ),
    "short data uri": "data:image/png;base64,"
    + base64.b64encode(bytes(_rng.getrandbits(8) for _ in range(150))).decode(),
    "go.sum": "golang.org/x/text v0.14.0 h1:"
    + base64.b64encode(bytes(_rng.getrandbits(8) for _ in range(32))).decode()
    + "\ngolang.org/x/text v0.14.0/go.mod h1:"
    + base64.b64encode(bytes(_rng.getrandbits(8) for _ in range(32))).decode(),
}


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_ordinary_session_text_is_not_a_secret(name: str) -> None:
    assert scan(NEGATIVES[name]) == ()


def test_register_adds_a_detector_usable_by_name() -> None:
    detector = PatternDetector("acme-token", re.compile(r"acme_[0-9a-f]{16}"), ("acme_",))
    register(detector)
    try:
        assert "acme-token" in scan("x acme_0123456789abcdef y")
        assert "acme-token" not in scan("acme_ is a prefix")
    finally:
        secrets._registry.pop("acme-token")
        secrets._scan_cached.cache_clear()
    assert "acme-token" not in DETECTORS


def test_a_long_text_is_read_once_until_a_detector_is_registered() -> None:
    """A system prompt or a tool list, the same in every session, is scanned once."""
    counting, long = _Counting("counting"), "plain prose here. " * 200
    register(counting)
    try:
        assert "counting" in scan(long) and "counting" in scan(long)
        assert len(counting.seen) == 1
        assert "counting" in scan("short") and len(counting.seen) == 2  # short: not kept
        register(PatternDetector("acme-token", re.compile(r"acme_[0-9a-f]{16}"), ("acme_",)))
        assert "counting" in scan(long) and len(counting.seen) == 3  # a new detector: read again
    finally:
        secrets._registry.pop("counting")
        secrets._registry.pop("acme-token")
        secrets._scan_cached.cache_clear()


def test_empty_text_scans_to_nothing() -> None:
    assert scan("") == ()


class _Counting:
    """A detector that finds everything and counts the texts it was given."""

    def __init__(self, name: str, min_length: int | None = None) -> None:
        self.name = name
        self.seen: list[str] = []
        if min_length is not None:
            self.min_length = min_length

    def found(self, text: str) -> bool:
        self.seen.append(text)
        return True


def test_scan_gives_a_detector_only_texts_as_long_as_its_min_length() -> None:
    long_only, any_length = _Counting("long-only", min_length=10), _Counting("any-length")
    chosen = (long_only, any_length)
    assert scan("123456789", chosen) == ("any-length",)
    assert scan("1234567890", chosen) == ("long-only", "any-length")
    assert long_only.seen == ["1234567890"]
    assert any_length.seen == ["123456789", "1234567890"]
