"""Stored responses: OpenAI's Responses API conversation state, kept by the gateway.

With ``[responses] store = true`` the gateway keeps each Responses answer (unless the request
says ``store: false``) with the conversation it answered, in the ledger database, so several
gateways share them: a request naming ``previous_response_id`` continues that conversation
whichever backend answers it (each backend still gets the whole conversation, as it expects),
and ``GET``/``DELETE /v1/responses/{id}`` and its ``input_items`` answer as OpenAI's do. Off by
default: a kept response holds prompt text.
"""
