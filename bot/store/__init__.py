"""The SQLite log (sqlite-utils): the schema and every statement on `requests` and `slack_files` (db), the
group commit of rows logged before their acks (claims), who holds a SessionId (sessions), follow-up state
(following) and worker leases (leases), presets and channel defaults (presets), catalogue batches (batches),
what the App Home and cost estimates read (home_queries, costs), backups (backup), exports (export) and the
purge of old rows (retention).

Nothing here knows of Slack, Tencent or the core.
"""
