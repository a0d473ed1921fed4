"""No secret in ferry's output (issue 8): a sync at debug log level between the TLS+htpasswd
registry (5103) and the token-auth registry (5104, token server 5105) prints no password, no
base64 user:password, no bearer token and no Authorization value, in stdout, stderr or the
report; neither does the failing run with wrong passwords.

Tokens differ per request, so besides the tokens issued to this test for the same
credentials, every output is searched for anything shaped like a token or a credential header.
"""
import base64
import json
import re
import unittest
import urllib.request

import ferrytest as ft

TLS = ft.REGISTRIES["tls"]
TOKEN = ft.REGISTRIES["token"]
DST = ft.REGISTRIES["dst"]
TOKEN_PASSWORD_ENV = "FERRY_TEST_TOKEN_PW"

# Shapes of leaked credentials: a header value that is not redacted, a bearer token, a JWT.
LEAK_PATTERNS = [
    re.compile(r"Authorization:?\s*(?!<redacted>)(Basic|Bearer)\s+\S", re.I),
    re.compile(r"\bBearer\s+(?!<redacted>)[A-Za-z0-9._~+/=-]{12,}"),
    re.compile(r"\bBasic\s+(?!<redacted>)[A-Za-z0-9+/]{12,}={0,2}"),
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}"),
]


def issued_token(user, password, scope) -> str:
    """A token from the test token server for the same credentials ferry uses."""
    url = (f"http://{ft.TOKEN_SERVER}/token?service=ferry-test&scope={scope}")
    request = urllib.request.Request(url, headers={
        "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=10) as r:
        body = json.loads(r.read())
    return body.get("token") or body.get("access_token")


class Secrets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("dst", "tls", "token")
        ft.corpus("tls")
        ft.corpus("token")
        cls.token = issued_token(TOKEN.user, TOKEN.password, "repository:corpus/single:pull")
        cls.needles = [TLS.password, TOKEN.password, cls.token, cls.token.split(".")[0],
                       base64.b64encode(TLS.creds.encode()).decode(),
                       base64.b64encode(TOKEN.creds.encode()).decode()]

    def setUp(self):
        self.dir = ft.temp_dir()
        self.prefix = ft.unique_repo("secrets")

    def plan(self, tls_password, token_password):
        authfile = ft.write_authfile(self.dir, {TLS.host: (TLS.user, tls_password)})
        plan = self.dir / "plan.yaml"
        plan.write_text(f"""version: 1
registries:
  "{DST.host}": {{tls: disabled}}
  "{TLS.host}":
    ca_file: {ft.CA_FILE}
    credentials: docker-config
  "{TOKEN.host}":
    tls: disabled
    credentials: {{username: {TOKEN.user}, password_env: {TOKEN_PASSWORD_ENV}}}
sync:
  - name: tls-to-token
    source: {TLS.host}/corpus/single
    target: {TOKEN.host}/{self.prefix}/from-tls
  - name: token-to-tls
    source: {TOKEN.host}/corpus/dockerlist
    target: {TLS.host}/{self.prefix}/from-token
    tags: {{allow: ['^1\\.0$']}}
""")
        return authfile, plan

    def sync(self, tls_password, token_password):
        authfile, plan = self.plan(tls_password, token_password)
        report = self.dir / "report.json"
        rc, out, err = ft.run_ferry("--authfile", authfile, "--log-level", "debug", "sync", "-c", plan,
                                    "--report", report, env={TOKEN_PASSWORD_ENV: token_password},
                                    timeout=120)
        return rc, out, err, report.read_text() if report.exists() else ""

    def assert_no_secret(self, **texts):
        extra = [n for n in self.needles if n]
        for where, text in texts.items():
            self.assertEqual(ft.secret_leaks(text, extra), [], f"secret in {where}")
            for pattern in LEAK_PATTERNS:
                self.assertIsNone(pattern.search(text), f"{pattern.pattern} matches in {where}")

    def test_debug_sync_with_basic_and_token_auth_leaks_nothing(self):
        rc, out, err, report = self.sync(TLS.password, TOKEN.password)
        self.assertEqual(rc, 0, err[-3000:])
        self.assertIn(TLS.host, err, "the debug log shows no request to the TLS registry")
        self.assertIn(TOKEN.host, err, "the debug log shows no request to the token registry")
        self.assert_no_secret(stdout=out, stderr=err, report=report)
        summary = json.loads(report)["summary"]
        self.assertEqual(summary["failed"], 0, report)
        self.assertGreaterEqual(summary["new"], 3, report)

    def test_wrong_passwords_fail_without_leaking_them(self):
        wrong_tls, wrong_token = "wrong-" + TLS.password, "wrong-" + TOKEN.password
        rc, out, err, report = self.sync(wrong_tls, wrong_token)
        self.assertTrue(0 < rc < 128, err[-3000:])
        self.needles += [wrong_tls, wrong_token,
                         base64.b64encode(f"{TLS.user}:{wrong_tls}".encode()).decode(),
                         base64.b64encode(f"{TOKEN.user}:{wrong_token}".encode()).decode()]
        self.assert_no_secret(stdout=out, stderr=err, report=report)
        failed = [i for i in json.loads(report)["images"] if i["action"] == "failed"]
        self.assertEqual({i["entry"] for i in failed}, {"tls-to-token", "token-to-tls"}, report)
        for item in failed:
            self.assertEqual(item.get("errorKind"), "auth", item)

    def test_wrong_password_on_copy_error_message(self):
        authfile = ft.write_authfile(self.dir, {TOKEN.host: (TOKEN.user, "wrong-" + TOKEN.password)})
        rc, out, err = ft.run_ferry("--authfile", authfile, "--insecure-registry", TOKEN.host,
                                    "--insecure-registry", DST.host, "--log-level", "debug", "copy",
                                    f"{TOKEN.host}/corpus/single:1.0", f"{DST.host}/{self.prefix}/x:1.0")
        self.assertEqual(rc, ft.EXIT.AUTH, err)
        self.needles += ["wrong-" + TOKEN.password,
                         base64.b64encode(f"{TOKEN.user}:wrong-{TOKEN.password}".encode()).decode()]
        self.assert_no_secret(stdout=out, stderr=err)


if __name__ == "__main__":
    unittest.main()
