#include <catch2/catch.hpp>

#include "events/push_event.hpp"
#include "events/webhook.hpp"

using namespace ferry::events;

namespace {

// Shape of docker-registry 2.8's notification envelope, as it POSTed it when skopeo pushed a
// 3-platform index (see TESTING.md, "Notifications"): children by digest
// without a tag, the index with its tag.
const char* kDistribution = R"({"events":[
  {"id":"1","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json",
   "digest":"sha256:aaa","repository":"corpus/app","url":"http://127.0.0.1:5106/v2/corpus/app/manifests/sha256:aaa"},
   "request":{"host":"127.0.0.1:5106","useragent":"skopeo"}},
  {"id":"2","action":"push","target":{"mediaType":"application/vnd.oci.image.index.v1+json",
   "digest":"sha256:bbb","repository":"corpus/app","tag":"1.2.3",
   "url":"http://127.0.0.1:5106/v2/corpus/app/manifests/sha256:bbb"}},
  {"id":"3","action":"pull","target":{"mediaType":"application/vnd.oci.image.index.v1+json",
   "digest":"sha256:bbb","repository":"corpus/app","tag":"1.2.3","url":"http://127.0.0.1:5106/v2/x"}},
  {"id":"4","action":"push","target":{"mediaType":"application/octet-stream","digest":"sha256:ccc",
   "repository":"corpus/app","url":"http://127.0.0.1:5106/v2/corpus/app/blobs/sha256:ccc"}}
]})";

// Harbor's default ("http") webhook payload for PUSH_ARTIFACT, as documented at
// goharbor.io/docs/…/configure-webhooks and seen in argocd-image-updater's test payloads.
const char* kHarbor = R"({"type":"PUSH_ARTIFACT","occur_at":1737446601,"operator":"admin",
  "event_data":{"resources":[{"digest":"sha256:ddd","tag":"v1","resource_url":"Harbor.Example.com:443/library/app:v1"},
                             {"digest":"sha256:eee","tag":"","resource_url":"harbor.example.com/library/app@sha256:eee"}],
                "repository":{"name":"app","namespace":"library","repo_full_name":"library/app","repo_type":"private"}}})";

}  // namespace

TEST_CASE("a distribution envelope yields only tag pushes of manifests") {
    auto parsed = parse_payload(kDistribution);
    REQUIRE(parsed);
    CHECK(parsed->format == PayloadFormat::Distribution);
    REQUIRE(parsed->pushes.size() == 1);
    CHECK(parsed->pushes[0] == PushEvent{"127.0.0.1:5106", "corpus/app", "1.2.3", "sha256:bbb", PayloadFormat::Distribution});
    CHECK(parsed->ignored == 3);
    CHECK(parsed->pushes[0].display() == "127.0.0.1:5106/corpus/app:1.2.3");
}

TEST_CASE("a Harbor PUSH_ARTIFACT payload yields its tagged resources") {
    auto parsed = parse_payload(kHarbor);
    REQUIRE(parsed);
    CHECK(parsed->format == PayloadFormat::Harbor);
    REQUIRE(parsed->pushes.size() == 1);
    CHECK(parsed->pushes[0].host == "harbor.example.com:443");
    CHECK(parsed->pushes[0].repository == "library/app");
    CHECK(parsed->pushes[0].tag == "v1");
    CHECK(parsed->ignored == 1);
}

TEST_CASE("other Harbor event types are ignored") {
    auto parsed = parse_payload(R"({"type":"PULL_ARTIFACT","event_data":{"resources":[{"tag":"v1"}],"repository":{}}})");
    REQUIRE(parsed);
    CHECK(parsed->pushes.empty());
    CHECK(parsed->ignored == 1);
}

TEST_CASE("malformed payloads are refused with where and why") {
    auto syntax = parse_payload("{\"events\": [");
    REQUIRE_FALSE(syntax);
    CHECK(syntax.error().message.find("malformed JSON at byte") == 0);
    auto wrong_type = parse_payload(R"({"events":[{"action":"push","target":{"tag":7,"repository":"a"}}]})");
    REQUIRE_FALSE(wrong_type);
    CHECK(wrong_type.error().message == "events[0].target.tag: expected a string");
    auto no_repo = parse_payload(R"({"events":[{"action":"push","target":{"tag":"1"}}]})");
    REQUIRE_FALSE(no_repo);
    CHECK(no_repo.error().message == "events[0].target.repository: missing");
    CHECK_FALSE(parse_payload(R"({"events":{}})"));
    CHECK_FALSE(parse_payload("[1,2]"));
    auto unknown = parse_payload(R"({"hello":"world"})");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("neither a registry notification") == 0);
    CHECK_FALSE(parse_payload(R"({"type":"PUSH_ARTIFACT","event_data":{"resources":[{"tag":"v1"}]}})"));
}

TEST_CASE("hosts of URLs and references") {
    CHECK(host_of_url("http://127.0.0.1:5106/v2/a/manifests/x") == "127.0.0.1:5106");
    CHECK(host_of_url("https://Registry.Example.com:443/v2/") == "registry.example.com");
    CHECK(host_of_url("http://user@reg.local:80") == "reg.local");
    CHECK(host_of_url("no scheme") == "");
    CHECK(host_of_reference("harbor.example.com/library/app:v1") == "harbor.example.com");
    CHECK(host_of_reference("localhost/app:1") == "localhost");
    CHECK(host_of_reference("library/app:v1") == "");
    CHECK(host_of_reference("app") == "");
}

TEST_CASE("bearer tokens are compared whole") {
    CHECK(bearer_matches("Bearer s3cret", "s3cret"));
    CHECK(bearer_matches("bearer s3cret", "s3cret"));
    CHECK_FALSE(bearer_matches("Bearer s3cre", "s3cret"));
    CHECK_FALSE(bearer_matches("Bearer s3cretX", "s3cret"));
    CHECK_FALSE(bearer_matches("Basic s3cret", "s3cret"));
    CHECK_FALSE(bearer_matches("s3cret", "s3cret"));
    CHECK_FALSE(bearer_matches("Bearer ", ""));
}

TEST_CASE("judge_webhook: 401 before the body is looked at, 400 with a reason, 202 with events") {
    auto unauthorised = judge_webhook("Bearer nope", "s3cret", kDistribution);
    CHECK(unauthorised.status == 401);
    CHECK(unauthorised.message.find("nope") == std::string::npos);
    CHECK_FALSE(unauthorised.payload);
    auto malformed = judge_webhook("Bearer s3cret", "s3cret", "{");
    CHECK(malformed.status == 400);
    CHECK(malformed.message.find("malformed JSON") == 0);
    // A number JSON can write but a double cannot hold is the sender's fault: 400, no throw.
    for (const char* body : {R"({"events":[1e999999]})", R"({"events":[{"action":"push","target":{"size":-1e99999}}]})"}) {
        INFO(body);
        auto out_of_range = judge_webhook("Bearer s3cret", "s3cret", body);
        CHECK(out_of_range.status == 400);
        CHECK(out_of_range.message.find("malformed JSON") == 0);
    }
    auto accepted = judge_webhook("Bearer s3cret", "s3cret", kHarbor);
    CHECK(accepted.status == 202);
    REQUIRE(accepted.payload);
    CHECK(accepted.payload->pushes.size() == 1);
}
