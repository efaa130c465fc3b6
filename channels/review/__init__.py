"""Reviewer decisions as a service every review surface shares (web console, API, Slack buttons)."""

from channels.review.desk import ReviewDesk

__all__ = ["ReviewDesk"]
