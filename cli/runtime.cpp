#include "cli/runtime.hpp"

#include "cli/access_flags.hpp"
#include "store/open.hpp"

namespace ferry::cli {

registry::ClientOptions Runtime::client_options() const {
    registry::ClientOptions o = custom_ ? *custom_ : global_client_options();
    if (!options.tls_verify) skip_tls_verification(o);
    return o;
}

registry::ClientOptions Runtime::global_client_options() const {
    registry::ClientOptions o;
    o.authfile = options.authfile;
    o.ca_file = options.ca_file;
    o.insecure_hosts = options.insecure_registries;
    o.max_manifest_bytes = options.max_manifest_bytes;
    for (const auto& entry : options.path_prefixes) {
        const auto eq = entry.find('=');
        o.path_prefixes[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return o;
}

void Runtime::set_client_options(registry::ClientOptions opts) {
    custom_ = std::move(opts);
    pool_.reset();
}

std::shared_ptr<registry::ClientPool> Runtime::pool() {
    if (!pool_) pool_ = std::make_shared<registry::ClientPool>(client_options());
    return pool_;
}

core::Result<store::OpenedStore> Runtime::open(const std::string& location, bool default_latest,
                                            Access access) {
    return open_in(pool(), location, default_latest, access);
}

core::Result<store::OpenedStore> Runtime::open_in(const std::shared_ptr<registry::ClientPool>& clients,
                                               const std::string& location, bool default_latest, Access access) {
    auto parsed = store::parse_location(location);
    if (!parsed) return std::unexpected(parsed.error());
    if (default_latest && parsed->kind == store::Location::Kind::Registry &&
        !parsed->reference.tag && !parsed->reference.digest)
        parsed->reference.tag = "latest";
    store::StoreContext ctx;
    ctx.clients = clients;
    ctx.options.archive_access =
        access == Access::Write ? store::ArchiveAccess::Write : store::ArchiveAccess::Read;
    auto opened = store::open_store(*parsed, ctx);
    if (!opened) return std::unexpected(opened.error());
    return store::OpenedStore{std::move(*opened), parsed->ref_string()};
}

}  // namespace ferry::cli
