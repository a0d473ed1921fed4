#pragma once
/// ferry's exit codes: one enum, documented in README.md ("Exit codes").
#include "core/error.hpp"
#include "run/plan_run.hpp"

namespace ferry::cli {

enum class ExitCode : int {
    Ok = 0,
    Failed = 1,        ///< some images failed (sync/copy), or an unclassified error
    Usage = 2,         ///< bad command line, or plan/config error (file:line:col)
    Conflict = 3,      ///< policy immutable refused to overwrite a tag, or an earlier entry writes it
    InvalidInput = 4,  ///< bad reference, digest or platform
    NotFound = 5,      ///< 404: repository, tag, manifest or blob absent
    Auth = 6,          ///< 401/403: credentials missing, wrong or insufficient
    Network = 7,       ///< host unreachable, connection refused, timeout
    Tls = 8,           ///< certificate verification or TLS handshake failed
    Integrity = 9,     ///< digest or size mismatch
    Rejected = 10,     ///< signature policy refused an image
    Interrupted = 130, ///< SIGINT/SIGTERM
};

/// Maps an error kind to the exit code a user sees.
ExitCode exit_code_for(const core::Error& error);

/// The exit code of a plan run (`ferry sync`, `ferry plan`): the one mapping from a run's
/// verdict (run::outcome_of decides it) to what the user sees.
ExitCode exit_code_for(run::Outcome outcome);

}  // namespace ferry::cli
