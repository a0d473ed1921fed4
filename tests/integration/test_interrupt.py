"""A stop signal ends a run quickly even while a host makes ferry wait (issue 18): a source that
answers every manifest request with 429 and a long Retry-After pauses the whole host, and
SIGINT must still end `ferry sync` within a second or so, exit 130, and report the images as
interrupted, not failed. The same holds for `ferry cron` (issue 25): its stop reaches the waits
of the HTTP layer (a 429 pause, a retry back-off after a 503 with Retry-After)."""
import json
import signal
import subprocess
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import ferrytest as ft
from listener_pair import QuietServer
from support import EXIT, write_plan

RETRY_AFTER_SECONDS = 40  # below ferry's max_pause (60 s): the host is paused, not given up on
STOP_BOUND_SECONDS = 3.0  # the issue asks for 1 s; a generous margin for a loaded machine
TAGS = [f"v{i}" for i in range(6)]


class RateLimitedRegistry:
    """A registry that lists tags but answers every manifest HEAD/GET with 429 Too Many Requests
    and `Retry-After: 40` (delta-seconds, RFC 9110 §10.2.3). GHCR and Docker Hub answer
    throttled pulls this way (docker/docs#11648: 429 TOOMANYREQUESTS; GitHub's REST docs on
    secondary rate limits: wait the retry-after seconds). With status=503 it answers as a
    registry in maintenance does (RFC 9110 §15.6.4: 503 with Retry-After), which ferry meets
    with a per-request retry back-off instead of a host-wide pause."""

    def __init__(self, status=429):
        self.throttled = threading.Event()  # set at the first 429
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self):
                if self.path.rstrip("/") == "/v2":
                    return self.answer(200, b"{}", [("Content-Type", "application/json")])
                if self.path.startswith("/v2/app/tags/list"):
                    body = json.dumps({"name": "app", "tags": TAGS}).encode()
                    return self.answer(200, body, [("Content-Type", "application/json")])
                if "/manifests/" in self.path:
                    registry.throttled.set()
                    body = json.dumps({"errors": [{"code": "TOOMANYREQUESTS",
                                                   "message": "You have reached your pull rate limit."}]}).encode()
                    return self.answer(status, body, [("Content-Type", "application/json"),
                                                   ("Retry-After", str(RETRY_AFTER_SECONDS))])
                return self.answer(404, b'{"errors":[{"code":"NOT_FOUND"}]}')

            do_HEAD = do_GET

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def stop_while_waiting(test, proc, source, sig, what):
    """Once `source` answered its first manifest request with its status and ferry waits, sends
    `sig` and returns (seconds until exit, stdout, stderr); fails when ferry outlives 30 s."""
    test.assertTrue(source.throttled.wait(30), f"{what} never asked the source for a manifest")
    time.sleep(1.0)  # let the wait take hold: workers now wait on the paused host or in a retry back-off
    test.assertIsNone(proc.poll(), f"{what} ended before the signal")
    signalled = time.monotonic()
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        test.fail(f"{what} did not stop within 30 s of {signal.Signals(sig).name}:\n" + err.decode())
    return time.monotonic() - signalled, (out or b"").decode("utf-8", "replace"), err.decode("utf-8", "replace")


class InterruptTest(unittest.TestCase):
    def setUp(self):
        self.source = RateLimitedRegistry()
        self.addCleanup(self.source.close)
        self.dir = ft.temp_dir()

    def test_sigint_ends_a_rate_limited_sync_within_the_bound(self):
        dst = ft.REGISTRIES["dst"]
        plan = write_plan(Path(self.dir) / "plan.yaml", f"""\
  - name: throttled
    source: {self.source.host}/app
    target: {dst.host}/{ft.unique_repo('interrupt')}/app
""", registries=f"""registries:
  "{self.source.host}": {{tls: disabled}}
  "{dst.host}": {{tls: disabled}}
""")
        report = Path(self.dir) / "report.json"
        proc = subprocess.Popen([str(ft.FERRY_BIN), "sync", "-c", str(plan), "--report", str(report)],
                                env=ft.base_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        took, out, err = stop_while_waiting(self, proc, self.source, signal.SIGINT, "ferry sync")
        self.assertEqual(proc.returncode, EXIT.INTERRUPTED, out + err)
        self.assertLess(took, STOP_BOUND_SECONDS, f"stopped {took:.2f} s after SIGINT\n{err}")
        summary = json.loads(report.read_text())["summary"]
        self.assertEqual(summary["interrupted"], len(TAGS), summary)
        self.assertEqual(summary["failed"], 0, summary)
        self.assertIn(f"{len(TAGS)} interrupted", out, err)
        # One line on stderr for the interrupted images, not one per image (issue 27).
        told = [l for l in err.splitlines() if "interrupted" in l]
        self.assertEqual(len(told), 1, err)
        self.assertIn(f"interrupted: {len(TAGS)} images not finished", told[0])


class CronInterruptTest(unittest.TestCase):
    """SIGTERM to `ferry cron` while its scheduled run waits on the source (issue 25)."""

    def run_and_stop(self, status):
        source = RateLimitedRegistry(status)
        self.addCleanup(source.close)
        work = ft.temp_dir()
        dst = ft.REGISTRIES["dst"]
        plan = write_plan(Path(work) / "plan.yaml", f"""\
  - name: throttled
    source: {source.host}/app
    target: {dst.host}/{ft.unique_repo('cron-interrupt')}/app
""", registries=f"""registries:
  "{source.host}": {{tls: disabled}}
  "{dst.host}": {{tls: disabled}}
""", tail="""schedule:
  - name: mirror
    cron: "0 0 1 1 *"
    run_at_start: true
""")
        proc = subprocess.Popen([str(ft.FERRY_BIN), "cron", "-c", str(plan), "--listen", f"127.0.0.1:{ft.free_port()}"],
                                env=ft.base_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        took, _, err = stop_while_waiting(self, proc, source, signal.SIGTERM, f"ferry cron (source answering {status})")
        self.assertEqual(proc.returncode, 0, err)
        self.assertLess(took, STOP_BOUND_SECONDS, f"stopped {took:.2f} s after SIGTERM\n{err}")
        print(f"\nferry cron stopped {took:.3f} s after SIGTERM during a {status} wait")
        self.assertRegex(err, rf"mirror: cancelled in [0-9.]+ s: {len(TAGS)} image\(s\): 0 new, 0 changed, "
                              rf"0 unchanged, 0 failed, {len(TAGS)} interrupted")

    def test_sigterm_during_a_429_pause_ends_cron_within_the_bound(self):
        self.run_and_stop(429)

    def test_sigterm_during_a_retry_backoff_ends_cron_within_the_bound(self):
        self.run_and_stop(503)


if __name__ == "__main__":
    unittest.main()
