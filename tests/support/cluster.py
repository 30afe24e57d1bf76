"""CSMS roles as separate processes (``python -m api.cli serve --role ROLE``) on one database, Redis and
RabbitMQ: what the multi-node test and bench/multinode.py start. Free ports, logs in the work
directory, SIGKILL as well as a clean stop."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ADMIN = ("admin", "admin-password-1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(workdir: Path, db_url: str, redis_url: str, amqp_url: str, prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    env.update({
        "CSMS_DATA_DIR": str(workdir / "var"), "CSMS_DATABASE_URL": db_url, "CSMS_REDIS_URL": redis_url,
        "CSMS_AMQP_URL": amqp_url, "CSMS_AMQP_PREFIX": prefix, "CSMS_AMQP_BATCH_INTERVAL": "0.1",
        "CSMS_OCPP_HOST": "127.0.0.1", "CSMS_API_HOST": "127.0.0.1",
        "CSMS_ADMIN_USERNAME": ADMIN[0], "CSMS_ADMIN_PASSWORD": ADMIN[1],
        "CSMS_JWT_SECRET": "test-secret-" + "x" * 32, "CSMS_OCPP_CALL_TIMEOUT": "5",
        "CSMS_OCPP_FLUSH_INTERVAL": "0.05", "CSMS_OCPP_AUTO_REGISTER": "false",
        "CSMS_WECHAT_EMULATOR_PORT": "0", "CSMS_SMS_EMULATOR_PORT": "0",
        "CSMS_CLUSTER_PRESENCE_TTL": "3", "CSMS_CLUSTER_SCHEDULER_LOCK_TTL": "3",
        "CSMS_LOG_ACCESS": "false", "PYTHONUNBUFFERED": "1",
        # what one node would generate into its data directory, given to all (each has its own directory)
        "CSMS_DRIVER_PII_KEY": base64.b64encode(b"k" * 32).decode(), "CSMS_NOTIFY_WEBHOOK_SECRET": "w" * 32,
    })
    return env


@dataclass
class Node:
    role: str
    name: str
    env: dict[str, str]
    workdir: Path
    ocpp_port: int | None = None
    api_port: int | None = None
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.ocpp_port}/ocpp"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self) -> None:
        env = {**self.env, "CSMS_CLUSTER_NODE_ID": self.name, "CSMS_DATA_DIR": str(self.workdir / self.name),
               "CSMS_OCPP_PORT": str(self.ocpp_port or 0), "CSMS_API_PORT": str(self.api_port or 0)}
        log = open(self.workdir / f"{self.name}.log", "ab")       # noqa: SIM115 (the process keeps it)
        self.proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--role", self.role],
                                     env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(Path(__file__).parents[2]))

    async def ready(self, timeout: float = 150.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}: {self.log_tail()}")
            if await asyncio.to_thread(self._listening):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{self.name} not ready in {timeout} s: {self.log_tail()}")
            await asyncio.sleep(0.2)

    def _listening(self) -> bool:
        if self.api_port:
            try:
                with urllib.request.urlopen(self.api_url + "/readyz", timeout=1) as resp:
                    return resp.status == 200
            except OSError:
                return False
        if self.ocpp_port:
            try:
                with socket.create_connection(("127.0.0.1", self.ocpp_port), timeout=0.5):
                    return True
            except OSError:
                return False
        return "scheduler lock" in self.log_tail() or "ingest" in self.role or self.role in ("worker", "scheduler")

    def log_tail(self, n: int = 3000) -> str:
        path = self.workdir / f"{self.name}.log"
        return path.read_text(errors="replace")[-n:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up at all (what a crash or the OOM killer does)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "api.cli", "db", "upgrade"], env=env, check=True, capture_output=True,
                   cwd=str(Path(__file__).parents[2]), timeout=180)
