"""ferry against emulations of real registries (persona_registry.py): GHCR, GAR, ECR, Docker Hub,
Artifactory, Nexus, ACR, Quay, Harbor, distribution 3, zot. Each test names the behaviour it
covers; COMPATIBILITY.md maps them back. Digests are checked in the persona's own store (what
its API serves) and, where the target is docker-registry, with skopeo."""
import json
import os
import time
import unittest
from pathlib import Path

import ferrytest as ft
from persona_registry import MIB, OCI_MANIFEST, PERSONAS, PREFIX, PersonaRegistry, digest_of

EXIT_OK, EXIT_FAILED, EXIT_CONFLICT, EXIT_NOT_FOUND = 0, 1, 3, 5
BIG = 66 * MIB  # "65 MiB+" (issue 14): above the old 64 MiB chunking threshold


def insecure(*regs):
    args = []
    for r in regs:
        args += ["--insecure-registry", r.host if hasattr(r, "host") else r]
    return args


def persona_target(persona, repo, **kw):
    """A persona ready to receive `repo` (created beforehand where the registry wants that)."""
    kw.setdefault("existing", {repo, repo.split("/")[0]})
    return PersonaRegistry(persona, **kw)


def authfile_for(*regs, identity=None):
    """config.json with every persona's user/password (or an ACR identity token)."""
    d = ft.temp_dir()
    auths = {r.host: {"auth": __import__("base64").b64encode(f"{r.user}:{r.password}".encode()).decode()}
             for r in regs}
    if identity:
        auths[identity.host] = {"identitytoken": identity.refresh_token}
    path = d / "config.json"
    path.write_text(json.dumps({"auths": auths}))
    return path


def plan_file(text: str) -> Path:
    path = ft.temp_dir() / "plan.yaml"
    path.write_text(text)
    return path


def registries_block(*hosts, extra=None):
    lines = ["registries:"]
    for h in hosts:
        lines.append(f'  "{h}":')
        lines.append("    tls: disabled")
        for k, v in (extra or {}).get(h, {}).items():
            lines.append(f"    {k}: {v}")
    return "\n".join(lines) + "\n"


