"""Slack: reps' agent threads, `/sales`, App Home, lead DMs, review buttons, Slack Connect customers.

`channels.slack.app.SlackChannel` assembles it; `app` builds one when Slack settings are present.
"""
