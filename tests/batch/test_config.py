"""The ``[batch]`` table: the window across midnight, its zone, and mistakes named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fulcrum.batch.config import BatchConfig
from fulcrum.errors import ConfigError
from fulcrum.gateway.config import load_config

BASE = """
[backends.box]
format = "openai"
base_url = "http://127.0.0.1:9"
kind = "local"
models = ["m"]

[batch]
"""


def _batch(text: str, api: str = "") -> BatchConfig:
    config = load_config(text=BASE.replace("[batch]", api + "\n[batch]") + text, env={})
    parsed = config.extensions["batch"]
    assert isinstance(parsed, BatchConfig)
    return parsed


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 1, hour, minute, tzinfo=UTC)


def test_defaults_run_only_while_idle() -> None:
    config = _batch("")
    assert config.window is None and config.idle_only and config.max_concurrent == 2
    assert config.may_start(_at(12), interactive_in_flight=0)
    assert not config.may_start(_at(12), interactive_in_flight=1)


def test_a_window_across_midnight_in_its_zone() -> None:
    config = _batch('window = "22:00-07:00"\ntimezone = "Asia/Tokyo"\nidle_only = false')
    assert config.window is not None
    # 13:30 UTC is 22:30 in Tokyo (open); 22:30 UTC is 07:30 there (closed)
    assert config.window.is_open(_at(13, 30)) and config.window.is_open(_at(21, 59))
    assert not config.window.is_open(_at(22, 30)) and not config.window.is_open(_at(12, 59))
    assert config.may_start(_at(13, 30), interactive_in_flight=3)  # the window is the batch's
    assert not config.may_start(_at(22, 30), interactive_in_flight=0)  # closed, not idle_only


def test_each_retry_waits_twice_as_long_as_the_last_up_to_five_minutes() -> None:
    # a fixed 5 s wait: a backend down for 10 s (a model loading) errored a whole batch
    assert _batch("").max_attempts == 5
    assert [_batch("").retry_delay(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert _batch("retry_s = 100").retry_delay(3) == 300.0  # capped
    with pytest.raises(ConfigError, match=r"batch\.retry_s"):
        _batch("retry_s = 0")


def test_a_full_day_window_is_always_open() -> None:
    window = _batch('window = "00:00-24:00"').window
    assert window is not None
    assert all(window.is_open(_at(h)) for h in range(24))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('window = "22-07"', "batch.window"),
        ('window = "25:00-07:00"', "batch.window"),
        ('window = "22:00-22:00"', "batch.window"),  # all day or never: it ran all day
        ('timezone = "Mars/Olympus"', "batch.timezone"),
        ("max_concurrent = 0", "batch.max_concurrent"),
        ("windw = 1", "batch.windw"),
    ],
)
def test_mistakes_name_the_field(text: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _batch(text)
    assert field in str(caught.value)


API = """
[backends.claude]
format = "anthropic"
base_url = "http://127.0.0.1:9"
kind = "api"
"""


def test_forward_names_api_backends_with_a_batch_api() -> None:
    config = _batch('forward = ["claude"]\nforward_poll_s = 5', api=API)
    assert config.forward == ("claude",) and config.forward_poll_s == 5.0
    assert _batch("").forward == ()  # by default nothing is forwarded


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('forward = ["box"]', "api backends"),  # a local backend runs items itself
        ('forward = ["nope"]', "configured backends (box, claude)"),
        ('forward = "claude"', "a list of strings"),
        ("forward_poll_s = 0", "forward_poll_s"),
    ],
)
def test_forward_mistakes_name_the_field(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _batch(text, api=API)
    message = str(caught.value)
    assert "batch.forward" in message and words in message
