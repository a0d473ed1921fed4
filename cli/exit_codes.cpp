#include "cli/exit_codes.hpp"

namespace ferry::cli {

ExitCode exit_code_for(const core::Error& error) {
    using K = core::ErrorKind;
    switch (error.kind) {
        case K::InvalidInput: return ExitCode::InvalidInput;
        case K::Config: return ExitCode::Usage;
        case K::NotFound: return ExitCode::NotFound;
        case K::Auth:
        case K::Denied: return ExitCode::Auth;
        case K::Network: return ExitCode::Network;
        case K::Tls: return ExitCode::Tls;
        case K::Integrity: return ExitCode::Integrity;
        case K::Conflict: return ExitCode::Conflict;
        case K::Cancelled: return ExitCode::Interrupted;
        default: return ExitCode::Failed;
    }
}

ExitCode exit_code_for(run::Outcome outcome) {
    switch (outcome) {
        case run::Outcome::Succeeded: return ExitCode::Ok;
        case run::Outcome::Failed: return ExitCode::Failed;
        case run::Outcome::AuthFailed: return ExitCode::Auth;
        case run::Outcome::NotFound: return ExitCode::NotFound;
        case run::Outcome::Rejected: return ExitCode::Rejected;
        case run::Outcome::Conflict: return ExitCode::Conflict;
        case run::Outcome::Cancelled: return ExitCode::Interrupted;
    }
    return ExitCode::Failed;
}

}  // namespace ferry::cli
