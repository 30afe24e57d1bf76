"""Shared by bench/capacity.py, steady.py, storm.py and durability.py: start a server (the CSMS, the
bare websockets floor, the `ocpp`-library build) pinned to one core, run bench/loadgen.py processes
pinned to the other, one measurement window for all, read the server's CPU and memory from /proc,
print a table with ratios."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import cpu_seconds, free_port, pinned, register, rss_kib, wait_ready  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SERVERS = ("csms", "bare", "ocpp-lib")
LABEL = {"csms": "csms (validation, message log, SQLite)", "bare": "bare websockets, canned",
         "ocpp-lib": "ocpp library defaults, canned"}


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    return f"{os.cpu_count()} cores ({model}), Python {sys.version.split()[0]}"


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


@dataclass
class Server:
    kind: str
    core: int | None
    tmp: Path
    env: dict
    proc: subprocess.Popen | None = None
    log: Path = field(init=False)
    failed_starts: int = 0

    def __post_init__(self) -> None:
        self.log = self.tmp / f"{self.kind}.log"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.env['CSMS_OCPP_PORT']}/ocpp"

    def start(self, attempts: int = 3) -> float:
        """Start (or restart) the server; returns when it is ready, the epoch time it was spawned. A
        start that fails is retried (as a supervisor would), its log tail printed and counted."""
        for attempt in range(attempts):
            try:
                return self._start_once()
            except SystemExit as exc:
                self.failed_starts += 1
                tail = self.log.read_text(errors="replace").splitlines()[-15:] if self.log.exists() else []
                print(f"[{self.kind} start failed ({exc}); log tail:]\n" + "\n".join(tail), file=sys.stderr)
                self.kill()
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> float:
        cmd = {"csms": [sys.executable, "-m", "api.cli", "serve"],
               "bare": [sys.executable, str(BENCH / "bare_server.py")],
               "ocpp-lib": [sys.executable, str(BENCH / "ocpp_lib_server.py")]}[self.kind]
        spawned = time.time()
        self.proc = subprocess.Popen([*pinned(self.core), *cmd], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "a"))
        if self.kind == "csms":
            wait_ready(f"http://127.0.0.1:{self.env['CSMS_API_PORT']}/readyz", self.proc, timeout=120)
        else:
            wait_port(int(self.env["CSMS_OCPP_PORT"]), self.proc)
        return spawned

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def rss_mib(self) -> float:
        return rss_kib(self.proc.pid) / 1024


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("server did not listen")


def make_server(kind: str, count: int, core: int | None, *, password_hash: str | None = None,
                extra_env: dict | None = None) -> Server:
    tmp = Path(tempfile.mkdtemp(prefix=f"csms-bench-{kind}-"))
    env = {
        **os.environ,
        "CSMS_DATA_DIR": str(tmp / "var"),
        "CSMS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        "CSMS_OCPP_HOST": "127.0.0.1", "CSMS_OCPP_PORT": str(free_port()),
        "CSMS_API_HOST": "127.0.0.1", "CSMS_API_PORT": str(free_port()),
        "CSMS_OCPP_AUTO_REGISTER": "false", "CSMS_OCPP_HEARTBEAT_INTERVAL": "3600",
        "CSMS_OCPP_PING_INTERVAL": "0",
        "CSMS_WECHAT_EMULATOR_PORT": "0", "CSMS_SMS_EMULATOR_PORT": "0",   # no fixed port to collide on
        "CSMS_LOG_LEVEL": "WARNING", "CSMS_LOG_ACCESS": "false",
        "CSMS_JWT_SECRET": "bench-secret-" + "x" * 32,
        **(extra_env or {}),
    }
    if kind == "csms":
        register(env, count, "BENCH-", password_hash=password_hash, width=6)
    return Server(kind, core, tmp, env)


class Load:
    """``procs`` bench/loadgen.py processes on ``core``, the chargers split between them."""

    def __init__(self, server: Server, count: int, procs: int, core: int | None, *args: str):
        self.procs = []
        share = -(-count // procs)
        for i in range(procs):
            first, n = 1 + i * share, min(share, count - i * share)
            if n <= 0:
                break
            cmd = [*pinned(core), sys.executable, str(BENCH / "loadgen.py"), "--url", server.url,
                   "--count", str(n), "--first", str(first), *args]
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               text=True, bufsize=1))

    def ready(self, timeout: float) -> int:
        """Waits for every process's READY line; the chargers ready in all."""
        total = 0
        deadline = time.monotonic() + timeout
        for p in self.procs:
            line = ""
            while not line.startswith("READY"):
                if time.monotonic() > deadline:
                    raise SystemExit("the load generator did not get ready in time")
                line = p.stdout.readline()
                if not line and p.poll() is not None:
                    raise SystemExit("a load generator exited early")
            total += int(line.split()[1])
        return total

    def wait_line(self, word: str, timeout: float) -> bool:
        """Waits until every process printed ``word`` (True), or the timeout (False)."""
        import select
        deadline = time.monotonic() + timeout
        for p in self.procs:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
                    return False
                if p.stdout.readline().strip() == word:
                    break
        return True

    def say(self, word: str) -> None:
        for p in self.procs:
            p.stdin.write(word + "\n")
            p.stdin.flush()

    def results(self) -> dict:
        self.say("stop")
        out = [json.loads(p.stdout.readline()) for p in self.procs]
        for p in self.procs:
            p.wait(30)
        lat = sorted(x for o in out for x in o["latencies_sample"])
        errors: dict[str, int] = {}
        for o in out:
            for k, v in o["errors"].items():
                errors[k] = errors.get(k, 0) + v
        pct = (lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 2) if lat else None)
        return {"ready": sum(o["ready"] for o in out), "calls": sum(o["calls"] for o in out),
                "window_s": max(o["window_s"] for o in out), "p50_ms": pct(0.5), "p99_ms": pct(0.99),
                "max_ms": max((o["max_ms"] or 0) for o in out), "errors": errors,
                "back": sum(o["back"] for o in out),
                "last_back": max((o["last_back"] or 0) for o in out) or None,
                "acked": sum(o["acked"] for o in out), "client_cpu_s": sum(o["client_cpu_s"] for o in out)}

    def kill(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()


def cleanup(server: Server, keep: bool = False) -> None:
    server.kill(signal.SIGTERM)
    if not keep:
        shutil.rmtree(server.tmp, ignore_errors=True)


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    head = "| " + " | ".join(title for title, _ in columns) + " |"
    sep = "| " + " | ".join("---" for _ in columns) + " |"
    body = ["| " + " | ".join(str(r.get(key, "")) for _, key in columns) + " |" for r in rows]
    return "\n".join([head, sep, *body])


def ratios(rows: list[dict], key: str, better: str = "higher") -> str:
    by = {r["server"]: r.get(key) for r in rows}
    base = by.get("csms")
    out = []
    for kind in ("bare", "ocpp-lib"):
        other = by.get(kind)
        if base and other:
            out.append(f"csms/{kind} {key}: {base / other:.2f}x")
    return "; ".join(out)


def header(title: str, args) -> None:
    print(f"# {title}\n")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {machine()}; "
          f"load average before: {load_average()}")
    print(f"server on core {args.server_core}, load generator ({args.procs} process(es)) on core {args.client_core}\n")


def common_args(ap) -> None:
    ap.add_argument("--servers", default=",".join(SERVERS), help="comma-separated: csms,bare,ocpp-lib")
    ap.add_argument("--procs", type=int, default=2, help="load generator processes")
    ap.add_argument("--server-core", type=int, default=0)
    ap.add_argument("--client-core", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--csms-env", action="append", default=[], metavar="KEY=VALUE",
                    help="a setting of the CSMS, e.g. CSMS_OCPP_MESSAGE_LOG=off (repeatable)")


def csms_env(args) -> dict:
    return dict(item.split("=", 1) for item in args.csms_env)
