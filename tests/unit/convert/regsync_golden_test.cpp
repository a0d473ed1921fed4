// Golden tests of the regsync conversion: each input is built from regsync's documented
// semantics (regclient cmd/regsync/config.go and root.go: defaults applied per step,
// "^" + pattern + "$" anchoring, semverRange OR'ed and AND'ed with allow/deny, platform(s),
// referrers/digestTags, creds keys of config/host.go); the expected text is the whole plan,
// header comment included; and every converted plan must load with ferry's own parser.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "convert/convert.hpp"
#include "plan/plan.hpp"

using namespace ferry;

namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
        text.replace(pos, from.size(), to);
    return text;
}

/// A password file the converted plans may name (@SECRET_FILE@ in inputs and goldens), and
/// the environment variables they read.
std::string secret_file() {
    static const std::string path = [] {
        auto p = std::filesystem::temp_directory_path() / ("ferry-golden-secret-" + std::to_string(::getpid()));
        std::ofstream(p) << "s3cret\n";
        return p.string();
    }();
    ::setenv("SRC_USER", "golden-user", 1);
    ::setenv("SRC_PASS", "golden-pass", 1);
    ::setenv("FERRY_PASSWORD_INSECURE_EXAMPLE_5000", "golden-robot", 1);
    return path;
}

/// Converts `input`, compares with `expected` and loads the result with plan::parse_plan.
void check_golden(const std::string& input, const std::string& expected) {
    auto converted = convert::convert_regsync(input, "regsync.yml");
    REQUIRE(converted);
    CHECK(converted->plan_yaml == expected);
    const std::string runnable = replaced(converted->plan_yaml, "\"@SECRET_FILE@\"", secret_file());
    auto plan = plan::parse_plan(runnable, "converted.yaml");
    INFO(runnable);
    if (!plan) FAIL(plan.error().message);
    CHECK_FALSE(plan->sync.empty());
}

}  // namespace

TEST_CASE("regsync golden - defaults: schedule over interval, a step's own interval, backup, ratelimit, mediaTypes and parallel") {
    check_golden(R"golden(version: 1
defaults:
  schedule: "0 3 * * *"
  interval: 1h
  parallel: 4
  backup: "bkup-{{.Ref.Tag}}"
  ratelimit:
    min: 100
    retry: 15m
  mediaTypes:
    - application/vnd.oci.image.manifest.v1+json
    - application/vnd.oci.image.index.v1+json
  userAgent: my-agent
sync:
  - source: src.example/team/app
    target: dst.example/mirror/app
    type: repository
  - source: src.example/team/tool:1.0
    target: dst.example/mirror/tool
    type: image
    interval: 15m
    backup: ""
    mediaTypes:
      - application/vnd.docker.distribution.manifest.v2+json
      - application/vnd.docker.distribution.manifest.list.v2+json
      - application/vnd.oci.image.manifest.v1+json
      - application/vnd.oci.image.index.v1+json
)golden",
                 R"golden(# ferry plan converted from regsync configuration regsync.yml.
# Not carried over, or different in ferry (check these):
#  - regsync.yml:5:3: parallel 4: regsync's count of steps run at once; ferry runs an entry's images side by side and its jobs count blob transfers (default 8); left out
#  - regsync.yml:13:3: userAgent: ferry sends its own User-Agent; left out
#  - regsync (referrers and digestTags off) copies tags like sha256-<hex>.sig that pass the tag filters as plain images; ferry never mirrors such tags as images and, with referrers: none, copies no artifacts
#  - regsync.yml:6:11: backup "bkup-{{.Ref.Tag}}": ferry overwrites a changed target tag without keeping the old image (policy: immutable refuses to overwrite instead)
#  - regsync.yml:8:5: ratelimit: ferry does not wait for a Docker Hub pull quota to refill; it honours 429 and Retry-After, pauses the host, and stops asking once the quota is spent (requests_per_second under registries: paces it)
#  - regsync.yml:11:5: mediaTypes: ferry copies Docker and OCI manifests and indexes whatever their type; regsync skips images of types not listed
#  - regsync.yml:22:13: backup "bkup-{{.Ref.Tag}}": ferry overwrites a changed target tag without keeping the old image (policy: immutable refuses to overwrite instead)
version: 1
sync:
  - name: app
    source: src.example/team/app
    target: dst.example/mirror/app
    referrers: none
  - name: tool
    source: src.example/team/tool:1.0
    target: dst.example/mirror/tool:latest
    referrers: none
schedule:
  - name: regsync-1
    cron: 0 */15 * * * *
    jobs:
      - tool
  - name: regsync-2
    cron: 0 3 * * *
    jobs:
      - app
)golden");
}

