"""Webhook-triggered syncs of `ferry cron`: a real docker-registry (the `hook` instance of
scripts/registry.sh) notifies the daemon of pushes through its `notifications:` block; a
Harbor-shaped payload is posted by the test. skopeo pushes at the source and is the referee
at the target. No schedule fires during these tests (the only job runs on January 1st)."""
import json
import os
import re
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import ferrytest as ft
from test_boundary import dst_catalog
from test_cron import CronProcess, http_get

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
HOOK_HOST = f"127.0.0.1:{ft.PORT_BASE + 6}"
TOKEN = "hook-token-" + os.urandom(8).hex()


def post(port: int, body: bytes, token: str = TOKEN, content_type="application/json") -> tuple:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/hooks/registry", data=body, method="POST",
                                 headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def harbor_payload(host: str, repo: str, tag: str, digest: str = "") -> bytes:
    # Harbor's default webhook payload for PUSH_ARTIFACT (goharbor.io/docs, "Configure Webhook
    # Notifications"): the repository's full name and one resource per pushed tag.
    return json.dumps({
        "type": "PUSH_ARTIFACT", "occur_at": int(time.time()), "operator": "admin",
        "event_data": {
            "resources": [{"digest": digest, "tag": tag, "resource_url": f"{host}/{repo}:{tag}"}],
            "repository": {"date_created": int(time.time()), "name": repo.rsplit("/", 1)[-1],
                           "namespace": repo.split("/", 1)[0], "repo_full_name": repo, "repo_type": "private"},
        }}).encode()


def tags_at(host: str, repo: str) -> list:
    try:
        with urllib.request.urlopen(f"http://{host}/v2/{repo}/tags/list", timeout=10) as r:
            return sorted(json.loads(r.read()).get("tags") or [])
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return []
        raise


class WebhookTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        cls.corpus = ft.corpus("src")
        cls.alpine = {t: v["digest"] for t, v in cls.corpus["repositories"]["corpus/alpine"]["tags"].items()}
        cls.target = ft.unique_repo("hooks")
        directory = ft.temp_dir()
        (directory / "token").write_text(TOKEN + "\n")
        plan = directory / "plan.yaml"
        plan.write_text(f"""version: 1
registries:
  "{HOOK_HOST}": {{tls: disabled}}
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
webhooks:
  path: /hooks/registry
  token_file: token
sync:
  - name: team
    source: {HOOK_HOST}/team/*
    target: {DST.host}/{cls.target}/
    tags: {{allow: ['^1\\.']}}
  - name: harbor
    source: {SRC.host}/corpus/alpine
    target: {DST.host}/{cls.target}/harbor-alpine
    tags: {{allow: ['^3\\.19$']}}
  - name: refused
    source: {SRC.host}/corpus/app
    target: {DST.host}/{cls.target}/refused-app
schedule:
  - name: yearly
    cron: "0 0 1 1 *"
""")
        cls.cron = CronProcess(plan)
        # The hook registry notifies the daemon's port; `reset` gives it fresh storage and
        # re-reads the notification settings.
        env = dict(os.environ, FERRY_NOTIFY_URL=f"http://127.0.0.1:{cls.cron.port}/hooks/registry",
                   FERRY_NOTIFY_TOKEN=TOKEN)
        subprocess.run(["bash", str(ft.SCRIPTS / "registry.sh"), "reset", "hook"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        cls.cron.wait_for(lambda: http_get(cls.cron.port, "/healthz")[0] == 200, what="the daemon to listen")

    @classmethod
    def tearDownClass(cls):
        cls.cron.kill()
        subprocess.run(["bash", str(ft.SCRIPTS / "registry.sh"), "stop", "hook"], check=False)

    def push_to_hook(self, repo: str, tag: str, alpine_tag: str = "3.19") -> str:
        ft.skopeo_copy(f"{SRC.host}/corpus/alpine:{alpine_tag}", f"{HOOK_HOST}/{repo}:{tag}")
        return ft.skopeo_digest(f"{HOOK_HOST}/{repo}:{tag}")

    def event(self, name: str) -> dict:
        for e in self.cron.status().get("webhooks", {}).get("events", []):
            if e["event"].endswith(name):
                return e
        return None

    def assert_no_schedule_fired(self):
        self.assertEqual([j["runs_started"] for j in self.cron.status()["jobs"]], [0])

    def test_a_push_at_the_source_is_at_the_target_within_10_seconds(self):
        digest = self.push_to_hook("team/web", "1.0")
        pushed = time.time()
        target = f"{DST.host}/{self.target}/team/web:1.0"
        self.cron.wait_for(lambda: "1.0" in tags_at(DST.host, f"{self.target}/team/web"), timeout=30,
                           what="the pushed tag at the target")
        elapsed = time.time() - pushed
        self.assertLess(elapsed, 10.0, f"took {elapsed:.1f} s")
        self.assertEqual(ft.skopeo_digest(target), digest)
        self.assertEqual(digest, self.alpine["3.19"])
        event = self.cron.wait_for(lambda: self.event("team/web:1.0"), what="the event in /status")
        self.assertEqual(event["format"], "distribution")
        self.assertIn(f"team: {HOOK_HOST}/team/web:1.0 -> {target}", event["triggered"])
        self.assert_no_schedule_fired()

    def test_a_tag_outside_the_filters_is_not_synced(self):
        self.push_to_hook("team/filtered", "2.0")
        event = self.cron.wait_for(lambda: self.event("team/filtered:2.0"), what="the event in /status")
        self.assertEqual(event["result"], "no matching entry")
        self.assertTrue(any("not allowed" in n or "2.0" in n for n in event["notes"]), event["notes"])
        # The sync of a tag that passes, pushed after it, proves the daemon had time to act.
        self.push_to_hook("team/filtered", "1.1")
        self.cron.wait_for(lambda: tags_at(DST.host, f"{self.target}/team/filtered") == ["1.1"],
                           what="only the allowed tag at the target")
        self.assert_no_schedule_fired()

    def test_a_harbor_payload_triggers_the_same_sync(self):
        status, body = post(self.cron.port, harbor_payload(SRC.host, "corpus/alpine", "3.19", self.alpine["3.19"]))
        self.assertEqual(status, 202, body)
        target = f"{self.target}/harbor-alpine"
        self.cron.wait_for(lambda: tags_at(DST.host, target) == ["3.19"], timeout=30, what="the Harbor-triggered sync")
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:3.19"), self.alpine["3.19"])
        self.assertEqual(self.event("corpus/alpine:3.19")["format"], "harbor")
        self.assert_no_schedule_fired()

    def test_wrong_token_oversize_and_malformed_bodies_are_refused_and_sync_nothing(self):
        refused_before = self.cron.status()["webhooks"]["refused"]
        good = harbor_payload(SRC.host, "corpus/app", "1.0.0")
        status, _ = post(self.cron.port, good, token="not-the-token")
        self.assertEqual(status, 401)
        status, _ = post(self.cron.port, good, token="")
        self.assertEqual(status, 401)
        status, _ = post(self.cron.port, b'{"events": [' + b" " * (2 << 20) + b"]}")
        self.assertEqual(status, 413)
        status, body = post(self.cron.port, b'{"events": [{"action": "push", "target": ')
        self.assertEqual(status, 400)
        self.assertIn("malformed JSON", body)
        status, body = post(self.cron.port, b'{"events": [{"action": "push", "target": {"tag": 1}}]}')
        self.assertEqual(status, 400)
        self.assertIn("events[0].target.tag", body)
        self.assertEqual(http_get(self.cron.port, "/hooks/registry")[0], 405)
        self.assertEqual(self.cron.status()["webhooks"]["refused"], refused_before + 5)
        # An event naming a host that is not in the plan matches nothing and reaches nothing.
        status, _ = post(self.cron.port, harbor_payload("203.0.113.9:5000", "corpus/app", "1.0.0"))
        self.assertEqual(status, 202)
        event = self.cron.wait_for(lambda: self.event("203.0.113.9:5000/corpus/app:1.0.0"), what="the foreign event")
        self.assertEqual(event["result"], "no matching entry")
        time.sleep(1)
        self.assertEqual(tags_at(DST.host, f"{self.target}/refused-app"), [])
        log = "\n".join(self.cron.lines)
        self.assertNotIn(TOKEN, log)
        self.assertNotIn("not-the-token", log)
        self.assertIn("refused (401)", log)
        self.assertIn("refused (413)", log)

    def test_hostile_names_in_payloads_read_and_write_nothing_outside_the_namespace(self):
        # A repository the entry's namespace (team/*) does not cover, with a tag a hostile
        # event could name: ferry must never read it (nor write it at the target).
        self.push_to_hook("private/secret", "1.0")
        hook_log = ft.WORK / "registries" / "hook" / "access.log"
        ft._settle(hook_log)
        mark = hook_log.stat().st_size
        url = f"http://{HOOK_HOST}/v2/team/../private/secret/manifests/1.0"
        distribution = json.dumps({"events": [
            {"action": "push", "target": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                          "repository": "team/../private/secret", "tag": "1.0", "url": url}},
            {"action": "push", "target": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                          "repository": "team/web", "tag": "1.0/../../x",
                                          "url": f"http://{HOOK_HOST}/v2/team/web/manifests/1.0"}},
            {"action": "push", "target": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                          "repository": "team/%2e%2e/private/secret", "tag": "1.0", "url": url}},
        ]}).encode()
        status, body = post(self.cron.port, distribution)
        self.assertEqual(status, 202, body)
        status, body = post(self.cron.port, harbor_payload(HOOK_HOST, "team/../private/secret", "1.0"))
        self.assertEqual(status, 202, body)
        for name in ("team/../private/secret:1.0", "team/web:1.0/../../x", "team/%2e%2e/private/secret:1.0"):
            event = self.cron.wait_for(lambda: self.event(name), what=f"the event {name} in /status")
            self.assertEqual(event["result"], "no matching entry")
            self.assertTrue(any(n.startswith("ignored: ") for n in event["notes"]), event["notes"])
        # A valid push afterwards is synced: the daemon had time to act on the hostile ones.
        self.push_to_hook("team/after", "1.0")
        self.cron.wait_for(lambda: tags_at(DST.host, f"{self.target}/team/after") == ["1.0"], timeout=30,
                           what="the valid push at the target")
        ft._settle(hook_log)
        with open(hook_log, "rb") as f:
            f.seek(mark)
            lines = f.read().decode("utf-8", "replace").splitlines()
        # ferry's requests only (skopeo's push of team/after looks for its blobs in other
        # repositories it has seen, private/secret included).
        requested = [m.group(2) for m in map(ft.ACCESS_LINE.match, lines) if m and '"ferry/' in m.string]
        self.assertTrue(requested)
        self.assertEqual([p for p in requested if "private" in p or ".." in p or "%2e" in p.lower()], [])
        self.assertEqual([p for p in requested if p != "/v2/" and not p.startswith("/v2/team/")], [])
        at_target = [n for n in dst_catalog() if n.startswith(self.target + "/")]
        self.assertEqual([n for n in at_target if "private" in n], [])
        # One warning per event, naming the payload format and the host it claims.
        warnings = [l for l in self.cron.lines if "webhook: ignored a " in l]
        bad_repo = 'repository "team/../private/secret" is not a valid repository name'
        self.assertEqual(len([l for l in warnings if f"distribution push event from {HOOK_HOST}: {bad_repo}" in l]), 1, warnings)
        self.assertEqual(len([l for l in warnings if f"harbor push event from {HOOK_HOST}: {bad_repo}" in l]), 1, warnings)
        self.assertEqual(len([l for l in warnings if 'tag "1.0/../../x" is not a valid tag' in l]), 1, warnings)
        self.assertEqual(len([l for l in warnings if '"team/%2e%2e/private/secret"' in l]), 1, warnings)

    def test_an_out_of_range_number_is_400_and_a_post_without_content_length_is_411(self):
        status, body = post(self.cron.port, b'{"events":[1e999999]}')
        self.assertEqual(status, 400, body)  # a 5xx would be retried by the registry for ever
        self.assertIn("malformed JSON", body)
        with socket.create_connection(("127.0.0.1", self.cron.port), timeout=10) as s:
            s.sendall(f"POST /hooks/registry HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 411 "), reply)
        self.assertIn(b"Content-Length is required", reply)


