"""Channels: web chat and reviewer console, Slack, WeCom, and outbox delivery. The top layer below `app`."""
