"""Images as people have them, made ready for Tencent before they leave the workspace.

`limits` holds the four size limits, `refusals` every sentence that refuses a file, `opening` reads a file's
header and decodes it, `colour` and `encoding` turn pixels into an upright RGB JPEG or PNG within the limits,
`scaling` makes it smaller holding little memory, `notes` says in plain words what was done, `prepare` ties these together for one file, and `preparer` runs
that off the event loop, a bounded number at a time.
"""
