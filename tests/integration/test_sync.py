"""Acceptance tests of `ferry sync` / `ferry plan` against real docker-registry instances, with
skopeo and the registries' access logs as referees: tag selection, namespace sources, the
TLS+htpasswd registry, policies (missing, changed, immutable) and platform subsets with a state
file. Reruns, dry runs, plan errors, failures and shards: test_sync_runs.py.

Every test writes its own plan into a temporary directory and uses a unique repository prefix
on dst (and, where it must move tags or count source requests, on src); corpus/* is only read."""
import json
import unittest

import ferrytest as ft
from sync_support import (APP_TAGS, DST, EXIT, PLAIN_REGISTRIES, SRC, TLS, TLS_PASSWORD_ENV, WRITES, SyncCase,
                          is_tag_listing, tags_of, under, without_referrers_probe)


class SyncTest(SyncCase):
    # ------------------------------------------------------------------ selection

    def test_selected_tags_arrive_with_source_digests_and_nothing_else(self):
        p = self.prefix
        plan = self.write_plan(f"""\
  - name: allow
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/allow
    tags: {{allow: ['^v?[0-9]']}}
  - name: deny
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/deny
    tags: {{deny: ['-rc', '^latest$']}}
  - name: semver
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/semver
    tags: {{semver: ">=1.0.0 <2.0.0"}}
  - name: semver-pre
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/semver-pre
    tags: {{semver: "^1.0.0", include_prerelease: true}}
  - name: semver-v
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/semver-v
    tags: {{semver: ">=2.1"}}
  - name: newest
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/newest
    tags: {{newest: 2}}
  - name: all-steps
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/all-steps
    tags: {{allow: ['^v?[12]'], deny: ['^1\\.0'], semver: "*", newest: 2}}
""")
        want = {
            "allow": {"1.0.0", "1.1.0", "1.2.0-rc1", "2.0.0", "v2.1.0"},
            "deny": {"1.0.0", "1.1.0", "2.0.0", "v2.1.0"},
            "semver": {"1.0.0", "1.1.0"},
            "semver-pre": {"1.0.0", "1.1.0", "1.2.0-rc1"},
            "semver-v": {"v2.1.0"},
            "newest": {"v2.1.0", "2.0.0"},
            "all-steps": {"v2.1.0", "2.0.0"},
        }
        planned = self.plan_json(plan)
        for name, tags in want.items():
            with self.subTest(plan_entry=name):
                got = {i["target"].rsplit(":", 1)[1] for i in planned["images"] if i["entry"] == name}
                self.assertEqual(got, tags)
                dropped = {f["tag"] for f in planned["filtered"] if f["entry"] == name}
                self.assertEqual(dropped, APP_TAGS - tags, "filtered tags")
        self.assertEqual(tags_of(DST, f"{p}/allow"), set(), "ferry plan wrote something")

        report = self.sync(plan)
        self.assertEqual(report["summary"]["failed"], 0)
        self.assertEqual(report["summary"]["new"], sum(map(len, want.values())))
        for name, tags in want.items():
            with self.subTest(entry=name):
                self.assert_arrived(f"{p}/{name}", {t: self.app_digest(t) for t in tags})
        for image in report["images"]:
            tag = image["target"].rsplit(":", 1)[1]
            self.assertEqual(image["action"], "new")
            self.assertEqual(image["sourceDigest"], self.app_digest(tag))
            self.assertEqual(image["targetDigest"], self.app_digest(tag))
            self.assertEqual(image["previousDigest"], "")

    def test_single_image_source_renamed_on_the_way(self):
        p = self.prefix
        plan = self.write_plan(f"""\
  - name: single
    source: {SRC.host}/corpus/single:1.0-docker
    target: {DST.host}/{p}/single:stable
  - name: by-digest
    source: {SRC.host}/corpus/alpine@{self.corpus_digest('corpus/alpine', '3.19')}
    target: {DST.host}/{p}/pinned:3.19
""")
        report = self.sync(plan)
        self.assertEqual(report["summary"]["new"], 2)
        self.assert_arrived(f"{p}/single", {"stable": self.corpus_digest("corpus/single", "1.0-docker")})
        self.assert_arrived(f"{p}/pinned", {"3.19": self.corpus_digest("corpus/alpine", "3.19")})

    def test_namespace_source_lands_every_repository_under_the_prefix(self):
        p = self.prefix
        plan = self.write_plan(f"""\
  - name: corpus
    source: {SRC.host}/corpus/*
    target: {DST.host}/{p}/
    repos: {{deny: ['^many-tags$']}}
""")
        report = self.sync(plan)
        self.assertEqual(report["summary"]["failed"], 0)
        expected = {repo: entry for repo, entry in self.corpus["repositories"].items()
                    if repo != "corpus/many-tags"}
        self.assertEqual(len(expected), 4)
        for repo, entry in expected.items():
            with self.subTest(repo=repo):
                self.assert_arrived(f"{p}/{repo}", {t: d["digest"] for t, d in entry["tags"].items()})
        self.assertEqual(tags_of(DST, f"{p}/corpus/many-tags"), set())
        self.assertIn(f"{SRC.host}/corpus/many-tags", {f["repository"] for f in report["filtered"]})
        targets = {i["target"].rsplit(":", 1)[0] for i in report["images"]}
        self.assertEqual(targets, {f"{DST.host}/{p}/{repo}" for repo in expected})

    # ------------------------------------------------------------------ TLS + htpasswd

    def test_tls_htpasswd_registry_as_source_and_target_without_leaking_the_password(self):
        p = self.prefix
        registries = PLAIN_REGISTRIES + f"""\
  "{TLS.host}":
    ca_file: {ft.CA_FILE}
    credentials: {{username: {TLS.user}, password_env: {TLS_PASSWORD_ENV}}}
"""
        plan = self.write_plan(f"""\
  - name: from-tls
    source: {TLS.host}/corpus/alpine
    target: {DST.host}/{p}/from-tls
    tags: {{allow: ['^3\\.1']}}
  - name: to-tls
    source: {SRC.host}/corpus/dockerlist
    target: {TLS.host}/{p}/to-tls
""", registries)
        env = {TLS_PASSWORD_ENV: TLS.password}
        report_path = self.dir / "report.json"
        out, err = self.ferry("--log-level", "debug", "sync", "-c", plan, "--report", report_path, env=env)
        report_text = report_path.read_text()
        for where, text in (("stdout", out), ("stderr", err), ("report", report_text)):
            self.assertNotIn(TLS.password, text, f"password in {where}")
            self.assertEqual(ft.secret_leaks(text), [], f"secret in {where}")
        self.assertIn(TLS.host, err, "debug log names no request to the TLS registry")
        report = json.loads(report_text)
        self.assertEqual(report["summary"]["failed"], 0, report_text)
        self.assertEqual(report["summary"]["new"], 4)
        tls_tags = self.tls_corpus["repositories"]["corpus/alpine"]["tags"]
        self.assert_arrived(f"{p}/from-tls", {t: tls_tags[t]["digest"] for t in ("3.18", "3.19")})
        for tag in ("1.0", "1.1"):
            got = ft.skopeo_digest(f"{TLS.host}/{p}/to-tls:{tag}", creds=TLS.creds, tls_verify=True,
                                   cert_dir=ft.CERT_DIR)
            self.assertEqual(got, self.corpus_digest("corpus/dockerlist", tag))

    def test_tls_registry_without_the_password_fails_the_entry_not_the_plan(self):
        p = self.prefix
        registries = PLAIN_REGISTRIES + f"""\
  "{TLS.host}":
    ca_file: {ft.CA_FILE}
    credentials: {{username: {TLS.user}, password_env: {TLS_PASSWORD_ENV}}}
"""
        plan = self.write_plan(f"""\
  - name: from-tls
    source: {TLS.host}/corpus/single
    target: {DST.host}/{p}/from-tls
  - name: plain
    source: {SRC.host}/corpus/single:1.0
    target: {DST.host}/{p}/plain
""", registries)
        # every failure is an authentication failure: exit 6 (issue 18), the other entry synced
        report = self.sync(plan, want=EXIT.AUTH, env={TLS_PASSWORD_ENV: "wrong-" + TLS.password})
        self.assertNotIn("wrong-" + TLS.password, json.dumps(report))
        failed = [i for i in report["images"] if i["action"] == "failed"]
        self.assertEqual({i["entry"] for i in failed}, {"from-tls"})
        self.assertEqual(failed[0].get("errorKind"), "auth", failed[0])
        self.assert_arrived(f"{p}/plain", {"1.0": self.corpus_digest("corpus/single", "1.0")})

    # ------------------------------------------------------------------ policies

    def test_missing_policy_asks_nothing_about_tags_already_at_the_target(self):
        p = self.prefix
        first = self.write_plan(f"""\
  - name: app
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/app
    tags: {{allow: ['^1\\.0\\.0$']}}
""", name="first.yaml")
        self.sync(first)
        plan = self.write_plan(f"""\
  - name: app
    source: {SRC.host}/corpus/app
    target: {DST.host}/{p}/app
    policy: missing
    tags: {{allow: ['^1\\.[01]\\.0$']}}
""")
        mark = ft.log_mark("dst")
        report = self.sync(plan)
        actions = {i["target"].rsplit(":", 1)[1]: i["action"] for i in report["images"]}
        self.assertEqual(actions, {"1.0.0": "unchanged", "1.1.0": "new"})
        seen = under(p, ft.requests_since("dst", mark))
        self.assertEqual([r for r in seen if "/manifests/1.0.0" in r.path], [],
                         "a request about the tag already present")
        self.assertEqual(sum(map(is_tag_listing, seen)), 1, seen)
        self.assert_arrived(f"{p}/app", {t: self.app_digest(t) for t in ("1.0.0", "1.1.0")})

        mark = ft.log_mark("dst")
        report = self.sync(plan)
        self.assertEqual({i["action"] for i in report["images"]}, {"unchanged"})
        seen = under(p, ft.requests_since("dst", mark))
        self.assertEqual([(r.method, r.path.split("?")[0]) for r in seen], [("GET", f"/v2/{p}/app/tags/list")])

    def test_missing_policy_never_overwrites_an_image_source_tag_present_at_the_target(self):
        p = self.prefix
        self.scratch_copy(f"{SRC.host}/corpus/alpine:3.18", f"{DST.host}/{p}/moving:current")
        self.scratch_copy(f"{SRC.host}/corpus/alpine:3.19", f"{DST.host}/{p}/kept:current")
        plan = self.write_plan(f"""\
  - name: image
    source: {DST.host}/{p}/moving:current
    target: {DST.host}/{p}/kept
    policy: missing
""")
        mark = ft.log_mark("dst")
        image = self.sync(plan)["images"][0]
        self.assertEqual(image["action"], "unchanged")
        writes = [r for r in under(f"{p}/kept", ft.requests_since("dst", mark)) if r.method in WRITES]
        self.assertEqual(writes, [])
        self.assert_arrived(f"{p}/kept", {"current": self.corpus_digest("corpus/alpine", "3.19")})

    def moving_tag_setup(self, policy: str):
        """A scratch source tag dst/P/moving:current at alpine 3.18 and a plan mirroring it to
        dst/P/mirror under `policy`; returns the plan."""
        p = self.prefix
        self.scratch_copy(f"{SRC.host}/corpus/alpine:3.18", f"{DST.host}/{p}/moving:current")
        return self.write_plan(f"""\
  - name: moving
    source: {DST.host}/{p}/moving
    target: {DST.host}/{p}/mirror
    policy: {policy}
""")

    def move_source_tag(self):
        self.scratch_copy(f"{SRC.host}/corpus/alpine:3.19", f"{DST.host}/{self.prefix}/moving:current")

    def test_changed_policy_follows_a_tag_moved_at_the_source(self):
        plan = self.moving_tag_setup("changed")
        old, new = self.corpus_digest("corpus/alpine", "3.18"), self.corpus_digest("corpus/alpine", "3.19")
        self.assertEqual(self.sync(plan)["images"][0]["action"], "new")
        self.move_source_tag()
        report = self.sync(plan)
        image = report["images"][0]
        self.assertEqual((image["action"], image["previousDigest"], image["targetDigest"]),
                         ("changed", old, new))
        self.assert_arrived(f"{self.prefix}/mirror", {"current": new})

    def test_immutable_policy_reports_a_moved_tag_as_a_conflict_and_keeps_the_target(self):
        plan = self.moving_tag_setup("immutable")
        old, new = self.corpus_digest("corpus/alpine", "3.18"), self.corpus_digest("corpus/alpine", "3.19")
        self.sync(plan)
        self.assertEqual(self.sync(plan)["images"][0]["action"], "unchanged")
        self.move_source_tag()
        mark = ft.log_mark("dst")
        report = self.sync(plan, want=EXIT.CONFLICT)
        image = report["images"][0]
        self.assertEqual(image["action"], "conflict")
        self.assertEqual((image["sourceDigest"], image["previousDigest"]), (new, old))
        self.assertEqual(report["summary"]["conflicts"], 1)
        writes = [r for r in under(f"{self.prefix}/mirror", ft.requests_since("dst", mark)) if r.method in WRITES]
        self.assertEqual(writes, [])
        self.assert_arrived(f"{self.prefix}/mirror", {"current": old})

    # ------------------------------------------------------------------ platform subsets

    def test_platform_subset_builds_an_index_of_the_chosen_platforms_and_reruns_head_only(self):
        p = self.prefix
        self.scratch_copy(f"{SRC.host}/corpus/alpine:3.20", f"{SRC.host}/{p}/alpine:3.20")
        state = self.dir / "state.json"
        plan = self.write_plan(f"""\
  - name: slim
    source: {SRC.host}/{p}/alpine
    target: {DST.host}/{p}/slim
    platforms: [linux/amd64, linux/arm64]
""")
        report = self.sync(plan, "--state", state)
        image = report["images"][0]
        self.assertEqual(image["action"], "new")
        self.assertTrue(image["builtSubset"])
        self.assertEqual(image["sourceDigest"], self.corpus_digest("corpus/alpine", "3.20"))
        self.assertNotEqual(image["targetDigest"], image["sourceDigest"])
        raw = ft.skopeo_raw(f"{DST.host}/{p}/slim:3.20")
        self.assertEqual(ft.sha256_digest(raw), image["targetDigest"])
        platforms = {"/".join(filter(None, (m["platform"]["os"], m["platform"]["architecture"],
                                            m["platform"].get("variant"))))
                     for m in json.loads(raw)["manifests"]}
        self.assertEqual(platforms, {"linux/amd64", "linux/arm64/v8"})
        self.assertTrue(state.exists(), "no state file written")

        marks = {name: ft.log_mark(name) for name in ("src", "dst")}
        report = self.sync(plan, "--state", state)
        image = report["images"][0]
        self.assertEqual(image["action"], "unchanged")
        self.assertEqual(image["targetDigest"], ft.sha256_digest(raw))
        for name in ("src", "dst"):
            requests = without_referrers_probe(self, under(p, ft.requests_since(name, marks[name])))
            manifests = [r for r in requests if not is_tag_listing(r)]
            self.assertTrue(manifests, f"no request at {name}")
            self.assertEqual({r.method for r in manifests}, {"HEAD"}, f"{name}: {manifests}")


if __name__ == "__main__":
    unittest.main()
