"""ferry against emulations of real registries (persona_registry.py): auth and credentials, rate
limits, listings, hosts that are down, registry errors. COMPATIBILITY.md maps each test to the
behaviour it covers."""
import json
import time
import unittest

import ferrytest as ft
from compat_support import (EXIT_CONFLICT, EXIT_FAILED, EXIT_NOT_FOUND, EXIT_OK, authfile_for,
                            insecure, persona_target, plan_file, registries_block)
from persona_registry import OCI_MANIFEST, PREFIX, PersonaRegistry


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
                # The same through a plan: every failure is a missing repository, so exit 5.
                plan = plan_file("version: 1\n" + registries_block(self.src.host, dst.host) +
                                 f"sync:\n  - name: app\n    source: {self.src.host}/lib/app:v1\n"
                                 f"    target: {dst.host}/nope/app:v1\n")
                rc, out, err = ft.run_ferry("--authfile", authfile_for(dst), "sync", "-c", plan)
                self.assertEqual(rc, EXIT_NOT_FOUND, err + out)
                self.assertIn(f"repository {dst.host}/nope/app does not exist", err)

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

    def test_a_head_without_digest_is_answered_by_a_get_and_a_hash_not_by_a_copy(self):
        """A registry whose manifest HEAD carries no Docker-Content-Digest (PROTOCOL.md: the
        header is optional for HEAD) costs a GET and a sha256 of the bytes on a rerun, never a
        second upload; its Warning header lands once in the report's `warnings` list."""
        dst = PersonaRegistry("distribution", add={"warning_header", "head_no_digest"})
        self.addCleanup(dst.close)
        plan = plan_file("version: 1\n" + registries_block(self.src.host, dst.host) +
                         f"defaults: {{referrers: none}}\nsync:\n  - name: app\n    source: {self.src.host}/lib/app:v1\n"
                         f"    target: {dst.host}/team/app:v1\n")
        report = ft.temp_dir() / "report.json"
        rc, out, err = ft.run_ferry("--authfile", authfile_for(dst), "sync", "-c", plan)
        self.assertEqual(rc, EXIT_OK, err)
        writes = sum(dst.count(m, "/v2/") for m in ("PUT", "POST", "PATCH"))
        gets = dst.count("GET", "/manifests/")
        rc, out, err = ft.run_ferry("--authfile", authfile_for(dst), "sync", "-c", plan, "--report", report)
        self.assertEqual(rc, EXIT_OK, err)
        result = json.loads(report.read_text())
        self.assertEqual([i["action"] for i in result["images"]], ["unchanged"])
        self.assertEqual(sum(dst.count(m, "/v2/") for m in ("PUT", "POST", "PATCH")), writes, "nothing is uploaded again")
        self.assertEqual(dst.count("GET", "/manifests/"), gets + 1, "the digest comes from one GET of the tag")
        self.assertEqual(result["warnings"],
                         [f"{dst.host}: this persona registry emulates another registry; behaviours are switched on per test"])
        self.assertEqual(dst.tag_digest("team/app", "v1"), self.digest)

if __name__ == "__main__":
    unittest.main()
