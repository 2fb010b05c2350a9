"""The entry points: Slack listeners, one module per surface (commands, shortcuts, events, views, actions),
each a set of thin module-level functions that ack and hand over to bot.slack_surface; the app that serves
them over HTTP or Socket Mode, through Bolt's own dispatch (app, socket_mode, ops), with registry noting each
listener for the manifest check; and the command line (cli).
"""
