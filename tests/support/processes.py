"""The CSMS and the WeChat emulator as real processes, for tests that kill, stop and restart them
(tests/e2e/test_crash_restart.py, tests/e2e/test_wechat_down.py, tests/integration/test_mariadb_restart.py).

``CsmsProcess`` runs ``csms serve`` on fixed free ports (a restarted CSMS is found at the same
address) and speaks the API like tests/support/server.py's ``Csms``; ``EmulatorProcess`` runs
``csms wechat-emulator`` and plays the WeChat user and payer through its control API;
``RemoteDriver`` is tests/support/driver.py's ``Driver`` logging in and paying through it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.support.driver import Driver, eventually, prepay_id
from tests.support.server import ADMIN, Csms

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    env.update(CSMS_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), CSMS_LOG_LEVEL="INFO")
    return env


class _Process:
    """One ``python -m api.cli ...`` child, its output in ``log``."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log = args, env, log
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def spawn(self) -> None:
        self.starts += 1
        with open(self.log, "ab") as out:       # noqa: ASYNC230 (a local file, before the child starts)
            out.write(f"\n===== start {self.starts} =====\n".encode())
            out.flush()
            self.proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "api.cli", *self.args, env=self.env,
                                                             cwd=ROOT, stdout=out, stderr=out)

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:]) if self.log.exists() else ""

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def wait_ready(self, url: str, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while True:
                if not self.alive:
                    raise AssertionError(f"{self.args[0]} exited ({self.proc.returncode}):\n{self.tail()}")
                try:
                    async with http.get(url) as resp:
                        if resp.status < 500:
                            return
                except (aiohttp.ClientError, OSError, TimeoutError):
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"{self.args[0]} not ready in {timeout} s:\n{self.tail()}")
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (the test is the power cut)."""
        if self.alive:
            self.proc.send_signal(signal.SIGKILL)

    async def wait_exit(self, timeout: float = 20.0) -> int | None:
        if self.proc is None:
            return None
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()

    async def terminate(self, timeout: float = 20.0) -> int | None:
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
        return await self.wait_exit(timeout)

    def pause(self) -> None:
        """SIGSTOP: the process holds its sockets and answers nothing (a hung service)."""
        if self.alive:
            self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGCONT)


class EmulatorProcess(_Process):
    """``csms wechat-emulator`` on a fixed free port; keys and state in DATA_DIR/wechat-emulator."""

    def __init__(self, data_dir: Path, log: Path, retry_delays: str = "0.3,0.5,1,1,2,2,3,3,5,5"):
        self.port = free_port()
        super().__init__(["wechat-emulator", "--port", str(self.port), "--retry-delays", retry_delays],
                         base_env(data_dir), log)
        self.url = f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        await self.spawn()
        await self.wait_ready(f"{self.url}/emulator/identity")

    async def control(self, method: str, path: str, json=None):
        async with (aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
                    http.request(method, f"{self.url}/emulator/{path}", json=json) as resp):
            body = await resp.json(content_type=None) if resp.status != 204 else None
            assert resp.status < 300, (resp.status, body)
            return body

    async def login_code(self, user: str) -> dict:
        return await self.control("POST", "login-code", {"user": user})

    async def pay(self, prepay: str, result: str = "SUCCESS") -> dict:
        return await self.control("POST", f"pay/{prepay}", {"result": result})

    async def notifications(self) -> list[dict]:
        return await self.control("GET", "notifications")

    async def transactions(self) -> list[dict]:
        return await self.control("GET", "transactions")

    async def delay(self, seconds: float) -> None:
        await self.control("POST", "delay", {"seconds": seconds})


class CsmsProcess(Csms):
    """``csms serve`` as a child process on a file database (or ``db_url``), WeChat at ``emulator``."""

    def __init__(self, tmp_path: Path, emulator: EmulatorProcess | None = None, db_url: str | None = None,
                 **settings: str):
        self.ocpp_port, self.api_port = free_port(), free_port()
        self.db_file = tmp_path / "csms.db"
        self.db_url = db_url or f"sqlite+aiosqlite:///{self.db_file}"
        env = base_env(tmp_path / "var")
        env.update({
            "CSMS_DATABASE_URL": self.db_url,
            "CSMS_OCPP_HOST": "127.0.0.1", "CSMS_OCPP_PORT": str(self.ocpp_port),
            "CSMS_API_HOST": "127.0.0.1", "CSMS_API_PORT": str(self.api_port),
            "CSMS_ADMIN_USERNAME": ADMIN[0], "CSMS_ADMIN_PASSWORD": ADMIN[1],
            "CSMS_JWT_SECRET": "test-secret-" + "x" * 32, "CSMS_OCPP_CALL_TIMEOUT": "5",
            "CSMS_WECHAT_EMULATOR_PORT": "0", "CSMS_SMS_EMULATOR_PORT": "0",
            **settings,
        })
        if emulator is not None:
            env["CSMS_DATA_DIR"] = emulator.env["CSMS_DATA_DIR"]       # the emulator's keys
            env["CSMS_WECHAT_EMULATOR_URL"] = emulator.url
        self.process = _Process(["serve"], env, tmp_path / "csms.log")
        self.http = None
        self.token = ""

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.ocpp_port}/ocpp"

    @property
    def container(self):
        raise AttributeError("a CsmsProcess has no container: it runs in another process")

    async def start(self) -> None:
        await self.process.spawn()
        await self.process.wait_ready(f"{self.api_url}/readyz", timeout=60)
        if self.http is None:
            self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        async with self.http.post(self.api_url + "/api/v1/auth/login",
                                  json={"username": ADMIN[0], "password": ADMIN[1]}) as resp:
            self.token = (await resp.json())["access_token"]

    async def kill(self) -> None:
        self.process.kill()
        await self.process.wait_exit()

    async def restart(self) -> None:
        await self.kill()
        await self.start()

    async def close(self) -> None:
        """SIGTERM (a clean stop); ``start()`` again afterwards is a normal restart."""
        await self.process.terminate()
        if self.http is not None:
            await self.http.close()
            self.http = None


class RemoteDriver(Driver):
    """A driver whose WeChat is the emulator process (``Driver`` uses the in-process one)."""

    def __init__(self, csms: CsmsProcess, emulator: EmulatorProcess, user: str):
        super().__init__(csms, user)
        self.remote = emulator

    async def login(self, **profile) -> dict:
        code = (await self.remote.login_code(self.user))["code"]
        status, body = await self.csms.post("/api/v1/driver/auth/wx-login", {"code": code, **profile}, token=None)
        assert status == 200, body
        self.tokens = body
        return body

    async def pay_topup(self, amount_fen: int) -> dict:
        """Ask for a top-up and pay it at WeChat; returns the payment (not waiting for the credit)."""
        status, payment = await self.post("/api/v1/driver/wallet/topups", {"amount_fen": amount_fen}, signed=True)
        assert status == 201, payment
        await self.remote.pay(prepay_id(payment["pay_params"]))
        return payment

    async def topup(self, amount_fen: int, timeout: float = 20.0) -> dict:
        payment = await self.pay_topup(amount_fen)

        async def paid():
            _, p = await self.get(f"/api/v1/driver/payments/{payment['id']}")
            return p if p["state"] == "paid" else None
        return await eventually(paid, timeout, f"top-up {payment['id']} paid")
