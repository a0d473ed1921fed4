"""Acceptance tests of ferry's front door, typed the way skopeo, crane and regctl users type:
flags before, between and after the positionals of every verb; typos and unknown flags with
"did you mean"; help and version; missing files; a plain-HTTP registry without the flag;
copies without a destination tag (skopeo reads the result); bundles addressed as
oci-archive:FILE:REF and `ferry bundle ls`; plan errors with file:line:col. Accounts (login,
logout, credentials) and `ferry plan convert` are in test_cli_accounts.py."""
import json
import os
import stat
import subprocess
import tarfile
import unittest

import yaml  # python3-yaml (scripts/install-deps.sh)

import ferrytest as ft
from cli_support import DST, EXIT_TLS, EXIT_USAGE, INDEX, SINGLE, SRC, CliCase, insecure


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
        for typed, meant in (("inpsect", "inspect"), ("cpoy", "copy"), ("snyc", "sync"), ("tgas", "tags")):
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
        """`platforms: linux/arm64` means the same as `platforms: [linux/arm64]`: both copy the
        same one-platform image out of a three-platform index (never the whole index)."""
        source = f"{SRC.host}/corpus/alpine:3.19"
        digests = {}
        for form in ("linux/arm64", "[linux/arm64]"):
            target = ft.unique_repo("scalar")
            plan = self.write("plan.yaml", f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
defaults: {{referrers: none}}
sync:
  - name: one
    source: {source}
    target: {DST.host}/{target}:3.19
    platforms: {form}
""")
            self.ferry("sync", "-c", plan)
            digests[form] = ft.skopeo_digest(f"{DST.host}/{target}:3.19")
            raw = json.loads(ft.skopeo_raw(f"{DST.host}/{target}:3.19"))
            listed = [m["platform"]["architecture"] for m in raw.get("manifests", [])]
            self.assertIn(listed, ([], ["arm64"]), f"{form}: only arm64 is at the target")
        self.assertEqual(digests["linux/arm64"], digests["[linux/arm64]"])
        self.assertNotEqual(digests["linux/arm64"], ft.skopeo_digest(source))

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


if __name__ == "__main__":
    unittest.main()
