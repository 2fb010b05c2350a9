"""One TLS context per process for the bot's HTTP clients.

httpx builds a new context, and reads the whole certificate store again, for every client it makes (about
30 ms of CPU each). The settings are the same for every client, so they share the one built first.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verification (its certificate store, SSL_CERT_FILE and SSL_CERT_DIR honoured), built once."""
    return httpx.create_ssl_context()
