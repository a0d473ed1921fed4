"""ferry against emulations of real registries (persona_registry.py): every persona as source and
target of copy, sync (default referrers) and tags; uploads; referrers. Each test names the
behaviour it covers; COMPATIBILITY.md maps them back. Digests are checked in the persona's own
store (what its API serves) and, where the target is docker-registry, with skopeo."""
import json
import unittest

import ferrytest as ft
from compat_support import (BIG, EXIT_OK, authfile_for, insecure, persona_target, plan_file,
                            registries_block, seed_referrer)
from persona_registry import MIB, PERSONAS, PREFIX, PersonaRegistry, digest_of


class PersonaMatrix(unittest.TestCase):
    """Every persona as source and as target of `ferry copy`, as source of `ferry sync` (default
    referrers) and of `ferry tags`."""

    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("dst")

    def persona(self, name, **kw):
        p = PersonaRegistry(name, **kw)
        self.addCleanup(p.close)
        return p

    def test_every_persona_as_source(self):
        dst = ft.REGISTRIES["dst"]
        for name in PERSONAS:
            with self.subTest(persona=name):
                src = self.persona(name, pull_limit=1000)
                repo = "team/app"
                digest = src.seed_image(repo, "v1", (3000, 5000), seed=name.encode())
                src.seed_image(repo, "v2", (1000,), seed=name.encode())
                auth = authfile_for(src, identity=src if name == "acr" else None)
                prefix = ["--path-prefix", f"{src.host}={PREFIX}"] if src.prefix else []
                target = f"{dst.host}/{ft.unique_repo('compat-src')}"
                rc, out, err = ft.run_ferry("--authfile", auth, *prefix, *insecure(src, dst), "copy",
                                            f"docker://{src.host}/{repo}:v1", f"docker://{target}:v1")
                self.assertEqual(rc, EXIT_OK, err)
                self.assertEqual(ft.skopeo_digest(f"{target}:v1"), digest)
                rc, out, err = ft.run_ferry("--authfile", auth, *prefix, *insecure(src), "tags",
                                            f"{src.host}/{repo}", "-o", "json")
                self.assertEqual(rc, EXIT_OK, err)
                self.assertEqual(sorted(json.loads(out)), ["v1", "v2"])
                # sync with the default referrers ([signature, attestation]): the signature travels
                artifact = seed_referrer(src, repo, digest, fallback=True)
                synced = f"{dst.host}/{ft.unique_repo('compat-sync')}"
                extra = {src.host: {"path_prefix": PREFIX}} if src.prefix else {}
                plan = plan_file("version: 1\n" + registries_block(src.host, dst.host, extra=extra) +
                                 f"sync:\n  - name: app\n    source: {src.host}/{repo}\n    target: {synced}\n")
                rc, out, err = ft.run_ferry("--authfile", auth, "sync", "-c", plan)
                self.assertEqual(rc, EXIT_OK, err + out)
                self.assertEqual(ft.skopeo_digest(f"{synced}:v1"), digest)
                fallback = json.loads(ft.skopeo_raw(f"{synced}:{digest.replace(':', '-')}"))
                self.assertIn(artifact, [m["digest"] for m in fallback["manifests"]])

    def test_every_persona_as_target(self):
        for name in PERSONAS:
            with self.subTest(persona=name):
                src = self.persona("distribution")
                repo = "team/app"
                digest = src.seed_image("lib/app", "v1", (3000, 7000), seed=name.encode())
                dst = persona_target(name, repo, pull_limit=1000)
                self.addCleanup(dst.close)
                auth = authfile_for(dst, identity=dst if name == "acr" else None)
                prefix = ["--path-prefix", f"{dst.host}={PREFIX}"] if dst.prefix else []
                rc, out, err = ft.run_ferry("--authfile", auth, *prefix, *insecure(src, dst), "copy",
                                            f"docker://{src.host}/lib/app:v1", f"docker://{dst.host}/{repo}:v1")
                self.assertEqual(rc, EXIT_OK, err)
                self.assertEqual(dst.tag_digest(repo, "v1"), digest)
                for layer in json.loads(src.manifest("lib/app", "v1")[1])["layers"]:
                    self.assertIn(layer["digest"], dst.repos[repo]["blobs"])
                # sync with the default referrers: a signature travels with the image
                signed = src.seed_image("lib/app", "v2", (4000,), seed=name.encode())
                artifact = seed_referrer(src, "lib/app", signed, fallback=True)
                extra = {dst.host: {"path_prefix": PREFIX}} if dst.prefix else {}
                plan = plan_file("version: 1\n" + registries_block(src.host, dst.host, extra=extra) +
                                 f"sync:\n  - name: app\n    source: {src.host}/lib/app:v2\n    target: {dst.host}/{repo}:v2\n")
                rc, out, err = ft.run_ferry("--authfile", auth, "sync", "-c", plan)
                self.assertEqual(rc, EXIT_OK, err + out)
                self.assertEqual(dst.tag_digest(repo, "v2"), signed)
                self.assertIn(artifact, dst.repos[repo]["manifests"])


