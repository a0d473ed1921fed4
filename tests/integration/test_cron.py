"""Integration tests of `ferry cron` (schedules, /metrics and /status, overlap skipping,
SIGTERM mid-transfer), `ferry sync --metrics-file` and `ferry plan --shard`, against the local
registries with skopeo as the referee. Targets are unique repositories on dst."""
import json
import re
import signal
import subprocess
import threading
import time
import unittest
import urllib.request
from pathlib import Path

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def write_plan(entries: str, schedule: str = "") -> Path:
    return ft.write_plan(ft.temp_dir() / "plan.yaml", entries + "\n", ft.plain_registries(SRC.host, DST.host),
                         schedule)


def parse_metrics(text: str) -> dict:
    """{(name, frozenset(labels)): value}; fails on any line that is not a comment or sample."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a Prometheus sample line: {line!r}")
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def http_get(port: int, path: str) -> tuple:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for pid {pid}")


def alpine_every_2s_plan() -> tuple:
    """(target repository, plan) of a plan mirroring corpus/alpine every 2 seconds (job every2s)."""
    target = ft.unique_repo("cron") + "/alpine"
    return target, write_plan(f"""  - name: alpine
    source: {SRC.host}/corpus/alpine
    target: {DST.host}/{target}""", """schedule:
  - name: every2s
    cron: "*/2 * * * * *"
    jobs: [alpine]""")


def tags_of(repo: str) -> list:
    return ft.list_tags(DST.url(""), repo, all_pages=False)


class CronProcess:
    """`ferry cron` in the background with its stderr collected line by line."""

    def __init__(self, plan: Path, *args):
        self.port = ft.free_port()
        cmd = [str(ft.FERRY_BIN), "cron", "-c", str(plan), "--listen", f"127.0.0.1:{self.port}", *map(str, args)]
        self.proc = subprocess.Popen(cmd, env=ft.base_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_for(self, predicate, timeout=60, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"ferry cron exited {self.proc.returncode}:\n" + "\n".join(self.lines))
            try:
                value = predicate()
            except OSError:
                value = None
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; log:\n" + "\n".join(self.lines[-40:]))

    def metrics(self) -> dict:
        status, body = http_get(self.port, "/metrics")
        return parse_metrics(body) if status == 200 else {}

    def status(self) -> dict:
        status, body = http_get(self.port, "/status")
        return json.loads(body) if status == 200 else {}

    def terminate(self, timeout=60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)
        self.proc.stderr.close()


class CronTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        cls.corpus = ft.corpus("src")

    def expected(self, repo):
        return {tag: v["digest"] for tag, v in self.corpus["repositories"][repo]["tags"].items()}

    def start(self, plan, *args) -> CronProcess:
        cron = CronProcess(plan, *args)
        self.addCleanup(cron.kill)
        return cron

    def assert_digests(self, target: str, want: dict, tags=None):
        for tag in (tags if tags is not None else want):
            self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{tag}"), want[tag], f"{target}:{tag}")

    def test_seconds_schedule_syncs_and_metrics_show_the_run(self):
        target, plan = alpine_every_2s_plan()
        cron = self.start(plan)
        samples = cron.wait_for(
            lambda: (m := cron.metrics()) and metric(m, "ferry_sync_runs_total", job="every2s", outcome="succeeded") >= 2 and m,
            what="two successful runs in /metrics")
        want = self.expected("corpus/alpine")
        self.assertEqual(metric(samples, "ferry_sync_images_total", job="every2s", result="synced"), len(want))
        self.assertGreaterEqual(metric(samples, "ferry_sync_images_total", job="every2s", result="unchanged"), len(want))
        self.assertEqual(metric(samples, "ferry_sync_images_total", job="every2s", result="failed"), 0)
        self.assertGreater(metric(samples, "ferry_sync_bytes_total", job="every2s", kind="copied"), 0)
        self.assertGreater(metric(samples, "ferry_sync_last_success_timestamp_seconds", job="every2s"), time.time() - 120)
        self.assertGreaterEqual(metric(samples, "ferry_cron_job_runs_succeeded_total", job="every2s"), 2)
        self.assertEqual(http_get(cron.port, "/healthz")[0], 200)
        status = cron.status()
        self.assertEqual([j["name"] for j in status["jobs"]], ["every2s"])
        self.assertGreaterEqual(status["sync"]["every2s"]["runs"]["succeeded"], 2)
        self.assertEqual(sorted(tags_of(target)), sorted(want))
        self.assert_digests(target, want)
        self.assertEqual(cron.terminate(), 0)

    def many_tags_plan(self, target, allow, schedule):
        return write_plan(f"""  - name: many
    source: {SRC.host}/corpus/many-tags
    target: {DST.host}/{target}
    tags: {{allow: ['{allow}']}}
    referrers: none""", schedule)

    def test_sigterm_mid_transfer_exits_0_and_a_rerun_completes(self):
        target = ft.unique_repo("cron") + "/many"
        plan = self.many_tags_plan(target, r"^1\.[01]\.", """schedule:
  - name: once
    cron: "0 0 1 1 *"
    run_at_start: true""")
        want = {t: d for t, d in self.expected("corpus/many-tags").items() if re.match(r"^1\.[01]\.", t)}
        cron = self.start(plan, "--jobs", "1")
        cron.wait_for(lambda: any(" new " in l for l in cron.lines), what="the first image copied")
        started = time.time()
        self.assertEqual(cron.terminate(), 0, "\n".join(cron.lines[-20:]))
        self.assertLess(time.time() - started, 30)
        partial = tags_of(target)
        self.assertGreater(len(partial), 0)
        self.assertLess(len(partial), len(want), "the run finished before SIGTERM: nothing was cancelled")
        self.assert_digests(target, want, partial)  # every tag present is whole
        rc, out, err = ft.run_ferry("sync", "-c", plan, "--jobs", "4")
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(tags_of(target)), sorted(want))
        self.assert_digests(target, want)

    def test_a_slow_job_never_runs_twice_at_once(self):
        target = ft.unique_repo("cron") + "/slow"
        plan = self.many_tags_plan(target, r"^1\.", """schedule:
  - name: slow
    cron: "* * * * * *"
    run_at_start: true""")
        cron = self.start(plan, "--jobs", "1")
        status = cron.wait_for(
            lambda: (s := cron.status()) and s["jobs"][0]["skipped_overlaps"] > 0 and s, what="a skipped firing")
        job = status["jobs"][0]
        self.assertLessEqual(job["runs_started"] - job["runs_succeeded"] - job["runs_failed"], 1)
        self.assertEqual(cron.terminate(), 0)
        running = 0
        for line in cron.lines:
            if "cron: job slow started" in line:
                running += 1
                self.assertEqual(running, 1, "a second run started while one was running")
            elif re.search(r"cron: job slow (succeeded|failed)", line):
                running -= 1
        self.assertTrue(any("still running, skipping" in l for l in cron.lines))

    def test_sync_metrics_file_is_parseable_and_counts_the_run(self):
        target = ft.unique_repo("metrics") + "/alpine"
        plan = write_plan(f"""  - name: alpine
    source: {SRC.host}/corpus/alpine
    target: {DST.host}/{target}""")
        out = ft.temp_dir() / "ferry.prom"
        want = self.expected("corpus/alpine")
        for run, (synced, unchanged) in enumerate(((len(want), 0), (0, len(want)))):
            with self.subTest(run=run):
                rc, _, err = ft.run_ferry("sync", "-c", plan, "--metrics-file", out)
                self.assertEqual(rc, 0, err)
                samples = parse_metrics(out.read_text())
                self.assertEqual(metric(samples, "ferry_sync_runs_total", job="sync", outcome="succeeded"), 1)
                self.assertEqual(metric(samples, "ferry_sync_runs_total", job="sync", outcome="failed"), 0)
                self.assertEqual(metric(samples, "ferry_sync_images_total", job="sync", result="synced"), synced)
                self.assertEqual(metric(samples, "ferry_sync_images_total", job="sync", result="unchanged"), unchanged)
                copied = metric(samples, "ferry_sync_bytes_total", job="sync", kind="copied")
                self.assertTrue(copied > 0 if synced else copied == 0, copied)
        self.assertEqual(sorted(p.name for p in out.parent.iterdir() if "prom" in p.name), ["ferry.prom"])

    def test_a_cron_job_runs_the_plans_manifests_section_after_its_sync_entries(self):
        repo = ft.unique_repo("cron")
        children = {m["platform"]: m["digest"] for m in self.corpus["repositories"]["corpus/alpine"]["tags"]["3.19"]["manifests"]}
        platforms = ["linux/amd64", "linux/arm64/v8"]
        # The list's images are the sync entry's own output: they exist only once the entry ran.
        images = "\n".join(f"      - {DST.host}/{repo}/alpine@{children[p]}" for p in platforms)
        plan = write_plan(f"""  - name: alpine
    source: {SRC.host}/corpus/alpine:3.19
    target: {DST.host}/{repo}/alpine:3.19