def seed_referrer(reg, repo, subject, fallback):
    """A signature-type OCI referrer of `subject` (listed in its fallback tag when `fallback`)."""
    raw = reg.manifest(repo, subject)[1]
    config = b"{}"
    cfg = reg.seed_blob(repo, config)
    layer = reg.seed_blob(repo, b"signature bundle for " + subject.encode())
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
           "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": cfg, "size": len(config)},
           "layers": [{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "digest": layer, "size": len(reg.blobs[layer])}],
           "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": len(raw)}}
    art = reg.seed_manifest(repo, json.dumps(doc).encode(), OCI_MANIFEST)
    if fallback:
        art_raw = reg.manifest(repo, art)[1]
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [{"mediaType": OCI_MANIFEST, "digest": art, "size": len(art_raw),
                                "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}]}
        reg.seed_manifest(repo, json.dumps(index).encode(), "application/vnd.oci.image.index.v1+json",
                          subject.replace(":", "-"))
    return art


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

class Auth(unittest.TestCase):
    def setUp(self):
        self.src = PersonaRegistry("distribution")
        self.addCleanup(self.src.close)
        self.digest = self.src.seed_image("lib/app", "v1", (40000, 3000, 2000))

    def test_artifactory_renamed_scope_and_path_prefix(self):
        dst = PersonaRegistry("artifactory")
        self.addCleanup(dst.close)
        rc, out, err = ft.run_ferry("--authfile", authfile_for(dst), "--path-prefix", f"{dst.host}={PREFIX}",
                                    *insecure(self.src, dst), "copy", f"docker://{self.src.host}/lib/app:v1",
                                    f"docker://{dst.host}/dockerlocal/app:v1")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(dst.tag_digest("dockerlocal/app", "v1"), self.digest)
        # pull, then push, each widened once: no storm
        self.assertLessEqual(len(dst.token_requests), 4, [p for _, p, _, _ in dst.token_requests])

    def test_streaming_put_reauthenticates_once(self):
        dst = PersonaRegistry("distribution", add={"revoke_on_first_put"})
        self.addCleanup(dst.close)
        rc, out, err = ft.run_ferry("--authfile", authfile_for(dst), *insecure(self.src, dst), "copy",
                                    f"docker://{self.src.host}/lib/app:v1", f"docker://{dst.host}/team/app:v1", "-j", "1")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(dst.tag_digest("team/app", "v1"), self.digest)
        self.assertTrue(dst.revoked_once)

    def test_expired_credential_helper_is_run_again(self):
        """ECR: the password rotates after the first image; a 403 "expired" makes ferry re-run the
        helper, which now prints the new secret; the server accepts only the newest."""
        d = ft.temp_dir()
        secret = d / "secret"
        secret.write_text("first-secret-1")
        dst = PersonaRegistry("ecr", auth="basic", add={"expiring_basic"}, remove={"repo_must_exist"},
                              password_file=str(secret), rotate_after_puts=1)
        self.addCleanup(dst.close)
        helper = d / "docker-credential-ecr-login"
        helper.write_text(f"""#!{ft.PYTHON}
import json, sys
sys.stdin.read()
with open({str(d / 'calls.log')!r}, "a") as log: log.write("get\\n")
print(json.dumps({{"Username": "ferry", "Secret": open({str(secret)!r}).read().strip()}}))
""")
        helper.chmod(0o755)
        config = d / "config.json"
        config.write_text(json.dumps({"credHelpers": {dst.host: "ecr-login"}}))
        self.src.seed_image("lib/other", "v1", (1234,))
        plan = plan_file("version: 1\n" + registries_block(self.src.host, dst.host) +
                         f"sync:\n  - name: a\n    source: {self.src.host}/lib/app:v1\n    target: {dst.host}/t/a:v1\n"
                         f"  - name: b\n    source: {self.src.host}/lib/other:v1\n    target: {dst.host}/t/b:v1\n")
        rc, out, err = ft.run_ferry("--authfile", config, "sync", "-c", plan, "-j", "1", env=ft.env_with_path(d))
        self.assertEqual(rc, EXIT_OK, err + out)
        self.assertEqual(dst.tag_digest("t/a", "v1"), self.digest)
        self.assertIsNotNone(dst.tag_digest("t/b", "v1"))
        self.assertGreaterEqual(len((d / "calls.log").read_text().split()), 2)
        self.assertNotIn("rotated-", err + out)

    def test_dockerhub_anonymous_bearer_and_cdn_redirect(self):
        hub = PersonaRegistry("dockerhub", pull_limit=1000)
        self.addCleanup(hub.close)
        digest = hub.seed_image("library/app", "v1", (5000,))
        dst = PersonaRegistry("distribution")
        self.addCleanup(dst.close)
        rc, out, err = ft.run_ferry(*insecure(hub, dst), "copy", f"docker://{hub.host}/library/app:v1",
                                    f"docker://{dst.host}/m/app:v1")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(dst.tag_digest("m/app", "v1"), digest)
        self.assertTrue(hub.side_requests)
        self.assertFalse([h for _, _, h in hub.side_requests if "Authorization" in h])

    def test_https_never_redirected_to_http(self):
        """A blob GET over https answered by a redirect to a plain-http CDN is refused."""
        ft.ensure_registries("tls")  # makes the test PKI
        hub = PersonaRegistry("distribution", add={"cdn_redirect"}, tls=(ft.PKI / "server.crt", ft.PKI / "server.key"))
        self.addCleanup(hub.close)
        hub.seed_image("library/app", "v1", (5000,))
        out_dir = ft.temp_dir() / "layout"
        rc, out, err = ft.run_ferry("--ca-file", ft.CA_FILE, "copy", f"docker://{hub.host}/library/app:v1", f"oci:{out_dir}:v1")
        self.assertNotEqual(rc, EXIT_OK)
        self.assertIn("refused a redirect from https to http://localhost", err)
        self.assertEqual(hub.side_requests, [])
        self.assertTrue(hub.count("GET", "/blobs/sha256:"))

    def test_acr_refresh_grant_and_gar_realm_only(self):
        for name in ("acr", "gar"):
            with self.subTest(persona=name):
                reg = PersonaRegistry(name)
                self.addCleanup(reg.close)
                digest = reg.seed_image("team/app", "v1", (800,))
                dst = PersonaRegistry("distribution")
                self.addCleanup(dst.close)
                auth = authfile_for(reg) if name == "gar" else authfile_for(identity=reg)
                rc, out, err = ft.run_ferry("--authfile", auth, *insecure(reg, dst), "copy",
                                            f"docker://{reg.host}/team/app:v1", f"docker://{dst.host}/m/app:v1")
                self.assertEqual(rc, EXIT_OK, err)
                self.assertEqual(dst.tag_digest("m/app", "v1"), digest)
                if name == "acr":
                    self.assertTrue(all(m == "POST" for m, _, _, _ in reg.token_requests))
                    self.assertTrue(all(b"grant_type=refresh_token" in b for *_, b in reg.token_requests))


class Limits(unittest.TestCase):
    def test_dockerhub_pull_limit_ends_images_quickly(self):
        hub = PersonaRegistry("dockerhub", pull_limit=1)
        self.addCleanup(hub.close)
        dst = PersonaRegistry("distribution")
        self.addCleanup(dst.close)
        entries = ""
        for i in range(3):
            hub.seed_image(f"library/app{i}", "v1", (700 + i,))
            entries += f"  - name: a{i}\n    source: {hub.host}/library/app{i}:v1\n    target: {dst.host}/m/app{i}:v1\n"
        plan = plan_file("version: 1\n" + registries_block(hub.host, dst.host) + "sync:\n" + entries)
        started = time.monotonic()
        rc, out, err = ft.run_ferry("sync", "-c", plan)
        elapsed = time.monotonic() - started
        self.assertEqual(rc, EXIT_FAILED, err + out)
        self.assertLess(elapsed, 8, err)
        self.assertLessEqual(hub.count("GET", "/manifests/"), 3)
        self.assertIn("rate limit", err + out)
        self.assertIn("pull limit 1 per 21600 s, 0 remaining", err + out)

    def test_pagination_cap_quay_pages_and_junk_tags(self):
        cases = (("distribution3", 150), ("quay", 120), ("nexus", 7))
        for name, count in cases:
            with self.subTest(persona=name):
                reg = PersonaRegistry(name, existing={"team/app"})
                self.addCleanup(reg.close)
                d = reg.seed_image("team/app", "t0", (100,))
                for i in range(1, count):
                    reg.seed_manifest("team/app", reg.manifest("team/app", d)[1], OCI_MANIFEST, f"t{i}")
                rc, out, err = ft.run_ferry(*insecure(reg), "tags", f"{reg.host}/team/app", "-o", "json")
                self.assertEqual(rc, EXIT_OK, err)
                self.assertEqual(sorted(json.loads(out)), sorted(f"t{i}" for i in range(count)))
                paths = [p for m, p, _ in reg.requests if "/tags/list" in p]
                if name == "distribution3":
                    self.assertEqual(len(paths), 3, paths)  # n=1000 (400), n=100, then the Link to the rest
                    self.assertIn("n=100", paths[1])
                if name == "quay":
                    self.assertEqual(len(paths), 3, paths)  # 50 + 50 + 20

    def test_junk_tags_never_become_sync_tasks(self):
        src = PersonaRegistry("nexus")
        dst = PersonaRegistry("distribution")
        self.addCleanup(src.close)
        self.addCleanup(dst.close)
        digest = src.seed_image("team/app", "v1", (100,))
        plan = plan_file("version: 1\n" + registries_block(src.host, dst.host) +
                         f"sync:\n  - name: app\n    source: {src.host}/team/app\n    target: {dst.host}/m/app\n")
        rc, out, err = ft.run_ferry("sync", "-c", plan, "-o", "json")
        self.assertEqual(rc, EXIT_OK, err + out)
        report = json.loads(out)
        self.assertEqual([i["target"].rsplit(":", 1)[1] for i in report["images"]], ["v1"])
        self.assertEqual(dst.tag_digest("m/app", "v1"), digest)

    def test_ghcr_has_no_catalog(self):
        src = PersonaRegistry("ghcr")
        self.addCleanup(src.close)
        src.seed_image("team/app", "v1", (100,))
        plan = plan_file("version: 1\n" + registries_block(src.host, "127.0.0.1:9") +
                         f"sync:\n  - name: all\n    source: {src.host}/*\n    target: 127.0.0.1:9/m/\n")
        rc, out, err = ft.run_ferry("--authfile", authfile_for(src), "sync", "-c", plan)
        self.assertNotEqual(rc, EXIT_OK)
        self.assertIn(f"catalog not supported by {src.host}", err + out)

    def test_dead_target_fails_thirty_images_fast(self):
        src = PersonaRegistry("distribution")
        self.addCleanup(src.close)
        d = src.seed_image("team/app", "t0", (100,))
        for i in range(1, 30):
            src.seed_manifest("team/app", src.manifest("team/app", d)[1], OCI_MANIFEST, f"t{i}")
        dead = f"127.0.0.1:{ft.free_port()}"
        plan = plan_file("version: 1\n" + registries_block(src.host, dead) +
                         f"sync:\n  - name: app\n    source: {src.host}/team/app\n    target: {dead}/m/app\n")
        started = time.monotonic()
        rc, out, err = ft.run_ferry("sync", "-c", plan)
        elapsed = time.monotonic() - started
        self.assertEqual(rc, EXIT_FAILED, err + out)
        self.assertLess(elapsed, 15, err)
        self.assertIn(f"{dead}: connection refused; 30 images not synced", out)


class Errors(unittest.TestCase):
    def setUp(self):
        self.src = PersonaRegistry("distribution")
        self.addCleanup(self.src.close)
        self.digest = self.src.seed_image("lib/app", "v1", (900,))

    def copy(self, dst, repo):
        return ft.run_ferry("--authfile", authfile_for(dst), *insecure(self.src, dst), "copy",
                            f"docker://{self.src.host}/lib/app:v1", f"docker://{dst.host}/{repo}:v1", "-j", "1")

    def test_missing_repository_is_not_found_and_not_retried(self):
        for name in ("ecr", "gar", "quay", "harbor"):
            with self.subTest(persona=name):
                dst = PersonaRegistry(name)
                self.addCleanup(dst.close)
                started = time.monotonic()
                rc, out, err = self.copy(dst, "nope/app")
                self.assertEqual(rc, EXIT_NOT_FOUND, err)
                self.assertIn(f"repository {dst.host}/nope/app does not exist", err)
                self.assertIn("create it first", err)
                self.assertLessEqual(dst.count("POST", "/blobs/uploads/"), 2)  # Harbor: once more, then not-found
                self.assertLess(time.monotonic() - started, 5)

    def test_immutable_tag_at_the_registry_is_a_conflict(self):
        for name in ("ecr", "harbor"):
            with self.subTest(persona=name):
                dst = persona_target(name, "team/app", immutable_tags={("team/app", "v1")})
                self.addCleanup(dst.close)
                other = dst.seed_image("team/app", "v1", (321,))
                plan = plan_file("version: 1\n" + registries_block(self.src.host, dst.host) +
                                 f"sync:\n  - name: app\n    source: {self.src.host}/lib/app:v1\n    target: {dst.host}/team/app:v1\n")
                rc, out, err = ft.run_ferry("--authfile", authfile_for(dst), "sync", "-c", plan, "-o", "json")
                self.assertEqual(rc, EXIT_CONFLICT, err + out)
                self.assertEqual(json.loads(out)["images"][0]["action"], "conflict")
                self.assertEqual(dst.tag_digest("team/app", "v1"), other)

    def test_warning_shown_once_and_head_without_digest(self):
        dst = PersonaRegistry("distribution", add={"warning_header", "head_no_digest"})
        self.addCleanup(dst.close)
        for _ in range(2):
            rc, out, err = self.copy(dst, "team/app")
            self.assertEqual(rc, EXIT_OK, err)
            self.assertEqual(err.count("this persona registry emulates another registry"), 1, err)
        self.assertEqual(dst.tag_digest("team/app", "v1"), self.digest)


if __name__ == "__main__":
    unittest.main()
