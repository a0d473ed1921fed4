"""Acceptance tests of ferry's front door, part two: login/logout against the htpasswd (TLS)
and token registries followed by a sync with the saved credentials, per-side credentials of
copy, authentication failures told once per host; and `ferry plan convert` of the skopeo sync and
regsync documentation examples (skopeo sync itself judges the skopeo conversion in
test_convert_differential.py)."""
import json
import stat
import unittest

import yaml  # python3-yaml (scripts/install-deps.sh)

import ferrytest as ft
from cli_support import DST, EXIT_AUTH, EXIT_USAGE, INDEX, SINGLE, SRC, TLS, TOKEN, CliCase, insecure


class LoginTest(CliCase):
    more_corpora = ("tls", "token")

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
        self.assertEqual(entries["alpine"]["tags"]["semver"], ">=3.12.0")
        self.assertEqual(entries["etcd"]["target"], "my-registry.local.lan/repo/etcd")
        self.assertEqual(plan["registries"]["quay.io"]["tls"], "insecure")  # https unverified, else http
        self.assertEqual(plan["registries"]["my-registry.local.lan"], {"tls": "verify"})  # the destination
        self.assertEqual(plan["defaults"]["platforms"], ["linux/amd64"])  # no --all: skopeo's own platform
        creds = plan["registries"]["registry.example.com"]["credentials"]
        self.assertEqual(creds, {"username": "john", "password_env": "FERRY_PASSWORD_REGISTRY_EXAMPLE_COM"})
        self.assertNotIn("this is a secret", out)
        for noted in ("cert-dir /home/john/certs does not exist", "FERRY_PASSWORD_REGISTRY_EXAMPLE_COM", "--all"):
            self.assertIn(noted, out)
        _, err = self.convert("--from", "skopeo", source, want=EXIT_USAGE)
        self.assertIn("--dest", err)

    def test_regsync_documentation_example(self):
        source = self.write("regsync.yml", REGSYNC_DOC_EXAMPLE)
        out, _ = self.convert("--from", "regsync", source)
        plan = yaml.safe_load(out)
        entries = {e["name"]: e for e in plan["sync"]}
        self.assertEqual(entries["busybox"], {"name": "busybox", "source": "busybox:latest",
                                              "target": "localhost:5000/library/busybox:latest", "referrers": "none"})
        # regsync anchors a pattern as "^" + pattern + "$" (cmd/regsync/root.go filterRegexAllow)
        self.assertEqual(entries["alpine"]["tags"]["allow"], ["^latest$", "^edge$", "^3$", r"^3.\d+$"])
        self.assertEqual(entries["alpine"]["tags"]["deny"], ["^3.0$"])
        self.assertEqual(entries["localreg"]["source"], "localreg:5000/*")
        self.assertEqual(entries["localreg"]["target"], "localcopy:5000/")
        self.assertEqual(plan["registries"]["localhost:5000"], {"tls": "disabled"})
        self.assertEqual(plan["registries"]["docker.io"]["credentials"],
                         {"username": "${HUB_USER}", "password_file": "/var/run/secrets/hub_token"})
        schedules = {s["cron"]: s["jobs"] for s in plan["schedule"]}
        self.assertEqual(schedules, {"0 0 */1 * * *": ["busybox"], "15 01 * * *": ["alpine"]})
        for noted in ("backup", "ratelimit", "parallel 2"):
            self.assertIn(noted, out)

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