TEST_CASE("regsync golden - semverRange with allow and deny, and a range regsync refuses") {
    check_golden(R"golden(version: 1
sync:
  - source: src.example/library/node
    target: dst.example/node
    type: repository
    tags:
      semverRange: [">=1.0.0 <2.0.0", "^3.1", "~4.2.1", "5.0", "v6"]
      deny: ["-alpine"]
  - source: src.example/library/python
    target: dst.example/python
    type: repository
    tags:
      allow: ["3\\.1[0-2].*", "latest"]
      semverRange: ["^0.0.3", ">1.2.3.0 <=2"]
  - source: src.example/library/bad
    target: dst.example/bad
    type: repository
    tags:
      semverRange: [">= 1.0"]
)golden",
                 R"golden(# ferry plan converted from regsync configuration regsync.yml.
# Not carried over, or different in ferry (check these):
#  - regsync.yml:7:20: semverRange: regsync compares every tag that reads as a version, pre-releases and suffixed tags (1.2-alpine) included, so ferry's semver gets include_prerelease: true; tags of four or more numbers (1.2.3.4) are versions to regsync, not to ferry
#  - regsync (referrers and digestTags off) copies tags like sha256-<hex>.sig that pass the tag filters as plain images; ferry never mirrors such tags as images and, with referrers: none, copies no artifacts
#  - regsync.yml:14:20: semverRange: regsync compares every tag that reads as a version, pre-releases and suffixed tags (1.2-alpine) included, so ferry's semver gets include_prerelease: true; tags of four or more numbers (1.2.3.4) are versions to regsync, not to ferry
#  - regsync.yml:19:20: semverRange: '>= 1.0': regsync refuses '>=' (not a version); step left out (a wider selection would copy what regsync does not)
version: 1
sync:
  - name: node
    source: src.example/library/node
    target: dst.example/node
    referrers: none
    tags:
      deny:
        - ^-alpine$
      semver: ">=1.0.0 <2.0.0 || >=3.1.0 <4.0.0 || >=4.2.1 <4.3.0 || =5.0.0 || =6.0.0"
      include_prerelease: true
  - name: python
    source: src.example/library/python
    target: dst.example/python
    referrers: none
    tags:
      allow:
        - ^3\.1[0-2].*$
        - ^latest$
      semver: ">=0.0.3 <0.0.4 || >1.2.3 <=2.0.0"
      include_prerelease: true
)golden");
}

