#include <catch2/catch.hpp>

#include "core/text.hpp"

using ferry::core::escape_control;
using ferry::core::escape_control_keep_lines;

TEST_CASE("escape_control writes every control character as an escape") {
    CHECK(escape_control("plain text / with: punctuation") == "plain text / with: punctuation");
    CHECK(escape_control("boom\n\x1b[31mFORGED") == "boom\\n\\x1b[31mFORGED");
    CHECK(escape_control("a\rb\tc") == "a\\rb\\tc");
    CHECK(escape_control(std::string("nul\0x", 5)) == "nul\\x00x");
    CHECK(escape_control("del\x7f") == "del\\x7f");
    CHECK(escape_control("bell\a") == "bell\\x07");
    // C1 controls in UTF-8 (U+009B is CSI on some terminals); other UTF-8 is kept.
    CHECK(escape_control("csi\xc2\x9b" "31m") == "csi\\u009b31m");
    CHECK(escape_control("caf\xc3\xa9 \xe2\x9c\x93") == "caf\xc3\xa9 \xe2\x9c\x93");
    CHECK(escape_control("back\\slash") == "back\\slash");
    // Escaping twice changes nothing more: escaped text has no control character left.
    CHECK(escape_control(escape_control("x\ny")) == escape_control("x\ny"));
}

TEST_CASE("escape_control_keep_lines keeps newlines and escapes the rest") {
    CHECK(escape_control_keep_lines("plan.yaml:1:1: a\nplan.yaml:2:1: b\x1b[31m") ==
          "plan.yaml:1:1: a\nplan.yaml:2:1: b\\x1b[31m");
}
