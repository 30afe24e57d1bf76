"""The TLS server context of the OCPP listener (security profiles 2 and 3).

What it offers (OCPP 2.0.1 A00.FR.318/A00.FR.421; OCPP 1.6 security whitepaper, section 3):
- TLS 1.2 and TLS 1.3, nothing older; no TLS compression (CRIME).
- TLS 1.2 cipher suites, by the certificate that can serve them:
  an ECDSA certificate: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
  an RSA certificate (>= 2048 bits): TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_GCM_SHA384 (the
  two OCPP requires), and TLS_ECDHE_RSA_WITH_AES_128/256_GCM_* so that clients which can get forward
  secrecy with it. An ECDSA and an RSA certificate can be configured side by side; OpenSSL picks the one
  that fits the suite the client and server agree on. TLS 1.3 uses OpenSSL's TLS 1.3 suites.
- Client certificates (profile 3) are verified against ``client_ca`` and the CA that signs charge point
  CSRs (A02.FR.11/14: a certificate the CSMS signed must be accepted at the next connection)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from csms.settings import SettingsError

ECDSA_SUITES = ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384")
RSA_SUITES = ("AES128-GCM-SHA256", "AES256-GCM-SHA384")                 # TLS_RSA_WITH_AES_*_GCM_*
RSA_FORWARD_SECRET = ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384")
MIN_RSA_BITS = 2048


class TlsConfigError(SettingsError):
    """A certificate or key that cannot serve the listener; ``str()`` is one line naming the setting."""


@dataclass(frozen=True)
class TlsFiles:
    cert: str = ""            # ocpp.tls_cert / ocpp.tls_key: ECDSA or RSA
    key: str = ""
    cert_rsa: str = ""        # ocpp.tls_cert_rsa / ocpp.tls_key_rsa: a second, RSA certificate
    key_rsa: str = ""
    client_ca: str = ""       # ocpp.tls_client_ca
    client_crl: str = ""      # ocpp.tls_client_crl

    @property
    def enabled(self) -> bool:
        return bool(self.cert or self.cert_rsa)


def key_kind(cert_path: str, setting: str) -> str:
    """``"ecdsa"`` or ``"rsa"`` for the leaf of a PEM chain file; refuses what OCPP does not allow."""
    try:
        with open(cert_path, "rb") as fh:
            leaf = x509.load_pem_x509_certificates(fh.read())[0]
    except (OSError, ValueError) as exc:
        raise TlsConfigError(f"setting {setting}: not a PEM certificate: {exc}") from None
    key = leaf.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ecdsa"
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise TlsConfigError(f"setting {setting}: RSA key of {key.key_size} bits; OCPP needs >= {MIN_RSA_BITS}")
        return "rsa"
    raise TlsConfigError(f"setting {setting}: {type(key).__name__} keys cannot serve the OCPP cipher suites")


def server_context(files: TlsFiles) -> ssl.SSLContext | None:
    """The listener's context, or None when no certificate is configured (no wss:// listener)."""
    if not files.enabled:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    kinds = set()
    for cert, key, setting in ((files.cert, files.key, "ocpp.tls_cert"),
                               (files.cert_rsa, files.key_rsa, "ocpp.tls_cert_rsa")):
        if not cert:
            continue
        kind = key_kind(cert, setting)
        if setting == "ocpp.tls_cert_rsa" and kind != "rsa":
            raise TlsConfigError("setting ocpp.tls_cert_rsa: the certificate's key is not RSA")
        if kind in kinds:
            raise TlsConfigError(f"setting {setting}: two {kind} certificates; give one ECDSA and one RSA")
        kinds.add(kind)
        try:
            ctx.load_cert_chain(cert, key)      # one certificate per key type: OpenSSL keeps both
        except (OSError, ssl.SSLError) as exc:
            raise TlsConfigError(f"setting {setting}: cannot load certificate and key: {exc}") from None
    suites = (ECDSA_SUITES if "ecdsa" in kinds else ()) + (RSA_FORWARD_SECRET + RSA_SUITES if "rsa" in kinds else ())
    ctx.set_ciphers(":".join(suites))
    # profile 3 stations must present one (checked per charge point id); others may present none
    ctx.verify_mode = ssl.CERT_OPTIONAL
    if files.client_ca:
        ctx.load_verify_locations(files.client_ca)
    if files.client_crl:      # a revoked client certificate fails the handshake (the leaf's issuer needs a CRL)
        try:
            ctx.load_verify_locations(files.client_crl)
        except (OSError, ssl.SSLError) as exc:
            raise TlsConfigError(f"setting ocpp.tls_client_crl: cannot load the CRL file: {exc}") from None
        ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    return ctx


def trust(ctx: ssl.SSLContext, ca_pem: str) -> None:
    """Also accept client certificates issued by this CA (the CSMS's own signing CA)."""
    ctx.load_verify_locations(cadata=ca_pem)
