#pragma once
/// The Store of one registry repository, an adapter over registry::Client.
///  - resolve = HEAD (not counted as a pull); get/put manifest by tag or digest (the
///    docker-registry 2.8 workarounds for concurrent manifest PUTs live in registry/).
///  - open_blob runs the Client's push-based GET on a background thread that feeds a
///    bounded BytePipe (4 × 256 KiB); destroying the reader early cancels the GET.
///  - put_blob streams into Client::put_blob; the registry verifies the digest, and ferry
///    hashes and counts on the way too, so a short, long or corrupt source fails before
///    the final PUT whenever the Client reads the source to its end first.
///  - implements RegistryRepository; mount_blob only within the same registry host and
///    from another repository.
#include <memory>

#include "manifest/reference.hpp"
#include "registry/client.hpp"
#include "store/store.hpp"

namespace ferry::store {

/// `repository` names the registry and repository (its tag/digest is ignored).
std::unique_ptr<Store> make_registry_store(std::shared_ptr<registry::Client> client,
                                           manifest::Reference repository);

}  // namespace ferry::store
