"""Acceptance tests of ferry's front door, part four (issue 27): `ferry plan` that can be diffed
(the copy/mount/skip split of shared blobs decided in plan order) and shows its `manifests:`;
`ferry manifest annotate` / `rm` and `manifest create` keeping linux/arm64 as stated; the small
surprises (`plan -c -`, `sync` without the webhook token, `import` naming each image once) and
completion values and man page sections. Typed as a user types them; skopeo reads the results."""
import json
import os
import pty
import re
import subprocess

import ferrytest as ft
from cli_support import DST, EXIT_USAGE, INDEX, SINGLE, SRC, CliCase, insecure
from support import EXIT


def image_lines(text: str) -> list:
    """The per-image lines of `ferry plan` text (no timings in them)."""
    return [l for l in text.splitlines() if re.match(r"\s+(new|changed|unchanged|conflict|failed)\s", l)]


class PlanSplitTest(CliCase):
    def test_shared_blobs_go_to_the_first_image_in_plan_order_on_every_run(self):
        # Three entries need the same index at one target registry; the second repository
        # already holds the amd64 image. The first entry copies every blob; the later ones mount
        # them from it (the second only what it lacks), whichever worker gets there first.
        prefix = ft.unique_repo("split")
        src = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        self.ferry("copy", "--platform", "linux/amd64", *insecure(SRC, DST), src, f"{DST.host}/{prefix}/two:amd64")
        plan = self.plain_http_plan(f"""defaults: {{jobs: 8}}
sync:
""" + "".join(f"""  - name: {name}
    source: {src}
    target: {DST.host}/{prefix}/{name}:{INDEX[1]}
    referrers: none
""" for name in ("one", "two", "three")))
        runs = []
        for _ in range(3):
            out, _ = self.ferry("plan", "-c", plan, "-o", "json")
            runs.append({i["target"].split("/")[-1]: i for i in json.loads(out)["images"]})
        for run in runs[1:]:
            self.assertEqual({k: v["stats"] for k, v in run.items()}, {k: v["stats"] for k, v in runs[0].items()})
        first, second, third = (runs[0][f"{n}:{INDEX[1]}"]["stats"] for n in ("one", "two", "three"))
        self.assertGreater(first["blobsCopied"], 0)
        self.assertEqual(first["blobsMounted"], 0)
        self.assertEqual(second["blobsCopied"], 0)
        self.assertGreater(second["blobsMounted"], 0)   # from "one" (its amd64 image it holds already)
        self.assertLess(second["blobsMounted"], first["blobsCopied"])
        self.assertEqual(third["blobsCopied"], 0)
        self.assertEqual(third["blobsMounted"], first["blobsCopied"])
        texts = [image_lines(self.ferry("plan", "-c", plan)[0]) for _ in range(2)]
        self.assertEqual(texts[0], texts[1])
        self.assertEqual(len(texts[0]), 3)

    def test_plan_shows_the_manifests_section(self):
        prefix = ft.unique_repo("planlist")
        arm = f"{DST.host}/{prefix}/parts:arm64"
        self.ferry("copy", "--platform", "linux/arm64", *insecure(SRC, DST), f"{SRC.host}/{INDEX[0]}:{INDEX[1]}", arm)
        plan = self.plain_http_plan(f"""sync:
  - name: single
    source: {SRC.host}/{SINGLE[0]}:{SINGLE[1]}
    target: {DST.host}/{prefix}/parts:single
manifests:
  - target: {DST.host}/{prefix}/ready:1.0
    images: [{arm}]
  - target: {DST.host}/{prefix}/after-sync:1.0
    images: [{DST.host}/{prefix}/parts:single]
""")
        out, _ = self.ferry("plan", "-c", plan)
        section = out[out.index("manifests:"):]
        self.assertRegex(section, rf"new\s+docker://{re.escape(DST.host)}/{prefix}/ready:1.0\s+sha256:[0-9a-f]{{64}}")
        self.assertIn(f"linux/arm64", section)
        self.assertIn(arm, section)
        self.assertRegex(section, rf"pending\s+{re.escape(DST.host)}/{prefix}/after-sync:1.0\s+\(assembled after the sync")
        listed = json.loads(self.ferry("plan", "-c", plan, "-o", "json")[0])["manifests"]
        self.assertEqual([(m["target"].split("://")[-1], m["state"]) for m in listed],
                         [(f"{DST.host}/{prefix}/ready:1.0", "new"), (f"{DST.host}/{prefix}/after-sync:1.0", "pending")])
        self.assertEqual(listed[0]["manifests"][0]["platform"], "linux/arm64/v8")
        self.assertEqual(ft.run_ferry("tags", *insecure(DST), f"{DST.host}/{prefix}/ready")[0], EXIT.NOT_FOUND,
                         "ferry plan wrote the index")
        self.ferry("sync", "-c", plan)
        out, _ = self.ferry("plan", "-c", plan)
        section = out[out.index("manifests:"):]
        self.assertRegex(section, rf"unchanged\s+docker://{re.escape(DST.host)}/{prefix}/ready:1.0")
        self.assertRegex(section, rf"unchanged\s+docker://{re.escape(DST.host)}/{prefix}/after-sync:1.0")