if __name__ == "__main__":
    unittest.main()


class WebhookFloodTest(unittest.TestCase):
    """Issue 25: deliveries about one image within the debounce window become one run; a
    SIGHUP applies a new webhook path, and a failed reload shows on /status and in /metrics.
    Harbor-shaped payloads posted by the test (no hook registry needed)."""

    POSTS = 2000

    def setUp(self):
        ft.ensure_registries("src", "dst")
        self.corpus = ft.corpus("src")
        self.target = ft.unique_repo("flood")
        self.dir = ft.temp_dir()
        (self.dir / "token").write_text(TOKEN + "\n")
        self.plan = self.dir / "plan.yaml"
        self.write_plan("/hooks/registry")
        self.cron = CronProcess(self.plan)
        self.addCleanup(self.cron.kill)
        self.cron.wait_for(lambda: http_get(self.cron.port, "/healthz")[0] == 200, what="the daemon to listen")

    def write_plan(self, path: str, extra: str = ""):
        self.plan.write_text(f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
webhooks:
  path: {path}
  token_file: token
  debounce: 2s
sync:
  - name: alpine
    source: {SRC.host}/corpus/alpine
    target: {DST.host}/{self.target}/alpine
    tags: {{allow: ['^3\\.19$']}}
schedule:
  - name: yearly
    cron: "0 0 1 1 *"
{extra}""")

    def test_2000_posts_about_one_image_make_at_most_5_runs(self):
        from concurrent.futures import ThreadPoolExecutor
        body = harbor_payload(SRC.host, "corpus/alpine", "3.19")
        started = time.time()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: post(self.cron.port, body)[0], range(self.POSTS)))
        posting = time.time() - started
        self.assertEqual(statuses.count(202), self.POSTS, {s: statuses.count(s) for s in set(statuses)})
        self.cron.wait_for(lambda: self.cron.status()["webhooks"]["accepted"] == self.POSTS, what="every event accepted")
        # Wait until the runs are over: no new run for two debounce windows, each one finished.
        def finished_runs():
            return sum(v for (name, labels), v in self.cron.metrics().items()
                       if name == "ferry_sync_runs_total" and ("job", "webhook") in labels)

        def settled():
            before = self.cron.status()["webhooks"]["runs_started"]
            time.sleep(4.5)
            after = self.cron.status()
            return after if after["webhooks"]["runs_started"] == before == finished_runs() else None
        status = self.cron.wait_for(settled, timeout=120, what="the webhook runs to settle")
        hooks = {k: v for k, v in status["webhooks"].items() if k != "events"}
        print(f"\n{self.POSTS} posts in {posting:.1f} s: {hooks['runs_started']} runs, {hooks['coalesced']} coalesced")
        self.assertGreaterEqual(hooks["runs_started"], 1)
        self.assertLessEqual(hooks["runs_started"], 5, hooks)
        self.assertEqual(hooks["coalesced"] + hooks["runs_started"], self.POSTS, hooks)
        runs = [r for r in status["runs"] if r["trigger"] == "webhook"]
        self.assertEqual(sum(r["images"]["new"] for r in runs), 1, runs)
        self.assertTrue(all(r["outcome"] == "succeeded" for r in runs), runs)
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{self.target}/alpine:3.19"),
                         self.corpus["repositories"]["corpus/alpine"]["tags"]["3.19"]["digest"])
        from test_cron import metric
        samples = self.cron.metrics()
        self.assertEqual(metric(samples, "ferry_webhook_events_received_total"), self.POSTS)
        self.assertEqual(metric(samples, "ferry_webhook_runs_started_total"), hooks["runs_started"])
        self.assertEqual(metric(samples, "ferry_webhook_events_coalesced_total"), hooks["coalesced"])

    def test_sighup_applies_a_new_webhook_path_and_a_failed_reload_is_shown(self):
        import signal
        from test_cron import metric
        body = harbor_payload(SRC.host, "corpus/alpine", "3.18")  # filtered out: nothing runs
        self.assertEqual(post(self.cron.port, body)[0], 202)
        self.write_plan("/hooks/moved")
        self.cron.proc.send_signal(signal.SIGHUP)
        self.cron.wait_for(lambda: self.cron.status()["reload"]["reloads"] == 1, what="the reload")
        moved = urllib.request.Request(f"http://127.0.0.1:{self.cron.port}/hooks/moved", data=body, method="POST",
                                       headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(moved, timeout=10) as r:
            self.assertEqual(r.status, 202)
        self.assertEqual(post(self.cron.port, body)[0], 404)  # the old path is gone
        self.assertEqual(self.cron.status()["webhooks"]["path"], "/hooks/moved")

        self.plan.write_text(self.plan.read_text() + "  - name: broken\n    cron: \"not a cron\"\n")
        self.cron.proc.send_signal(signal.SIGHUP)
        reload = self.cron.wait_for(lambda: (r := self.cron.status()["reload"])["failures"] == 1 and r,
                                    what="the failed reload on /status")
        self.assertIn("not a cron", reload["error"])
        samples = self.cron.metrics()
        self.assertEqual(metric(samples, "ferry_cron_reloads_total", result="failed"), 1)
        self.assertEqual(metric(samples, "ferry_cron_reloads_total", result="succeeded"), 1)
        self.assertEqual(metric(samples, "ferry_cron_last_reload_failed"), 1)
        with urllib.request.urlopen(moved, timeout=10) as r:  # the plan before the failed reload serves on
            self.assertEqual(r.status, 202)
        for name in ("process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds_total",
                     "process_start_time_seconds", "process_max_fds", "process_virtual_memory_bytes"):
            self.assertIn((name, frozenset()), samples, name)
            if name != "process_cpu_seconds_total":  # an idle daemon may not have used a clock tick yet
                self.assertGreater(metric(samples, name), 0, name)
        self.assertAlmostEqual(metric(samples, "process_start_time_seconds"), time.time(), delta=120)
