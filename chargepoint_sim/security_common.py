"""Certificates on a simulated charge point, the steps both OCPP versions share (1.6 security extension,
2.0.1 blocks A and M). Mixed into ChargePoint16 (through v16_security.py) and ChargePoint201 (through
v201_security.py); the version mixins translate the payloads and name the certificate types.

- ``certificates``: a CertificateStore (certificates.py), the version's type names as keys.
- Signing: when triggered the station makes a key and a CSR (CN = its identity), sends SignCertificate;
  Accepted keeps the key pending until CertificateSigned brings a chain for it (else, after the wait of
  CertSigningWaitMinimum seconds, doubling, it asks again CertSigningRepeatTimes times with a new key);
  the chain is checked (key, validity, each issued by the next) and installed as the station's own
  certificate; a refused chain is answered Rejected plus a SecurityEventNotification.
- ``charge_point_key``: the private key (PEM) of the installed own certificate.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import tempfile

from . import certificates as c
from .protocol import utc_now

log = logging.getLogger("chargepoint_sim")


class SecurityState:
    """Mixin; relies on the StationChargePoint helpers (_call_quiet, notify, spawn, cp_id)."""

    # version specifics, set by the version mixin
    own_certificate_type = "ChargingStationCertificate"     # the store's name of the station's certificate
    invalid_own_certificate_event = "InvalidChargingStationCertificate"
    protected_types: frozenset[str] = frozenset()           # DeleteCertificate answers Failed for these

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.certificates = c.CertificateStore()
        self.charge_point_key: str | None = None
        self.security_events: list[dict] = []               # SecurityEventNotifications sent
        self._csr_keys: dict[str, object] = {}               # signing use -> private key of the pending CSR

    # ------------------------------------------------------------------ version hooks
    def _sign_payload(self, csr: str, use: str) -> dict:
        return {"csr": csr}

    def _organization(self) -> str | None:
        return None

    def _signing_retry(self) -> tuple[float, int]:
        """(seconds to wait for CertificateSigned, how many more SignCertificate requests)."""
        return 60.0, 0

    def _security_profile(self) -> int:
        return 0

    def _credentials(self):
        """At security profile 3 over wss:// with an own certificate installed (signed by the CSMS after a
        SignCertificate), the station authenticates with that certificate and sends no password (1.6
        security whitepaper profile 3; 2.0.1 A00.FR.405)."""
        context, password = super()._credentials()
        own = self.own_certificate()
        if own is None or self.charge_point_key is None or not self.url.startswith("wss://") \
                or self._security_profile() != 3:
            return context, password
        return own_certificate_context(self.cafile, own.pem, self.charge_point_key), None

    def _store_type(self, use: str) -> str:
        """Where a signed certificate of signing ``use`` is installed."""
        return self.own_certificate_type

    # ------------------------------------------------------------------ install / delete
    def _install_root(self, kind: str, pem: str) -> str:
        """InstallCertificate: Accepted, Rejected (not a valid certificate now) or Failed (store full)."""
        try:
            chain = c.load_chain(pem)
        except c.BadCertificate as exc:
            log.info("%s: InstallCertificate %s refused: %s", self.cp_id, kind, exc)
            return "Rejected"
        if len(chain) != 1 or not c.valid_now(chain[0]):
            return "Rejected"
        if self.certificates.install(kind, chain) is None:
            return "Failed"
        self.notify()
        return "Accepted"

    def _delete(self, wanted: dict) -> str:
        entry = self.certificates.find(wanted)
        if entry is None:
            return "NotFound"
        if entry.type in self.protected_types:
            return "Failed"                 # the station's own certificate cannot be deleted remotely
        self.certificates.remove(entry)
        self.notify()
        return "Accepted"

    # ------------------------------------------------------------------ signing
    async def request_signing(self, use: str | None = None, attempt: int = 0) -> str | None:
        """Make a key and a CSR and send SignCertificate; the CSMS's status (None if unanswered)."""
        use = use or self.own_certificate_type
        key, csr = c.new_key_and_csr(self.cp_id, self._organization())
        self._csr_keys[use] = key
        response = await self._call_quiet("SignCertificate", self._sign_payload(csr, use))
        status = (response or {}).get("status")
        if status != "Accepted":
            if self._csr_keys.get(use) is key:
                del self._csr_keys[use]
            self.notify()
            return status
        wait, repeats = self._signing_retry()
        if attempt < repeats:
            self.spawn(self._signing_watch(use, key, wait * 2 ** attempt, attempt), name=f"csr-{use}")
        self.notify()
        return status

    async def _signing_watch(self, use: str, key, wait: float, attempt: int) -> None:
        await asyncio.sleep(wait)
        if self._csr_keys.get(use) is key and self.ready:      # still no CertificateSigned for it
            log.info("%s: no CertificateSigned within %.0f s, asking again", self.cp_id, wait)
            await self.request_signing(use, attempt + 1)

    def _certificate_signed(self, chain_pem: str, use: str | None, max_size: int) -> str:
        """CertificateSigned: Accepted (installed) or Rejected (and a security event after the answer)."""
        use = use or self.own_certificate_type
        why = None
        if len(chain_pem) > max_size:
            why = f"certificate chain longer than {max_size} characters"
        else:
            try:
                chain = c.load_chain(chain_pem)
            except c.BadCertificate as exc:
                why = f"not a PEM certificate chain: {exc}"
            else:
                key = self._csr_keys.get(use)
                why = c.check_chain(chain, key)
        if why is not None:
            log.info("%s: CertificateSigned refused: %s", self.cp_id, why)
            self.after_reply(self.send_security_event(self.invalid_own_certificate_event, why))
            return "Rejected"
        key = self._csr_keys.pop(use)
        self.certificates.install(self._store_type(use), chain, replace=True)
        if use == self.own_certificate_type:
            self.charge_point_key = c.key_pem(key)
        self.notify()
        return "Accepted"

    def own_certificate(self) -> c.Installed | None:
        entries = self.certificates.entries([self.own_certificate_type])
        return entries[0] if entries else None

    # ------------------------------------------------------------------ security events
    async def send_security_event(self, kind: str, tech_info: str | None = None) -> dict | None:
        """SecurityEventNotification (the same payload in 1.6 and 2.0.1)."""
        payload = {"type": kind, "timestamp": utc_now()}
        if tech_info:
            payload["techInfo"] = tech_info[:255]
        self.security_events.append(payload)
        self.notify()
        return await self._call_quiet("SecurityEventNotification", payload)


def own_certificate_context(cafile: str | None, chain_pem: str, key_pem: str) -> ssl.SSLContext:
    """A client TLS context presenting ``chain_pem`` (leaf first) with its key; trusting ``cafile``."""
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory() as tmp:        # load_cert_chain reads files only
        cert_path, key_path = os.path.join(tmp, "own.pem"), os.path.join(tmp, "own.key")
        with open(cert_path, "w") as fh:
            fh.write(chain_pem)
        with open(key_path, "w") as fh:
            fh.write(key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context
