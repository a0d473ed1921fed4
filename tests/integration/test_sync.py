"""Acceptance tests of `ferry sync` / `ferry plan` against real docker-registry instances, with
skopeo and the registries' access logs as referees: tag selection, namespace sources, the
TLS+htpasswd registry, policies (missing, changed, immutable), platform subsets with a state
file, request-frugal no-op runs, located plan errors, failure isolation, shards and dry runs.

Every test writes its own plan into a temporary directory and uses a unique repository prefix
on dst (and, where it must move tags or count source requests, on src); corpus/* is only read."""
import json
import os
import re
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
TLS = ft.REGISTRIES["tls"]
EXIT = ft.EXIT  # cli/exit_codes.hpp
APP_TAGS = {"1.0.0", "1.1.0", "1.2.0-rc1", "2.0.0", "v2.1.0", "latest"}
TLS_PASSWORD_ENV = "FERRY_IT_SYNC_TLS_PASSWORD"
WRITES = ("PUT", "POST", "PATCH", "DELETE")

PLAIN_REGISTRIES = ft.plain_registries(SRC.host, DST.host)


def tags_of(reg: ft.Registry, repo: str) -> set:
    """The repository's tags as skopeo lists them; empty when the registry does not know it."""
    try:
        with urllib.request.urlopen(reg.url(f"/v2/{repo}/tags/list"), timeout=10) as r:
            if not json.loads(r.read()).get("tags"):
                return set()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return set()
        raise
    out = ft.skopeo("list-tags", "--tls-verify=false", f"docker://{reg.host}/{repo}").stdout
    return set(json.loads(out)["Tags"])


def under(prefix: str, requests: list) -> list:
    """The requests whose path names a repository below `prefix`."""
    return [r for r in requests if r.path.startswith(f"/v2/{prefix}/")]


def is_manifest(r: ft.Request) -> bool:
    return "/manifests/" in r.path


def is_tag_listing(r: ft.Request) -> bool:
    return r.method == "GET" and re.search(r"/tags/list(\?|$)", r.path) is not None


def is_referrers_probe(r: ft.Request) -> bool:
    """ferry asks each source host once per run whether it has the referrers API (2.8: 404)."""
    return r.method == "GET" and "/referrers/" in r.path and r.status == 404


def without_referrers_probe(test: unittest.TestCase, requests: list) -> list:
    """`requests` minus the referrers API probe, which must happen at most once."""
    probes = [r for r in requests if is_referrers_probe(r)]
    test.assertLessEqual(len(probes), 1, probes)
    return [r for r in requests if not is_referrers_probe(r)]


class SyncTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst", "tls")
        cls.corpus = ft.corpus("src")
        cls.tls_corpus = ft.corpus("tls")

    def setUp(self):
        self.dir = ft.temp_dir()
        self.prefix = ft.unique_repo("tsync")

    # ------------------------------------------------------------------ helpers

    def write_plan(self, body: str, registries: str = PLAIN_REGISTRIES, name="plan.yaml") -> Path:
        return ft.write_plan(self.dir / name, body, registries)

    def ferry(self, *args, want=EXIT.OK, env=None):
        rc, out, err = ft.run_ferry(*args, env=env)
        self.assertEqual(ft.secret_leaks(out + err), [], f"secret in the output of ferry {args}")
        self.assertEqual(rc, want, f"ferry {' '.join(map(str, args))} exited {rc}, want {want}:\n{out}\n{err}")
        return out, err

    def sync(self, plan: Path, *args, want=EXIT.OK, env=None) -> dict:
        """Runs `ferry sync -c plan ARGS --report R` and returns the parsed report."""
        report = self.dir / f"report-{os.urandom(4).hex()}.json"
        self.ferry("sync", "-c", plan, "--report", report, *args, want=want, env=env)
        text = report.read_text()
        self.assertEqual(ft.secret_leaks(text), [], "secret in the report")
        return json.loads(text)

    def plan_json(self, plan: Path, *args, want=EXIT.OK) -> dict:
        out, _ = self.ferry("plan", "-c", plan, "--output", "json", *args, want=want)
        return json.loads(out)

    def app_digest(self, tag):
        return self.corpus["repositories"]["corpus/app"]["tags"][tag]["digest"]

    def corpus_digest(self, repo, tag):
        return self.corpus["repositories"][repo]["tags"][tag]["digest"]

    def assert_arrived(self, repo, want: dict):
        """dst/repo holds exactly the tags of `want` ({tag: digest}), each with that digest."""
        self.assertEqual(tags_of(DST, repo), set(want), f"tags of {repo}")
        for tag, digest in want.items():
            self.assertEqual(ft.skopeo_digest(f"{DST.host}/{repo}:{tag}"), digest, f"{repo}:{tag}")

    def by_target(self, report) -> dict:
        return {i["target"]: i for i in report["images"]}

    def scratch_copy(self, source: str, target: str):
        """skopeo copy --all --preserve-digests between the plain registries (scratch repos)."""
        ft.skopeo_copy(source, target)

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
