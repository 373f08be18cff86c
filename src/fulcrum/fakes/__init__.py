"""Faithful fake frontier upstreams (Anthropic, OpenAI) on loopback, with fault injection.

Used by tests and benchmarks in place of the real APIs::

    with FakeAnthropic() as fake:              # or: async with FakeAnthropic() as fake
        fake.push(ToolCall("Bash", {"command": "echo hi"}, then="It printed {result}"))
        fake.push(Fail(429, retry_after=1), Reply("hello"))
        ...  # point a client at fake.url
        assert fake.requests[0].headers["anthropic-version"]

Both also serve their provider's batch API (``fake.batches``): a batch stays in progress for
``fake.batches.book.end_after_polls`` retrieves (or until ``fake.batches.book.end_all()``
after ``hold()``), then each request is answered from the same script.
"""

from fulcrum.fakes.anthropic import ANTHROPIC_MODELS, FakeAnthropic
from fulcrum.fakes.openai import OPENAI_MODELS, FakeOpenAI
from fulcrum.fakes.script import AnswerTool, Entry, Fail, Hang, Reply, Script, ToolCall
from fulcrum.fakes.server import FakeUpstream, RecordedRequest

__all__ = [
    "ANTHROPIC_MODELS",
    "OPENAI_MODELS",
    "AnswerTool",
    "Entry",
    "Fail",
    "FakeAnthropic",
    "FakeOpenAI",
    "FakeUpstream",
    "Hang",
    "RecordedRequest",
    "Reply",
    "Script",
    "ToolCall",
]
