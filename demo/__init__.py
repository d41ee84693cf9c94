"""`behov demo`: the real bot, the project's fake Slack and a Slack-like page in the browser.

runner.py starts the three on loopback; routes.py and sandbox.py are the page (templates/ and
static/ beside them); blocks.py and mrkdwn.py render what the bot sends; people.py is the demo
workspace; seed.py with data/needs.yml fills it for `--seed`.
"""
