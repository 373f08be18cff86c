"""Request kinds from bodies shaped like Claude Code's (only short marker sentences quoted)."""

from __future__ import annotations

import pytest

from fulcrum.routing.claude_code import MAX_OPENINGS, REQUEST_KINDS, classify, repo_of

from .policy.bodies import COMPACT, IDENTITY, SUBAGENT, SUBAGENT_NOTES, TITLE

SDK = "You are a Claude agent, built on Anthropic's Claude Agent SDK."
BILLING = "x-anthropic-billing-header: cc_version=2.1.330.88d; cc_entrypoint=sdk-cli;"


@pytest.mark.parametrize(
    ("system", "last_user", "tools", "background", "kind"),
    [
        (IDENTITY + "\nHelp the user.", "Add pagination", True, False, "main"),
        (
            IDENTITY + "\n" + SUBAGENT + "\n" + SUBAGENT_NOTES,
            "Find callers",
            True,
            False,
            "subagent",
        ),
        ("Custom reviewer agent.\n" + SUBAGENT_NOTES, "Review this", True, False, "subagent"),
        (SDK + "\nYou are an agent working with the user.", "Fix it", True, False, "main"),
        (BILLING + " cc_is_subagent=true;\n" + SDK, "List callers", True, False, "subagent"),
        (BILLING + "\nCustom system prompt.", "Fix it", True, False, "main"),
        (IDENTITY + "\n" + TITLE, "<session>x</session>", False, True, "title"),
        (IDENTITY + "\nHelp the user.", COMPACT, True, False, "compaction"),
        (
            "You are a helpful AI assistant tasked with summarizing conversations.",
            "x",
            False,
            False,
            "compaction",
        ),
        (IDENTITY, "Is this a bash command?", False, True, "background"),
        (IDENTITY, "Extract the file paths", False, False, "background"),
        ("", "hello", False, True, "background"),
        ("You are a helpful assistant.", "hello", True, False, "other"),
        ("", "hello", False, False, "other"),
    ],
)
def test_classify(system: str, last_user: str, tools: bool, background: bool, kind: str) -> None:
    assert classify(system, last_user, has_tools=tools, is_background=background) == kind


def test_compaction_wins_over_the_main_prompt_it_shares() -> None:
    kind = classify(IDENTITY, "Earlier text\n" + COMPACT, has_tools=True, is_background=False)
    assert kind == "compaction"


def test_kinds_are_the_documented_tuple() -> None:
    assert REQUEST_KINDS == ("main", "subagent", "background", "title", "compaction", "other")


@pytest.mark.parametrize("openings", [0, 3, MAX_OPENINGS - 1, MAX_OPENINGS, 200])
def test_markers_are_found_among_other_openings(openings: int) -> None:
    """Markers that open with "You are " are compared where it occurs: any number of other
    such sentences, before and after, changes nothing (past MAX_OPENINGS, every marker is
    searched for)."""
    filler = "You are helpful. " * openings
    system = filler + IDENTITY + "\n" + filler
    assert classify(system, "Fix it", has_tools=True, is_background=False) == "main"
    sub = filler + "Help.\n" + SUBAGENT + filler
    assert classify(sub, "Find", has_tools=True, is_background=False) == "subagent"
    assert classify(filler + "You are", "x", has_tools=True, is_background=False) == "other"


def test_repo_of_a_claude_code_worktree_and_plain_dirs() -> None:
    assert repo_of("/home/ana/src/shop-api/.claude/worktrees/fix-totals") == "shop-api"
    assert repo_of("C:\\Users\\ana\\shop-api") == "shop-api"
    assert repo_of("/") is None
