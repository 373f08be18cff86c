"""The learned router: P(the frontier is needed | request), trained from outcome labels."""
