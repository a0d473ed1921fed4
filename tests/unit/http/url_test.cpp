#include <catch2/catch.hpp>

#include "http/base64.hpp"
#include "http/url.hpp"

using namespace ferry::http;

TEST_CASE("resolving Location and Link references", "[url]") {
    const std::string base = "http://127.0.0.1:5101/v2/a/b/tags/list?n=10";
    CHECK(resolve_url(base, "/v2/a/b/tags/list?n=10&last=x").value() == "http://127.0.0.1:5101/v2/a/b/tags/list?n=10&last=x");
    CHECK(resolve_url(base, "https://other.example/p?q=1").value() == "https://other.example/p?q=1");
    CHECK(resolve_url(base, "//cdn.example/x").value() == "http://cdn.example/x");
    CHECK(resolve_url(base, "list2?n=1").value() == "http://127.0.0.1:5101/v2/a/b/tags/list2?n=1");
    CHECK(resolve_url("https://r.example/v2/x/blobs/uploads/", "/v2/x/blobs/uploads/uuid?_state=abc").value() ==
          "https://r.example/v2/x/blobs/uploads/uuid?_state=abc");
}

TEST_CASE("query building", "[url]") {
    CHECK(append_query("http://h/p", "digest", "sha256:ab") == "http://h/p?digest=sha256%3Aab");
    CHECK(append_query("http://h/p?_state=x", "digest", "d") == "http://h/p?_state=x&digest=d");
    CHECK(append_query("http://h/p?", "a", "b c") == "http://h/p?a=b%20c");
    CHECK(url_encode("repository:a/b:pull") == "repository%3Aa%2Fb%3Apull");
    CHECK(url_origin("https://h:5000/v2/x?y") == "https://h:5000");
    CHECK(url_origin("/relative").empty());
}

TEST_CASE("base64", "[url]") {
    CHECK(base64_encode("user:pass") == "dXNlcjpwYXNz");
    CHECK(base64_encode("a") == "YQ==");
    CHECK(base64_encode("ab") == "YWI=");
    CHECK(base64_decode("dXNlcjpwYXNz").value() == "user:pass");
    CHECK(base64_decode("YQ").value() == "a");
    CHECK_FALSE(base64_decode("!!").has_value());
}
