// ferry version [-o json]   (ferry --version prints the first line only)
#include <curl/curl.h>
#include <openssl/crypto.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "cli/runtime.hpp"

namespace ferry::cli {
namespace {

ExitCode print_version(const std::string& output) {
    const auto* curl = curl_version_info(CURLVERSION_NOW);
    const std::string curl_version = curl != nullptr && curl->version != nullptr ? curl->version : "unknown";
    const std::string ssl = OpenSSL_version(OPENSSL_VERSION);
    if (output == "json") {
        nlohmann::json j = {{"version", FERRY_VERSION}, {"gitCommit", FERRY_GIT_COMMIT},
                            {"buildType", FERRY_BUILD_TYPE}, {"libcurl", curl_version}, {"openssl", ssl}};
        std::cout << j.dump(2) << "\n";
        return ExitCode::Ok;
    }
    std::cout << "ferry " << FERRY_VERSION << "\n"
              << "git commit: " << FERRY_GIT_COMMIT << "\n"
              << "build type: " << FERRY_BUILD_TYPE << "\n"
              << "libcurl:    " << curl_version << "\n"
              << "OpenSSL:    " << ssl << "\n";
    return ExitCode::Ok;
}

}  // namespace

std::string version_line() { return std::string("ferry ") + FERRY_VERSION + " (" + FERRY_GIT_COMMIT + ")"; }

void add_version_verb(CLI::App& app, Runtime&, VerbBody& body) {
    auto output = std::make_shared<std::string>("text");
    auto* verb = app.add_subcommand("version", "print the version, git commit, build type and library versions");
    add_output_flag(*verb, *output);
    verb->callback([&body, output] { body = [output] { return print_version(*output); }; });
}

}  // namespace ferry::cli
