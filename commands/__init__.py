"""Slack surfaces, one module each; `register_all` is the one list of them."""

from slack_bolt import App


def register_all(app: App) -> None:
    from commands import actions, events, options, shortcuts, slash, views

    for surface in (slash, shortcuts, actions, views, options, events):
        surface.register(app)
