"""ferry sync under injected faults: a small corpus (about 2.3 MB: corpus/alpine, dockerlist,
single) is synced from src to dst through two fault proxies (one in front of each registry) at
three fault rates. Every run must leave the target sound (no manifest names a missing blob or
child), a failed run may be repeated (at most MAX_RUNS in all), the last run must succeed with
the source digests, and across the suite every fault kind must have been injected at least once
(so a proxy that injects nothing fails the suite). Per-kind counts are printed. A second test
cuts blob downloads mid-body and wants one run to succeed by resuming with Range requests."""
import collections
import json
import os
import unittest

import fault_proxy
import ferrytest as ft
import integrity

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
REPOS = ("corpus/alpine", "corpus/dockerlist", "corpus/single")
RATES = ((0.05, 11), (0.15, 23), (0.25, 37))  # (fault rate, seed)
MAX_RUNS = 5
STALL_SECONDS = 1  # ferry's stall limit in these tests (FERRY_HTTP_STALL_SECONDS)
FERRY_ENV = {"FERRY_HTTP_STALL_SECONDS": str(STALL_SECONDS)}


def sync_plan(src_host: str, dst_host: str, prefix: str) -> str:
    entries = "".join(f"""
  - name: {repo.split('/')[-1]}
    source: {src_host}/{repo}
    target: {dst_host}/{prefix}/{repo.split('/')[-1]}""" for repo in REPOS)
    return ft.plan_text(entries.lstrip("\n") + "\n",
                        "defaults: {jobs: 8, retries: 4}\n" + ft.plain_registries(src_host, dst_host))


def source_digests() -> dict:
    """{'<short repo>:<tag>': digest} of the corpus images, read directly from src."""
    walk = integrity.check_repositories(SRC.host, REPOS)
    return {key.split("/", 1)[1]: digest for key, digest in walk.tags.items()}


class FaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        ft.corpus("src")
        cls.want = source_digests()
        cls.totals = collections.Counter()
        cls.ran = set()

    @classmethod
    def tearDownClass(cls):
        print("\nfaults injected per kind (whole suite, every proxy): "
              + ", ".join(f"{k}={cls.totals.get(k, 0)}" for k in fault_proxy.KINDS))
        if cls.ran == {"rates", "resume"}:  # the full suite ran: every kind must have occurred
            missing = [k for k in fault_proxy.KINDS if not cls.totals.get(k)]
            if missing:
                raise AssertionError(f"fault kinds never injected: {missing}")

    def setUp(self):
        self.dir = ft.temp_dir()

    def assert_sound(self, prefix: str, when: str) -> integrity.Walk:
        walk = integrity.check_repositories(DST.host, [f"{prefix}/{r.split('/')[-1]}" for r in REPOS])
        self.assertEqual(walk.problems, [], f"target unsound {when}")
        return walk

    def sync_until_converged(self, proxies, prefix: str, max_runs=MAX_RUNS) -> int:
        """Runs ferry sync through the proxies until a run succeeds; returns the run count."""
        plan = self.dir / f"plan-{os.urandom(3).hex()}.yaml"
        plan.write_text(sync_plan(proxies[0].host, proxies[1].host, prefix))
        for run in range(1, max_runs + 1):
            report = self.dir / f"report-{run}.json"
            rc, out, err = ft.run_ferry("sync", "-c", plan, "--report", report, env=FERRY_ENV, timeout=300)
            self.assert_sound(prefix, f"after run {run} (exit {rc})")
            if rc == 0:
                self.assertEqual(json.loads(report.read_text())["summary"]["failed"], 0)
                return run
            errors = [l for l in err.splitlines() if " error " in l] or err.strip().splitlines()[-1:]
            print(f"\n  run {run} exited {rc}; first error: {errors[0][-300:] if errors else ''}")
        self.fail(f"ferry sync did not converge in {max_runs} run(s):\n{err}")

    def test_sync_converges_with_source_digests_at_every_fault_rate(self):
        self.ran.add("rates")
        for rate, seed in RATES:
            with self.subTest(rate=rate):
                prefix = ft.unique_repo("tfault")
                proxies = [fault_proxy.FaultProxy(SRC.host, rate, seed, stall_seconds=STALL_SECONDS * 3),
                           fault_proxy.FaultProxy(DST.host, rate, seed + 1, stall_seconds=STALL_SECONDS * 3)]
                for p in proxies:
                    p.start()
                try:
                    runs = self.sync_until_converged(proxies, prefix)
                finally:
                    for p in proxies:
                        p.stop()
                for p in proxies:
                    self.totals.update(p.fault_counts())
                    print(f"\n  rate {rate}: {p.summary()}")
                print(f"  rate {rate}: converged after {runs} run(s)")
                walk = self.assert_sound(prefix, "after convergence")
                got = {key.split("/", 2)[2]: digest for key, digest in walk.tags.items()}
                self.assertEqual(got, self.want, "target tags and digests equal the source's")
                for key, digest in list(self.want.items())[:3]:  # skopeo as a second referee
                    self.assertEqual(ft.skopeo_digest(f"{DST.host}/{prefix}/{key}"), digest, key)
        self.assertGreater(sum(self.totals.values()), 0, "the proxies injected nothing")

    def test_blob_downloads_cut_mid_body_resume_with_range_requests(self):
        """A third of the blob GETs break after half their body (reset, clean close, or a wrong
        Content-Length): one run must still succeed, resuming with Range requests rather than
        replaying the bytes."""
        self.ran.add("resume")
        prefix = ft.unique_repo("tfault")
        kinds = ("reset_mid_body", "truncated_body", "wrong_content_length")
        proxies = [fault_proxy.FaultProxy(SRC.host, 0.35, 5, kinds=kinds, only=r"/blobs/sha256:"),
                   fault_proxy.FaultProxy(DST.host)]
        for p in proxies:
            p.start()
        try:
            self.assertEqual(self.sync_until_converged(proxies, prefix, max_runs=1), 1)
        finally:
            for p in proxies:
                p.stop()
        self.totals.update(proxies[0].fault_counts())
        print(f"\n  {proxies[0].summary()}; {proxies[0].range_requests} Range requests")
        self.assertGreater(sum(proxies[0].fault_counts().values()), 0)
        self.assertGreater(proxies[0].range_requests, 0, "no download was resumed")
        walk = self.assert_sound(prefix, "after the run")
        self.assertEqual({k.split("/", 2)[2]: d for k, d in walk.tags.items()}, self.want)


if __name__ == "__main__":
    unittest.main()
