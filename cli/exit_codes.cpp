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

}  // namespace ferry::cli
