"""`ferry plan convert --from skopeo` judged by skopeo itself: for each skopeo sync file, real
`skopeo sync --src yaml --dest docker` fills one prefix of the dst registry, `ferry plan convert`
and `ferry sync -c` of the converted plan (unedited: no --insecure-registry, no hand edits; a
password comes from the environment variable the plan names) fill another, and both must hold
the same set of (repository under the prefix, tag, digest), read back through the registry API.

Like for like: skopeo sync copies only its own platform's image unless given --all, and may
rewrite manifests unless given --preserve-digests; every skopeo run here uses
`--all --preserve-digests`, and the conversion is told `--all` (without it ferry would write a
one-entry index, which the converter notes). The dst registry is plain HTTP, so skopeo gets
`--dest-tls-verify=false` and the conversion the same flag (the plan's dst entry becomes
`tls: insecure`). images-by-semver is not among the files: the installed skopeo (1.9.3) predates
it (skopeo 1.15) and would ignore the key; its conversion is covered by the unit tests.
"""
import json
import os
import shutil
import subprocess
import time
import unittest
import urllib.parse

import ferrytest as ft
from cli_support import DST, INDEX, SRC, TLS, TOKEN, CliCase
from support import registry_get

MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"])


def password_variable(reg):
    """The variable a converted plan reads reg's password from (convert/plan_writer.cpp)."""
    return "FERRY_PASSWORD_" + "".join(c.upper() if c.isalnum() else "_" for c in reg.host)


def dst_url(path):
    return f"http://{DST.host}{path}"


def catalog():
    repos, path = [], "/v2/_catalog?n=1000"
    while path:
        status, headers, body = registry_get(dst_url(path))
        assert status == 200, f"catalog: HTTP {status}"
        repos += json.loads(body).get("repositories") or []
        link = headers.get("Link", "")
        path = link[link.index("<") + 1:link.index(">")] if link.startswith("<") else None
    return repos


def manifest_digest(repo, ref):
    status, headers, _ = registry_get(("HEAD", dst_url(f"/v2/{repo}/manifests/{ref}")), accept=MANIFEST_TYPES)
    if status == 404:
        return None
    assert status == 200, f"HEAD {repo}:{ref}: HTTP {status}"
    return headers["Docker-Content-Digest"]


def contents(prefix, digests=()):
    """{(repository below prefix, tag, digest)} at dst, plus (repository, None, digest) for each
    digest in `digests` that the repository holds untagged or tagged."""
    out = set()
    for repo in catalog():
        if not repo.startswith(prefix + "/"):
            continue
        below = repo[len(prefix) + 1:]
        for tag in ft.list_tags(dst_url(""), repo):
            out.add((below, tag, manifest_digest(repo, tag)))
        for d in digests:
            if manifest_digest(repo, d) == d:
                out.add((below, None, d))
    return out


