"""aigc-bot: Slack requests turned into Tencent Cloud VOD CreateSceneAigcImageTask calls, and results back.

The core lives here and ties the layers below it together:

    tencent/   the VOD client, its TC3 signer, COS uploads, rate limits, the request models and scene rules
    store/     the SQLite log of every request, behind named methods
    slack/     Block Kit structures and filled-in messages, threads, files and command text
    wording/   every sentence the bot shows, by surface, referred to by name
    follow/    following submitted tasks to their results: schedule, leases, delivery, Tencent's events

Core modules: config (settings), pipeline (record, upload, submit, answer), access (who may ask, caps),
slack_surface/ (what the listeners call, a part per Slack surface), services (wiring), health and metrics
(running it as a service), and the leaves errors, lifecycle, logsafe and observe, which import nothing of the
project.
"""
