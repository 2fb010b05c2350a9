"""The entry points: Slack listeners, one module per surface (commands, shortcuts, events, views, actions),
each a set of thin module-level functions that ack and hand over to bot.slack_surface; the app that serves
them over HTTP or Socket Mode (app, socket_mode, registry, ops); and the command line (cli).
"""
