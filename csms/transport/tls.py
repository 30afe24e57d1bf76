"""The TLS context of the wss:// listener (security profiles 2 and 3)."""

from __future__ import annotations

import ssl


def tls_context(cert: str, key: str, client_ca: str = "") -> ssl.SSLContext | None:
    """None without a certificate (no TLS listener). With ``client_ca``, client certificates are asked
    for and checked against it; whether a charge point must present one (profile 3) is decided per id."""
    if not cert:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx
