"""Outcome signals for the learned router: client feedback, and what the ledger shows."""
