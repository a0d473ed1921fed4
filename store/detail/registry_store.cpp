#include "store/detail/registry_store.hpp"

#include <system_error>
#include <thread>

#include "store/detail/blob_io.hpp"
#include "store/detail/byte_pipe.hpp"

namespace ferry::store {
namespace {

using manifest::Descriptor;

/// The reading end of a blob GET running on its own thread.
class PipedBlobReader : public BlobReader {
public:
    explicit PipedBlobReader(std::shared_ptr<BytePipe> pipe) : pipe_(std::move(pipe)) {}
    ~PipedBlobReader() override {
        pipe_->close_reader();
        if (producer_.joinable()) producer_.join();
    }
    core::Result<std::size_t> read(char* buffer, std::size_t size) override {
        return pipe_->read(buffer, size);
    }
    void start(std::thread producer) { producer_ = std::move(producer); }

private:
    std::shared_ptr<BytePipe> pipe_;
    std::thread producer_;
};

/// The ByteSource handed to Client::put_blob: reads `source` through a VerifyingReader and
/// reports a mismatch as soon as it is known (at the expected size, before the last
/// chunk is handed over).
class CheckedSource {
public:
    CheckedSource(BlobReader& source, const Descriptor& blob, std::string what)
        : verifying_(source, blob, std::move(what)) {}

    core::Status check_supported() const { return verifying_.check_supported(); }
    const std::optional<core::Error>& failure() const { return failure_; }

    core::Result<std::size_t> operator()(char* buffer, std::size_t size) {
        if (failure_) return std::unexpected(*failure_);
        if (done_) return std::size_t{0};
        auto n = verifying_.read(buffer, size);
        if (!n) return remember(n.error());
        if (*n == 0 || verifying_.bytes_read() == verifying_.expected_size()) {
            if (*n > 0) {  // at the expected size: the source must end here
                char probe;
                auto extra = verifying_.read(&probe, 1);
                if (!extra) return remember(extra.error());
            }
            if (auto st = verifying_.finish(); !st) return remember(st.error());
            done_ = true;
        }
        return n;
    }

private:
    std::unexpected<core::Error> remember(core::Error e) {
        failure_ = e;
        return std::unexpected(std::move(e));
    }
    VerifyingReader verifying_;
    std::optional<core::Error> failure_;
    bool done_ = false;
};

class RegistryStore : public Store, public RegistryRepository {
public:
    RegistryStore(std::shared_ptr<registry::Client> client, manifest::Reference repository)
        : client_(std::move(client)), ref_(std::move(repository)) {
        ref_.tag.reset();
        ref_.digest.reset();
    }

    std::string describe() const override { return "docker://" + ref_.repository_str(); }
    std::string registry_host() const override { return ref_.registry; }
    std::string repository() const override { return ref_.repository; }

    core::Result<std::optional<Descriptor>> resolve(const std::string& ref) override {
        return client_->head_manifest(ref_.repository, ref);
    }
    core::Result<manifest::ParsedManifest> get_manifest(const std::string& ref) override {
        return client_->get_manifest(ref_.repository, ref);
    }
    core::Status put_manifest(const manifest::ParsedManifest& m,
                              const std::optional<std::string>& tag) override {
        return client_->put_manifest(ref_.repository, tag ? *tag : m.digest.str(), m);
    }

    core::Result<bool> has_blob(const Descriptor& blob) override {
        auto size = client_->head_blob(ref_.repository, blob.digest);
        if (!size) return std::unexpected(size.error());
        return size->has_value();
    }

    core::Result<std::unique_ptr<BlobReader>> open_blob(const Descriptor& blob,
                                                        std::uint64_t offset) override {
        auto pipe = std::make_shared<BytePipe>();
        auto reader = std::make_unique<PipedBlobReader>(pipe);
        try {
            reader->start(std::thread([client = client_, repo = ref_.repository, digest = blob.digest,
                                       offset, pipe] {
                auto status = client->get_blob(repo, digest, offset,
                                               [&](std::string_view chunk) { return pipe->write(chunk); });
                pipe->close_writer(std::move(status));
            }));
        } catch (const std::system_error& e) {
            return core::fail(core::ErrorKind::Internal,
                              "reading blob " + blob.digest.str() + ": cannot start a thread: " + e.what());
        }
        return std::unique_ptr<BlobReader>(std::move(reader));
    }

    core::Status put_blob(const Descriptor& blob, BlobReader& source) override {
        const std::string what = "uploading blob " + blob.digest.str() + " to " + describe();
        CheckedSource checked(source, blob, what);
        if (auto st = checked.check_supported(); !st) return st;
        auto status = client_->put_blob(ref_.repository, blob.digest, static_cast<std::uint64_t>(blob.size),
                                        [&](char* buffer, std::size_t size) { return checked(buffer, size); });
        if (!status && checked.failure()) return std::unexpected(*checked.failure());
        return status;
    }

    core::Result<MountResult> mount_blob(const Descriptor& blob, const Store& from) override {
        const auto* other = registry_repository(from);
        if (!other || other->registry_host() != ref_.registry) return MountResult::NotPossible;
        return mount_from_repository(blob, other->repository());
    }

    core::Result<MountResult> mount_from_repository(const Descriptor& blob,
                                                    const std::string& repository) override {
        if (repository.empty() || repository == ref_.repository) return MountResult::NotPossible;
        auto mounted = client_->mount_blob(ref_.repository, blob.digest, repository);
        if (!mounted) return std::unexpected(mounted.error());
        return *mounted ? MountResult::Mounted : MountResult::NotPossible;
    }

    core::Result<std::vector<std::string>> list_tags() override { return client_->list_tags(ref_.repository); }
    core::Result<std::optional<std::vector<manifest::Descriptor>>> list_referrers(
        const manifest::Digest& subject) override {
        return client_->list_referrers(ref_.repository, subject);
    }

private:
    std::shared_ptr<registry::Client> client_;
    manifest::Reference ref_;
};

}  // namespace

std::unique_ptr<Store> make_registry_store(std::shared_ptr<registry::Client> client,
                                           manifest::Reference repository) {
    return std::make_unique<RegistryStore>(std::move(client), std::move(repository));
}

}  // namespace ferry::store
