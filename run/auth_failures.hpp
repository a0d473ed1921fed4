#pragma once
/// Authentication failures of a sync run, told once per registry host instead of once per
/// image: which host, why (the caller says whether credentials were configured), and how many
/// images it stopped. Thread-safe: on_done callbacks run on worker threads.
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sync/runner.hpp"

namespace ferry::run {

/// True when the run failed and every failure is an authentication failure (exit code 6).
/// Reads the run's summary: the outcomes need not be kept.
bool only_auth_failures(const sync::RunResult& result);

/// True when the run failed and every failure is something absent (exit code 5): a source
/// that does not exist, a target repository that must be created first.
bool only_not_found_failures(const sync::RunResult& result);

class AuthFailureLog {
public:
    /// `credentials_of(host)` describes what the run had for the host, e.g. "no credentials
    /// found" or "credentials from ~/.docker/config.json were rejected".
    explicit AuthFailureLog(std::function<std::string(const std::string& host)> credentials_of)
        : credentials_of_(std::move(credentials_of)) {}

    /// For an auth failure: the line to print when it is the host's first ("authentication to
    /// HOST failed: …"), nullopt for the following ones (counted). Not an auth failure: nullopt.
    std::optional<std::string> first_for_host(const sync::TaskOutcome& outcome);

    /// One line per host for the end of the run: "HOST: N images not synced (authentication
    /// failed)", or "M repositories not listed" for entries whose tag listing was refused.
    std::vector<std::string> summary() const;

private:
    std::function<std::string(const std::string&)> credentials_of_;
    mutable std::mutex mutex_;
    struct Counts {
        std::size_t listings = 0;  ///< entries whose listing was refused
        std::size_t images = 0;
    };
    std::map<std::string, Counts> per_host_;
};

}  // namespace ferry::run
