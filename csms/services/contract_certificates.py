"""The ISO 15118 contract-certificate pool, version-neutral (OCPP 2.0.1 M01 install, M02 update): the
station's Get15118EVCertificate carries the EV's EXI CertificateInstallationReq / CertificateUpdateReq;
the CSMS forwards it to the pool the operator configured and hands back the pool's EXI answer.

The pool's HTTP interface (docs/contract.md, "ISO 15118 certificates"):
``POST {pool_url}/v1/ev-certificates`` with JSON ``{charging_station_id, iso15118_schema_version,
action: Install|Update, exi_request}`` (exi_request base64, as the station sent it) answers 200 with
``{status: Accepted|Failed, exi_response}`` (base64 EXI). Anything else is the pool failing."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp

log = logging.getLogger(__name__)

ACTIONS = ("Install", "Update")
MAX_EXI = 5600            # exiResponse maxLength of the 2.0.1 schema


class PoolUnavailable(Exception):
    """No pool configured, or it could not be reached, failed, or answered nonsense."""

    def __init__(self, message: str, configured: bool = True):
        super().__init__(message)
        self.configured = configured


@dataclass(frozen=True)
class PoolAnswer:
    status: str               # Accepted | Failed (the pool's own verdict)
    exi_response: str         # base64


class ContractCertificatePool:
    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def request(self, cp_id: str, schema_version: str, action: str, exi_request: str) -> PoolAnswer:
        if not self.url:
            raise PoolUnavailable("no ISO 15118 contract-certificate pool is configured", configured=False)
        if self._http is None:
            self._http = aiohttp.ClientSession()
        body = {"charging_station_id": cp_id, "iso15118_schema_version": schema_version, "action": action,
                "exi_request": exi_request}
        try:
            async with self._http.post(f"{self.url}/v1/ev-certificates", json=body,
                                       timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                if resp.status != 200:
                    raise PoolUnavailable(f"the pool answered HTTP {resp.status}")
                answer = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise PoolUnavailable(f"the pool is unreachable: {type(exc).__name__} {exc}") from None
        if (not isinstance(answer, dict) or answer.get("status") not in ("Accepted", "Failed")
                or not isinstance(answer.get("exi_response"), str) or len(answer["exi_response"]) > MAX_EXI):
            raise PoolUnavailable("the pool's answer is not {status: Accepted|Failed, exi_response}")
        return PoolAnswer(answer["status"], answer["exi_response"])
