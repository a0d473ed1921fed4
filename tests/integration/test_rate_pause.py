"""A 429 pauses the whole host, not just the request that got it (COMPATIBILITY.md,
ARCHITECTURE.md "Host health"). The source is a scripted registry (synthetic_registry.py) that
answers the first manifest request of the run with `429 Too Many Requests` and
`Retry-After: 2`, without RateLimit-* headers: the quota is not spent, so ferry must wait and
go on. Registries answer throttling this way (docker/docs#11648: Docker Hub's 429
TOOMANYREQUESTS; GHCR and GitLab send Retry-After on 429, RFC 9110 §10.2.3). While the pause
lasts no request of any worker reaches that host; afterwards the run completes into the real
target registry with every image.

The window checked is [the 429 + 0.5 s, the 429 + 1.7 s]: requests already on the wire when
the 429 was answered may arrive just after it; a per-request pause would let the other
workers go on sending through the whole window."""
import json
import threading
import time
import unittest

import ferrytest as ft
from synthetic_registry import SyntheticRegistry

DST = ft.REGISTRIES["dst"]
EXIT = ft.EXIT
REPOS, TAGS = 16, 8
SLOW = 0.05  # every manifest answer takes 50 ms, so the other workers are busy through the pause
RETRY_AFTER = 2


class RatePauseTest(unittest.TestCase):
    def setUp(self):
        ft.ensure_registries("dst")
        self.src = SyntheticRegistry(REPOS, TAGS).__enter__()
        self.addCleanup(self.src.__exit__)
        self.throttled_at = None
        lock = threading.Lock()

        def throttle_first_manifest(handler, method, path):
            if "/manifests/" not in path:
                return False
            with lock:
                first = self.throttled_at is None
                if first:
                    self.throttled_at = time.monotonic()
            if not first:
                time.sleep(SLOW)
                return False
            handler.send(429, {"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]},
                         {"Retry-After": str(RETRY_AFTER)})
            return True

        self.src.intercept = throttle_first_manifest

    def test_a_429_with_quota_left_pauses_every_request_to_that_host(self):
        prefix = ft.unique_repo("pause")
        plan = ft.write_plan(ft.temp_dir() / "plan.yaml", f"""  - name: synth
    source: {self.src.host}/synth/*
    target: {DST.host}/{prefix}/
""", ft.plain_registries(self.src.host, DST.host) + "defaults: {referrers: none, jobs: 4}\n")
        report = ft.temp_dir() / "report.json"
        rc, out, err = ft.run_ferry("sync", "-c", plan, "--report", report, timeout=120)
        self.assertEqual(rc, EXIT.OK, err)
        self.assertEqual(json.loads(report.read_text())["summary"]["new"], REPOS * TAGS)
        self.assertEqual(len(ft.list_tags(f"http://{DST.host}", f"{prefix}/synth/r0000")), TAGS)

        self.assertIsNotNone(self.throttled_at, "the source throttled a manifest request")
        t0 = self.throttled_at
        during = [(round(t - t0, 3), m, p) for t, m, p in self.src.arrivals if t0 + 0.5 <= t <= t0 + RETRY_AFTER - 0.3]
        after = [a for a in self.src.arrivals if a[0] >= t0 + RETRY_AFTER - 0.3]
        self.assertEqual(during, [], "no request reaches a paused host")
        self.assertTrue(any("/manifests/" in p for _, _, p in after), "the run went on after the pause")


if __name__ == "__main__":
    unittest.main()
