#pragma once
/// Warning headers (distribution-spec: `Warning: 299 - "text"`): a registry's notes for its
/// users (deprecations, quotas). Each distinct warning is logged once per process; a run
/// reports those it received itself (warnings_since).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace ferry::http {

/// The texts of the Warning fields with code 299 (quotes removed); other codes are ignored.
std::vector<std::string> parse_warnings(const std::vector<std::string>& fields);

/// Logs (warn) each warning of `headers` not logged before in this process, naming `host`.
void note_warnings(std::string_view host, const Headers& headers);

/// Every distinct warning logged so far ("HOST: text"), in order (at most the 256 newest).
std::vector<std::string> warnings_seen();

/// A point in the stream of warnings received (process-wide), for warnings_since.
std::uint64_t warnings_mark();
/// The distinct warnings received again or for the first time after `mark`, in first-seen
/// order: a run's own warnings (a run overlapping another also sees that one's).
std::vector<std::string> warnings_since(std::uint64_t mark);

}  // namespace ferry::http
