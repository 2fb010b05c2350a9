"""The SQLite log (sqlite-utils): the schema, the connections and the writes of a request's row (db), the
group commit of rows logged before their acks and the check for a command sent twice (claims), requests found
by TaskId, SessionId or person (find), the daily caps' and /metrics' counts (counts, tally), requests short of
their end (unfinished), the Slack file -> FileId cache (slack_files), who holds a SessionId (sessions),
follow-up state (following) and worker leases (leases), presets and channel defaults (presets), catalogue
batches (batches), what the App Home and cost estimates read (home_queries), backups (backup), exports
(export) and the purge of old rows (retention).

Nothing here knows of Slack, Tencent or the core.
"""
