// ferry tags REPO (alias list-tags) / ferry catalog REGISTRY, both with [--creds U[:P]]
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/access_flags.hpp"
#include "cli/auth_note.hpp"
#include "cli/runtime.hpp"
#include "manifest/reference.hpp"

namespace ferry::cli {
namespace {

struct ListArgs {
    std::string target;
    std::string output = "text";
    SideAccess access;  ///< --creds
};

void print_list(const std::vector<std::string>& items, const std::string& output) {
    if (output == "json") {
        std::cout << nlohmann::json(items).dump(2) << "\n";
        return;
    }
    for (const auto& item : items) std::cout << item << "\n";
}

ExitCode tags(Runtime& rt, const ListArgs& a) {
    auto clients = side_pool(rt, a.access, "");
    if (!clients) return report_error(clients.error());
    auto opened = rt.open_in(clients->pool, a.target, /*default_latest=*/false, Runtime::Access::Read);
    if (!opened) return report_error(clients->explain(opened.error(), a.target));
    auto list = opened->store->list_tags();
    if (!list)
        return report_error(clients->explain(list.error().with_context("listing tags of " + opened->store->describe()), a.target));
    print_list(*list, a.output);
    return ExitCode::Ok;
}

ExitCode catalog(Runtime& rt, const ListArgs& a) {
    std::string host = a.target;
    if (host.starts_with("docker://")) host = host.substr(9);
    while (host.ends_with('/')) host.pop_back();
    if (host.empty() || host.find('/') != std::string::npos)
        return report_error(core::make_error(core::ErrorKind::InvalidInput,
                                             "catalog wants a registry host[:port], got \"" + a.target + "\""));
    auto clients = side_pool(rt, a.access, "");
    if (!clients) return report_error(clients.error());
    auto client = clients->pool->get(host);
    if (!client) return report_error(client.error());
    auto repos = (*client)->catalog();
    if (!repos) {
        auto error = repos.error().with_context("listing the catalog of " + host);
        if (error.kind == core::ErrorKind::Auth)
            error.message += "; " + host + ": " + credentials_note(clients->options, host, clients->creds_flag);
        return report_error(error);
    }
    print_list(*repos, a.output);
    return ExitCode::Ok;
}

}  // namespace

void add_tags_verbs(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto tag_args = std::make_shared<ListArgs>();
    auto* t = app.add_subcommand("tags", "list every tag of a repository (all pages)");
    t->alias("list-tags");  // skopeo's verb
    t->add_option("repository", tag_args->target, "HOST/REPO, docker://HOST/REPO or oci:DIR")->required();
    add_creds_flag(*t, tag_args->access);
    add_output_flag(*t, tag_args->output);
    t->callback([&rt, &body, tag_args] { body = [&rt, tag_args] { return tags(rt, *tag_args); }; });

    auto cat_args = std::make_shared<ListArgs>();
    auto* c = app.add_subcommand("catalog", "list every repository of a registry (all pages)");
    c->add_option("registry", cat_args->target, "HOST[:PORT]")->required();
    add_creds_flag(*c, cat_args->access);
    add_output_flag(*c, cat_args->output);
    c->callback([&rt, &body, cat_args] { body = [&rt, cat_args] { return catalog(rt, *cat_args); }; });
}

}  // namespace ferry::cli
