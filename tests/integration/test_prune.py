"""Opt-in prune (`prune: true`) against docker-registry 2.8 with deletes enabled: what `ferry
plan` lists, --dry-run deleting nothing, deletion by digest only when no kept tag shares it
("cannot untag on this registry"), tags another entry writes left alone, the max_prune guard,
and the report and metrics counting pruned tags; a docker-registry with deletes disabled (405
UNSUPPORTED) gets one message and keeps every tag. skopeo and the registry's tag list referee."""
import json
import re
import subprocess
import unittest
import urllib.request

import ferrytest as ft
from test_cron import parse_metrics, metric

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]


def tags_at(reg, repo) -> list:
    with urllib.request.urlopen(reg.url(f"/v2/{repo}/tags/list"), timeout=10) as r:
        return sorted(json.loads(r.read()).get("tags") or [])


def delete_by_digest(reg, repo, digest):
    req = urllib.request.Request(reg.url(f"/v2/{repo}/manifests/{digest}"), method="DELETE")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 202, r.status


class PruneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        corpus = ft.corpus("src")
        cls.alpine = {t: v["digest"] for t, v in corpus["repositories"]["corpus/alpine"]["tags"].items()}
        cls.single = {t: v["digest"] for t, v in corpus["repositories"]["corpus/single"]["tags"].items()}

    def setUp(self):
        self.source = ft.unique_repo("prune-src") + "/app"
        self.target = ft.unique_repo("prune-dst") + "/app"
        for tag, alpine in (("a", "3.18"), ("b", "3.19"), ("c", "3.20")):
            ft.skopeo_copy(f"{SRC.host}/corpus/alpine:{alpine}", f"{SRC.host}/{self.source}:{tag}")

    def plan(self, prune_keys: str):
        plan = ft.temp_dir() / "plan.yaml"
        plan.write_text(f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
sync:
  - name: app
    source: {SRC.host}/{self.source}
    target: {DST.host}/{self.target}
    referrers: none
{prune_keys}
  - name: other
    source: {SRC.host}/corpus/single:1.0
    target: {DST.host}/{self.target}:other
    referrers: none
""")
        return plan

    def put_at_target(self, tag, ref):
        ft.skopeo_copy(ref, f"{DST.host}/{self.target}:{tag}")

    def test_prune_deletes_what_no_entry_writes_and_spares_shared_digests(self):
        plan = self.plan("    prune: true\n    max_prune: 100%")
        ft.run_ferry("sync", "-c", plan, check=True)
        self.assertEqual(tags_at(DST, self.target), ["a", "b", "c", "other"])
        # At the target: "old" shares a's digest; "gone" has a digest of its own. At the source,
        # c disappears.
        self.put_at_target("old", f"{SRC.host}/corpus/alpine:3.18")
        self.put_at_target("gone", f"{SRC.host}/corpus/single:1.0-docker")
        delete_by_digest(SRC, self.source, self.alpine["3.20"])
        self.assertEqual(tags_at(SRC, self.source), ["a", "b"])

        rc, out, err = ft.run_ferry("plan", "-c", plan)
        self.assertEqual(rc, 0, err)
        would = sorted(re.findall(rf"would prune\s+{re.escape(DST.host)}/{re.escape(self.target)}:(\S+) \(app\)", out))
        self.assertEqual(would, ["c", "gone", "old"], out)
        self.assertIn("3 tags to prune", out)

        rc, out, err = ft.run_ferry("sync", "-c", plan, "--dry-run")
        self.assertEqual(rc, 0, err)
        self.assertEqual(tags_at(DST, self.target), ["a", "b", "c", "gone", "old", "other"])

        report = ft.temp_dir() / "report.json"
        metrics = ft.temp_dir() / "ferry.prom"
        rc, out, err = ft.run_ferry("sync", "-c", plan, "--report", report, "--metrics-file", metrics)
        self.assertEqual(rc, 0, err)
        self.assertEqual(tags_at(DST, self.target), ["a", "b", "old", "other"])
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{self.target}:a"), self.alpine["3.18"])
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{self.target}:old"), self.alpine["3.18"])
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{self.target}:other"), self.single["1.0"])
        doc = json.loads(report.read_text())
        actions = {p["target"].rsplit(":", 1)[1]: p for p in doc["pruned"]}
        self.assertEqual({t: p["action"] for t, p in actions.items()},
                         {"c": "pruned", "gone": "pruned", "old": "cannot untag"})
        self.assertIn("cannot untag on this registry", actions["old"]["message"])
        self.assertEqual(doc["summary"]["pruned"], 2)
        samples = parse_metrics(metrics.read_text())
        self.assertEqual(metric(samples, "ferry_sync_images_total", job="sync", result="pruned"), 2)

    def test_max_prune_refuses_the_whole_prune_of_an_entry(self):
        plan = self.plan("    prune: true\n    max_prune: 1")
        ft.run_ferry("sync", "-c", plan, check=True)
        self.put_at_target("x", f"{SRC.host}/corpus/single:1.0-docker")
        self.put_at_target("y", f"{SRC.host}/corpus/alpine:latest")
        rc, out, err = ft.run_ferry("sync", "-c", plan)
        self.assertEqual(rc, 0, err)
        self.assertIn("2 tags to prune is over max_prune (1 of 6 target tags)", out + err)
        self.assertEqual(tags_at(DST, self.target), ["a", "b", "c", "other", "x", "y"])
        # The default limit is 10 % of the target tags (a, b, c, other, x, y), at least 1: 1 of 6 here.
        rc, out, err = ft.run_ferry("sync", "-c", self.plan("    prune: true"))
        self.assertEqual(rc, 0, err)
        self.assertIn("over max_prune (1 of 6 target tags)", out + err)
        self.assertEqual(tags_at(DST, self.target), ["a", "b", "c", "other", "x", "y"])

    def test_default_guard_lets_a_small_repository_lose_one_tag(self):
        # prune: true with no max_prune on a repository of fewer than 10 tags: 10 % rounds to 0,
        # and the default guard allows at least one tag (issue 27).
        plan = self.plan("    prune: true")
        ft.run_ferry("sync", "-c", plan, check=True)
        self.put_at_target("stale", f"{SRC.host}/corpus/single:1.0-docker")
        rc, out, err = ft.run_ferry("sync", "-c", plan)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("over max_prune", out + err)
        self.assertEqual(tags_at(DST, self.target), ["a", "b", "c", "other"])

    def test_without_prune_nothing_is_deleted(self):
        plan = self.plan("")
        ft.run_ferry("sync", "-c", plan, check=True)
        self.put_at_target("extra", f"{SRC.host}/corpus/single:1.0-docker")
        rc, out, err = ft.run_ferry("plan", "-c", plan)
        self.assertNotRegex(out, r"would prune|tags to prune")
        ft.run_ferry("sync", "-c", plan, check=True)
        self.assertEqual(tags_at(DST, self.target), ["a", "b", "c", "extra", "other"])


class PruneDeletesDisabledTest(unittest.TestCase):
    """docker-registry 2.8 with `storage: delete: enabled: false` (the registry.sh `nodelete`
    instance) answers every manifest DELETE with 405 UNSUPPORTED."""

    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src")
        ft.corpus("src")
        subprocess.run(["bash", str(ft.SCRIPTS / "registry.sh"), "start", "nodelete"], check=True,
                       stdout=subprocess.DEVNULL)
        cls.host = f"127.0.0.1:{ft.PORT_BASE + 7}"

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["bash", str(ft.SCRIPTS / "registry.sh"), "stop", "nodelete"], check=False,
                       stdout=subprocess.DEVNULL)

    def test_one_message_per_host_and_every_tag_kept(self):
        source = ft.unique_repo("prune-src") + "/app"
        target = ft.unique_repo("prune-nodel") + "/app"
        ft.skopeo_copy(f"{SRC.host}/corpus/alpine:3.19", f"{SRC.host}/{source}:a")
        for tag, ref in (("x", "corpus/single:1.0-docker"), ("y", "corpus/alpine:latest"), ("z", "corpus/alpine:3.18")):
            ft.skopeo_copy(f"{SRC.host}/{ref}", f"{self.host}/{target}:{tag}")
        plan = ft.temp_dir() / "plan.yaml"
        plan.write_text(f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{self.host}": {{tls: disabled}}
sync:
  - name: app
    source: {SRC.host}/{source}
    target: {self.host}/{target}
    referrers: none
    prune: true
    max_prune: 100%
""")
        report = ft.temp_dir() / "report.json"
        rc, out, err = ft.run_ferry("sync", "-c", plan, "--report", report)
        self.assertEqual(rc, 0, out + err)
        with urllib.request.urlopen(f"http://{self.host}/v2/{target}/tags/list", timeout=10) as r:
            self.assertEqual(sorted(json.loads(r.read())["tags"]), ["a", "x", "y", "z"])
        self.assertEqual(ft.skopeo_digest(f"{self.host}/{target}:a"),
                         ft.skopeo_digest(f"{SRC.host}/{source}:a"))
        self.assertEqual((out + err).count("does not allow deletes"), 1, out + err)
        doc = json.loads(report.read_text())
        self.assertEqual(sorted((p["target"].rsplit(":", 1)[1], p["action"]) for p in doc["pruned"]),
                         [("x", "unsupported"), ("y", "unsupported"), ("z", "unsupported")])
        self.assertEqual(doc["summary"]["pruned"], 0)
        self.assertEqual(doc["summary"]["pruneSkipped"], 3)


if __name__ == "__main__":
    unittest.main()
