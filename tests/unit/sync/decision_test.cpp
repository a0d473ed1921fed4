#include <catch2/catch.hpp>

#include "sync/decision.hpp"

using namespace ferry;
using manifest::Digest;
using plan::CopyPolicy;
using sync::Action;

namespace {
const Digest kOld = Digest::of("old");
const Digest kNew = Digest::of("new");
}  // namespace

TEST_CASE("decision: a present tag is unchanged without reading the graph when it holds what the source would write") {
    for (auto policy : {CopyPolicy::Changed, CopyPolicy::Immutable}) {
        CHECK(sync::unchanged_without_graph(policy, kNew, kNew));
        CHECK_FALSE(sync::unchanged_without_graph(policy, kOld, kNew));
        CHECK_FALSE(sync::unchanged_without_graph(policy, kOld, std::nullopt));  // a subset never built: read it
    }
    // `missing` copies only absent tags: whatever a present tag holds, it stays.
    CHECK(sync::unchanged_without_graph(CopyPolicy::Missing, kOld, kNew));
    CHECK(sync::unchanged_without_graph(CopyPolicy::Missing, kOld, std::nullopt));
}

TEST_CASE("decision: the action once the digest to write is known, per policy") {
    struct Row {
        CopyPolicy policy;
        std::optional<Digest> current;
        Action want;
    };
    for (const Row& row : std::vector<Row>{
             {CopyPolicy::Changed, std::nullopt, Action::New},
             {CopyPolicy::Changed, kNew, Action::Unchanged},
             {CopyPolicy::Changed, kOld, Action::Changed},
             {CopyPolicy::Immutable, std::nullopt, Action::New},
             {CopyPolicy::Immutable, kNew, Action::Unchanged},
             {CopyPolicy::Immutable, kOld, Action::Conflict},
             {CopyPolicy::Missing, std::nullopt, Action::New},
         }) {
        INFO(plan::to_string(row.policy) << " current " << (row.current ? row.current->short_str() : "none"));
        CHECK(sync::action_for(row.policy, row.current, kNew) == row.want);
    }
}
