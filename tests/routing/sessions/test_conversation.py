"""A conversation's session: told by its opening and its client, the same at every turn."""

from __future__ import annotations

from typing import Any

from fulcrum.routing.sessions.conversation import conversation_session

SYSTEM = [{"type": "text", "text": "You are a coding assistant."}]


def turns(first: str, *later: str, marked: int | None = None) -> list[dict[str, Any]]:
    """A conversation: ``first``, then an answer and each of ``later``, in text blocks;
    ``marked``: the index of the message whose block carries the cache marker (clients move
    it to the newest message at every turn)."""
    texts = [first, *(t for text in later for t in ("Done.", text))]
    messages: list[dict[str, Any]] = []
    for n, text in enumerate(texts):
        block: dict[str, Any] = {"type": "text", "text": text}
        if n == marked:
            block["cache_control"] = {"type": "ephemeral"}
        messages.append({"role": "assistant" if n % 2 else "user", "content": [block]})
    return messages


def session(messages: list[Any], system: Any = SYSTEM, key: str | None = None,
            agent: str = "sdk/1") -> str | None:  # fmt: skip
    return conversation_session({"system": system, "messages": messages}, client_key=key,
                                user_agent=agent)  # fmt: skip


def test_every_turn_of_a_conversation_has_its_session() -> None:
    one = session(turns("Fix the bug", marked=0))
    assert one is not None and one.startswith("conv:")
    # later turns: the cache marker moved off the first message to the newest
    assert session(turns("Fix the bug", "Run the tests", marked=2)) == one
    assert session(turns("Fix the bug", "Run the tests", "Ship it", marked=4)) == one


def test_another_opening_or_client_is_another_conversation() -> None:
    one = session(turns("Fix the bug", "Run the tests"))
    assert session(turns("Fix the other bug", "Run the tests")) != one
    assert session(turns("Fix the bug", "Run the tests"), system="Be terse.") != one
    assert session(turns("Fix the bug", "Run the tests"), key="alice") != one
    assert session(turns("Fix the bug", "Run the tests"), agent="other/2") != one


def test_an_openai_opening_holds_its_system_messages() -> None:
    system = {"role": "system", "content": "You are a coding assistant."}
    first = conversation_session({"messages": [system, *turns("Fix the bug")]},
                                 client_key=None, user_agent="sdk/1")  # fmt: skip
    later = conversation_session({"messages": [system, *turns("Fix the bug", "Now test")]},
                                 client_key=None, user_agent="sdk/1")  # fmt: skip
    other = conversation_session({"messages": [{**system, "content": "Be terse."},
                                               *turns("Fix the bug")]},
                                 client_key=None, user_agent="sdk/1")  # fmt: skip
    assert first is not None and first == later and other != first


def test_no_user_message_no_conversation() -> None:
    assert session([]) is None
    assert session([{"role": "assistant", "content": "Hello"}]) is None
    assert conversation_session({"messages": "hi"}, client_key=None, user_agent="") is None


def test_a_text_reads_the_same_as_a_string_or_as_one_block() -> None:
    """An agent keeps its history as strings and sends its newest message as a marked block:
    the first turn's opening is a block, the next turns' the string."""
    marked = [{"role": "user", "content": [{"type": "text", "text": "Fix the bug",
                                            "cache_control": {"type": "ephemeral"}}]}]  # fmt: skip
    later = [{"role": "user", "content": "Fix the bug"}, {"role": "assistant", "content": "Ok"},
             {"role": "user", "content": "Run the tests"}]  # fmt: skip
    assert session(marked) == session(later)
    assert session(later, system="You are a coding assistant.") == session(later)
