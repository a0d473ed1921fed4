#pragma once
/// Registry notifications turned into push events. Two payload shapes are understood:
///  - docker-registry / distribution's notification envelope
///    (`application/vnd.docker.distribution.events.v1+json`): {"events":[{"action":"push",
///    "target":{"mediaType","digest","repository","url","tag"},"request":{"host"}}]};
///  - Harbor's default webhook payload: {"type":"PUSH_ARTIFACT","event_data":{"repository":
///    {"repo_full_name"},"resources":[{"tag","digest","resource_url"}]}}.
/// Only pushes of a tag become events: pulls, deletes, blob events and manifests pushed by
/// digest alone (the children of an index) are counted as ignored. Nothing here talks to the
/// network; the host in an event is only a hint for matching against the plan.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ferry::events {

enum class PayloadFormat { Distribution, Harbor };
std::string_view to_string(PayloadFormat format);

/// One tag pushed at a registry.
struct PushEvent {
    std::string host;        ///< "host[:port]" the registry reported (may be empty), lower case
    std::string repository;  ///< "ns/app"
    std::string tag;         ///< never empty
    std::string digest;      ///< "sha256:…" as reported (may be empty)
    PayloadFormat format = PayloadFormat::Distribution;

    /// "host/repo:tag" (or "repo:tag" without a host).
    std::string display() const;
    friend bool operator==(const PushEvent&, const PushEvent&) = default;
};

struct ParsedPayload {
    PayloadFormat format = PayloadFormat::Distribution;
    std::vector<PushEvent> pushes;
    std::size_t ignored = 0;  ///< events that were not a tag push (pull, delete, blob, by digest)
};

/// Parses one webhook body. Errors (InvalidInput) say what is wrong and where
/// ("events[2].target.repository: expected a string"); JSON syntax errors give the byte offset.
/// Neither shape recognised is an error too.
core::Result<ParsedPayload> parse_payload(std::string_view body);

/// The "host[:port]" of a URL ("http://127.0.0.1:5106/v2/…" → "127.0.0.1:5106") or of a
/// reference ("harbor.example.com/library/app:1" → "harbor.example.com"); lower case, default
/// ports (:80 for http, :443 for https) dropped. Empty when there is none.
std::string host_of_url(std::string_view url);
std::string host_of_reference(std::string_view reference);

}  // namespace ferry::events