class ManifestEditTest(CliCase):
    def child(self, platform):
        index = json.loads(ft.skopeo_raw(f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"))
        for m in index["manifests"]:
            p = m.get("platform", {})
            if "/".join(filter(None, (p.get("os"), p.get("architecture"), p.get("variant")))).startswith(platform):
                return m["digest"]
        raise AssertionError(f"no {platform} in the corpus index")

    def test_create_keeps_linux_arm64_as_given(self):
        target = f"{DST.host}/{ft.unique_repo('asgiven')}:list"
        image = f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}"
        self.ferry("manifest", "create", *insecure(SRC, DST), "--platform-for", f"{image}=linux/arm64", target, image)
        platform = json.loads(ft.skopeo_raw(target))["manifests"][0]["platform"]
        self.assertEqual(platform, {"architecture": "arm64", "os": "linux"})

    def test_annotate_and_rm_as_docker_manifest_users_expect(self):
        repo = ft.unique_repo("annotate")
        amd, arm = self.child("linux/amd64"), self.child("linux/arm64")
        target = f"{DST.host}/{repo}:list"
        self.ferry("manifest", "create", *insecure(SRC, DST), target,
                   f"{SRC.host}/{INDEX[0]}@{amd}", f"{SRC.host}/{INDEX[0]}@{arm}")
        self.ferry("manifest", "annotate", *insecure(DST), target, arm[:19], "--variant", "v8",
                   "--os-features", "sve", "--annotation", "org.example.note=fast")
        raw = json.loads(ft.skopeo_raw(target))
        entry = next(m for m in raw["manifests"] if m["digest"] == arm)
        self.assertEqual(entry["platform"]["variant"], "v8")
        self.assertEqual(entry["platform"]["os.features"], ["sve"])
        self.assertEqual(entry["annotations"], {"org.example.note": "fast"})
        out, _ = self.ferry("manifest", "annotate", *insecure(DST), target, "linux/arm64", "--variant", "v8")
        self.assertIn("nothing written", out)
        _, err = self.ferry("manifest", "annotate", *insecure(DST), target, "linux/s390x", "--arch", "x",
                            want=EXIT.INVALID_INPUT)
        self.assertIn("available platforms: linux/amd64, linux/arm64/v8", err)
        self.ferry("manifest", "rm", *insecure(DST), target, "linux/amd64")
        self.assertEqual([m["digest"] for m in json.loads(ft.skopeo_raw(target))["manifests"]], [arm])
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{repo}@{arm}"), arm)  # the child stays readable
        _, err = self.ferry("manifest", "rm", *insecure(DST), target, "linux/arm64", want=EXIT.INVALID_INPUT)
        self.assertIn("no image in the index", err)


class SmallSurprisesTest(CliCase):
    def test_plan_reads_the_plan_from_stdin(self):
        target = ft.unique_repo("stdin")
        plan = self.single_image_plan(target)
        out, _ = self.ferry("plan", "-c", "-", input=plan.read_bytes())
        self.assertIn(f"{DST.host}/{target}:{SINGLE[1]}", out)
        self.assertIn("new", out)
        _, err = self.ferry("plan", "-c", "-", input=b"version: 1\nsync: [{name: x}]\n", want=EXIT_USAGE)
        self.assertIn("<stdin>:2:", err)

    def test_sync_does_not_need_the_webhook_token_but_cron_does(self):
        target = ft.unique_repo("hooks")
        plan = self.single_image_plan(target, extra="webhooks: {token_env: FERRY_TEST_UNSET_HOOK_TOKEN}\n")
        self.ferry("plan", "-c", plan)
        self.ferry("sync", "-c", plan)
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{SINGLE[1]}"), self.digest(*SINGLE))
        _, err = self.ferry("cron", "-c", plan, want=EXIT_USAGE)
        self.assertIn("FERRY_TEST_UNSET_HOOK_TOKEN is not set", err)
        self.assertRegex(err, r"plan\.yaml:\d+:\d+: webhooks\.token_env")

    def test_import_names_each_image_once(self):
        plan = self.single_image_plan(ft.unique_repo("export"))
        bundle = ft.temp_dir() / "b.tar"
        self.ferry("export", "-c", plan, bundle)
        prefix = ft.unique_repo("import")
        out, err = self.ferry("import", *insecure(DST), bundle, "--to", f"{DST.host}/{prefix}")
        self.assertEqual((out + err).count(f"{DST.host}/{prefix}/"), 1, out + err)

    def test_progress_line_shows_a_total_from_its_first_frame(self):
        # A namespace entry: its repositories are listed while the first images already run.
        # On a terminal the line counts what was found so far ("3/41+ images") until the
        # expansion ends ("41/41 images"), never a bare "0 images".
        plan = self.plain_http_plan(f"""sync:
  - name: all
    source: {SRC.host}/corpus/*
    target: {DST.host}/{ft.unique_repo('progress')}/
    referrers: none
""")
        leader, follower = pty.openpty()
        proc = subprocess.Popen([str(ft.FERRY_BIN), "sync", "-c", str(plan)], env=ft.base_env(),
                                stdout=subprocess.DEVNULL, stderr=follower)
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        os.close(leader)
        self.assertEqual(proc.wait(timeout=120), 0, screen.decode("utf-8", "replace"))
        frames = [f for f in screen.decode("utf-8", "replace").replace("\x1b[K", "").split("\r") if f.startswith("sync: ")]
        self.assertTrue(frames, screen)
        self.assertRegex(frames[0], r"^sync: \d+/\d+\+? images")
        self.assertTrue(all(re.match(r"sync: \d+/\d+\+? images", f) for f in frames), frames)
        self.assertRegex(frames[-1], r"^sync: (\d+)/\1 images")

    def test_completion_offers_values_and_the_man_page_has_every_section(self):
        script, _ = self.ferry("completion", "bash")

        def complete(*words):
            line = " ".join(f'"{w}"' for w in words)
            check = subprocess.run(["bash", "-c", script + f"\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _ferry; "
                                    'echo "${COMPREPLY[*]}"'], capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stderr)
            return check.stdout.split()

        self.assertEqual(complete("ferry", "--log-level", ""), ["debug", "info", "warn", "error", "off"])
        self.assertEqual(complete("ferry", "sync", "--log-format", ""), ["text", "json"])
        self.assertEqual(complete("ferry", "inspect", "-o", ""), ["text", "json"])
        self.assertEqual(complete("ferry", "plan", "convert", "--from", ""), ["skopeo", "regsync"])
        self.assertEqual(complete("ferry", "plan", "co"), ["convert"])
        self.assertIn("--dest", complete("ferry", "plan", "convert", "--de"))
        self.assertEqual(complete("ferry", "completion", ""), ["bash", "zsh"])
        self.assertEqual(set(complete("ferry", "manifest", "")), {"create", "inspect", "push", "annotate", "rm"})
        man, _ = self.ferry("man")
        self.assertIn(".SS ferry plan convert", man)
        for section in (".SH ENVIRONMENT", ".SH EXAMPLES"):
            self.assertIn(section, man)
        environment = man[man.index(".SH ENVIRONMENT"):man.index(".SH EXAMPLES")]
        for variable in ("REGISTRY_AUTH_FILE", "DOCKER_CONFIG", "HOME", "PATH", "HTTPS_PROXY", "NO_PROXY",
                         "FERRY_HTTP_STALL_SECONDS", "TZ", "password_env", "token_env"):
            self.assertIn(variable.replace("_", "_"), environment.replace("\\-", "-"))
        rendered = subprocess.run(["man", "-l", "-"], input=man, capture_output=True, text=True,
                                  env={**os.environ, "MANWIDTH": "100"})
        if rendered.returncode == 0:  # man-db installed
            self.assertIn("ferry plan convert", rendered.stdout.replace("\u2010", "-"))
