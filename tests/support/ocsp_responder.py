"""A real RFC 6960 OCSP responder for tests (aiohttp, on a free port): it parses the DER request with
cryptography's x509.ocsp, answers for certificates of its issuer from ``statuses`` (serial -> good |
revoked; anything else unknown), signs with the issuer's key and includes the issuer certificate.
``down = True`` makes it answer HTTP 503. ``requests`` counts what it was asked."""

from __future__ import annotations

import datetime as dt
import hashlib

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from tests.support.local_http import LocalHttpServer


class OcspResponder(LocalHttpServer):
    def __init__(self, issuer: x509.Certificate, issuer_key):
        self.issuer, self.key = issuer, issuer_key
        self.statuses: dict[int, str] = {}
        self.requests = 0
        self.down = False

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/", self._answer)

    async def _answer(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.down:
            return web.Response(status=503)
        try:
            asked = ocsp.load_der_ocsp_request(await request.read())
        except ValueError:
            der = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
            return self._der(der)
        own_key = ocsp.OCSPRequestBuilder().add_certificate(self.issuer, self.issuer, asked.hash_algorithm).build()
        own_name = hashlib.new(asked.hash_algorithm.name, self.issuer.subject.public_bytes()).digest()
        ours = (asked.issuer_name_hash, asked.issuer_key_hash) == (own_name, own_key.issuer_key_hash)
        word = self.statuses.get(asked.serial_number) if ours else None
        status = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED}.get(
            word, ocsp.OCSPCertStatus.UNKNOWN)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        builder = (ocsp.OCSPResponseBuilder()
                   .add_response_by_hash(asked.issuer_name_hash, asked.issuer_key_hash, asked.serial_number,
                                         asked.hash_algorithm, status, now, now + dt.timedelta(hours=1),
                                         now - dt.timedelta(days=1) if word == "revoked" else None,
                                         x509.ReasonFlags.key_compromise if word == "revoked" else None)
                   .responder_id(ocsp.OCSPResponderEncoding.HASH, self.issuer)
                   .certificates([self.issuer]))
        return self._der(builder.sign(self.key, hashes.SHA256()))

    @staticmethod
    def _der(response: ocsp.OCSPResponse) -> web.Response:
        return web.Response(body=response.public_bytes(serialization.Encoding.DER),
                            content_type="application/ocsp-response")
