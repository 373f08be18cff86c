"""The wake-filter: a local model deciding, event by event, whether a coding agent wakes.

A frontier model is too dear to run on every CI result, comment and alert an agent sees
(~1,900 calls a day is ~$165 a month per agent at frontier rates); a small local model under
a JSON schema is nearly free. :mod:`~fulcrum.wake.gateway` serves ``POST /v1/wake[/NAME]``
from ``fulcrum serve`` (``[wake]`` table: :mod:`~fulcrum.wake.config`), every call metered
with its local cost and the frontier price of the same tokens; ``fulcrum wake replay``
(:mod:`~fulcrum.wake.cli`) replays a file of events and reports the wake rate, the agreement
with the events' labels, the latency and the cost against the frontier.
"""