TEST_CASE("regsync golden - platforms, platform, and tagSets merged or split") {
    check_golden(R"golden(version: 1
sync:
  - source: src.example/app
    target: dst.example/app
    type: repository
    platforms: [linux/amd64, linux/arm64]
  - source: src.example/app:1.0
    target: dst.example/app-arm:1.0
    type: image
    platform: linux/arm64/v8
  - source: src.example/other
    target: dst.example/other
    type: repository
    tagSets:
      - allow: ["1\\..*"]
      - allow: ["2\\..*"]
  - source: src.example/split
    target: dst.example/split
    type: repository
    tagSets:
      - allow: ["1\\..*"]
        deny: [".*-rc.*"]
      - semverRange: [">=2.0.0"]
)golden",
                 R"golden(# ferry plan converted from regsync configuration regsync.yml.
# Not carried over, or different in ferry (check these):
#  - regsync.yml:6:16: platforms: regsync pushes the source index unchanged with only these platforms' images (the others missing at the target); ferry writes an index of exactly these platforms (another digest)
#  - regsync (referrers and digestTags off) copies tags like sha256-<hex>.sig that pass the tag filters as plain images; ferry never mirrors such tags as images and, with referrers: none, copies no artifacts
#  - regsync.yml:10:15: platform linux/arm64/v8: regsync copies that platform's image manifest; ferry writes a one-entry index of it (another digest)
#  - regsync.yml:23:22: semverRange: regsync compares every tag that reads as a version, pre-releases and suffixed tags (1.2-alpine) included, so ferry's semver gets include_prerelease: true; tags of four or more numbers (1.2.3.4) are versions to regsync, not to ferry
#  - regsync.yml:21:7: tagSets with different deny or semverRange are not one ferry filter: one entry per set; a tag several sets select is written by each (same source, same digest)
version: 1
sync:
  - name: app
    source: src.example/app
    target: dst.example/app
    platforms:
      - linux/amd64
      - linux/arm64
    referrers: none
  - name: app-2
    source: src.example/app:1.0
    target: dst.example/app-arm:1.0
    platforms:
      - linux/arm64/v8
    referrers: none
  - name: other
    source: src.example/other
    target: dst.example/other
    referrers: none
    tags:
      allow:
        - ^1\..*$
        - ^2\..*$
  - name: split
    source: src.example/split
    target: dst.example/split
    referrers: none
    tags:
      allow:
        - ^1\..*$
      deny:
        - ^.*-rc.*$
  - name: split-2
    source: src.example/split
    target: dst.example/split
    referrers: none
    tags:
      semver: ">=2.0.0"
      include_prerelease: true
)golden");
}

TEST_CASE("regsync golden - creds: env templates, repoAuth, tls, limits, mirrors, blobChunk, credHelper, pathPrefix, regcert") {
    check_golden(R"golden(version: 1
creds:
  - registry: src.example
    user: '{{env "SRC_USER"}}'
    pass: '{{env "SRC_PASS"}}'
    repoAuth: true
    reqPerSec: 10
    reqConcurrent: 2
    mirrors: [mirror.example]
    priority: 5
  - registry: insecure.example:5000
    tls: insecure
    user: robot
    pass: hunter2
    blobChunk: 1048576
    blobMax: 2097152
  - registry: plain.example:5000
    tls: disabled
    pathPrefix: hub
    credHelper: docker-credential-ecr-login
  - registry: dst.example
    pass: '{{file "@SECRET_FILE@"}}'
    user: pusher
    regcert: |
      -----BEGIN CERTIFICATE-----
      MIIB
      -----END CERTIFICATE-----
sync:
  - source: src.example/a
    target: dst.example/a
    type: repository
)golden",
                 R"golden(# ferry plan converted from regsync configuration regsync.yml.
# Not carried over, or different in ferry (check these):
#  - regsync.yml:6:5: creds.repoAuth of src.example: ferry already asks for one token per repository
#  - regsync.yml:10:5: creds.priority of src.example: ferry tries a host's mirrors in the order its mirrors: list names them; left out
#  - regsync.yml:15:5: creds.blobChunk of insecure.example:5000: ferry uploads every blob in chunks of this size (regsync only those above blobMax)
#  - regsync.yml:14:11: the password of insecure.example:5000 is not written into a ferry plan: export FERRY_PASSWORD_INSECURE_EXAMPLE_5000 before running ferry
#  - regsync.yml:19:5: creds.pathPrefix of plain.example:5000: a repository namespace on a mirror; ferry's path_prefix is an API path before /v2/, not this; left out
#  - regsync.yml:20:5: credHelper docker-credential-ecr-login: ferry runs the credential helpers docker config.json names; add "credHelpers": {"plain.example:5000": "ecr-login"} there
#  - regsync.yml:24:5: creds.regcert of dst.example: ferry reads certificates from files: save the PEM and set ca_file; left out
#  - regsync (referrers and digestTags off) copies tags like sha256-<hex>.sig that pass the tag filters as plain images; ferry never mirrors such tags as images and, with referrers: none, copies no artifacts
version: 1
registries:
  src.example:
    requests_per_second: 10
    max_requests: 2
    mirrors:
      - mirror.example
    credentials:
      username: ${SRC_USER}
      password_env: SRC_PASS
  insecure.example:5000:
    tls: skip-verify
    upload:
      chunk_size: 1048576
    credentials:
      username: robot
      password_env: FERRY_PASSWORD_INSECURE_EXAMPLE_5000
  plain.example:5000:
    tls: disabled
    credentials: docker-config
  dst.example:
    credentials:
      username: pusher
      password_file: "@SECRET_FILE@"
sync:
  - name: a
    source: src.example/a
    target: dst.example/a
    referrers: none
)golden");
}

