"""Everything Slack sees: the Block Kit structures and filled-in messages (messages, modal, reports; the
sentences themselves are written in bot/wording/), where and how an answer is posted (conversation), shared
files and their transfer to VOD (files), the text of a slash command (command_text) and the image references
in it (refs), the bot token check (auth) and the watched Web API client (watch).

May use bot.tencent and bot.store below it; knows nothing of the core or of Bolt's request objects.
"""