class Uploads(unittest.TestCase):
    def setUp(self):
        self.src = PersonaRegistry("distribution")
        self.addCleanup(self.src.close)
        self.digest = self.src.seed_image("lib/big", "v1", (BIG, 2000))

    def copy_to(self, dst, repo="team/big", plan_extra=None):
        auth = authfile_for(dst, identity=dst if dst.persona == "acr" else None)
        if plan_extra is None:
            return ft.run_ferry("--authfile", auth, *insecure(self.src, dst), "copy",
                                f"docker://{self.src.host}/lib/big:v1", f"docker://{dst.host}/{repo}:v1")
        plan = plan_file("version: 1\n" + registries_block(self.src.host, dst.host, extra={dst.host: plan_extra}) +
                         f"sync:\n  - name: big\n    source: {self.src.host}/lib/big:v1\n    target: {dst.host}/{repo}:v1\n")
        return ft.run_ferry("--authfile", auth, "sync", "-c", plan)

    def assert_arrived(self, dst, repo="team/big"):
        self.assertEqual(dst.tag_digest(repo, "v1"), self.digest)
        big = json.loads(self.src.manifest("lib/big", "v1")[1])["layers"][0]["digest"]
        self.assertEqual(digest_of(dst.blobs[big]), big)

    def test_big_blob_single_put_to_ghcr_gar_ecr(self):
        """65 MiB+ blobs reach GHCR (4 MiB PATCH cap), GAR (no chunks) and ECR (odd chunks) in one PUT."""
        for name in ("ghcr", "gar", "ecr"):
            with self.subTest(persona=name):
                dst = persona_target(name, "team/big")
                self.addCleanup(dst.close)
                rc, out, err = self.copy_to(dst)
                self.assertEqual(rc, EXIT_OK, err)
                self.assert_arrived(dst)
                self.assertEqual(dst.count("PATCH", "/blobs/uploads/"), 0)

    def test_opted_in_chunks_fall_back_to_single_put(self):
        """upload: {chunk_size} where the registry refuses chunks: GHCR 416, GAR 400, ECR 5 MiB parts."""
        for name, size in (("ghcr", "16 MiB"), ("gar", "8 MiB"), ("ecr", "1 MiB")):
            with self.subTest(persona=name):
                dst = persona_target(name, "team/big")
                self.addCleanup(dst.close)
                rc, out, err = self.copy_to(dst, plan_extra={"upload": "{chunk_size: %s}" % size})
                self.assertEqual(rc, EXIT_OK, err + out)
                self.assert_arrived(dst)
                self.assertGreater(dst.count("PATCH", "/blobs/uploads/"), 0)  # chunks were tried first

    def test_refused_single_put_falls_back_to_chunks(self):
        """A proxy refusing large bodies (413) makes ferry upload in chunks from then on."""
        dst = PersonaRegistry("distribution", add={"monolithic_cap"}, body_cap=32 * MIB)
        self.addCleanup(dst.close)
        rc, out, err = self.copy_to(dst)
        self.assertEqual(rc, EXIT_OK, err)
        self.assert_arrived(dst)
        self.assertGreater(dst.count("PATCH", "/blobs/uploads/"), 1)

    def test_zot_post_201_and_chunk_min_length(self):
        """POST answered 201; OCI-Chunk-Min-Length (2 MiB) wins over a 1 MiB chunk_size."""
        dst = persona_target("zot", "team/big")
        self.addCleanup(dst.close)
        rc, out, err = self.copy_to(dst, plan_extra={"upload": "{chunk_size: 1 MiB}"})
        self.assertEqual(rc, EXIT_OK, err + out)
        self.assert_arrived(dst)
        sessions = {}
        for m, p, h in dst.requests:
            if m == "PATCH":
                sessions.setdefault(p.split("?")[0], []).append(int(h.get("Content-Length", 0)))
        big = max(sessions.values(), key=len)
        self.assertGreater(len(big), 30)  # 66 MiB in 2 MiB chunks
        for sizes in sessions.values():
            self.assertTrue(all(n >= 2 * MIB for n in sizes[:-1]), sizes[:5])

    def test_ecr_patch_201_and_patch_without_location(self):
        for add, size in (({"ecr_chunks"}, "6 MiB"), ({"patch_without_location"}, "8 MiB")):
            with self.subTest(behaviour=add):
                dst = PersonaRegistry("distribution", add=add)
                self.addCleanup(dst.close)
                rc, out, err = self.copy_to(dst, plan_extra={"upload": "{chunk_size: %s}" % size})
                self.assertEqual(rc, EXIT_OK, err + out)
                self.assert_arrived(dst)
                self.assertGreater(dst.count("PATCH", "/blobs/uploads/"), 5)


