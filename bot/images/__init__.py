"""Images as people have them, made ready for Tencent before they leave the workspace.

`limits` holds the four size limits and `refusals` every sentence that refuses a file. `opening` reads a file's
header and then its pixels; `colour` and `encoding` turn those into an RGB JPEG or PNG within the limits; `notes`
says in plain words what was done. `prepare` scales and turns the picture upright and ties these together for one
file, and `preparer` runs that off the event loop, a bounded number at a time.
"""
