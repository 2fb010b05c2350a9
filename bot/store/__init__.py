"""The SQLite log (sqlite-utils): the schema and every statement on `requests` and `slack_files` (db), the
group commit of rows logged before their acks (claims), follower leases (leases), backups (backup), exports
(export) and the purge of old rows (retention).

Nothing here knows of Slack, Tencent or the core.
"""
