"""Acceptance tests of ferry's front door, typed the way skopeo, crane and regctl users type:
flags before, between and after the positionals of every verb; typos and unknown flags with
"did you mean"; help and version; missing files; a plain-HTTP registry without the flag;
copies without a destination tag (skopeo reads the result); bundles addressed as
oci-archive:FILE:REF and `ferry bundle ls`; plan errors with file:line:col; login/logout
against the htpasswd (TLS) and token registries followed by a sync with the saved
credentials; and `ferry plan convert` of skopeo sync and regsync files, with skopeo sync itself
as the referee for the skopeo conversion."""
import json
import os
import stat
import subprocess
import tarfile
import unittest
from pathlib import Path

import yaml  # python3-yaml (scripts/install-deps.sh)

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
TLS = ft.REGISTRIES["tls"]
TOKEN = ft.REGISTRIES["token"]
EXIT_USAGE, EXIT_AUTH, EXIT_TLS = 2, 6, 8
INDEX = ("corpus/alpine", "3.18")   # an OCI index with several platforms
SINGLE = ("corpus/single", "1.0")   # a single OCI image manifest


def insecure(*regs):
    out = []
    for reg in regs or (SRC, DST, TOKEN):
        out += ["--insecure-registry", reg.host]
    return out


class CliCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst", "tls", "token")
        cls.corpus = ft.corpus("src")

    def ferry(self, *args, want=0, env=None, input=None):
        rc, out, err = ft.run_ferry(*args, env=env, input=input)
        self.assertEqual(ft.secret_leaks(out + err), [], f"secret in the output of ferry {args}")
        self.assertEqual(rc, want, f"ferry {' '.join(map(str, args))} exited {rc}, want {want}:\n{out}\n{err}")
        return out, err

    def digest(self, repo, tag):
        return self.corpus["repositories"][repo]["tags"][tag]["digest"]

    def write(self, name, text) -> Path:
        path = ft.temp_dir() / name
        path.write_text(text)
        return path

    def single_image_plan(self, target, entry_extra="", extra=""):
        """A plan copying SINGLE from src to dst/target (both plain HTTP); `entry_extra` adds
        keys to the entry (lines 9-), `extra` top-level sections after it."""
        return self.write("plan.yaml", f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
sync:
  - name: one
    source: {SRC.host}/{SINGLE[0]}:{SINGLE[1]}
    target: {DST.host}/{target}:{SINGLE[1]}
{entry_extra}{extra}""")


class FlagPositionTest(CliCase):
    """Every verb, with its flags before, between and after its positionals."""

    def test_inspect_flags_anywhere(self):
        ref = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        for args in (["inspect", "--insecure-registry", SRC.host, ref, "-o", "json"],
                     ["inspect", f"--insecure-registry={SRC.host}", "-o", "json", ref],
                     ["--insecure-registry", SRC.host, "inspect", ref, "--output=json"],
                     ["inspect", "-o", "json", ref, "--insecure-registry", SRC.host]):
            with self.subTest(args=args):
                out, _ = self.ferry(*args)
                self.assertEqual(json.loads(out)["digest"], self.digest(*INDEX))

    def test_inspect_platform_before_reference(self):
        ref = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        out, _ = self.ferry("inspect", "--platform", "linux/arm64", "--insecure-registry", SRC.host, ref, "-o", "json")
        self.assertNotIn("manifests", json.loads(out))  # the platform's image manifest

    def test_copy_flags_before_between_and_after(self):
        src = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        for i, layout in enumerate((lambda s, d: ["copy", *insecure(SRC, DST), "--platform", "linux/arm64", s, d],
                                    lambda s, d: ["copy", s, "--platform", "linux/arm64", *insecure(SRC), d, *insecure(DST)],
                                    lambda s, d: [*insecure(SRC, DST), "copy", s, d, "--platform=linux/arm64"])):
            with self.subTest(layout=i):
                dst = f"{DST.host}/{ft.unique_repo('flags')}:x"
                out, _ = self.ferry(*layout(src, dst), "-o", "json")
                result = json.loads(out)
                self.assertEqual(result["target"], f"docker://{dst}")
                raw = json.loads(ft.skopeo_raw(dst))
                self.assertEqual(raw.get("config", {}).get("mediaType") is not None, True, "want an image manifest")

    def test_repeatable_flags_take_one_value_each(self):
        dst = f"{DST.host}/{ft.unique_repo('flags')}:multi"
        src = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        out, _ = self.ferry("copy", "--platform", "linux/amd64", "--platform", "linux/arm64", *insecure(SRC, DST),
                            src, dst, "-o", "json")
        self.assertTrue(json.loads(out)["builtSubset"])
        platforms = {f"{m['platform']['os']}/{m['platform']['architecture']}"
                     for m in json.loads(ft.skopeo_raw(dst))["manifests"] if "platform" in m}
        self.assertEqual(platforms, {"linux/amd64", "linux/arm64"})

    def test_tags_and_catalog_flags_anywhere(self):
        repo = f"{SRC.host}/{INDEX[0]}"
        for args in (["tags", "--insecure-registry", SRC.host, repo], ["tags", repo, "--insecure-registry", SRC.host],
                     ["--insecure-registry", SRC.host, "tags", "-o", "json", repo]):
            with self.subTest(args=args):
                out, _ = self.ferry(*args)
                self.assertIn(INDEX[1], out)
        out, _ = self.ferry("catalog", "--insecure-registry", SRC.host, SRC.host, "-o", "json")
        self.assertIn(INDEX[0], json.loads(out))

    def test_manifest_create_annotation_before_positionals(self):
        target = f"{DST.host}/{ft.unique_repo('flags')}:list"
        sources = [f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}"]
        out, _ = self.ferry("manifest", "create", "--annotation", "a=b", *insecure(SRC, DST), target, *sources,
                            "-o", "json")
        self.assertEqual(json.loads(out)["target"].split("://")[-1], target)
        self.assertEqual(json.loads(ft.skopeo_raw(target))["annotations"], {"a": "b"})
        out, _ = self.ferry("manifest", "inspect", "-o", "json", *insecure(DST), target)
        self.assertEqual(len(json.loads(out)["manifests"]), 1)

    def test_plan_and_sync_flags_anywhere(self):
        target = ft.unique_repo("flags")
        plan = self.single_image_plan(target)
        self.ferry("plan", "--only", "one", "-c", plan)
        self.ferry("-o", "json", "plan", "-c", plan, want=EXIT_USAGE)  # -o is a verb flag, not a global one
        self.ferry("sync", "-c", plan, "--only", "one", "-j", "2")
        self.ferry("--log-level", "warn", "sync", "--only=one", f"--config={plan}")
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{SINGLE[1]}"), self.digest(*SINGLE))

    def test_verify_key_before_reference(self):
        rc, _, err = ft.run_ferry("verify", "--key", "/nonexistent/key.pem", "--insecure-registry", SRC.host,
                                  f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}")
        self.assertNotEqual(rc, 0)
        self.assertIn("/nonexistent/key.pem", err)  # the key is the problem, not the command line
        self.assertNotIn("is required", err)


class TypoHelpVersionTest(CliCase):
    def test_unknown_command_suggests(self):
        for typed, meant in (("inpsect", "inspect"), ("cpoy", "copy"), ("snyc", "sync"), ("tag", "tags")):
            with self.subTest(typed=typed):
                _, err = self.ferry(typed, "x", want=EXIT_USAGE)
                self.assertIn(f"unknown command '{typed}' (did you mean '{meant}'?)", err)
        _, err = self.ferry("manifest", "craete", "x", want=EXIT_USAGE)
        self.assertIn("unknown command 'manifest craete' (did you mean 'create'?)", err)
        _, err = self.ferry("frobnicate", want=EXIT_USAGE)
        self.assertIn("unknown command 'frobnicate'", err)
        self.assertNotIn("did you mean", err)

    def test_unknown_flags_suggest(self):
        _, err = self.ferry("--bogus", want=EXIT_USAGE)
        self.assertIn("unknown flag '--bogus'", err)
        _, err = self.ferry("copy", "--platfrom", "linux/arm64", "a/b:1", "c/d:1", want=EXIT_USAGE)
        self.assertIn("unknown flag '--platfrom' (did you mean '--platform'?)", err)
        self.assertIn("ferry help copy", err)

    def test_help_and_version(self):
        out, _ = self.ferry("help")
        for verb in ("copy", "inspect", "sync", "login", "completion"):
            self.assertIn(verb, out)
        out, _ = self.ferry("help", "copy")
        self.assertIn("--platform", out)
        self.assertIn("--dest-creds", out)
        out, _ = self.ferry("help", "manifest", "create")
        self.assertIn("--annotation", out)
        out, _ = self.ferry("copy", "--help")
        self.assertIn("--keep-index", out)
        out, _ = self.ferry("--version")
        self.assertRegex(out, r"^ferry \d+\.\d+\.\d+ \(")
        out, _ = self.ferry("version")
        for field in ("git commit:", "build type:", "libcurl:", "OpenSSL:"):
            self.assertIn(field, out)
        commit = out.split("git commit:")[1].split()[0].removesuffix("-dirty")
        known = subprocess.run(["git", "-C", str(ft.ROOT), "cat-file", "-e", f"{commit}^{{commit}}"])
        self.assertEqual(known.returncode, 0, f"'{commit}' is not a commit of this repository")
        out, _ = self.ferry("version", "-o", "json")
        self.assertEqual(set(json.loads(out)), {"version", "gitCommit", "buildType", "libcurl", "openssl"})
        _, err = self.ferry(want=EXIT_USAGE)
        self.assertIn("no command given", err)

    def test_completion_and_man_page(self):
        out, _ = self.ferry("completion", "bash")
        self.assertIn("complete -o filenames -F _ferry ferry", out)
        self.assertIn("--insecure-registry", out)
        check = subprocess.run(["bash", "-c", out + "\nCOMP_WORDS=(ferry co); COMP_CWORD=1; _ferry; "
                                "echo \"${COMPREPLY[*]}\"; COMP_WORDS=(ferry copy --pl); COMP_CWORD=2; _ferry; "
                                "echo \"${COMPREPLY[*]}\""], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stderr)
        first, second = check.stdout.splitlines()[:2]
        self.assertEqual(set(first.split()), {"copy", "completion"})
        self.assertEqual(second.split(), ["--platform"])
        out, _ = self.ferry("completion", "zsh")
        self.assertIn("bashcompinit", out)
        out, _ = self.ferry("man")
        self.assertTrue(out.startswith(".TH FERRY 1"))
        man = subprocess.run(["man", "-l", "-"], input=out, capture_output=True, text=True,
                             env={**os.environ, "MANWIDTH": "100"})
        if man.returncode == 0:  # man-db installed
            self.assertIn("--insecure-registry", man.stdout.replace("\u2010", "-"))


class MissingThingsTest(CliCase):
    def test_named_authfile_must_exist(self):
        _, err = self.ferry("--authfile", "/nope/auth.json", "inspect", *insecure(SRC),
                            f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}", want=EXIT_USAGE)
        self.assertIn("/nope/auth.json", err)
        _, err = self.ferry("inspect", f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}", *insecure(SRC), want=EXIT_USAGE,
                            env={"REGISTRY_AUTH_FILE": "/nope/env.json"})
        self.assertIn("REGISTRY_AUTH_FILE", err)
        _, err = self.ferry("copy", "--src-authfile", "/nope/src.json", *insecure(SRC, DST),
                            f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}", f"{DST.host}/x/y:1", want=EXIT_USAGE)
        self.assertIn("--src-authfile /nope/src.json", err)

    def test_missing_plan_and_bundle_files(self):
        _, err = self.ferry("plan", "-c", "/nope/plan.yaml", want=EXIT_USAGE)
        self.assertIn("/nope/plan.yaml", err)
        _, err = self.ferry("export", "-c", "/nope/plan.yaml", str(ft.temp_dir() / "b.tar"), want=EXIT_USAGE)
        self.assertIn("/nope/plan.yaml", err)
        rc, _, err = ft.run_ferry("bundle", "ls", "/nope/bundle.tar")
        self.assertNotEqual(rc, 0)
        self.assertIn("/nope/bundle.tar", err)


class PlainHttpTest(CliCase):
    def test_plain_http_registry_without_the_flag_gets_a_hint(self):
        _, err = self.ferry("inspect", f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}", want=EXIT_TLS)
        self.assertIn("answered plain HTTP", err)
        self.assertIn(f"--insecure-registry {SRC.host}", err)

    def test_insecure_registry_accepts_http_scheme_and_refuses_https(self):
        ref = f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}"
        out, _ = self.ferry("inspect", "--insecure-registry", f"http://{SRC.host}/", ref, "-o", "json")
        self.assertEqual(json.loads(out)["digest"], self.digest(*SINGLE))
        _, err = self.ferry("inspect", "--insecure-registry", f"https://{SRC.host}", ref, want=EXIT_USAGE)
        self.assertIn("plain HTTP", err)


class CopyDestinationTagTest(CliCase):
    def test_digest_source_to_repository_gets_latest(self):
        digest = self.digest(*INDEX)
        repo = ft.unique_repo("notag")
        out, _ = self.ferry("copy", *insecure(SRC, DST), f"{SRC.host}/{INDEX[0]}@{digest}", f"{DST.host}/{repo}")
        self.assertIn(f"docker://{DST.host}/{repo}:latest", out)
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{repo}:latest"), digest)

    def test_tagged_source_to_repository_keeps_the_tag(self):
        repo = ft.unique_repo("notag")
        out, _ = self.ferry("copy", *insecure(SRC, DST), f"{SRC.host}/{INDEX[0]}:{INDEX[1]}", f"docker://{DST.host}/{repo}")
        self.assertIn(f"{DST.host}/{repo}:{INDEX[1]}", out)
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{repo}:{INDEX[1]}"), self.digest(*INDEX))

    def test_digest_source_to_layout_and_archive_is_readable_by_skopeo(self):
        digest = self.digest(*SINGLE)
        work = ft.temp_dir()
        layout, archive = work / "layout", work / "image.tar"
        self.ferry("copy", *insecure(SRC), f"{SRC.host}/{SINGLE[0]}@{digest}", f"oci:{layout}")
        self.assertEqual(ft.sha256_digest(ft.skopeo("inspect", "--raw", f"oci:{layout}").stdout), digest)
        index = json.loads((layout / "index.json").read_text())
        self.assertEqual(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "latest")
        self.ferry("copy", *insecure(SRC), f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}", f"oci-archive:{archive}")
        self.assertEqual(ft.sha256_digest(ft.skopeo("inspect", "--raw", f"oci-archive:{archive}").stdout), digest)
        repo = ft.unique_repo("notag")
        out, _ = self.ferry("copy", *insecure(DST), f"oci-archive:{archive}", f"{DST.host}/{repo}")
        self.assertIn(f"{DST.host}/{repo}:latest", out)
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{repo}:latest"), digest)

    def test_single_platform_copies_the_image_manifest_unless_keep_index(self):
        src = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        index = json.loads(ft.skopeo_raw(src))
        arm = next(m["digest"] for m in index["manifests"]
                   if m.get("platform", {}).get("architecture") == "arm64")
        dst = f"{DST.host}/{ft.unique_repo('plat')}:one"
        out, _ = self.ferry("copy", *insecure(SRC, DST), "--platform", "linux/arm64", src, dst, "-o", "json")
        self.assertEqual(json.loads(out)["targetDigest"], arm)
        self.assertEqual(ft.skopeo_digest(dst), arm)
        dst = f"{DST.host}/{ft.unique_repo('plat')}:kept"
        out, _ = self.ferry("copy", *insecure(SRC, DST), "--platform", "linux/arm64", "--keep-index", src, dst, "-o", "json")
        self.assertTrue(json.loads(out)["builtSubset"])
        self.assertEqual([m["digest"] for m in json.loads(ft.skopeo_raw(dst))["manifests"]], [arm])

    def test_quiet_copy_prints_nothing(self):
        out, err = self.ferry("--quiet", "copy", *insecure(SRC, DST), f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}",
                              f"{DST.host}/{ft.unique_repo('quiet')}:1")
        self.assertEqual((out, err), ("", ""))


class BundleAddressingTest(CliCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        work = ft.temp_dir()
        cls.plan = work / "plan.yaml"
        cls.plan.write_text(f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
sync:
  - name: alpine
    source: {SRC.host}/{INDEX[0]}
    target: {DST.host}/mirror/
    tags: {{allow: ['^3\\.1[89]$']}}
  - name: single
    source: {SRC.host}/{SINGLE[0]}:{SINGLE[1]}
    target: {DST.host}/mirror/single:{SINGLE[1]}
""")
        cls.tar = work / "bundle.tar"
        cls.dir = work / "bundle-dir"
        for out in (cls.tar, cls.dir):
            rc, _, err = ft.run_ferry("export", "-c", cls.plan, out)
            assert rc == 0, err

    def test_inspect_and_copy_an_image_of_a_bundle_by_its_source_name(self):
        name = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        for bundle in (f"oci-archive:{self.tar}", f"oci:{self.dir}"):
            with self.subTest(bundle=bundle):
                out, _ = self.ferry("inspect", f"{bundle}:{name}", "-o", "json")
                self.assertEqual(json.loads(out)["digest"], self.digest(*INDEX))
                skopeo = ft.skopeo("inspect", "--raw", f"{bundle}:{name}").stdout
                self.assertEqual(ft.sha256_digest(skopeo), self.digest(*INDEX))
        repo = ft.unique_repo("from-bundle")
        out, _ = self.ferry("copy", *insecure(DST), f"oci-archive:{self.tar}:{name}", f"{DST.host}/{repo}")
        self.assertIn(f"{DST.host}/{repo}:{INDEX[1]}", out)
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{repo}:{INDEX[1]}"), self.digest(*INDEX))

    def test_unnamed_image_of_a_layout_with_several_lists_them(self):
        _, err = self.ferry("inspect", f"oci:{self.dir}", want=5)
        self.assertIn("no image named", err)
        self.assertIn(f"oci:{self.dir}:{SRC.host}/{SINGLE[0]}:{SINGLE[1]}", err)

    def test_bundle_ls(self):
        out, _ = self.ferry("bundle", "ls", self.tar)
        self.assertIn(f"{SRC.host}/{INDEX[0]}:{INDEX[1]}", out)
        self.assertIn(self.digest(*INDEX), out)
        self.assertIn(f"-> {DST.host}/mirror/single:{SINGLE[1]}", out)
        self.assertIn("Delta:   no", out)
        listing = json.loads(self.ferry("bundle", "ls", "-o", "json", self.dir)[0])
        self.assertEqual(len(listing["images"]), 3)
        self.assertIsNone(listing["base"])
        self.assertTrue(all(i["bytesCarried"] > 0 for i in listing["images"]))
        delta = ft.temp_dir() / "delta.tar"
        self.ferry("export", "-c", self.plan, delta, "--since", self.tar)
        listing = json.loads(self.ferry("bundle", "ls", delta, "--output", "json")[0])
        self.assertTrue(listing["delta"])
        self.assertEqual(listing["base"]["id"], json.loads(self.ferry("bundle", "ls", "-o", "json", self.tar)[0])["id"])

    def test_export_refuses_to_overwrite_without_force(self):
        before = self.tar.stat().st_mtime_ns
        _, err = self.ferry("export", "-c", self.plan, self.tar, want=EXIT_USAGE)
        self.assertIn("--force", err)
        self.assertEqual(self.tar.stat().st_mtime_ns, before)
        copy = ft.temp_dir() / "again.tar"
        copy.write_bytes(self.tar.read_bytes())
        out, _ = self.ferry("export", "-c", self.plan, copy, "--force", "-o", "json")
        self.assertEqual(json.loads(out)["images"], 3)
        with tarfile.open(copy) as t:
            self.assertIn("ferry-bundle.json", t.getnames())