class Referrers(unittest.TestCase):
    def sync(self, src, dst, repo="team/app", extra_src=None):
        plan = plan_file("version: 1\n" + registries_block(src.host, dst.host, extra=extra_src) +
                         f"sync:\n  - name: app\n    source: {src.host}/{repo}\n    target: {dst.host}/mirror/app\n")
        return ft.run_ferry("--authfile", authfile_for(src, dst), "sync", "-c", plan)

    def test_non_index_answers_mean_fallback_tag(self):
        """406 (Artifactory), 400, 405, a 200 that is no index: the default sync succeeds, the host
        is asked once, and an artifact in the fallback tag travels."""
        for behaviour in ("referrers_406", "referrers_400", "referrers_405", "referrers_not_index"):
            with self.subTest(behaviour=behaviour):
                src = PersonaRegistry("distribution", add={behaviour})
                dst = PersonaRegistry("distribution")
                self.addCleanup(src.close)
                self.addCleanup(dst.close)
                digests = [src.seed_image("team/app", t, (500,), seed=behaviour.encode()) for t in ("v1", "v2", "v3")]
                artifact = seed_referrer(src, "team/app", digests[0], fallback=True)
                rc, out, err = self.sync(src, dst)
                self.assertEqual(rc, EXIT_OK, err + out)
                for tag, d in zip(("v1", "v2", "v3"), digests):
                    self.assertEqual(dst.tag_digest("mirror/app", tag), d)
                self.assertIn(artifact, dst.repos["mirror/app"]["manifests"])
                self.assertEqual(src.count("GET", "/referrers/"), 1)

    def test_name_unknown_for_one_repository_does_not_decide_for_the_host(self):
        src = PersonaRegistry("distribution", add={"referrers_unknown_first"})
        dst = PersonaRegistry("distribution")
        self.addCleanup(src.close)
        self.addCleanup(dst.close)
        first = src.seed_image("team/aaa", "v1", (500,))
        second = src.seed_image("team/bbb", "v1", (600,))
        artifact = seed_referrer(src, "team/bbb", second, fallback=False)
        plan = plan_file("version: 1\ndefaults: {jobs: 1}\n" + registries_block(src.host, dst.host) +
                         f"sync:\n  - name: a\n    source: {src.host}/team/aaa:v1\n    target: {dst.host}/m/aaa:v1\n"
                         f"  - name: b\n    source: {src.host}/team/bbb:v1\n    target: {dst.host}/m/bbb:v1\n")
        rc, out, err = ft.run_ferry("sync", "-c", plan, "-j", "1")
        self.assertEqual(rc, EXIT_OK, err + out)
        self.assertEqual(dst.tag_digest("m/aaa", "v1"), first)
        self.assertIn(artifact, dst.repos["m/bbb"]["manifests"])


if __name__ == "__main__":
    unittest.main()