TEST_CASE("regsync golden - referrers, referrerFilters, digestTags, repos of a registry step, and the keys without equivalent") {
    check_golden(R"golden(version: 1
defaults:
  referrers: true
  hooks:
    post: {type: cmd, params: ["echo"]}
sync:
  - source: src.example/signed
    target: dst.example/signed
    type: repository
  - source: src.example/sbom
    target: dst.example/sbom
    type: repository
    referrerFilters:
      - artifactType: application/spdx+json
      - artifactType: application/vnd.dev.cosign.artifact.sig.v1+json
  - source: src.example/annotated
    target: dst.example/annotated
    type: repository
    referrerFilters:
      - annotations: {org.example.kind: report}
  - source: src.example/cosign
    target: dst.example/cosign
    type: repository
    referrers: false
    digestTags: true
    forceRecursive: true
    includeExternal: true
  - source: src.example
    target: dst.example/copy
    type: registry
    referrers: false
    repos:
      allow: ["team/.*"]
      deny: ["team/secret"]
    tags:
      allow: ["v1|v2"]
    referrerSource: other.example/sigs
)golden",
                 R"golden(# ferry plan converted from regsync configuration regsync.yml.
# Not carried over, or different in ferry (check these):
#  - regsync.yml:5:5: hooks: ferry runs no commands; use its report file or /metrics; left out
#  - regsync.yml:20:7: referrerFilters by annotation: ferry selects artifacts by type only; written referrers: all (more than regsync copies)
#  - regsync.yml:25:17: digestTags: ferry carries artifacts from the referrers API as well as digest tags (referrers: all)
#  - regsync.yml:26:21: forceRecursive: ferry does not look into an image whose target digest already matches
#  - regsync.yml:27:22: includeExternal: ferry leaves foreign (external) layers where they are
#  - regsync (referrers and digestTags off) copies tags like sha256-<hex>.sig that pass the tag filters as plain images; ferry never mirrors such tags as images and, with referrers: none, copies no artifacts
#  - regsync.yml:37:21: referrerSource: ferry reads and writes an image's artifacts in its own repositories; left out
version: 1
sync:
  - name: signed
    source: src.example/signed
    target: dst.example/signed
    referrers: all
  - name: sbom
    source: src.example/sbom
    target: dst.example/sbom
    referrers:
      - application/spdx+json
      - application/vnd.dev.cosign.artifact.sig.v1+json
  - name: annotated
    source: src.example/annotated
    target: dst.example/annotated
    referrers: all
  - name: cosign
    source: src.example/cosign
    target: dst.example/cosign
    referrers: all
  - name: src.example
    source: src.example/*
    target: dst.example/copy/
    repos:
      allow:
        - ^team/.*$
      deny:
        - ^team/secret$
    referrers: none
    tags:
      allow:
        - ^v1|v2$
)golden");
}
