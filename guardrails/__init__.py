"""Guardrails below the model: PII, consent, output checks, verification queue, audit, data-subject rights.

Never imports `agent` or `channels`; they call in.
"""
