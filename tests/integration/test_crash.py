"""Crash safety: ferry is killed with SIGKILL at seeded random points of `ferry sync`,
`ferry export` (directory and .tar) and `ferry import`, each point being a byte count seen by a
proxy (fault_proxy with no faults) between ferry and the registry it talks to. After every kill
the target must be sound (a registry repository names no missing blob or child manifest; a
bundle is absent or a complete OCI layout), and a rerun must succeed with the source digests.

A first, uninterrupted run of each command measures its traffic; kill points are drawn from
that range with random.Random(SEED)."""
import json
import os
import random
import signal
import subprocess
import tarfile
import time
import unittest

import fault_proxy
import ferrytest as ft
import integrity

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
REPOS = ("corpus/alpine", "corpus/dockerlist", "corpus/single")
SEED = 20261128
KILLS = {"sync": 8, "export": 7, "import": 7}


def plan_text(src_host: str, dst_host: str, prefix: str) -> str:
    entries = "".join(f"""
  - name: {repo.split('/')[-1]}
    source: {src_host}/{repo}
    target: {dst_host}/{prefix}/{repo.split('/')[-1]}""" for repo in REPOS)
    return ft.plan_text(entries.lstrip("\n") + "\n", "defaults: {jobs: 4}\n" + ft.plain_registries(src_host, dst_host))


