"""The daemon's status page (GET /) in a real browser: headless Chromium (Debian's package)
loads it from a running `ferry cron`; the test reads the DOM Chromium rendered and saves a
screenshot as an artifact (.work/artifacts/status-page.png)."""
import os
import shutil
import subprocess
import unittest

import ferrytest as ft
from test_cron import CronProcess, http_get
from test_webhooks import harbor_payload, post, TOKEN

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ft.WORK / "artifacts"


def chromium(*args) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", *args]
    p = subprocess.run(cmd, env=ft.base_env(), capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"chromium exited {p.returncode}: {p.stderr.decode()[-2000:]}")
    return p.stdout.decode("utf-8", "replace")


@unittest.skipUnless(CHROMIUM, "chromium is not installed (scripts/install-deps.sh installs it)")
class StatusPageTest(unittest.TestCase):
    def test_the_page_shows_jobs_outcomes_events_and_errors_in_a_browser(self):
        ft.ensure_registries("src", "dst")
        ft.corpus("src")
        target = ft.unique_repo("page")
        directory = ft.temp_dir()
        (directory / "token").write_text(TOKEN)
        plan = directory / "plan.yaml"
        plan.write_text(f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
webhooks: {{token_file: token}}
sync:
  - name: alpine
    source: {SRC.host}/corpus/alpine
    target: {DST.host}/{target}/alpine
    tags: {{allow: ['^3\\.19$']}}
  - name: missing
    source: {SRC.host}/corpus/no-such-repo
    target: {DST.host}/{target}/missing
schedule:
  - name: nightly-mirror
    cron: "0 3 * * *"
    run_at_start: true
""")
        cron = CronProcess(plan)
        self.addCleanup(cron.kill)
        cron.wait_for(lambda: cron.status().get("runs"), what="the first run to finish")
        status, _ = post(cron.port, harbor_payload(SRC.host, "corpus/alpine", "3.20"))
        self.assertEqual(status, 202)
        cron.wait_for(lambda: cron.status()["webhooks"]["events"], what="the webhook event")
        run = cron.status()["runs"][0]
        self.assertEqual(run["outcome"], "failed")
        self.assertEqual(run["images"]["new"], 1)

        url = f"http://127.0.0.1:{cron.port}/"
        dom = chromium("--dump-dom", url)
        self.assertIn("<h1>ferry daemon</h1>", dom)
        self.assertRegex(dom, r'<tr class="job"><td>nightly-mirror</td>')
        self.assertRegex(dom, r'<tr class="run"><td>nightly-mirror</td><td>schedule</td><td>[^<]+</td>'
                              r'<td class="failed">failed</td>')
        self.assertRegex(dom, r'<tr class="image-error">.*corpus/no-such-repo.*NAME_UNKNOWN')
        self.assertIn("corpus/alpine:3.20", dom)
        self.assertIn('http-equiv="refresh"', dom)

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "status-page.png"
        shot.unlink(missing_ok=True)
        chromium(f"--screenshot={shot}", "--window-size=1400,1000", url)
        self.assertTrue(shot.exists() and shot.stat().st_size > 10000, shot)
        self.assertEqual(http_get(cron.port, "/status")[0], 200)
        self.assertEqual(cron.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
