"""Acceptance tests of whole `ferry sync` / `ferry plan` runs against real docker-registry
instances: request-frugal no-op reruns, dry runs that write nothing, plan errors located by
file:line:col and reported all at once, a failing entry that does not stop the others,
--fail-fast, and shards. Selection, TLS, policies and platform subsets: test_sync.py."""
import re
import unittest

import ferrytest as ft
from sync_support import (DST, EXIT, SRC, WRITES, SyncCase, is_manifest, is_tag_listing, tags_of, under,
                          without_referrers_probe)


class SyncRunsTest(SyncCase):
    # ------------------------------------------------------------------ no-op reruns

    def test_second_run_writes_nothing_and_asks_at_most_two_manifests_per_tag(self):
        p = self.prefix
        setup = self.write_plan(f"""\
  - name: scratch
    source: {SRC.host}/corpus/*
    target: {SRC.host}/{p}/src/
    repos: {{deny: ['^many-tags$']}}
""", name="setup.yaml")
        self.sync(setup)
        plan = self.write_plan(f"""\
  - name: mirror
    source: {SRC.host}/{p}/src/corpus/*
    target: {DST.host}/{p}/dst/
""")
        first = self.sync(plan)
        tags = first["summary"]["images"]
        self.assertEqual(tags, 14)
        self.assertEqual(first["summary"]["new"], tags)

        marks = {name: ft.log_mark(name) for name in ("src", "dst")}
        second = self.sync(plan)
        self.assertEqual(second["summary"]["unchanged"], tags)
        self.assertEqual(second["summary"]["stats"]["manifestsPushed"], 0)
        seen = {name: without_referrers_probe(self, under(p, ft.requests_since(name, marks[name])))
                for name in ("src", "dst")}
        self.assertEqual([r for r in seen["dst"] if r.method in WRITES], [], "writes on dst")
        for name, requests in seen.items():
            other = [r for r in requests if not is_manifest(r) and not is_tag_listing(r)]
            self.assertEqual(other, [], f"{name}: requests other than manifests and tag lists")
        manifests = [r for rs in seen.values() for r in rs if is_manifest(r)]
        self.assertLessEqual(len(manifests), 2 * tags, manifests)
        listings = [r for rs in seen.values() for r in rs if is_tag_listing(r)]
        self.assertLessEqual(len(listings), 4, listings)

    def test_dry_run_and_plan_write_nothing(self):
        p = self.prefix
        plan = self.write_plan(f"""\
  - name: app
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/app
  - name: subset
    source: {SRC.host}/corpus/alpine:3.20
    target: {DST.host}/{p}/slim
    platforms: [linux/arm/v7]
""")
        mark = ft.log_mark("dst")
        report = self.sync(plan, "--dry-run")
        planned = self.plan_json(plan)
        self.assertTrue(report["dryRun"])
        self.assertEqual(report["summary"]["new"], 7)
        self.assertEqual({i["action"] for i in report["images"]}, {"new"})
        self.assertEqual([i["action"] for i in planned["images"]], [i["action"] for i in report["images"]])
        writes = [r for r in under(p, ft.requests_since("dst", mark)) if r.method in WRITES]
        self.assertEqual(writes, [])
        self.assertEqual(tags_of(DST, f"{p}/app"), set())
        self.assertEqual(tags_of(DST, f"{p}/slim"), set())
        self.assertFalse((self.dir / ".plan.yaml.state.json").exists(), "dry run wrote the state file")

    # ------------------------------------------------------------------ plan errors

    def assert_located_error(self, body: str, line: int, needle: str):
        plan = self.write_plan(body, registries="")
        for verb in ("plan", "sync"):
            with self.subTest(verb=verb, needle=needle):
                _, err = self.ferry(verb, "-c", plan, want=EXIT.USAGE)
                located = re.findall(rf"{re.escape(str(plan))}:(\d+):(\d+): (.*)", err)
                self.assertTrue(located, f"no file:line:col in:\n{err}")
                self.assertIn(line, [int(l) for l, _, _ in located], err)
                self.assertIn(needle, err)
                self.assertNotIn("Traceback", err)

    def test_plan_errors_name_file_line_and_column(self):
        dst = f"{DST.host}/{self.prefix}"
        # version: 1 is line 1, sync: line 2, so the entry's keys start on line 3
        self.assert_located_error(f"""\
  - name: unknown-key
    source: {SRC.host}/corpus/app
    target: {dst}/a
    tagz: {{allow: ['^1']}}
""", 6, "tagz")
        self.assert_located_error(f"""\
  - name: bad-regex
    source: {SRC.host}/corpus/app
    target: {dst}/a
    tags:
      allow: ['^1', '([']
""", 7, "allow")
        self.assert_located_error(f"""\
  - name: bad-reference
    source: "{SRC.host}/corpus/App Name:1.0"
    target: {dst}/a
""", 4, "source")

    def test_all_plan_errors_are_reported_at_once_before_any_request(self):
        dst = f"{DST.host}/{self.prefix}"
        plan = self.write_plan(f"""\
  - name: a
    source: {SRC.host}/corpus/app
    target: {dst}/a
    polcy: missing
  - name: b
    source: {SRC.host}/corpus/app
    target: "{dst}/B@sha256:nothex"
    tags: {{deny: ['[z-a]']}}
""", registries="")
        mark = ft.log_mark("dst")
        _, err = self.ferry("sync", "-c", plan, want=EXIT.USAGE)
        lines = {int(l) for l in re.findall(rf"{re.escape(str(plan))}:(\d+):\d+: ", err)}
        self.assertTrue({6, 9, 10} <= lines, err)
        self.assertEqual(under(self.prefix, ft.requests_since("dst", mark)), [])

    # ------------------------------------------------------------------ failures

    def failing_plan(self):
        p = self.prefix
        return self.write_plan(f"""\
  - name: no-such-repo
    source: {SRC.host}/{p}/does-not-exist
    target: {DST.host}/{p}/never
  - name: no-such-tag
    source: {SRC.host}/corpus/app:9.9.9-absent
    target: {DST.host}/{p}/never-tag
  - name: good
    source: {SRC.host}/corpus/dockerlist
    target: {DST.host}/{p}/good
  - name: good-too
    source: {SRC.host}/corpus/single:1.0
    target: {DST.host}/{p}/good-too
""")

    def test_a_failing_entry_does_not_stop_the_others(self):
        # Both failures are something absent (a source repository, a source tag): exit 5, not 1.
        report = self.sync(self.failing_plan(), want=EXIT.NOT_FOUND)
        failed = {i["entry"]: i for i in report["images"] if i["action"] == "failed"}
        self.assertEqual(set(failed), {"no-such-repo", "no-such-tag"})
        for image in failed.values():
            self.assertTrue(image.get("error"), image)
            self.assertEqual(image.get("errorKind"), "not-found", image)
        self.assertEqual(failed["no-such-repo"]["target"], f"{DST.host}/{self.prefix}/never")
        self.assertEqual(failed["no-such-repo"]["error"].count("listing tags of"), 1, failed["no-such-repo"])
        self.assertEqual(report["summary"]["failed"], 2)
        self.assertEqual(report["summary"]["new"], 3)
        self.assert_arrived(f"{self.prefix}/good",
                            {t: self.corpus_digest("corpus/dockerlist", t) for t in ("1.0", "1.1")})
        self.assert_arrived(f"{self.prefix}/good-too", {"1.0": self.corpus_digest("corpus/single", "1.0")})

    def test_fail_fast_stops_at_the_first_failure(self):
        report = self.sync(self.failing_plan(), "--fail-fast", "--jobs", "1", want=EXIT.NOT_FOUND)
        self.assertGreaterEqual(report["summary"]["failed"], 1)
        self.assertEqual(report["summary"]["new"], 0, "images copied after the first failure")
        self.assertEqual(tags_of(DST, f"{self.prefix}/good"), set())
        self.assertEqual(tags_of(DST, f"{self.prefix}/good-too"), set())

    # ------------------------------------------------------------------ shards

    def test_shards_run_one_after_another_cover_the_plan_exactly_once(self):
        p = self.prefix
        plan = self.write_plan(f"""\
  - name: alpine
    source: {SRC.host}/corpus/alpine
    target: {DST.host}/{p}/alpine
  - name: app
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/app
  - name: single
    source: {SRC.host}/corpus/single:1.0
    target: {DST.host}/{p}/single
  - name: namespace
    source: {SRC.host}/corpus/*
    target: {DST.host}/{p}/ns/
    repos: {{deny: ['^many-tags$']}}
""")
        everything = [(i["entry"], i["source"], i["target"]) for i in self.plan_json(plan)["images"]]
        self.assertEqual(len(everything), len(set(everything)))
        self.assertEqual(len(everything), 4 + 6 + 1 + 14)
        done = []
        for index in range(3):
            report = self.sync(plan, "--shard", f"{index}/3")
            self.assertEqual(report["summary"]["failed"], 0)
            self.assertEqual(report["summary"]["new"], report["summary"]["images"])
            done += [(i["entry"], i["source"], i["target"]) for i in report["images"]]
        self.assertEqual(len(done), len(set(done)), "an image synced by two shards")
        self.assertEqual(sorted(done), sorted(everything))
        for _, source, target in everything:
            self.assertEqual(ft.skopeo_digest(target), ft.skopeo_digest(source), target)
        self.assertEqual(self.sync(plan)["summary"]["unchanged"], len(everything))

    def test_invalid_shard_is_a_usage_error(self):
        plan = self.write_plan(f"""\
  - name: single
    source: {SRC.host}/corpus/single:1.0
    target: {DST.host}/{self.prefix}/single
""")
        for shard in ("3/3", "1/0", "x/2"):
            with self.subTest(shard=shard):
                rc, _, err = ft.run_ferry("sync", "-c", plan, "--shard", shard)
                self.assertNotEqual(rc, EXIT.OK, err)
                self.assertIn("shard", err)


if __name__ == "__main__":
    unittest.main()
