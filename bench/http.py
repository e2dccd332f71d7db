"""HTTP mode: gunicorn with several workers on 127.0.0.1, driven by wrk (Debian's ``wrk``).

Each run is bounded (``seconds``) and sends traffic to the loopback address only. Reports
requests per second, errors (socket errors and non-2xx answers), latency percentiles, and the
peak resident memory of every gunicorn worker (``VmHWM`` in ``/proc/<pid>/status``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# Cycles through the first 20 pages of a list (wrk's Lua hook), so not one page is measured.
PAGES_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "%(path)s" .. (counter %% 20 + 1))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.M):
            found.append(int(status.parent.name))
    return found


def _peak_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def _wait_ready(port: int, token: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/claims/?brief=1&page_size=1",
        headers={"Authorization": f"Token {token}"},
    )
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer in time")


def _parse(output: str) -> dict[str, object]:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = sum(int(value) for value in socket_errors.groups()) if socket_errors else 0
    errors += int(number(r"Non-2xx or 3xx responses: (\d+)"))
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    return {
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in")),
        "errors": errors,
        "p50": latency.get("50"),
        "p90": latency.get("90"),
        "p99": latency.get("99"),
    }


def run(
    database_url: str, seconds: int, workers: int, connections: int, token: str
) -> dict[str, object]:
    """Start gunicorn, run wrk against the list and the detail, stop gunicorn."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("HTTP mode needs wrk: apt-get install -y wrk")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    runs: dict[str, dict] = {}
    peaks: dict[int, int] = {}
    try:
        _wait_ready(port, token)
        from claims.models import Claim

        detail_id = (
            Claim.objects.filter(marking="clear")
            .order_by("-pk")
            .values_list("pk", flat=True)[:1][0]
        )
        targets = {
            "list": "/api/claims/?page=",
            "list_brief": "/api/claims/?brief=1&page=",
            "detail": f"/api/claims/{detail_id}/?n=",
        }
        for name, path in targets.items():
            # Sync workers finish requests queued by the previous run (wrk only stops
            # sending): wait until a request is answered, so each run starts idle.
            _wait_ready(port, token, timeout=180)
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(PAGES_LUA % {"path": path})
            command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "20s"]
            command += ["--latency", "-s", script.name, "-H", f"Authorization: Token {token}"]
            command.append(f"http://{HOST}:{port}")
            print(f"  wrk {name}: {connections} connections for {seconds} s …", flush=True)
            finished = subprocess.run(
                command, capture_output=True, text=True, timeout=seconds + 60, check=False
            )
            os.unlink(script.name)
            if "Requests/sec" not in finished.stdout:
                raise RuntimeError(f"wrk failed: {finished.stdout} {finished.stderr}")
            runs[name] = _parse(finished.stdout)
            for pid in _children(server.pid):
                peaks[pid] = max(peaks.get(pid, 0), _peak_kb(pid))
            print(
                f"  HTTP {name}: {runs[name]['requests_per_second']:,.1f} req/s,"
                f" {runs[name]['errors']} errors, p50 {runs[name]['p50']}",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "runs": runs,
        "worker_peak_rss_mb": sorted(round(kb / 1024, 1) for kb in peaks.values()),
    }
