#include <catch2/catch.hpp>

#include "http/challenge.hpp"

using ferry::http::parse_www_authenticate;

TEST_CASE("a Bearer challenge with quoted params", "[challenge]") {
    auto c = parse_www_authenticate(
        R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull")");
    REQUIRE(c.size() == 1);
    CHECK(c[0].scheme == "bearer");
    CHECK(c[0].param("realm") == "https://auth.example.com/token");
    CHECK(c[0].param("service") == "registry.example.com");
    CHECK(c[0].param("scope") == "repository:a/b:pull");
}

TEST_CASE("challenge parsing table", "[challenge]") {
    struct Row {
        const char* header;
        std::size_t count;
        const char* scheme0;
        const char* param_name;
        const char* param_value;
    };
    const Row rows[] = {
        {R"(Basic realm="Registry Realm")", 1, "basic", "realm", "Registry Realm"},
        {R"(BEARER REALM="x",SERVICE="y")", 1, "bearer", "service", "y"},
        {R"(bearer realm = "x" ,  service= y )", 1, "bearer", "service", "y"},
        {R"(Bearer realm="a, b",scope="repository:x:pull,push")", 1, "bearer", "scope", "repository:x:pull,push"},
        {R"(Bearer realm="say \"hi\"")", 1, "bearer", "realm", R"(say "hi")"},
        {R"(Bearer realm=http://127.0.0.1:5105/token,service=svc)", 1, "bearer", "realm", "http://127.0.0.1:5105/token"},
        {R"(Basic realm="r", Bearer realm="t",service="s")", 2, "basic", "realm", "r"},
        {R"(Bearer realm="t",error="insufficient_scope",scope="repository:a:pull repository:b:pull")", 1, "bearer",
         "error", "insufficient_scope"},
        {R"(,, Bearer  ,realm="t")", 1, "bearer", "realm", "t"},
        {"", 0, "", "", ""},
    };
    for (const auto& row : rows) {
        INFO(row.header);
        auto c = parse_www_authenticate(row.header);
        REQUIRE(c.size() == row.count);
        if (row.count == 0) continue;
        CHECK(c[0].scheme == row.scheme0);
        CHECK(c[0].param(row.param_name) == row.param_value);
    }
}

TEST_CASE("several challenges keep their own params", "[challenge]") {
    auto c = parse_www_authenticate(R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")");
    REQUIRE(c.size() == 2);
    CHECK(c[0].scheme == "newauth");
    CHECK(c[0].param("type") == "1");
    CHECK(c[0].param("title") == R"(Login to "apps")");
    CHECK(c[1].scheme == "basic");
    CHECK(c[1].param("realm") == "simple");
    CHECK(c[1].param("type").empty());
}

TEST_CASE("token68 after a scheme", "[challenge]") {
    auto c = parse_www_authenticate("Negotiate abc123==, Basic realm=\"r\"");
    REQUIRE(c.size() == 2);
    CHECK(c[0].scheme == "negotiate");
    CHECK(c[0].token68 == "abc123==");
    CHECK(c[1].param("realm") == "r");
}

TEST_CASE("several header fields are combined", "[challenge]") {
    auto c = parse_www_authenticate(std::vector<std::string>{"Basic realm=\"a\"", "Bearer realm=\"b\""});
    REQUIRE(c.size() == 2);
    CHECK(c[1].scheme == "bearer");
    CHECK(c[1].param("realm") == "b");
}

TEST_CASE("a challenge whose quoted value never ends is dropped", "[challenge]") {
    auto parsed = ferry::http::parse_www_authenticate(
        R"(Basic realm="r", Bearer realm="http://x/token,service="svc)");
    REQUIRE(parsed.size() == 1);
    CHECK(parsed[0].scheme == "basic");
    CHECK(ferry::http::parse_www_authenticate(R"(Bearer realm="http://x/token)").empty());
    auto closed = ferry::http::parse_www_authenticate(R"(Bearer realm="a \"b\", c",service=s)");
    REQUIRE(closed.size() == 1);
    CHECK(closed[0].param("realm") == R"(a "b", c)");
    CHECK(closed[0].param("service") == "s");
}

TEST_CASE("a challenge whose quotes do not pair up is dropped", "[challenge]") {
    auto parsed = ferry::http::parse_www_authenticate(R"(Basic realm="r", Bearer realm="x"y, service=s)");
    REQUIRE(parsed.size() == 1);
    CHECK(parsed[0].scheme == "basic");
}