manifests:
  - target: {DST.host}/{repo}/app:1.0
    annotations:
      org.opencontainers.image.version: "1.0"
    images:
{images}""", """schedule:
  - name: mirror
    cron: "0 0 1 1 *"
    run_at_start: true""")
        cron = self.start(plan)
        line = cron.wait_for(lambda: next((l for l in cron.lines if "manifest list" in l), None),
                             what="the manifest list pushed")
        samples = cron.wait_for(
            lambda: (m := cron.metrics()) and metric(m, "ferry_sync_runs_total", job="mirror", outcome="succeeded") and m,
            what="a successful run in /metrics")
        self.assertEqual(metric(samples, "ferry_sync_runs_total", job="mirror", outcome="failed"), 0)
        self.assertEqual(cron.terminate(), 0)
        raw = ft.skopeo_raw(f"{DST.host}/{repo}/app:1.0")
        index = json.loads(raw)
        self.assertEqual(index["mediaType"], "application/vnd.oci.image.index.v1+json")
        self.assertEqual([m["digest"] for m in index["manifests"]], [children[p] for p in platforms])
        self.assertEqual(index["annotations"], {"org.opencontainers.image.version": "1.0"})
        digest = ft.sha256_digest(raw)
        self.assertIn(f"{DST.host}/{repo}/app:1.0 {digest}", line)
        for p in platforms:
            self.assertEqual(ft.skopeo_digest(f"{DST.host}/{repo}/app@{children[p]}"), children[p])

    def test_sighup_with_an_alias_bomb_keeps_the_plan_and_never_stalls_the_listener(self):
        target, plan = alpine_every_2s_plan()
        cron = self.start(plan)
        runs = lambda: metric(cron.metrics(), "ferry_sync_runs_total", job="every2s", outcome="succeeded")
        cron.wait_for(lambda: runs() >= 1, what="a first successful run")
        before = peak_rss_kib(cron.proc.pid)
        # "Billion laughs": 9 anchors of 9 aliases each, 9^9 scalars once expanded (353 bytes).
        bomb = 'version: 1\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        for prev, name in zip("abcdefgh", "bcdefghi"):
            bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        self.assertLess(len(bomb), 600)
        plan.write_text(bomb)
        sent = time.monotonic()
        cron.proc.send_signal(signal.SIGHUP)
        refused = None
        while refused is None and time.monotonic() - sent < 20:
            asked = time.monotonic()
            self.assertEqual(http_get(cron.port, "/healthz")[0], 200)
            self.assertLess(time.monotonic() - asked, 1.0, "/healthz stalled during the reload")
            refused = next((l for l in cron.lines if "keeping the current plan" in l), None)
            time.sleep(0.05)
        self.assertIsNotNone(refused, "no reload error logged; log:\n" + "\n".join(cron.lines[-20:]))
        self.assertLess(time.monotonic() - sent, 5)
        self.assertRegex(refused, re.escape(str(plan)) + r":\d+:\d+: the document expands to more than 100000 nodes")
        self.assertLess(peak_rss_kib(cron.proc.pid) - before, 64 * 1024, "the reload grew the daemon by 64 MiB or more")
        # the old plan keeps running
        done = runs()
        cron.wait_for(lambda: runs() > done, what="a run of the kept plan after the SIGHUP")
        self.assertEqual([j["name"] for j in cron.status()["jobs"]], ["every2s"])
        self.assertEqual(http_get(cron.port, "/healthz")[0], 200)
        self.assertEqual(cron.terminate(), 0)

    def test_plan_shards_partition_the_image_list(self):
        plan = write_plan(f"""  - name: corpus
    source: {SRC.host}/corpus/*
    target: {DST.host}/{ft.unique_repo("shard")}/
    repos: {{deny: ['^many-tags$']}}""")

        def images(*extra):
            rc, out, err = ft.run_ferry("plan", "-c", plan, "-o", "json", *extra)
            self.assertEqual(rc, 0, err)
            return [(i["source"], i["target"]) for i in json.loads(out)["images"]]

        whole = images()
        self.assertGreater(len(whole), 3)
        shards = [images("--shard", f"{i}/3") for i in range(3)]
        union = [img for shard in shards for img in shard]
        self.assertEqual(len(union), len(set(union)), "an image is in two shards")
        self.assertEqual(sorted(union), sorted(whole))


if __name__ == "__main__":
    unittest.main()
