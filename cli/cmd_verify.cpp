// ferry verify REF --key FILE [--output text|json]
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/runtime.hpp"
#include "core/redact.hpp"
#include "verify/cosign.hpp"

namespace ferry::cli {
namespace {

struct VerifyArgs {
    std::string reference;
    std::string key_file;
    std::string output = "text";
};

/// Prints the verdict (stdout when verified, stderr when rejected) and picks the exit code.
ExitCode report_verdict(const VerifyArgs& a, const manifest::Digest& digest, const verify::Verdict& v) {
    const bool ok = v.outcome == verify::Outcome::Verified;
    if (a.output == "json") {
        nlohmann::json j = {{"reference", core::redact(a.reference)}, {"digest", digest.str()},
                            {"outcome", verify::outcome_name(v.outcome)}, {"detail", core::redact(v.detail)}};
        std::cout << j.dump(2) << "\n";
    } else if (ok) {
        std::cout << fmt::format("verified {}: {}\n", core::redact(a.reference), v.detail);
    }
    if (!ok)
        std::cerr << core::redact(fmt::format("ferry: rejected {} ({}): {}\n", a.reference,
                                              verify::outcome_name(v.outcome), v.detail));
    return ok ? ExitCode::Ok : ExitCode::Rejected;
}

ExitCode run_verify(Runtime& rt, const VerifyArgs& a) {
    auto key = verify::load_public_key(a.key_file);
    if (!key) return report_error(key.error());
    auto opened = rt.open(a.reference);
    if (!opened) return report_error(opened.error());
    auto& store = *opened->store;
    auto resolved = store.resolve(opened->ref);
    if (!resolved) return report_error(resolved.error().with_context("resolving " + store.describe()));
    if (!*resolved)
        return report_error(core::make_error(core::ErrorKind::NotFound,
                                             fmt::format("verifying {}: not found", store.describe())));
    const auto digest = (*resolved)->digest;
    auto verdict = verify::verify_cosign(store, digest, *key);
    if (!verdict)
        return report_error(verdict.error().with_context(fmt::format("verifying {} ({})", a.reference, digest.str())));
    return report_verdict(a, digest, *verdict);
}

}  // namespace

void add_verify_verb(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<VerifyArgs>();
    auto* verb = app.add_subcommand("verify", "check the cosign signature of the manifest a reference names");
    verb->add_option("reference", args->reference, "docker://HOST/REPO:TAG|@DIGEST, oci:DIR[:REF], oci-archive:FILE[:REF]")->required();
    verb->add_option("--key", args->key_file, "PEM public key (ECDSA P-256 or RSA)")->required();
    add_output_flag(*verb, args->output);
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_verify(rt, *args); }; });
}

}  // namespace ferry::cli
