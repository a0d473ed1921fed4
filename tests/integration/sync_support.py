"""Shared ground of the `ferry sync` / `ferry plan` acceptance tests (test_sync.py and
test_sync_runs.py): the registries, filters over their access logs, and SyncCase, whose helpers
write plans into a private directory, run ferry (refusing any secret in its output) and check
with skopeo what arrived."""
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


class SyncCase(unittest.TestCase):
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
