// Validates Kubernetes objects offline against the API schemas of the npm package
// kubernetes-models (JSON Schema from Kubernetes' OpenAPI, compiled with ajv): types, required
// fields, enums and formats. Unknown fields pass (the package allows additional properties), so
// tests/integration/test_deploy.py checks the fields ferry relies on by name as well.
//
//   node validate.js OBJECTS.json   ->  one JSON line per object: {"index", "kind", "name", "ok", "errors"}
// OBJECTS.json is an array of objects (YAML documents converted by the caller). Exit code 0 when
// every object is valid, 1 when any is not, 2 on a usage error or an unknown apiVersion/kind.
"use strict";
const fs = require("fs");
const path = require("path");

if (process.argv.length !== 3) {
  console.error("usage: node validate.js OBJECTS.json");
  process.exit(2);
}
const objects = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let failed = false;
objects.forEach((obj, index) => {
  const apiVersion = String(obj.apiVersion || "");
  const kind = String(obj.kind || "");
  // "apps/v1" -> kubernetes-models/apps/v1/Deployment, "v1" -> kubernetes-models/v1/Service
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) {
    console.error(`object ${index}: apiVersion ${JSON.stringify(apiVersion)} / kind ${JSON.stringify(kind)} is not a model name`);
    process.exit(2);
  }
  let Model;
  try {
    Model = require(path.posix.join("kubernetes-models", apiVersion, kind))[kind];
  } catch (e) {
    console.error(`object ${index}: no schema for ${apiVersion} ${kind}: ${e.message}`);
    process.exit(2);
  }
  const name = (obj.metadata && obj.metadata.name) || "";
  try {
    new Model(obj).validate();
    console.log(JSON.stringify({ index, kind, name, ok: true, errors: [] }));
  } catch (e) {
    failed = true;
    const errors = (e.errors || []).map((x) => `${x.instancePath || "/"}: ${x.message}`);
    console.log(JSON.stringify({ index, kind, name, ok: false, errors: errors.length ? errors : [e.message] }));
  }
});
process.exit(failed ? 1 : 0);
