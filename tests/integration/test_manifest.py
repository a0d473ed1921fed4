"""Acceptance tests of `ferry manifest create | inspect | push -c` against real docker-registry
instances, with skopeo as the referee: an index assembled from images in three places (the target
repository, another repository of the target registry, another registry), platforms read from the
image configs, OCI and Docker formats, idempotent reruns (no PUT), duplicate-platform and
missing-source errors, --append, --platform-for, and a plan's `manifests:` section."""
import json
import urllib.parse
import unittest
from pathlib import Path

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
PLATFORMS = ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
EXIT = ft.EXIT  # cli/exit_codes.hpp
WRITES = ("PUT", "POST", "PATCH", "DELETE")


def platform_of(entry: dict) -> str:
    p = entry["platform"]
    return "/".join(x for x in (p["os"], p["architecture"], p.get("variant")) if x)


class ManifestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        cls.corpus = ft.corpus("src")

    # ------------------------------------------------------------------ helpers

    def ferry(self, *args, want=0, insecure=True, **kwargs):
        """Runs ferry (the local plain-HTTP registries marked insecure unless told otherwise) and
        asserts the exit code."""
        flags = ["--insecure-registry", SRC.host, "--insecure-registry", DST.host] if insecure else []
        rc, out, err = ft.run_ferry(*flags, *args, **kwargs)
        self.assertEqual(rc, want, f"ferry {' '.join(map(str, args))} exited {rc}, want {want}:\n{out}\n{err}")
        return out, err

    def create_json(self, target, *sources_and_flags) -> dict:
        out, _ = self.ferry("manifest", "create", target, *sources_and_flags, "--output", "json")
        return json.loads(out)

    def child(self, repo, tag, platform) -> dict:
        entries = self.corpus["repositories"][repo]["tags"][tag]["manifests"]
        return next(m for m in entries if m["platform"] == platform)

    def place_sources(self, repo, corpus_repo="corpus/alpine", tag="3.19") -> dict:
        """amd64 at DST/repo/app:1.0-amd64, arm64 at DST/repo/other:arm64 (another repository),
        arm/v7 left on SRC (another registry), addressed by digest. Returns platform -> source."""
        amd, arm, v7 = (self.child(corpus_repo, tag, p) for p in PLATFORMS)
        self.ferry("copy", f"{SRC.host}/{corpus_repo}@{amd['digest']}", f"{DST.host}/{repo}/app:1.0-amd64")
        self.ferry("copy", f"{SRC.host}/{corpus_repo}@{arm['digest']}", f"{DST.host}/{repo}/other:arm64")
        return {"linux/amd64": f"{DST.host}/{repo}/app:1.0-amd64",
                "linux/arm64/v8": f"docker://{DST.host}/{repo}/other:arm64",
                "linux/arm/v7": f"{SRC.host}/{corpus_repo}@{v7['digest']}"}

    def raw_index(self, ref) -> dict:
        raw = ft.skopeo_raw(ref)
        doc = json.loads(raw)
        doc["_digest"] = ft.sha256_digest(raw)
        return doc

    def assert_no_writes(self, mark_dst, mark_src):
        for name, mark in (("dst", mark_dst), ("src", mark_src)):
            writes = [f"{r.method} {r.path}" for r in ft.requests_since(name, mark) if r.method in WRITES]
            self.assertEqual(writes, [], f"requests that write on {name}")

    # ------------------------------------------------------------------ create: OCI

    def test_oci_index_from_images_in_three_places(self):
        repo = ft.unique_repo("manifest")
        sources = self.place_sources(repo)
        target = f"{DST.host}/{repo}/app:1.0"
        mark = ft.log_mark("dst")
        result = self.create_json(target, *sources.values(),
                                  "--annotation", "org.opencontainers.image.version=1.0")
        requests = ft.requests_since("dst", mark)

        index = self.raw_index(target)
        self.assertEqual(index["_digest"], result["digest"])
        self.assertEqual(index["mediaType"], OCI_INDEX)
        self.assertEqual(index["annotations"], {"org.opencontainers.image.version": "1.0"})
        self.assertEqual([platform_of(m) for m in index["manifests"]], PLATFORMS)
        for entry in index["manifests"]:
            want = self.child("corpus/alpine", "3.19", platform_of(entry))
            self.assertEqual((entry["digest"], entry["size"]), (want["digest"], want["size"]))
            raw = ft.skopeo_raw(f"{DST.host}/{repo}/app@{entry['digest']}")
            self.assertEqual(ft.sha256_digest(raw), entry["digest"], "child missing in the target repository")
        self.assertEqual([m["source"] for m in result["manifests"]], list(sources.values()))

        mounts = [r for r in requests if r.method == "POST" and "mount=" in r.path and r.status == 201]
        self.assertTrue(any(urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query).get("from") == [f"{repo}/other"]
                            for r in mounts), "the arm64 blobs were not mounted from the other repository")
        puts = [r.path for r in requests if r.method == "PUT" and "/manifests/" in r.path]
        self.assertEqual(puts[-1], f"/v2/{repo}/app/manifests/1.0", "the tag must be pushed last")

        # A client picking arm64/v8 from the new index gets exactly the arm64 image.
        layout = ft.temp_dir() / "arm64"
        ft.skopeo("copy", "--src-tls-verify=false", "--override-arch", "arm64", "--override-variant", "v8",
                  f"docker://{target}", f"oci:{layout}:x")
        ref = json.loads((layout / "index.json").read_text())["manifests"][0]
        want = self.child("corpus/alpine", "3.19", "linux/arm64/v8")
        self.assertEqual(ref["digest"], want["digest"])
        pulled = json.loads((layout / "blobs" / "sha256" / ref["digest"].split(":")[1]).read_bytes())
        self.assertEqual(pulled["config"]["digest"], want["config"])

    def test_second_run_writes_nothing(self):
        repo = ft.unique_repo("manifest")
        sources = self.place_sources(repo)
        target = f"{DST.host}/{repo}/app:1.0"
        first = self.create_json(target, *sources.values())
        self.assertFalse(first["unchanged"])
        mark_dst, mark_src = ft.log_mark("dst"), ft.log_mark("src")
        out, _ = self.ferry("manifest", "create", target, *sources.values())
        self.assertIn("nothing written", out)
        self.assertIn(first["digest"], out)
        self.assert_no_writes(mark_dst, mark_src)
        self.assertEqual(ft.skopeo_digest(target), first["digest"])

    def test_an_index_source_brings_its_entries(self):
        repo = ft.unique_repo("manifest")
        source = self.corpus["repositories"]["corpus/app"]["tags"]["1.0.0"]
        target = f"{DST.host}/{repo}/app:from-index"
        mark = ft.log_mark("dst")
        out, _ = self.ferry("manifest", "create", "--dry-run", target, f"{SRC.host}/corpus/app:1.0.0")
        self.assertIn("would push", out)
        self.assert_no_writes(mark, ft.log_mark("src"))
        result = self.create_json(target, f"{SRC.host}/corpus/app:1.0.0")
        index = self.raw_index(target)
        self.assertEqual(index["_digest"], result["digest"])
        self.assertEqual([(m["digest"], platform_of(m)) for m in index["manifests"]],
                         [(m["digest"], m["platform"]) for m in source["manifests"]])

    def test_platform_for_overrides_the_image_config(self):
        repo = ft.unique_repo("manifest")
        amd = self.child("corpus/alpine", "3.19", "linux/amd64")
        source = f"{SRC.host}/corpus/alpine@{amd['digest']}"
        target = f"{DST.host}/{repo}/app:1.0"
        self.create_json(target, source, "--platform-for", f"{source}=linux/riscv64")
        index = self.raw_index(target)
        self.assertEqual([platform_of(m) for m in index["manifests"]], ["linux/riscv64"])
        _, err = self.ferry("manifest", "create", target, source, "--platform-for",
                            f"{SRC.host}/elsewhere:1=linux/amd64", want=EXIT.INVALID_INPUT)
        self.assertIn("not one of the sources", err)

    # ------------------------------------------------------------------ create: Docker

    def test_docker_manifest_list_from_docker_images(self):
        repo = ft.unique_repo("manifest")
        sources = self.place_sources(repo, "corpus/dockerlist", "1.0")
        target = f"{DST.host}/{repo}/app:1.0"
        result = self.create_json(target, *sources.values(), "--format", "docker")
        index = self.raw_index(target)
        self.assertEqual(index["_digest"], result["digest"])
        self.assertEqual(index["mediaType"], DOCKER_LIST)
        self.assertNotIn("annotations", index)
        self.assertEqual([platform_of(m) for m in index["manifests"]], PLATFORMS)
        self.assertEqual({m["mediaType"] for m in index["manifests"]}, {DOCKER_MANIFEST})
        for entry in index["manifests"]:
            self.assertEqual(entry["digest"], self.child("corpus/dockerlist", "1.0", platform_of(entry))["digest"])
        layout = ft.temp_dir() / "arm64"
        ft.skopeo("copy", "--src-tls-verify=false", "--override-arch", "arm64", "--override-variant", "v8",
                  f"docker://{target}", f"oci:{layout}:x")

    def test_docker_format_refuses_oci_children_and_annotations(self):
        repo = ft.unique_repo("manifest")
        docker_amd = self.child("corpus/dockerlist", "1.0", "linux/amd64")
        oci_arm = self.child("corpus/alpine", "3.19", "linux/arm64/v8")
        target = f"{DST.host}/{repo}/app:1.0"
        oci_source = f"{SRC.host}/corpus/alpine@{oci_arm['digest']}"
        docker_source = f"{SRC.host}/corpus/dockerlist@{docker_amd['digest']}"
        mark = ft.log_mark("dst")
        _, err = self.ferry("manifest", "create", "--format", "docker", target, docker_source, oci_source,
                            want=EXIT.INVALID_INPUT)
        self.assertIn(f"{oci_source} is an OCI manifest", err)
        _, err = self.ferry("manifest", "create", "--format", "docker", "--annotation", "a=b", target,
                            docker_source, want=EXIT.INVALID_INPUT)
        self.assertIn("annotations", err)
        self.assert_no_writes(mark, ft.log_mark("src"))

    # ------------------------------------------------------------------ errors

    def test_duplicate_platform_names_both_sources(self):
        repo = ft.unique_repo("manifest")
        first = f"{SRC.host}/corpus/alpine@{self.child('corpus/alpine', '3.19', 'linux/amd64')['digest']}"
        second = f"{SRC.host}/corpus/app@{self.child('corpus/app', '1.0.0', 'linux/amd64')['digest']}"
        mark = ft.log_mark("dst")
        _, err = self.ferry("manifest", "create", f"{DST.host}/{repo}/app:1.0", first, second,
                            want=EXIT.INVALID_INPUT)
        self.assertIn(f"duplicate platform linux/amd64: {first} and {second}", err)
        self.assert_no_writes(mark, ft.log_mark("src"))

    def test_missing_source_fails_unless_ignored(self):
        repo = ft.unique_repo("manifest")
        sources = self.place_sources(repo)
        missing = f"{SRC.host}/corpus/alpine:no-such-tag"
        target = f"{DST.host}/{repo}/app:1.0"
        _, err = self.ferry("manifest", "create", target, sources["linux/amd64"], missing, want=EXIT.NOT_FOUND)
        self.assertIn(f"source {missing} not found", err)
        rc, _, _ = ft.run_ferry("--insecure-registry", DST.host, "inspect", f"docker://{target}")
        self.assertEqual(rc, EXIT.NOT_FOUND, "nothing may be tagged after a failure")
        out, err = self.ferry("manifest", "create", target, sources["linux/amd64"], missing,
                              sources["linux/arm/v7"], "--ignore-missing", "--output", "json")
        self.assertIn(missing, err)
        result = json.loads(out)
        self.assertEqual(len(result["warnings"]), 1)
        self.assertEqual([platform_of(m) for m in self.raw_index(target)["manifests"]],
                         ["linux/amd64", "linux/arm/v7"])

    # ------------------------------------------------------------------ append

    def test_append_replaces_one_platform_and_keeps_the_rest(self):
        repo = ft.unique_repo("manifest")
        sources = self.place_sources(repo)
        target = f"{DST.host}/{repo}/app:1.0"
        before = self.create_json(target, *sources.values())
        newer_arm = self.child("corpus/alpine", "3.20", "linux/arm64/v8")
        new_source = f"{SRC.host}/corpus/alpine@{newer_arm['digest']}"
        after = self.create_json(target, new_source, "--append")
        self.assertNotEqual(after["digest"], before["digest"])
        self.assertEqual(after["previousDigest"], before["digest"])
        index = self.raw_index(target)
        self.assertEqual(index["_digest"], after["digest"])
        got = {platform_of(m): m["digest"] for m in index["manifests"]}
        self.assertEqual(list(got), PLATFORMS, "the replacement keeps its place")
        self.assertEqual(got["linux/arm64/v8"], newer_arm["digest"])
        for platform in ("linux/amd64", "linux/arm/v7"):
            self.assertEqual(got[platform], self.child("corpus/alpine", "3.19", platform)["digest"])
        mark_dst, mark_src = ft.log_mark("dst"), ft.log_mark("src")
        again = self.create_json(target, new_source, "--append")
        self.assertTrue(again["unchanged"])
        self.assert_no_writes(mark_dst, mark_src)

    # ------------------------------------------------------------------ inspect

    def test_inspect_lists_platform_digest_size_media_type_and_annotations(self):
        repo = ft.unique_repo("manifest")
        sources = self.place_sources(repo)
        target = f"{DST.host}/{repo}/app:1.0"
        self.create_json(target, *sources.values(), "--annotation", "org.example.team=infra")
        index = self.raw_index(target)
        out, _ = self.ferry("manifest", "inspect", target, "--output", "json")
        got = json.loads(out)
        self.assertEqual(got["digest"], index["_digest"])
        self.assertEqual(got["annotations"], {"org.example.team": "infra"})
        self.assertEqual([(m["platform"], m["digest"], m["size"], m["mediaType"]) for m in got["manifests"]],
                         [(platform_of(m), m["digest"], m["size"], m["mediaType"]) for m in index["manifests"]])
        out, _ = self.ferry("manifest", "inspect", target)
        self.assertIn("PLATFORM", out)
        self.assertIn("org.example.team=infra", out)
        for entry in index["manifests"]:
            row = next(l for l in out.splitlines() if entry["digest"] in l)
            self.assertEqual(row.split()[:4], [platform_of(entry), entry["digest"], str(entry["size"]),
                                               entry["mediaType"]])

    # ------------------------------------------------------------------ push -c PLAN

    def test_push_runs_the_plans_manifests_section(self):
        repo = ft.unique_repo("manifest")
        sources = self.place_sources(repo)
        plan = Path(ft.temp_dir()) / "plan.yaml"
        plan.write_text(f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
manifests:
  - target: {DST.host}/{repo}/app:2.0
    format: oci
    annotations:
      org.opencontainers.image.version: "2.0"
    images:
      - {sources['linux/amd64']}
      - image: {sources['linux/arm64/v8'].removeprefix('docker://')}
        platform: linux/arm64/v8
      - {sources['linux/arm/v7']}
      - {SRC.host}/corpus/alpine:not-there
    ignore_missing: true
""")
        out, err = self.ferry("manifest", "push", "-c", plan, insecure=False)
        self.assertIn("pushed", out)
        self.assertIn("not-there", err)
        index = self.raw_index(f"{DST.host}/{repo}/app:2.0")
        self.assertEqual([platform_of(m) for m in index["manifests"]], PLATFORMS)
        self.assertEqual(index["annotations"], {"org.opencontainers.image.version": "2.0"})
        mark_dst, mark_src = ft.log_mark("dst"), ft.log_mark("src")
        out, _ = self.ferry("manifest", "push", "-c", plan, insecure=False)
        self.assertIn("nothing written", out)
        self.assert_no_writes(mark_dst, mark_src)


if __name__ == "__main__":
    unittest.main()
