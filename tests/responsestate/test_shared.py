"""Kept responses past one process and on a real model: two gateways on one PostgreSQL
continue each other's responses, and a llama.cpp server gets the whole conversation."""

from __future__ import annotations

import pytest

from fulcrum.fakes import FakeAnthropic, Reply
from fulcrum.testing.gateway import local_config, running_gateway
from fulcrum.testing.llama import LlamaServer
from fulcrum.testing.postgres import PostgresCluster

from .helpers import KEEP, client, said


@pytest.mark.postgres
def test_two_gateways_on_one_postgres_continue_each_others_responses(
    pg_cluster: PostgresCluster, config_text: str, fake_anthropic: FakeAnthropic
) -> None:
    """The first answer is streamed by one gateway and continued at once by the other: it is
    kept before the stream's last byte, so the other finds it."""
    url = pg_cluster.create_database()
    text = f'[ledger]\nurl = "{url}"\n{config_text}{KEEP}'
    fake_anthropic.push(Reply("from one"), Reply("from two"))
    with (
        running_gateway(text, subprocess=True) as one,
        running_gateway(text, subprocess=True) as two,
        client(one) as first_client,
        client(two) as second_client,
    ):
        with first_client.responses.stream(model="to-claude", input="hi") as events:
            first = events.get_final_response()
        second = second_client.responses.create(
            model="to-claude", input="again", previous_response_id=first.id
        )
        assert second.output_text == "from two"
        assert second_client.responses.retrieve(first.id).output_text == "from one"
        assert first_client.responses.retrieve(second.id).previous_response_id == first.id
    assert said(fake_anthropic.requests[1].body) == [
        ("user", "hi"), ("assistant", "from one"), ("user", "again")
    ]  # fmt: skip


@pytest.mark.llama
def test_a_local_model_is_sent_the_kept_conversation(llama_server: LlamaServer) -> None:
    text = local_config(llama_server.base_url, llama_server.model) + KEEP
    model = llama_server.model
    with running_gateway(text) as gw, client(gw) as sdk:
        first = sdk.responses.create(model=model, input="Name a colour.", max_output_tokens=6)
        alone = sdk.responses.create(model=model, input="More.", max_output_tokens=6, store=False)
        second = sdk.responses.create(model=model, input="More.", max_output_tokens=6,
                                      previous_response_id=first.id)  # fmt: skip
    assert first.usage is not None and alone.usage is not None and second.usage is not None
    # the server read the first turn, its answer and the new turn: more than either alone
    assert second.usage.input_tokens > alone.usage.input_tokens
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
