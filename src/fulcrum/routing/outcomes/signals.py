"""The gateway's own outcome signals as labels: was the local model good enough for a request?

A label is ``(weak, strong)``: the local model's and the frontier's outcome on the request, 1
good enough, 0 not (the training format's ``weak_score`` and ``strong_score``). Only what
the ledger shows is used; the request's current-turn text is the prompt. The rules, applied
to each gateway request (oldest first), the strongest signal first — one label per request:

1. ``feedback`` — a ``POST /v1/feedback`` label on the request (its ``request_id``; the
   latest label on it wins) answered locally: ``good`` (1, 1), ``bad`` (0, 1).
2. ``failover`` — answered by a frontier backend after a local backend failed on it (an
   HTTP 5xx, a timeout, a broken stream): (0, 1), or (0, 0) when the frontier's answer was
   labelled ``bad``. A local failure that says nothing about the request (the server could
   not be reached, its circuit was open, a 429, 502 or 503, the gateway's key refused) is no
   signal: during an outage every request would otherwise teach "needs the frontier".
3. ``escalation`` — a session moved to the frontier (route reason ``escalate:header`` or
   ``handoff:<rule>``): its last :data:`ESCALATION_LOOKBACK` locally answered requests in the
   same lane since any earlier escalation: (0, 1).
4. ``retry`` — a locally answered request that the client sent again: same session, lane,
   turn and current-turn text, a conversation no longer than before (a tool loop's next
   step is longer, so it is not a retry) and within the retry window: (0, 1) when a retry
   was answered by the frontier, else no row (the frontier's outcome is unknown).
5. ``session-feedback`` — a label on the request's session, given at or after the request
   (the latest such label wins) on a locally answered request: ``good`` (1, 1), ``bad`` (0, 1).
6. ``local-ok`` — answered locally and no signal above: (1, 1), "the local model was enough"
   (both pass: the frontier would have gained nothing, which teaches 0.5).

Not labelled: a request no backend answered; a background request (titles and housekeeping,
which the learned router never scores); a request the frontier answered without a local
failure before it (the local model's outcome is unknown; feedback on it is counted and
dropped); a label given with another client key than the request's or the session's
(counted and dropped). Backend kinds come from the ledger itself: each row's answering
backend and kind, and the target and side of each recorded decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from fulcrum.kinds import BackendKind
from fulcrum.routing.outcomes.feedback import Feedback
from fulcrum.routing.outcomes.recorded import Failure, Recorded, Request

SIGNALS: tuple[str, ...] = (
    "feedback",
    "failover",
    "escalation",
    "retry",
    "session-feedback",
    "local-ok",
)
ESCALATION_LOOKBACK = 3
BACKGROUND = "background"
OUTAGE_STATUS: tuple[int, ...] = (401, 403, 429, 502, 503)
OUTAGE_REASONS: tuple[str, ...] = (
    "circuit open",
    "cannot connect",
    *(f"HTTP {s}" for s in OUTAGE_STATUS),
)
NOT_ANSWERED = "no backend answered"
BACKGROUND_LANE = "background request (the router does not score it)"
FRONTIER = "answered by the frontier (the local model's outcome unknown)"
OUTAGE = "failover after a local outage (says nothing about the request)"
UNKNOWN_KIND = "failover from a backend of unknown kind"
FEEDBACK_MISSING = "request not among the ledger rows read"
FEEDBACK_FRONTIER = "on a frontier answer without a local failure (dropped)"
FEEDBACK_OTHER = "on a background or unanswered request (dropped)"
FEEDBACK_FOREIGN = "given with another client key than the request's (dropped)"


@dataclass(frozen=True, slots=True)
class Label:
    signal: str
    weak: int
    strong: int | None  # None: the frontier's outcome is unknown, so no training row


@dataclass(slots=True)
class Labelled:
    labels: dict[str, Label] = field(default_factory=dict)  # request id -> its label
    unlabelled: Counter[str] = field(default_factory=Counter)  # why -> requests
    feedback: Counter[str] = field(default_factory=Counter)  # feedback labels not used, why


def label_requests(recorded: Recorded, retry_window_s: float) -> Labelled:
    """The label of every request a signal speaks for (see the module docstring)."""
    requests = recorded.requests
    feedback, foreign = owned(requests, recorded.feedback)
    by_request = {f.request_id: f.label for f in feedback if f.request_id is not None}
    local = _Local(
        by_request=by_request,
        escalated=escalated(requests),
        retried=retried(requests, retry_window_s),
        by_session=session_labels(requests, feedback),
    )
    out = Labelled()
    for r in requests:
        if not r.answered or r.lane == BACKGROUND:
            out.unlabelled[NOT_ANSWERED if not r.answered else BACKGROUND_LANE] += 1
            continue
        label = local.label(r.id) if r.local else failover(r, recorded.kinds, by_request)
        if isinstance(label, Label):
            out.labels[r.id] = label
        else:
            out.unlabelled[label] += 1
    out.feedback = unused_feedback(requests, by_request, out.labels)
    if foreign:
        out.feedback[FEEDBACK_FOREIGN] += foreign
    return out


def owned(requests: Sequence[Request], feedback: Sequence[Feedback]) -> tuple[list[Feedback], int]:
    """The labels given with the client key of the request or session they label, and how
    many were not (the gateway refuses those once the row is written; one sent before it was
    is dropped here)."""
    keys = {r.id: r.client_key for r in requests}
    sessions: defaultdict[str, set[str | None]] = defaultdict(set)
    for r in requests:
        if r.session is not None:
            sessions[r.session].add(r.client_key)

    def mine(f: Feedback) -> bool:  # a request or session not read: its own count says so
        if f.request_id is not None:
            return keys.get(f.request_id, f.client_key) == f.client_key
        return f.client_key in sessions.get(f.session or "", {f.client_key})

    kept = [f for f in feedback if mine(f)]
    return kept, len(feedback) - len(kept)


def unused_feedback(
    requests: Sequence[Request], by_request: dict[str, str], labels: dict[str, Label]
) -> Counter[str]:
    """Labels on a request that no training row uses, by why."""
    by_id = {r.id: r for r in requests}
    out: Counter[str] = Counter()
    for rid in by_request:
        r = by_id.get(rid)
        if r is None:
            out[FEEDBACK_MISSING] += 1
        elif rid not in labels:
            out[FEEDBACK_FRONTIER if r.frontier else FEEDBACK_OTHER] += 1
    return out


@dataclass(frozen=True, slots=True)
class _Local:
    """The signals a locally answered request can have, strongest first."""

    by_request: dict[str, str]
    escalated: set[str]
    retried: dict[str, bool]
    by_session: dict[str, str]

    def label(self, rid: str) -> Label:
        if (mark := self.by_request.get(rid)) is not None:
            return Label("feedback", int(mark == "good"), 1)
        if rid in self.escalated:
            return Label("escalation", 0, 1)
        if rid in self.retried:
            return Label("retry", 0, 1 if self.retried[rid] else None)
        if (mark := self.by_session.get(rid)) is not None:
            return Label("session-feedback", int(mark == "good"), 1)
        return Label("local-ok", 1, 1)


def outage(failure: Failure) -> bool:
    """A failure that says nothing about the request: the backend was down, busy or locked."""
    return failure.status in OUTAGE_STATUS or failure.reason.startswith(OUTAGE_REASONS)


def failover(r: Request, kinds: dict[str, BackendKind], by_request: dict[str, str]) -> Label | str:
    """A frontier answer's label, or why it has none."""
    local = [f for f in r.failures if kinds.get(f.backend) == "local"]
    if not local:
        unknown = any(f.backend not in kinds for f in r.failures)
        return UNKNOWN_KIND if unknown else FRONTIER
    if all(outage(f) for f in local):
        return OUTAGE
    return Label("failover", 0, 0 if by_request.get(r.id) == "bad" else 1)