class SkopeoDifferentialTest(CliCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()  # src, dst, tls, token; the src corpus
        ft.corpus("tls")
        ft.corpus("token")

    def skopeo_sync(self, source, prefix, scoped=False, check=True):
        args = ["sync", "--all", "--preserve-digests", "--src", "yaml", "--dest", "docker", "--dest-tls-verify=false"]
        return ft.skopeo(*args, *(["--scoped"] if scoped else []), source, f"{DST.host}/{prefix}", check=check)

    def converted(self, source, prefix, scoped=False):
        args = ["plan", "convert", "--from", "skopeo", str(source), "--dest", f"{DST.host}/{prefix}", "--all",
                "--dest-tls-verify=false", *(["--scoped"] if scoped else [])]
        rc, out, err = ft.run_ferry(*args)
        self.assertEqual(rc, 0, err)
        self.assertEqual(ft.secret_leaks(out + err), [])
        return self.write("plan.yaml", out), out

    def ferry_sync(self, plan, env=None):
        rc, out, err = ft.run_ferry("sync", "-c", str(plan), env=env)
        self.assertEqual(rc, 0, f"ferry sync exited {rc}:\n{out}\n{err}")
        self.assertEqual(ft.secret_leaks(out + err), [])
        return err

    def differential(self, text, scoped=False, env=None, digests=(), expect=None):
        """Runs both tools on the skopeo sync file `text`; returns the (equal) contents."""
        source = self.write("sync.yml", text)
        prefix_skopeo, prefix_ferry = ft.unique_repo("skopeo-sync"), ft.unique_repo("ferry-sync")
        self.skopeo_sync(source, prefix_skopeo, scoped)
        plan, plan_text = self.converted(source, prefix_ferry, scoped)
        self.ferry_sync(plan, env)
        by_skopeo, by_ferry = contents(prefix_skopeo, digests), contents(prefix_ferry, digests)
        self.assertTrue(by_skopeo, "skopeo copied nothing: the test proves nothing")
        self.assertEqual(by_ferry, by_skopeo, f"converted plan:\n{plan_text}")
        if expect is not None:
            self.assertEqual({(r, t) for r, t, _ in by_ferry}, expect)
        return by_ferry, plan_text

    # ------------------------------------------------------------------------------- the files

    def test_images_with_tags_digests_and_every_tag(self):
        pinned = self.digest("corpus/app", "1.1.0")
        text = f"""{SRC.host}:
    tls-verify: false
    images:
        {INDEX[0]}: ["{INDEX[1]}", "3.19"]
        corpus/dockerlist: []
        corpus/app:
            - "2.0.0"
            - "{pinned}"
"""
        got, plan = self.differential(text, digests=[pinned], expect={
            ("alpine", "3.18"), ("alpine", "3.19"), ("dockerlist", "1.0"), ("dockerlist", "1.1"),
            ("app", "2.0.0"), ("app", None)})
        self.assertIn("tls: insecure", plan)

    def test_images_by_tag_regex(self):
        text = f"""{SRC.host}:
    tls-verify: false
    images-by-tag-regex:
        corpus/app: ^v?[12]\\.[0-9]+\\.0$
        {INDEX[0]}: "^3\\\\.(18|20)$"
    images:
        {INDEX[0]}: ["latest"]
"""
        self.differential(text, expect={("app", "1.0.0"), ("app", "1.1.0"), ("app", "2.0.0"), ("app", "v2.1.0"),
                                        ("alpine", "3.18"), ("alpine", "3.20"), ("alpine", "latest")})

    def test_tls_verify_false_and_credentials_against_the_htpasswd_tls_registry(self):
        # https with a certificate of our own CA, not verified: skopeo and ferry's `tls: insecure`
        # stay on https (the registry speaks nothing else) without checking it.
        text = f"""{TLS.host}:
    tls-verify: false
    credentials:
        username: {TLS.user}
        password: {TLS.password}
    images:
        corpus/single: []
"""
        _, plan = self.differential(text, env={password_variable(TLS): TLS.password},
                                    expect={("single", "1.0"), ("single", "1.0-docker")})
        self.assertNotIn(TLS.password, plan)

    def test_credentials_and_cert_dir_against_the_htpasswd_tls_registry(self):
        # tls-verify left at true: the CA comes from cert-dir, which the conversion turns into ca_file.
        text = f"""{TLS.host}:
    cert-dir: {ft.CERT_DIR}
    credentials:
        username: {TLS.user}
        password: {TLS.password}
    images:
        corpus/dockerlist: ["1.1"]
"""
        _, plan = self.differential(text, env={password_variable(TLS): TLS.password},
                                    expect={("dockerlist", "1.1")})
        self.assertIn(f"ca_file: {ft.CERT_DIR}/ca.crt", plan)

    def test_credentials_against_the_token_registry(self):
        text = f"""{TOKEN.host}:
    tls-verify: false
    credentials:
        username: {TOKEN.user}
        password: {TOKEN.password}
    images-by-tag-regex:
        corpus/app: ^1\\.
"""
        self.differential(text, env={password_variable(TOKEN): TOKEN.password},
                          expect={("app", "1.0.0"), ("app", "1.1.0"), ("app", "1.2.0-rc1")})

    def test_several_registries_in_one_file(self):
        text = f"""{SRC.host}:
    tls-verify: false
    images:
        {INDEX[0]}: ["3.20"]
{TOKEN.host}:
    tls-verify: false
    credentials: {{username: {TOKEN.user}, password: {TOKEN.password}}}
    images:
        corpus/app: ["latest"]
{TLS.host}:
    tls-verify: false
    credentials: {{username: {TLS.user}, password: {TLS.password}}}
    images:
        corpus/dockerlist: []
"""
        env = {password_variable(TOKEN): TOKEN.password,
               password_variable(TLS): TLS.password}
        self.differential(text, env=env, expect={("alpine", "3.20"), ("app", "latest"), ("dockerlist", "1.0"),
                                                 ("dockerlist", "1.1")})

    def test_scoped_with_a_registry_without_port(self):
        # --scoped writes DEST/<registry>/<path>. skopeo can do that only for a registry named
        # without a port (see the next test), so this one runs a plain-HTTP docker-registry on
        # port 80 of a loopback address of its own; with tls-verify: false skopeo (and ferry's
        # `tls: insecure`) try https on 443, are refused, and fall back to http on 80.
        host = PortlessRegistry.start(self)
        for repo, tag in ((INDEX[0], INDEX[1]), ("corpus/single", "1.0")):
            ft.skopeo_copy(f"{SRC.host}/{repo}:{tag}", f"{host}/{repo}:{tag}")
        text = f"""{host}:
    tls-verify: false
    images:
        {INDEX[0]}: ["{INDEX[1]}"]
        corpus/single: []
"""
        got, plan = self.differential(text, scoped=True, expect={
            (f"{host}/corpus/alpine", INDEX[1]), (f"{host}/corpus/single", "1.0")})
        self.assertIn("tls: insecure", plan)

    def test_scoped_with_host_and_port_where_skopeo_fails(self):
        # skopeo --scoped joins DEST and "host:port/repo:tag" into one reference, which the
        # reference grammar refuses ("invalid reference format"): nothing is copied. The
        # converted plan writes the registry as host_port, a valid path component.
        text = f"""{SRC.host}:
    tls-verify: false
    images:
        corpus/single: ["1.0"]
"""
        source = self.write("sync.yml", text)
        prefix = ft.unique_repo("ferry-scoped")
        refused = self.skopeo_sync(source, ft.unique_repo("skopeo-scoped"), scoped=True, check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("invalid reference format", refused.stderr.decode())
        plan, plan_text = self.converted(source, prefix, scoped=True)
        self.assertIn("invalid reference format", plan_text)  # the header says why
        self.ferry_sync(plan)
        component = SRC.host.replace(":", "_")
        self.assertEqual(contents(prefix), {(f"{component}/corpus/single", "1.0", self.digest("corpus/single", "1.0"))})


class RegsyncConvertedPlanTest(CliCase):
    """No regsync binary here: the converted plan runs against the real registries and must
    select what regsync's documented semantics select (cmd/regsync/root.go filterTagList:
    semverRange, then allow and deny anchored as "^" + re + "$"; pre-releases compare like any
    version; `platforms:` keeps those platforms' images)."""

    def test_semver_range_and_platforms_run_unedited(self):
        prefix = ft.unique_repo("regsync-plan")
        source = self.write("regsync.yml", f"""version: 1
creds:
  - registry: {SRC.host}
    tls: disabled
  - registry: {DST.host}
    tls: disabled
sync:
  - source: {SRC.host}/corpus/app
    target: {DST.host}/{prefix}/app
    type: repository
    tags:
      semverRange: [">=1.0.0 <2.0.0"]
      deny: ['1\\.1\\..*']
  - source: {SRC.host}/{INDEX[0]}:{INDEX[1]}
    target: {DST.host}/{prefix}/alpine
    type: image
    platforms: [linux/amd64]
""")
        rc, out, err = ft.run_ferry("plan", "convert", "--from", "regsync", str(source))
        self.assertEqual(rc, 0, err)
        self.ferry("sync", "-c", self.write("plan.yaml", out))
        # 1.2.0-rc1 is inside >=1.0.0 <2.0.0 for regsync (no pre-release exclusion); 1.1.0 denied.
        self.assertEqual(sorted(ft.list_tags(dst_url(""), f"{prefix}/app")), ["1.0.0", "1.2.0-rc1"])
        # type image without a target tag: regsync writes :latest.
        self.assertEqual(ft.list_tags(dst_url(""), f"{prefix}/alpine"), ["latest"])
        status, _, body = registry_get(dst_url(f"/v2/{prefix}/alpine/manifests/latest"), accept=MANIFEST_TYPES)
        self.assertEqual(status, 200)
        platforms = [m["platform"]["architecture"] for m in json.loads(body)["manifests"]]
        self.assertEqual(platforms, ["amd64"])


class PortlessRegistry:
    """A plain-HTTP docker-registry on <loopback address>:80, for references without a port.
    Binding port 80 needs root; the address 127.0.<base/100>.<1..> is this checkout's own."""
    proc = None
    host = None

    @classmethod
    def start(cls, case):
        if cls.proc:
            return cls.host
        if os.geteuid() != 0:
            case.skipTest("a registry on port 80 needs root (the --scoped differential needs a host without port)")
        base = ft.WORK / "registries" / "portless"
        shutil.rmtree(base, ignore_errors=True)
        (base / "storage").mkdir(parents=True)
        for last in range(1, 250):
            address = f"127.0.{ft.PORT_BASE // 100 % 256}.{last}"
            (base / "config.yml").write_text(f"""version: 0.1
log: {{level: warn}}
storage:
  filesystem: {{rootdirectory: {base / 'storage'}}}
  delete: {{enabled: true}}
http:
  addr: {address}:80
""")
            with open(base / "registry.log", "ab") as log:
                proc = subprocess.Popen(["docker-registry", "serve", str(base / "config.yml")], stdout=log,
                                        stderr=log, stdin=subprocess.DEVNULL)
            for _ in range(100):
                status = None
                try:
                    status, _, _ = registry_get(f"http://{address}/v2/", timeout=1)
                except OSError:
                    pass
                if status == 200 or proc.poll() is not None:
                    break
                time.sleep(0.1)
            if proc.poll() is None and status == 200:
                cls.proc, cls.host = proc, address
                unittest.addModuleCleanup(cls.stop)
                return address
            proc.kill()
            proc.wait()
        raise AssertionError(f"no loopback address with a free port 80; see {base / 'registry.log'}")

    @classmethod
    def stop(cls):
        if cls.proc:
            cls.proc.terminate()
            cls.proc.wait(timeout=10)
            cls.proc = None


if __name__ == "__main__":
    unittest.main()
