#pragma once
/// Real-looking manifests for the manifest unit tests (shapes as registries serve them).
#include <string>

namespace ferry::testing::fixtures {

/// sha256 of these exact bytes, computed by hashlib when the fixture was written.
inline const std::string kOciIndexDigest = "sha256:4fbd7acb4b62b78358a2771a7ed4e93970885e435828caa635fbe11bea2fa4c8";
inline const std::string kOciIndex = R"json({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
      "size": 1234,
      "platform": { "architecture": "amd64", "os": "linux" }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
      "size": 1235,
      "platform": { "architecture": "arm64", "os": "linux", "variant": "v8" }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
      "size": 1236,
      "platform": { "architecture": "arm", "os": "linux", "variant": "v7" }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:4444444444444444444444444444444444444444444444444444444444444444",
      "size": 840,
      "annotations": {
        "vnd.docker.reference.digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": { "architecture": "unknown", "os": "unknown" }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:5555555555555555555555555555555555555555555555555555555555555555",
      "size": 841,
      "annotations": {
        "vnd.docker.reference.digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": { "architecture": "unknown", "os": "unknown" }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:6666666666666666666666666666666666666666666666666666666666666666",
      "size": 842,
      "annotations": {
        "vnd.docker.reference.digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": { "architecture": "unknown", "os": "unknown" }
    }
  ],
  "annotations": { "org.opencontainers.image.created": "2024-05-01T10:00:00Z" }
}
)json";

/// sha256 of these exact bytes, computed by hashlib when the fixture was written.
inline const std::string kDockerListDigest = "sha256:55e53e01c8a1d20733f1b5397cf08022b392d2b051f4556b0570dbd25a0c1287";
inline const std::string kDockerList = R"json({
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "manifests": [
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 7143,
         "digest": "sha256:7777777777777777777777777777777777777777777777777777777777777777",
         "platform": { "architecture": "ppc64le", "os": "linux" }
      },
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 7682,
         "digest": "sha256:8888888888888888888888888888888888888888888888888888888888888888",
         "platform": { "architecture": "amd64", "os": "linux", "features": [ "sse4" ] }
      },
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 7682,
         "digest": "sha256:9999999999999999999999999999999999999999999999999999999999999999",
         "platform": {
            "architecture": "amd64",
            "os": "windows",
            "os.version": "10.0.17763.5329",
            "os.features": [ "win32k" ]
         }
      }
   ]
})json";

/// sha256 of these exact bytes, computed by hashlib when the fixture was written.
inline const std::string kOciManifestDigest = "sha256:24dd772bed18a488e69d676a5206a3c5a46b4d67e73483ade64c400466f0c341";
inline const std::string kOciManifest = R"json({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "size": 7023
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
      "size": 32654
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
      "size": 16724,
      "annotations": { "org.opencontainers.image.title": "app.tar.gz" }
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
    "size": 1024
  },
  "annotations": { "com.example.key1": "value1" }
})json";

/// sha256 of these exact bytes, computed by hashlib when the fixture was written.
inline const std::string kDockerManifestDigest = "sha256:1582952f0b12011b9b2e3bf7efd76e2b6b0cd521a742fcb205e81147404f7a7d";
inline const std::string kDockerManifest = R"json({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 7023,
        "digest": "sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    },
    "layers": [
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 32654,
            "digest": "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        },
        {
            "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            "size": 16724,
            "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "urls": [ "https://mcr.microsoft.com/v2/windows/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000" ]
        }
    ]
})json";

}  // namespace ferry::testing::fixtures
