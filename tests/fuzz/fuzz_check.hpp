#pragma once
/// Property checks for the fuzz targets: a failed check prints what broke and aborts, which
/// libFuzzer reports as a crash and saves the input as a reproducer.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace ferry::fuzz {

[[noreturn]] inline void check_failed(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz property violated: %s\n  %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

/// Aborts with `what` and `detail` unless `ok`.
inline void check(bool ok, const char* what, std::string_view detail = {}) {
    if (!ok) check_failed(what, detail);
}

/// The input as text (libFuzzer hands bytes).
inline std::string_view as_text(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace ferry::fuzz
