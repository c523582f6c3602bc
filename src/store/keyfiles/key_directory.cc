#include "store/keyfiles/key_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "store/keyfiles/key_files.h"
#include "store/keyfiles/manifest.h"

namespace jwtd::store {
namespace {

constexpr std::size_t kMaxManifestBytes = 1 << 20;
constexpr std::size_t kMaxKeyFileBytes = 64 << 10;

std::string KeyFileName(std::string_view kid, jose::Alg alg) {
  // HMAC secrets have no PEM form: they are kept as a private JWK (RFC 7517 §4, "k").
  return std::string(kid) + (jose::IsSymmetric(alg) ? ".jwk" : ".pem");
}

class FlockLock final : public auth::KeyDirectory::Lock {
 public:
  explicit FlockLock(int fd) : fd_(fd) {}
  ~FlockLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FlockLock(const FlockLock&) = delete;
  FlockLock& operator=(const FlockLock&) = delete;

 private:
  int fd_;
};

class FileKeyDirectory final : public auth::KeyDirectory {
 public:
  explicit FileKeyDirectory(std::string dir) : dir_(std::move(dir)) {}

  Result<std::unique_ptr<Lock>> LockExclusive() override {
    const std::string path = dir_ + "/.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      return Error(Code::kUnavailable, Reason::kStoreUnavailable,
                   "cannot open " + path + ": " + std::strerror(errno));
    }
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Error(Code::kUnavailable, Reason::kStoreUnavailable, "cannot lock " + path);
    }
    return std::unique_ptr<Lock>(std::make_unique<FlockLock>(fd));
  }

  Result<std::vector<auth::StoredKey>> Load() override {
    auto text = keyfiles::ReadFile(Path(keyfiles::kManifestName), kMaxManifestBytes, false);
    if (!text.ok()) {
      if (text.error().code() == Code::kNotFound) return std::vector<auth::StoredKey>{};
      return text.error();
    }
    auto infos = keyfiles::DecodeManifest(*text);
    if (!infos.ok()) {
      return Error(infos.error().code(), infos.error().reason(),
                   dir_ + "/" + infos.error().message());
    }
    std::vector<auth::StoredKey> keys;
    for (auto& info : *infos) {
      auth::StoredKey stored;
      if (info.state != auth::KeyState::kRevoked) {
        auto key = LoadKey(info);
        if (!key.ok()) return key.error();
        stored.key = std::move(*key);
      }
      stored.info = std::move(info);
      keys.push_back(std::move(stored));
    }
    return keys;
  }

  Result<void> WriteKey(const jose::Key& key) override {
    if (!keyfiles::IsSafeKid(key.kid())) {
      return Error(Code::kInvalidArgument, Reason::kBadKey, "kid is not usable as a file name");
    }
    std::string material;
    if (key.symmetric()) {
      material = key.ToJwk(/*include_private=*/true);
    } else {
      auto pem = key.ToPem(/*include_private=*/true);
      if (!pem.ok()) return pem.error();
      material = std::move(*pem);
    }
    auto written = keyfiles::WriteFileAtomic(dir_, KeyFileName(key.kid(), key.alg()), material);
    keyfiles::Wipe(&material);
    return written;
  }

  Result<void> RemoveKey(std::string_view kid, jose::Alg alg) override {
    if (!keyfiles::IsSafeKid(kid)) return Ok();  // never a file of ours
    return keyfiles::RemoveFile(dir_, KeyFileName(kid, alg));
  }

  Result<void> WriteManifest(const std::vector<auth::KeyInfo>& keys) override {
    return keyfiles::WriteFileAtomic(dir_, keyfiles::kManifestName, keyfiles::EncodeManifest(keys));
  }

  std::string Stamp() const override {
    struct stat st {};
    const std::string path = Path(keyfiles::kManifestName);
    if (::stat(path.c_str(), &st) != 0) return {};
    // rename() gives every new manifest a new inode; size and mtime catch in-place edits.
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }

 private:
  std::string Path(std::string_view name) const { return dir_ + "/" + std::string(name); }

  Result<std::shared_ptr<const jose::Key>> LoadKey(const auth::KeyInfo& info) {
    const std::string path = Path(KeyFileName(info.kid, info.alg));
    auto text = keyfiles::ReadFile(path, kMaxKeyFileBytes, /*private_only=*/true);
    if (!text.ok()) {
      if (text.error().code() != Code::kNotFound) return text.error();
      return Error(Code::kInvalidArgument, Reason::kBadKey,
                   "key file " + path + " named in the manifest is missing");
    }
    auto key = jose::IsSymmetric(info.alg) ? jose::Key::FromJwk(*text, info.alg)
                                           : jose::Key::FromPem(*text, info.alg, info.kid);
    keyfiles::Wipe(&*text);
    if (!key.ok() || (*key)->kid() != info.kid || !(*key)->can_sign()) {
      return Error(Code::kInvalidArgument, Reason::kBadKey,
                   "key file " + path + " does not hold the private " +
                       std::string(jose::AlgName(info.alg)) + " key " + info.kid);
    }
    return std::shared_ptr<const jose::Key>(std::move(*key));
  }

  const std::string dir_;
};

}  // namespace

Result<std::unique_ptr<auth::KeyDirectory>> OpenKeyDirectory(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "empty key directory path");
  }
  JWTD_RETURN_IF_ERROR(keyfiles::EnsurePrivateDir(path));
  return std::unique_ptr<auth::KeyDirectory>(std::make_unique<FileKeyDirectory>(std::move(path)));
}

}  // namespace jwtd::store
