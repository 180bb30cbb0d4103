"""Supervisors' review (scope, 回避, decisions) and the follow-up ledger."""