class PlanCheckTest(CliCase):
    def plan_with(self, extra, entry_extra=""):
        return self.single_image_plan(ft.unique_repo("plan"), entry_extra, extra)

    def test_bad_schedule_is_reported_by_plan_with_position(self):
        plan = self.plan_with('schedule:\n  - name: often\n    cron: "every 10s"\n')
        _, err = self.ferry("plan", "-c", plan, want=EXIT_USAGE)
        self.assertRegex(err, rf"{plan}:11:11: schedule\[0\]\.cron: ")
        self.assertEqual(err.count("every 10s"), 1, err)

    def test_scalar_platforms_is_one_platform(self):
        plan = self.plan_with("", "    platforms: linux/amd64\n")
        self.ferry("plan", "-c", plan)

    def test_layout_target_points_to_export(self):
        plan = self.write("plan.yaml", f"""version: 1
sync:
  - name: one
    source: {SRC.host}/{SINGLE[0]}:{SINGLE[1]}
    target: oci:/tmp/somewhere
""")
        _, err = self.ferry("plan", "-c", plan, want=EXIT_USAGE)
        self.assertIn("ferry export", err)
        self.assertIn(f"{plan}:5:13", err)


class LoginTest(CliCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ft.corpus("tls")
        ft.corpus("token")

    def setUp(self):
        self.home = ft.temp_dir()
        self.env = {"DOCKER_CONFIG": str(self.home / "docker")}
        self.config = self.home / "docker" / "config.json"

    def login(self, reg, password, want=0, *extra):
        return self.ferry("--ca-file", ft.CA_FILE, *insecure(TOKEN), "login", "-u", reg.user, "--password-stdin",
                          reg.host, *extra, want=want, env=self.env, input=(password + "\n").encode())

    def sync_plan(self, reg, target):
        return self.write("plan.yaml", f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{reg.host}": {{{'tls: disabled, ' if reg.scheme == 'http' else f'ca_file: {ft.CA_FILE}, '}credentials: docker-config}}
sync:
  - name: one
    source: {SRC.host}/{INDEX[0]}:{INDEX[1]}
    target: {reg.host}/{target}:{INDEX[1]}
""")

    def test_login_sync_logout_round_trip(self):
        for reg in (TLS, TOKEN):
            with self.subTest(registry=reg.name):
                _, err = self.login(reg, "wrong-password", EXIT_AUTH)
                self.assertFalse(self.config.exists() and reg.host in self.config.read_text(), "saved after a refusal")
                out, _ = self.login(reg, reg.password)
                self.assertIn("Login Succeeded", out)
                self.assertEqual(stat.S_IMODE(self.config.stat().st_mode), 0o600)
                self.assertIn(reg.host, json.loads(self.config.read_text())["auths"])
                target = ft.unique_repo("login")
                self.ferry("sync", "-c", self.sync_plan(reg, target), env=self.env)
                self.assertEqual(ft.skopeo_digest(f"{reg.host}/{target}:{INDEX[1]}", creds=reg.creds,
                                                  cert_dir=ft.CERT_DIR if reg.scheme == "https" else None),
                                 self.digest(*INDEX))
                out, _ = self.ferry("logout", reg.host, env=self.env)
                self.assertIn(f"Removed login credentials for {reg.host}", out)
                self.assertNotIn(reg.host, json.loads(self.config.read_text())["auths"])
                self.ferry("--ca-file", ft.CA_FILE, *insecure(TOKEN), "inspect", f"{reg.host}/{target}:{INDEX[1]}",
                           env=self.env, want=EXIT_AUTH)

    def test_login_keeps_other_entries_and_goes_through_creds_store(self):
        helpers = ft.temp_dir()
        ft.write_credential_helper(helpers, "fake", {})
        self.config.parent.mkdir(parents=True)
        self.config.write_text(json.dumps({"credsStore": "fake", "auths": {"other.example": {"auth": "eDp5"}},
                                           "HttpHeaders": {"X-Keep": "1"}}))
        env = {**self.env, **ft.env_with_path(helpers)}
        out, _ = self.ferry("--ca-file", ft.CA_FILE, "login", "-u", TLS.user, "--password-stdin", TLS.host,
                            env=env, input=(TLS.password + "\n").encode())
        self.assertIn("docker-credential-fake", out)
        calls = (helpers / "calls.log").read_text()  # the helper logs its action and stdin
        self.assertIn(f'"ServerURL":"{TLS.host}"', calls)
        self.assertTrue(calls.startswith("store "), calls)
        saved = json.loads(self.config.read_text())
        self.assertEqual(saved["HttpHeaders"], {"X-Keep": "1"})
        self.assertNotIn(TLS.host, saved["auths"])
        self.ferry("logout", TLS.host, env=env)
        self.assertIn(f"erase {TLS.host}", (helpers / "calls.log").read_text())

    def test_sync_without_credentials_says_so_once_per_host_and_exits_6(self):
        # Two entries at a host that refuses anonymous requests: its tag listings fail, and
        # the run says so once for the host, with the reason and the way out.
        plan = self.write("plan.yaml", f"""version: 1
registries:
  "{TLS.host}": {{ca_file: {ft.CA_FILE}}}
  "{DST.host}": {{tls: disabled}}
sync:
  - name: locked
    source: {TLS.host}/{INDEX[0]}
    target: {DST.host}/{ft.unique_repo('auth')}/
    tags: {{allow: ['^3\\.1[89]$']}}
  - name: locked-too
    source: {TLS.host}/{SINGLE[0]}
    target: {DST.host}/{ft.unique_repo('auth')}/
""")
        _, err = self.ferry("sync", "-c", plan, env=self.env, want=EXIT_AUTH)
        self.assertEqual(err.count(f"authentication to {TLS.host} failed"), 1, err)
        self.assertIn("no credentials found", err)
        self.assertIn(f"ferry login {TLS.host}", err)
        self.assertIn(f"{TLS.host}: 2 repositories not listed (authentication failed)", err)
        self.assertEqual(err.count("listing tags of"), 1, err)  # the first refusal is quoted, the second counted

    def test_copy_with_per_side_credentials(self):
        target = f"{TLS.host}/{ft.unique_repo('sidecreds')}:1"
        self.ferry("--ca-file", ft.CA_FILE, "copy", "--dest-creds", TLS.creds, *insecure(TOKEN),
                   f"{TOKEN.host}/corpus/single:1.0", target, "--src-creds", TOKEN.creds)
        self.assertEqual(ft.skopeo_digest(target, creds=TLS.creds, cert_dir=ft.CERT_DIR),
                         ft.skopeo_digest(f"{TOKEN.host}/corpus/single:1.0", creds=TOKEN.creds))
        _, err = self.ferry("--ca-file", ft.CA_FILE, "copy", "--dest-creds", TLS.user, *insecure(TOKEN),
                            f"{TOKEN.host}/corpus/single:1.0", target, "--src-creds", TOKEN.creds, want=EXIT_USAGE)
        self.assertIn("terminal", err)


SKOPEO_DOC_EXAMPLE = r"""registry.example.com:
    images:
        busybox: []
        redis:
            - "1.0"
            - "2.0"
            - "sha256:0000000000000000000000000000000011111111111111111111111111111111"
    images-by-tag-regex:
        nginx: ^1\.13\.[12]-alpine-perl$
    images-by-semver:
        alpine: ">= 3.12.0"
    credentials:
        username: john
        password: this is a secret
    tls-verify: true
    cert-dir: /home/john/certs
quay.io:
    tls-verify: false
    images:
        coreos/etcd:
            - latest
"""

REGSYNC_DOC_EXAMPLE = r"""x-sched-a: &sched-a "15 01 * * *"
version: 1
creds:
  - registry: localhost:5000
    tls: disabled
  - registry: docker.io
    user: "{{env \"HUB_USER\"}}"
    pass: "{{file \"/var/run/secrets/hub_token\"}}"
defaults:
  ratelimit:
    min: 100
    retry: 15m
  parallel: 2
sync:
  - source: busybox:latest
    target: localhost:5000/library/busybox:latest
    type: image
    interval: 60m
    backup: "backup-{{.Ref.Tag}}"
  - source: alpine
    target: localhost:5000/library/alpine
    type: repository
    tags:
      allow:
      - "latest"
      - "edge"
      - "3"
      - "3.\\d+"
      deny:
      - "3.0"
    schedule: *sched-a
  - source: localreg:5000
    target: localcopy:5000
    type: registry
"""


class ConvertTest(CliCase):
    def convert(self, *args, want=0):
        out, err = self.ferry("plan", "convert", *args, want=want)
        return out, err

    def test_skopeo_documentation_example(self):
        source = self.write("sync.yml", SKOPEO_DOC_EXAMPLE)
        out, err = self.convert("--from", "skopeo", source, "--dest", "my-registry.local.lan/repo/")
        self.assertIn("notes", err)
        plan = yaml.safe_load(out)
        entries = {e["name"]: e for e in plan["sync"]}
        self.assertEqual(entries["busybox"]["source"], "registry.example.com/busybox")
        self.assertEqual(entries["busybox"]["target"], "my-registry.local.lan/repo/busybox")
        self.assertNotIn("tags", entries["busybox"])
        self.assertEqual(entries["redis"]["tags"]["allow"], [r"^(?:1\.0|2\.0)$"])
        self.assertEqual(entries["redis-000000000000"]["source"],
                         "registry.example.com/redis@sha256:0000000000000000000000000000000011111111111111111111111111111111")
        self.assertEqual(entries["nginx"]["tags"]["allow"], [r"^1\.13\.[12]-alpine-perl$"])
        self.assertEqual(entries["alpine"]["tags"]["semver"], ">= 3.12.0")
        self.assertEqual(entries["etcd"]["target"], "my-registry.local.lan/repo/etcd")
        self.assertEqual(plan["registries"]["quay.io"]["tls"], "skip-verify")
        creds = plan["registries"]["registry.example.com"]["credentials"]
        self.assertEqual(creds, {"username": "john", "password_env": "FERRY_PASSWORD_REGISTRY_EXAMPLE_COM"})
        self.assertNotIn("this is a secret", out)
        for noted in ("cert-dir /home/john/certs", "FERRY_PASSWORD_REGISTRY_EXAMPLE_COM", "tls-verify: false"):
            self.assertIn(noted, out)
        _, err = self.convert("--from", "skopeo", source, want=EXIT_USAGE)
        self.assertIn("--dest", err)

    def test_regsync_documentation_example(self):
        source = self.write("regsync.yml", REGSYNC_DOC_EXAMPLE)
        out, _ = self.convert("--from", "regsync", source)
        plan = yaml.safe_load(out)
        entries = {e["name"]: e for e in plan["sync"]}
        self.assertEqual(entries["busybox"], {"name": "busybox", "source": "busybox:latest",
                                              "target": "localhost:5000/library/busybox:latest"})
        self.assertEqual(entries["alpine"]["tags"]["allow"], ["^(?:latest)$", "^(?:edge)$", "^(?:3)$", r"^(?:3.\d+)$"])
        self.assertEqual(entries["alpine"]["tags"]["deny"], ["^(?:3.0)$"])
        self.assertEqual(entries["localreg"]["source"], "localreg:5000/*")
        self.assertEqual(entries["localreg"]["target"], "localcopy:5000/")
        self.assertEqual(plan["registries"]["localhost:5000"], {"tls": "disabled"})
        self.assertEqual(plan["registries"]["docker.io"]["credentials"],
                         {"username": '{{env "HUB_USER"}}', "password_file": "/var/run/secrets/hub_token"})
        schedules = {s["cron"]: s["jobs"] for s in plan["schedule"]}
        self.assertEqual(schedules, {"0 0 */1 * * *": ["busybox"], "15 01 * * *": ["alpine"]})
        for noted in ("backup", "ratelimit", "parallel 2"):
            self.assertIn(noted, out)

    def test_converted_skopeo_file_syncs_what_skopeo_sync_copies(self):
        """skopeo sync and ferry sync of the converted plan leave the same tags and digests."""
        source = self.write("sync.yml", f"""{SRC.host}:
    tls-verify: false
    images:
        {INDEX[0]}: ["{INDEX[1]}", "3.19"]
    images-by-tag-regex:
        {SINGLE[0]}: ^1\\.
""")
        prefix_skopeo, prefix_ferry = ft.unique_repo("skopeo-sync"), ft.unique_repo("ferry-sync")
        ft.skopeo("sync", "--all", "--preserve-digests", "--src", "yaml", "--dest", "docker", "--dest-tls-verify=false",
                  source, f"{DST.host}/{prefix_skopeo}")
        out, _ = self.convert("--from", "skopeo", source, "--dest", f"{DST.host}/{prefix_ferry}")
        plan = self.write("plan.yaml", out)
        self.ferry(*insecure(SRC, DST), "sync", "-c", plan)
        for repo in ("alpine", "single"):
            with self.subTest(repo=repo):
                skopeo_tags = sorted(json.loads(ft.skopeo("list-tags", "--tls-verify=false",
                                                          f"docker://{DST.host}/{prefix_skopeo}/{repo}").stdout)["Tags"])
                ferry_tags = sorted(json.loads(ft.skopeo("list-tags", "--tls-verify=false",
                                                         f"docker://{DST.host}/{prefix_ferry}/{repo}").stdout)["Tags"])
                self.assertEqual(ferry_tags, skopeo_tags)
                self.assertTrue(ferry_tags)
                for tag in ferry_tags:
                    self.assertEqual(ft.skopeo_digest(f"{DST.host}/{prefix_ferry}/{repo}:{tag}"),
                                     ft.skopeo_digest(f"{DST.host}/{prefix_skopeo}/{repo}:{tag}"))

    def test_converted_regsync_file_syncs(self):
        target = ft.unique_repo("regsync")
        source = self.write("regsync.yml", f"""version: 1
creds:
  - registry: {SRC.host}
    tls: disabled
  - registry: {DST.host}
    tls: disabled
sync:
  - source: {SRC.host}/{INDEX[0]}
    target: {DST.host}/{target}
    type: repository
    tags:
      allow: ["3\\\\.1[89]"]
""")
        out, _ = self.convert("--from", "regsync", source)
        self.ferry("sync", "-c", self.write("plan.yaml", out))
        tags = json.loads(ft.skopeo("list-tags", "--tls-verify=false", f"docker://{DST.host}/{target}").stdout)["Tags"]
        self.assertEqual(sorted(tags), ["3.18", "3.19"])


if __name__ == "__main__":
    unittest.main()
