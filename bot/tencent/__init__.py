"""Tencent Cloud, and nothing else: the VOD API client (vod), its TC3-HMAC-SHA256 signer (tc3), image uploads
through ApplyUpload, COS and CommitUpload (upload, cos), the 20/s limit (ratelimit), the request models (models)
and the scene rules a request must follow (scenes), and image type sniffing (imagetype).

Nothing here knows of Slack, the SQLite log or the core; failures are raised as the `VodError` and
`CosUploadError` of bot.errors' tree, and sentences for people are chosen by the callers.
"""
