/// Fuzzes Reference::parse / parse_repository and Digest::parse. Properties: a parsed
/// reference prints (str()) to text that parses back to the same reference, and a parsed
/// repository is a valid repository without tag or digest.
#include "fuzz_check.hpp"
#include "manifest/digest.hpp"
#include "manifest/reference.hpp"

using ferry::fuzz::check;
using ferry::manifest::Digest;
using ferry::manifest::Reference;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    auto text = ferry::fuzz::as_text(data, size);

    for (bool default_latest : {true, false}) {
        auto ref = Reference::parse(text, default_latest);
        if (!ref) {
            check(!ref.error().message.empty(), "reference error without a message", text);
            continue;
        }
        check(!ref->registry.empty() && !ref->repository.empty(), "reference with an empty part", text);
        check(ferry::manifest::is_valid_repository(ref->repository), "parsed repository is invalid", text);
        if (ref->tag) check(ferry::manifest::is_valid_tag(*ref->tag), "parsed tag is invalid", text);
        if (default_latest) check(ref->tag || ref->digest, "no tag or digest with default_latest", text);
        auto printed = ref->str();
        auto again = Reference::parse(printed, false);
        check(again.has_value(), "str() of a parsed reference does not parse", printed);
        check(*again == *ref, "str() does not round-trip", printed);
        check(!ref->api_host().empty() && !ref->manifest_ref().empty(), "empty api host or manifest ref", text);
    }

    if (auto repo = Reference::parse_repository(text)) {
        check(!repo->tag && !repo->digest, "parse_repository kept a tag or digest", text);
        auto again = Reference::parse_repository(repo->repository_str());
        check(again.has_value() && *again == *repo, "repository_str() does not round-trip", text);
    }

    if (auto digest = Digest::parse(text)) {
        auto again = Digest::parse(digest->str());
        check(again.has_value() && *again == *digest, "digest str() does not round-trip", text);
        check(digest->short_str().size() <= digest->str().size(), "short_str longer than str", text);
    }
    return 0;
}
