"""Integration tests of ferry's read-only verbs (inspect, tags, catalog), credentials (authfile,
credential helper, token auth), TLS and exit codes, against real docker-registry instances with
skopeo as the referee. Every ferry run is also checked for leaked secrets."""
import json
import unittest

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
TLS = ft.REGISTRIES["tls"]
TOKEN = ft.REGISTRIES["token"]
PLATFORMS = {"linux/amd64", "linux/arm64/v8", "linux/arm/v7"}
# (repository, tag) of each manifest kind in the small corpus
OCI_INDEX = ("corpus/alpine", "3.18")
DOCKER_LIST = ("corpus/dockerlist", "1.0")
OCI_IMAGE = ("corpus/single", "1.0")
DOCKER_IMAGE = ("corpus/single", "1.0-docker")


class FoundationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "tls", "token")
        cls.corpus = ft.corpus("src")
        ft.corpus("tls")
        ft.corpus("token")

    def ferry(self, *args, **kwargs):
        """run_ferry, plus the check that no output line carries a secret."""
        rc, out, err = ft.run_ferry(*args, **kwargs)
        text_out = out if isinstance(out, str) else out.decode("utf-8", "replace")
        self.assertEqual(ft.secret_leaks(text_out), [], f"secret on stdout of ferry {args}")
        self.assertEqual(ft.secret_leaks(err), [], f"secret on stderr of ferry {args}")
        return rc, out, err

    def expected(self, repo, tag):
        return self.corpus["repositories"][repo]["tags"][tag]

    def authfile(self, host=None, password=None):
        reg = {TLS.host: TLS, TOKEN.host: TOKEN}
        auths = {h: (r.user, password or r.password) for h, r in reg.items() if host in (None, h)}
        return ft.write_authfile(ft.temp_dir(), auths)

    def assert_exit(self, rc, want, err):
        self.assertEqual(rc, want, f"exit code {rc}, want {want}; stderr:\n{err}")

    # ------------------------------------------------------------------ inspect on the plain registry

    def test_inspect_raw_bytes_hash_to_the_digest_skopeo_reports(self):
        for repo, tag in (OCI_INDEX, DOCKER_LIST, OCI_IMAGE, DOCKER_IMAGE):
            with self.subTest(repo=repo, tag=tag):
                ref = f"{SRC.host}/{repo}:{tag}"
                rc, out, err = self.ferry("--insecure-registry", SRC.host, "inspect", "--raw",
                                          "docker://" + ref, text=False)
                self.assert_exit(rc, 0, err)
                self.assertEqual(out, ft.skopeo_raw(ref))
                self.assertEqual(ft.sha256_digest(out), self.expected(repo, tag)["digest"])

    def test_inspect_accepts_a_bare_reference_and_a_digest(self):
        repo, tag = DOCKER_LIST
        digest = self.expected(repo, tag)["digest"]
        for ref in (f"{SRC.host}/{repo}:{tag}", f"docker://{SRC.host}/{repo}@{digest}"):
            with self.subTest(ref=ref):
                rc, out, err = self.ferry("inspect", "--raw", ref, "--insecure-registry", SRC.host,
                                          text=False)
                self.assert_exit(rc, 0, err)
                self.assertEqual(ft.sha256_digest(out), digest)

    def test_inspect_json_of_an_index_lists_every_platform(self):
        for repo, tag in (OCI_INDEX, DOCKER_LIST):
            with self.subTest(repo=repo):
                want = self.expected(repo, tag)
                rc, out, err = self.ferry("--insecure-registry", SRC.host, "inspect", "--output", "json",
                                          f"docker://{SRC.host}/{repo}:{tag}")
                self.assert_exit(rc, 0, err)
                got = json.loads(out)
                self.assertEqual(got["digest"], want["digest"])
                self.assertEqual(got["mediaType"], want["mediaType"])
                self.assertEqual(got["size"], want["size"])
                self.assertIn(f"{repo}", got["reference"])
                self.assertEqual({m["platform"]: m["digest"] for m in got["manifests"]},
                                 {m["platform"]: m["digest"] for m in want["manifests"]})
                self.assertEqual({m["platform"] for m in got["manifests"]}, PLATFORMS)

    def test_inspect_json_of_an_image_lists_its_layers(self):
        repo, tag = OCI_IMAGE
        want = self.expected(repo, tag)
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "inspect", "--output", "json",
                                  f"{SRC.host}/{repo}:{tag}")
        self.assert_exit(rc, 0, err)
        got = json.loads(out)
        self.assertEqual(got["digest"], want["digest"])
        layers = [l["digest"] if isinstance(l, dict) else l for l in got["layers"]]
        self.assertEqual(layers, [l["digest"] for l in want["layers"]])

    def test_inspect_platform_picks_the_child_manifest(self):
        repo, tag = OCI_INDEX
        child = {m["platform"]: m for m in self.expected(repo, tag)["manifests"]}["linux/arm/v7"]
        ref = f"docker://{SRC.host}/{repo}:{tag}"
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "inspect", "--platform",
                                  "linux/arm/v7", "--output", "json", ref)
        self.assert_exit(rc, 0, err)
        self.assertEqual(json.loads(out)["digest"], child["digest"])
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "inspect", "--raw", "--platform",
                                  "linux/arm/v7", ref, text=False)
        self.assert_exit(rc, 0, err)
        self.assertEqual(ft.sha256_digest(out), child["digest"])

    def test_inspect_config_prints_the_platforms_image_config(self):
        repo, tag = OCI_INDEX
        child = {m["platform"]: m for m in self.expected(repo, tag)["manifests"]}["linux/arm64/v8"]
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "inspect", "--config", "--platform",
                                  "linux/arm64/v8", f"docker://{SRC.host}/{repo}:{tag}")
        self.assert_exit(rc, 0, err)
        config = json.loads(out)
        self.assertEqual((config["os"], config["architecture"], config.get("variant")),
                         ("linux", "arm64", "v8"))
        blob = ft.skopeo("inspect", "--config", "--raw", "--tls-verify=false",
                         f"docker://{SRC.host}/{repo}@{child['digest']}").stdout
        self.assertEqual(config, json.loads(blob))
        self.assertEqual(ft.sha256_digest(blob), child["config"])

    # ------------------------------------------------------------------ credentials, TLS, token auth

    def test_tls_registry_with_authfile_and_ca_file(self):
        authfile = self.authfile(TLS.host)
        for repo, tag in (OCI_INDEX, DOCKER_LIST, OCI_IMAGE):
            with self.subTest(repo=repo):
                ref = f"docker://{TLS.host}/{repo}:{tag}"
                rc, out, err = self.ferry("--authfile", authfile, "--ca-file", ft.CA_FILE,
                                          "inspect", "--raw", ref, text=False)
                self.assert_exit(rc, 0, err)
                self.assertEqual(ft.sha256_digest(out),
                                 ft.skopeo_digest(ref, creds=TLS.creds, cert_dir=ft.CERT_DIR))

    def test_token_registry_with_authfile(self):
        repo, tag = OCI_INDEX
        ref = f"docker://{TOKEN.host}/{repo}:{tag}"
        mark = ft.token_log_mark()
        rc, out, err = self.ferry("--insecure-registry", TOKEN.host, "--authfile", self.authfile(TOKEN.host),
                                  "inspect", "--raw", ref, text=False)
        self.assert_exit(rc, 0, err)
        self.assertEqual(ft.sha256_digest(out), ft.skopeo_digest(ref, creds=TOKEN.creds))
        grants = [e for e in ft.token_log_entries(mark) if e["status"] == 200 and e["user"] == TOKEN.user]
        self.assertTrue(any(g["type"] == "repository" and g["name"] == repo and "pull" in g["actions"]
                            for e in grants for g in e["granted"]),
                        f"no token with pull on {repo} was issued to ferry: {grants}")

    def test_token_registry_with_credential_helper(self):
        helper_dir = ft.temp_dir()
        ft.write_credential_helper(helper_dir, "ferrytest", {TOKEN.host: (TOKEN.user, TOKEN.password)})
        authfile = ft.write_authfile(ft.temp_dir(), cred_helpers={TOKEN.host: "ferrytest"})
        repo, tag = DOCKER_LIST
        rc, out, err = self.ferry("--insecure-registry", TOKEN.host, "--authfile", authfile,
                                  "inspect", "--raw", f"docker://{TOKEN.host}/{repo}:{tag}",
                                  env=ft.env_with_path(helper_dir), text=False)
        self.assert_exit(rc, 0, err)
        self.assertEqual(ft.sha256_digest(out), self.expected(repo, tag)["digest"])
        calls = (helper_dir / "calls.log").read_text().splitlines()
        self.assertTrue(any(c.startswith("get ") and TOKEN.host in c for c in calls), calls)

    def test_wrong_password_exits_6(self):
        for reg, extra in ((TLS, ["--ca-file", ft.CA_FILE]), (TOKEN, ["--insecure-registry", TOKEN.host])):
            with self.subTest(registry=reg.name):
                authfile = self.authfile(reg.host, password="not-the-password")
                rc, out, err = self.ferry(*extra, "--authfile", authfile, "inspect",
                                          f"docker://{reg.host}/corpus/alpine:3.18")
                self.assert_exit(rc, ft.EXIT.AUTH, err)
                self.assertEqual(ft.secret_leaks(out + err, ["not-the-password"]), [])

    def test_tls_without_the_ca_exits_8(self):
        rc, out, err = self.ferry("--authfile", self.authfile(TLS.host), "inspect",
                                  f"docker://{TLS.host}/corpus/alpine:3.18")
        self.assert_exit(rc, ft.EXIT.TLS, err)

    def test_debug_log_carries_no_secret(self):
        for reg, extra in ((TLS, ["--ca-file", ft.CA_FILE]), (TOKEN, ["--insecure-registry", TOKEN.host])):
            with self.subTest(registry=reg.name):
                rc, out, err = self.ferry(*extra, "--authfile", self.authfile(), "--log-level", "debug",
                                          "inspect", f"docker://{reg.host}/corpus/app:2.0.0")
                self.assert_exit(rc, 0, err)
                self.assertNotEqual(err.strip(), "", "debug logging wrote nothing")
                self.assertNotIn(reg.password, out + err)

    def test_json_log_format_writes_json_lines(self):
        rc, out, err = self.ferry("inspect", f"docker://{SRC.host}/corpus/alpine:3.18", "--log-level", "debug",
                                  "--log-format", "json", "--insecure-registry", SRC.host)
        self.assert_exit(rc, 0, err)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertTrue(lines, "debug logging wrote nothing")
        for line in lines:
            self.assertIsInstance(json.loads(line), dict, line)

    # ------------------------------------------------------------------ tags and catalog

    def test_tags_lists_all_1050_tags_exactly_once(self):
        want = set(self.corpus["repositories"]["corpus/many-tags"]["tags"])
        self.assertEqual(len(want), 1050)
        repo = f"{SRC.host}/corpus/many-tags"
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "tags", repo)
        self.assert_exit(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 1050)
        self.assertEqual(set(lines), want)
        rc, out, err = self.ferry("tags", "--output", "json", "docker://" + repo, "--insecure-registry", SRC.host)
        self.assert_exit(rc, 0, err)
        tags = json.loads(out)
        self.assertEqual(len(tags), 1050)
        self.assertEqual(set(tags), want)

    def test_tags_of_a_small_repository(self):
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "tags", "--output", "json",
                                  f"{SRC.host}/corpus/alpine")
        self.assert_exit(rc, 0, err)
        self.assertEqual(sorted(json.loads(out)), ["3.18", "3.19", "3.20", "latest"])

    def test_catalog_lists_every_corpus_repository(self):
        want = set(self.corpus["repositories"])
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "catalog", SRC.host, "--output", "json")
        self.assert_exit(rc, 0, err)
        got = json.loads(out)
        self.assertLessEqual(want, set(got))
        self.assertEqual(len(got), len(set(got)), "a repository listed twice")
        rc, out, err = self.ferry("--insecure-registry", SRC.host, "catalog", SRC.host)
        self.assert_exit(rc, 0, err)
        self.assertLessEqual(want, set(out.splitlines()))

    def test_catalog_through_token_auth(self):
        rc, out, err = self.ferry("--insecure-registry", TOKEN.host, "--authfile", self.authfile(TOKEN.host),
                                  "catalog", TOKEN.host, "--output", "json")
        self.assert_exit(rc, 0, err)
        self.assertIn("corpus/alpine", json.loads(out))

    # ------------------------------------------------------------------ exit codes

    def test_invalid_reference_exits_4(self):
        rc, out, err = self.ferry("inspect", "Bad/Ref:!!")
        self.assert_exit(rc, ft.EXIT.INVALID_INPUT, err)

    def test_missing_tag_and_repository_exit_5(self):
        for ref in (f"{SRC.host}/corpus/alpine:no-such-tag", f"{SRC.host}/{ft.unique_repo()}:1.0"):
            with self.subTest(ref=ref):
                rc, out, err = self.ferry("--insecure-registry", SRC.host, "inspect", ref)
                self.assert_exit(rc, ft.EXIT.NOT_FOUND, err)

    def test_closed_port_exits_7(self):
        host = f"127.0.0.1:{ft.free_port()}"
        rc, out, err = self.ferry("--insecure-registry", host, "inspect", f"docker://{host}/corpus/alpine:3.18")
        self.assert_exit(rc, ft.EXIT.NETWORK, err)
        rc, out, err = self.ferry("--insecure-registry", host, "tags", f"{host}/corpus/alpine")
        self.assert_exit(rc, ft.EXIT.NETWORK, err)


if __name__ == "__main__":
    unittest.main()
