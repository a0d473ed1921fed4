#pragma once
/// Internal to the plan parser: one reader per section of the plan file. Each reports its
/// problems to the PlanReader and returns what it could read.
#include <chrono>
#include <optional>
#include <string_view>

#include "sync/plan.hpp"
#include "sync/plan_reader.hpp"

namespace ferry::sync::detail {

/// Settings shared by `defaults` and sync entries.
PlatformSelection read_platforms(PlanReader& reader, const PlanNode& node, std::string_view path);
ReferrerSelection read_referrers(PlanReader& reader, const PlanNode& node, std::string_view path);
std::optional<VerifySettings> read_verify(PlanReader& reader, const PlanNode& node, std::string_view path);
std::optional<CopyPolicy> read_policy(PlanReader& reader, const PlanNode& node, std::string_view path);

/// Reads the secret named by a `*_env` key (an environment variable) or a `*_file` key (a
/// file of at most 64 KiB, trailing newlines dropped); registers it as a secret. `what`
/// names it in errors ("password", "token").
std::optional<std::string> read_password(PlanReader& reader, const PlanNode& source, std::string_view path,
                                         std::string_view what = "password");
std::optional<WebhookSettings> read_webhooks(PlanReader& reader, const PlanNode& node);

/// `prune` and `max_prune` of a sync entry (after its source and policy are known).
void read_prune(PlanReader& reader, const PlanNode& node, std::string_view path, SyncEntry& entry);

Defaults read_defaults(PlanReader& reader, const PlanNode& node);
std::map<std::string, RegistryConfig> read_registries(PlanReader& reader, const PlanNode& node);
std::vector<SyncEntry> read_sync(PlanReader& reader, const PlanNode& node, const Defaults& defaults);
std::vector<ManifestEntry> read_manifests(PlanReader& reader, const PlanNode& node);
std::vector<ScheduleEntry> read_schedule(PlanReader& reader, const PlanNode& node,
                                         const std::vector<SyncEntry>& entries);

/// "host", "host:port", "1.2.3.4:5000", "[::1]:5000".
bool is_valid_host(std::string_view host);
/// True if the first path component of a reference names a registry host (has '.' or ':',
/// or is "localhost"), as in Docker's reference rules.
bool looks_like_host(std::string_view component);
/// "docker.io" for Docker Hub's aliases ("index.docker.io", "registry-1.docker.io"), else `host`.
std::string normalize_host(std::string_view host);
/// "30s", "5m", "1h30m", "250ms", "0".
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace ferry::sync::detail