def escalated(requests: Sequence[Request]) -> set[str]:
    """The requests an escalation of their session and lane speaks for."""
    recent: defaultdict[tuple[str, str], deque[str]] = defaultdict(
        lambda: deque(maxlen=ESCALATION_LOOKBACK)
    )
    out: set[str] = set()
    for r in requests:
        if r.session is None:
            continue
        key = (r.session, r.lane)
        if r.escalation:
            out.update(recent.pop(key, ()))
        elif r.local:
            recent[key].append(r.id)
    return out


def retried(requests: Sequence[Request], window_s: float) -> dict[str, bool]:
    """Locally answered requests the client sent again -> whether the frontier answered a
    retry. Only requests with text can be compared."""
    earlier: dict[tuple[str, str, int, str], list[Request]] = {}
    out: dict[str, bool] = {}
    for r in requests:
        if r.session is None or not r.text:
            continue
        key = (r.session, r.lane, r.turn, r.text)
        kept = [p for p in earlier.get(key, ()) if (r.ts - p.ts).total_seconds() <= window_s]
        for p in kept:
            if p.local and r.tokens <= p.tokens:
                out[p.id] = out.get(p.id, False) or r.frontier
        earlier[key] = [*kept, r]
    return out


def session_labels(requests: Sequence[Request], feedback: Sequence[Feedback]) -> dict[str, str]:
    """Request id -> the latest label on its session given at or after it."""
    by_session: defaultdict[str, list[Feedback]] = defaultdict(list)
    for f in feedback:
        if f.session is not None and f.request_id is None:
            by_session[f.session].append(f)
    out: dict[str, str] = {}
    for r in requests:
        marks = by_session.get(r.session) if r.session is not None else None
        later = [f for f in marks or () if f.ts >= r.ts]
        if later:
            out[r.id] = later[-1].label
    return out