def run_killed_at(args, proxy: fault_proxy.FaultProxy, at: int) -> bool:
    """Starts ferry ARGS and SIGKILLs it once the proxy has seen `at` bytes; True when the kill
    hit a running process (False: ferry finished first)."""
    proc = subprocess.Popen([str(ft.FERRY_BIN), *map(str, args)], env=ft.base_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = proxy.bytes_seen
    try:
        while proc.poll() is None:
            if proxy.wait_for_bytes(start + at, timeout=0.05):
                os.kill(proc.pid, signal.SIGKILL)
                return proc.wait(timeout=30) == -signal.SIGKILL
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


class CrashTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        ft.corpus("src")
        walk = integrity.check_repositories(SRC.host, REPOS)
        cls.want = {key.split("/", 1)[1]: digest for key, digest in walk.tags.items()}
        cls.rng = random.Random(SEED)
        cls.kills = {}

    @classmethod
    def tearDownClass(cls):
        print(f"\nkill points that hit a running ferry: {cls.kills} (total {sum(cls.kills.values())})")

    def setUp(self):
        self.dir = ft.temp_dir()

    # ------------------------------------------------------------------ helpers

    def ferry(self, *args):
        rc, out, err = ft.run_ferry(*args, timeout=300)
        self.assertEqual(rc, 0, f"ferry {' '.join(map(str, args))} exited {rc}:\n{out}\n{err}")
        return out

    def assert_registry(self, repos: dict, complete: bool, when: str):
        """repos = {target repository: short source repo}; sound always, equal when complete."""
        walk = integrity.check_repositories(DST.host, list(repos))
        self.assertEqual(walk.problems, [], f"target unsound {when}")
        if complete:
            self.assertEqual(walk.unresolved, [], f"listed tags that resolve to nothing {when}")
            got = {}
            for key, digest in walk.tags.items():
                repo, tag = key.rsplit(":", 1)
                got[f"{repos[repo]}:{tag}"] = digest
            self.assertEqual(got, self.want, f"target digests {when}")

    def assert_bundle(self, out, complete: bool, when: str):
        """A bundle at `out` is absent (allowed unless complete) or a sound layout whose images
        carry the source digests."""
        if not out.exists():
            self.assertFalse(complete, f"no bundle {when}")
            return
        root = out
        if out.suffix == ".tar":
            root = self.dir / f"unpacked-{os.urandom(3).hex()}"
            with tarfile.open(out) as t:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 (Debian 12 has 3.11.2)
                    t.extractall(root, filter="data")
                else:
                    t.extractall(root)
        walk = integrity.check_layout(root)
        self.assertEqual(walk.problems, [], f"bundle unsound {when}")
        meta = json.loads((root / "ferry-bundle.json").read_text())
        got = {i["source"].split("/", 2)[2]: i["digest"] for i in meta["images"]}
        self.assertEqual(got, self.want, f"bundle images {when}")

    def kill_points(self, op: str, measured: int) -> list:
        return sorted(self.rng.randrange(1, max(2, int(measured * 0.95))) for _ in range(KILLS[op]))

    def count(self, op: str, hit: bool):
        type(self).kills[op] = type(self).kills.get(op, 0) + int(hit)

    # ------------------------------------------------------------------ sync

    def test_sync_killed_anywhere_leaves_a_sound_target_and_a_rerun_converges(self):
        with fault_proxy.FaultProxy(DST.host) as proxy:
            def plan_for(prefix):
                path = self.dir / f"{prefix.replace('/', '_')}.yaml"
                path.write_text(plan_text(SRC.host, proxy.host, prefix))
                return path, {f"{prefix}/{r.split('/')[-1]}": r.split("/")[-1] for r in REPOS}

            plan, repos = plan_for(ft.unique_repo("tcrash"))
            before = proxy.bytes_seen
            self.ferry("sync", "-c", plan)
            measured = proxy.bytes_seen - before
            self.assert_registry(repos, True, "after an uninterrupted sync")
            for at in self.kill_points("sync", measured):
                with self.subTest(kill_at=at):
                    plan, repos = plan_for(ft.unique_repo("tcrash"))
                    hit = run_killed_at(["sync", "-c", plan], proxy, at)
                    self.count("sync", hit)
                    self.assert_registry(repos, not hit, f"after kill -9 at {at} bytes")
                    self.ferry("sync", "-c", plan)
                    self.assert_registry(repos, True, f"after the rerun following a kill at {at}")
        self.assertGreaterEqual(self.kills.get("sync", 0), KILLS["sync"] // 2, "too few kills hit")

    # ------------------------------------------------------------------ export, import

    def test_export_and_import_killed_anywhere_leave_sound_results_and_reruns_converge(self):
        with fault_proxy.FaultProxy(SRC.host) as reads, fault_proxy.FaultProxy(DST.host) as writes:
            plan = self.dir / "export.yaml"
            plan.write_text(plan_text(reads.host, DST.host, "unused"))
            bundle = self.dir / "bundle"
            before = reads.bytes_seen
            self.ferry("export", "-c", plan, "-o", bundle)
            measured = reads.bytes_seen - before
            self.assert_bundle(bundle, True, "after an uninterrupted export")
            for i, at in enumerate(self.kill_points("export", measured)):
                with self.subTest(export_kill_at=at):
                    out = self.dir / (f"b{i}.tar" if i % 2 else f"b{i}")
                    hit = run_killed_at(["export", "-c", plan, "-o", out], reads, at)
                    self.count("export", hit)
                    self.assert_bundle(out, not hit, f"after kill -9 at {at} bytes")
                    if out.exists() and out.is_dir():
                        continue  # a complete directory bundle: nothing to redo
                    self.ferry("export", "-c", plan, "-o", out)
                    self.assert_bundle(out, True, f"after the rerun following a kill at {at}")
            self.import_with_kills(bundle, writes)
        self.assertGreaterEqual(self.kills.get("export", 0), KILLS["export"] // 2, "too few kills hit")
        self.assertGreaterEqual(self.kills.get("import", 0), KILLS["import"] // 2, "too few kills hit")

    def import_with_kills(self, bundle, proxy):
        def target(prefix):
            return f"{proxy.host}/{prefix}", {f"{prefix}/{r}": r.split("/")[-1] for r in REPOS}

        to, repos = target(ft.unique_repo("tcrashimp"))
        before = proxy.bytes_seen
        self.ferry("--insecure-registry", proxy.host, "import", bundle, "--to", to)
        measured = proxy.bytes_seen - before
        self.assert_registry(repos, True, "after an uninterrupted import")
        for at in self.kill_points("import", measured):
            with self.subTest(import_kill_at=at):
                to, repos = target(ft.unique_repo("tcrashimp"))
                hit = run_killed_at(["--insecure-registry", proxy.host, "import", bundle, "--to", to], proxy, at)
                self.count("import", hit)
                self.assert_registry(repos, not hit, f"after kill -9 at {at} bytes")
                self.ferry("--insecure-registry", proxy.host, "import", bundle, "--to", to)
                self.assert_registry(repos, True, f"after the rerun following a kill at {at}")


if __name__ == "__main__":
    unittest.main()
