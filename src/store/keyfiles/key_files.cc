#include "store/keyfiles/key_files.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jwtd/random.h"

namespace jwtd::store::keyfiles {
namespace {

Error IoError(std::string_view what, const std::string& path) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable,
               std::string(what) + " " + path + ": " + std::strerror(errno));
}

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Result<void> WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write", path);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok();
}

Result<void> SyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return IoError("cannot sync directory", dir);
  return Ok();
}

}  // namespace

Result<void> EnsurePrivateDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return Ok();
  if (errno != EEXIST) return IoError("cannot create key directory", dir);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return IoError("cannot stat", dir);
  if (!S_ISDIR(st.st_mode)) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, dir + " is not a directory");
  }
  return Ok();
}

Result<void> WriteFileAtomic(const std::string& dir, std::string_view name,
                             std::string_view bytes) {
  const std::string target = dir + "/" + std::string(name);
  const std::string temp = dir + "/." + std::string(name) + "." + RandomToken(9) + ".tmp";
  {
    // O_EXCL: never reuse a file someone else created (or pre-opened) with other permissions.
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return IoError("cannot create", temp);
    auto written = WriteAll(fd.get(), bytes, temp);
    if (written.ok() && ::fsync(fd.get()) != 0) written = IoError("cannot sync", temp);
    if (written.ok() && ::close(fd.Release()) != 0) written = IoError("cannot close", temp);
    if (!written.ok()) {
      ::unlink(temp.c_str());
      return written;
    }
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    auto error = IoError("cannot rename into", target);
    ::unlink(temp.c_str());
    return error;
  }
  return SyncDir(dir);
}

Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes, bool private_only) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Error(Code::kNotFound, Reason::kNotFound, path + " is missing");
    return IoError("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return Error(Code::kInvalidArgument, Reason::kBadKey, path + " is not a regular file");
  }
  if (private_only && (st.st_mode & 077) != 0) {
    return Error(Code::kInvalidArgument, Reason::kBadKey,
                 "key file " + path + " is accessible by group/others; run: chmod 600 " + path);
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return Error(Code::kInvalidArgument, Reason::kBadKey, path + " is too large");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Wipe(&out);
      return IoError("cannot read", path);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<void> RemoveFile(const std::string& dir, std::string_view name) {
  const std::string path = dir + "/" + std::string(name);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Ok();
    return IoError("cannot remove", path);
  }
  return SyncDir(dir);
}

void Wipe(std::string* s) {
  OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

}  // namespace jwtd::store::keyfiles
