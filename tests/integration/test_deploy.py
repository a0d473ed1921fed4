"""The Kubernetes examples in cron/examples: valid against the Kubernetes API schemas (offline,
with the npm package kubernetes-models in tests/k8s, installed by scripts/install-deps.sh), using
the image scripts/image.sh writes (its name, entrypoint and user), non-root with a read-only root
file system, and consistent with each other and with ferry: the Indexed Job's shards, the
Deployment's `ferry cron` with the example plan, the Secret and its webhook token, the probes on
/healthz (the Deployment's own command line is run here, on loopback, and its probe is asked).

kubernetes-models allows unknown fields (its schemas keep additionalProperties open), so the
fields ferry relies on are checked here by name: a misspelt readOnlyRootFilesystem fails below.
"""
import copy
import json
import os
import re
import signal
import subprocess
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import yaml

import ferrytest as ft

EXAMPLES = ft.ROOT / "cron" / "examples"
K8S = ft.ROOT / "tests" / "k8s"
ENTRYPOINT = "/usr/local/bin/ferry"


def image_user() -> int:
    """The uid scripts/image.sh gives the image (`User: "UID:GID"` in its config)."""
    m = re.search(r'User: "(\d+):(\d+)"', (ft.SCRIPTS / "image.sh").read_text())
    assert m, "scripts/image.sh: no User in the image config"
    return int(m.group(1))


def load_objects():
    objects = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        objects += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


def validate(objects):
    """tests/k8s/validate.js over the objects: (exit code, one result dict per object)."""
    path = ft.temp_dir() / "objects.json"
    path.write_text(json.dumps(objects))
    p = subprocess.run(["node", str(K8S / "validate.js"), str(path)], capture_output=True, text=True,
                       timeout=120, cwd=K8S)
    if p.returncode == 2:
        raise AssertionError(f"validate.js: {p.stderr}")
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()]


def pod_template(obj):
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]


class DeployExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.skip_unless_tools("node")
        if not (K8S / "node_modules" / "kubernetes-models").is_dir():
            raise AssertionError("tests/k8s/node_modules/kubernetes-models missing: bash scripts/install-deps.sh")
        cls.objects = load_objects()
        cls.by_kind = {}
        for _, obj in cls.objects:
            cls.by_kind.setdefault(obj["kind"], []).append(obj)
        cls.workloads = [o for o in (o for _, o in cls.objects) if o["kind"] in ("CronJob", "Job", "Deployment")]
        cls.version = json.loads(ft.run_ferry("version", "-o", "json", check=True)[1])["version"]

    def named(self, kind, name):
        found = [o for o in self.by_kind.get(kind, []) if o["metadata"]["name"] == name]
        self.assertEqual(len(found), 1, f"{kind} {name} in cron/examples")
        return found[0]

    def container(self, obj):
        (c,) = pod_template(obj)["spec"]["containers"]
        return c

    # --------------------------------------------------------------------------------- schemas

    def test_every_example_validates_against_the_kubernetes_schemas(self):
        self.assertEqual(set(self.by_kind), {"CronJob", "Job", "Deployment", "Service", "Secret", "ConfigMap"})
        rc, results = validate([obj for _, obj in self.objects])
        self.assertEqual(len(results), len(self.objects))
        bad = [f"{self.objects[r['index']][0]}: {r['kind']} {r['name']}: {r['errors']}" for r in results if not r["ok"]]
        self.assertEqual(bad, [])
        self.assertEqual(rc, 0)

    def test_the_schema_check_rejects_a_broken_workload(self):
        deployment = copy.deepcopy(self.named("Deployment", "ferry-cron"))
        self.container(deployment)["securityContext"]["readOnlyRootFilesystem"] = "yes"
        job = copy.deepcopy(self.named("Job", "ferry-sync-sharded"))
        del self.container(job)["name"]
        rc, results = validate([deployment, job])
        self.assertEqual(rc, 1)
        self.assertIn("securityContext/readOnlyRootFilesystem: must be boolean", " ".join(results[0]["errors"]))
        self.assertIn("containers/0: must have required property name", " ".join(results[1]["errors"]))

    # --------------------------------------------------------------------------------- ferry's image

    def test_workloads_run_ferrys_image_non_root_with_a_read_only_root(self):
        self.assertEqual(len(self.workloads), 3)
        uid = image_user()
        for obj in self.workloads:
            with self.subTest(kind=obj["kind"]):
                pod = pod_template(obj)["spec"]
                c = self.container(obj)
                # the name `ferry copy oci:DIR:VERSION docker://REGISTRY/ferry:VERSION` pushes
                self.assertRegex(c["image"], rf"^[^/]+(/[^/:]+)*/ferry:{re.escape(self.version)}$")
                # the image's entrypoint runs: no command, args are ferry's (a verb first)
                self.assertNotIn("command", c)
                rc, _, err = ft.run_ferry("help", c["args"][0])
                self.assertEqual(rc, 0, err)
                self.assertEqual((pod["securityContext"]["runAsNonRoot"], pod["securityContext"]["runAsUser"],
                                  pod["securityContext"]["runAsGroup"]), (True, uid, uid))
                sc = c["securityContext"]
                self.assertIs(sc["readOnlyRootFilesystem"], True)
                self.assertIs(sc["allowPrivilegeEscalation"], False)
                self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
                volumes = {v["name"]: v for v in pod["volumes"]}
                for mount in c["volumeMounts"]:
                    self.assertIn(mount["name"], volumes)
                # every ConfigMap and Secret the pod reads exists here with the keys it reads
                for v in volumes.values():
                    if "configMap" in v:
                        self.assertIn("plan.yaml", self.named("ConfigMap", v["configMap"]["name"])["data"])
                    if "secret" in v:
                        secret = self.named("Secret", v["secret"]["secretName"])
                        for item in v["secret"]["items"]:
                            self.assertIn(item["key"], secret["stringData"])
                # ferry writes only its state file: to the writable emptyDir, as the plan says
                plan = yaml.safe_load(self.named("ConfigMap", "ferry-plan")["data"]["plan.yaml"])
                state_mount = next(m for m in c["volumeMounts"] if m["name"] == "state")
                self.assertIn("emptyDir", volumes["state"])
                self.assertTrue(plan["defaults"]["state_file"].startswith(state_mount["mountPath"] + "/"))

    def test_indexed_job_shards_match_its_completions(self):
        job = self.named("Job", "ferry-sync-sharded")
        args = self.container(job)["args"]
        shard = args[args.index("--shard") + 1]
        m = re.fullmatch(r"\$\(JOB_COMPLETION_INDEX\)/(\d+)", shard)
        self.assertIsNotNone(m, shard)
        n = int(m.group(1))
        self.assertEqual(job["spec"]["completionMode"], "Indexed")
        self.assertEqual((job["spec"]["completions"], job["spec"]["parallelism"]), (n, n))

    def test_deployment_runs_ferry_cron_with_the_example_plan_and_answers_its_probes(self):
        deployment = self.named("Deployment", "ferry-cron")
        service = self.named("Service", "ferry-cron")
        c = self.container(deployment)
        args = list(c["args"])
        self.assertEqual(args[0], "cron")
        listen = args[args.index("--listen") + 1]
        port = int(re.fullmatch(r":(\d+)", listen).group(1))
        (http,) = c["ports"]
        self.assertEqual((http["name"], http["containerPort"]), ("http", port))
        for probe in ("livenessProbe", "readinessProbe"):
            self.assertEqual(c[probe]["httpGet"], {"path": "/healthz", "port": "http"})
        self.assertEqual(service["spec"]["selector"], pod_template(deployment)["metadata"]["labels"])
        self.assertEqual(service["spec"]["ports"][0]["targetPort"], "http")

        # The container's command line, on loopback: the ConfigMap's plan and the Secrets' values
        # at the paths and in the variables the pod spec gives them.
        work = ft.temp_dir()
        plan_text = self.named("ConfigMap", "ferry-plan")["data"]["plan.yaml"]
        state_dir = next(m["mountPath"] for m in c["volumeMounts"] if m["name"] == "state")
        (work / "plan.yaml").write_text(plan_text.replace(state_dir + "/", f"{work}/"))
        auth = self.named("Secret", "ferry-registry-auth")["stringData"][".dockerconfigjson"]
        (work / "auth").mkdir()
        (work / "auth" / "config.json").write_text(auth)
        token_ref = next(e for e in c["env"] if e["name"] == "FERRY_WEBHOOK_TOKEN")["valueFrom"]["secretKeyRef"]
        token = self.named("Secret", token_ref["name"])["stringData"][token_ref["key"]]
        local = ft.free_port()
        args[args.index("-c") + 1] = str(work / "plan.yaml")
        args[args.index("--listen") + 1] = f"127.0.0.1:{local}"
        env = ft.base_env({"DOCKER_CONFIG": str(work / "auth"), "FERRY_WEBHOOK_TOKEN": token})
        proc = subprocess.Popen([str(ft.FERRY_BIN), *args], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            status = wait_for(f"http://127.0.0.1:{local}/healthz", proc)
            self.assertEqual(status, 200)
            hook = yaml.safe_load(plan_text)["webhooks"]["path"]
            request = urllib.request.Request(f"http://127.0.0.1:{local}{hook}", data=b"{}", method="POST")
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            self.assertEqual(refused.exception.code, 401)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)


def wait_for(url, proc, limit=30.0):
    """The status of GET url once the server answers (the process must stay alive)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"ferry exited {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {limit} s")


if __name__ == "__main__":
    unittest.main()
