#include "store/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <charconv>

namespace jwtd::store::redis {
namespace {

timeval Timeval(std::int64_t ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

Error BadUrl(const char* why) {
  return Error(Code::kInvalidArgument, Reason::kBadRequest, std::string("bus.url: ") + why);
}

Error Unavailable(std::string what) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable, "redis: " + std::move(what));
}

// argv form: binary-safe, no format-string parsing of the payload.
int AppendArgv(redisContext* c, const std::vector<std::string>& command) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const std::string& arg : command) {
    argv.push_back(arg.data());
    lens.push_back(arg.size());
  }
  return redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
}

}  // namespace

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

Result<RedisAddress> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return BadUrl("expected redis://host[:port]");
  std::string_view rest = url.substr(kScheme.size());
  RedisAddress address;
  // The db number does not matter to pub/sub; the DPoP ledger SELECTs it for its keys.
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view digits = rest.substr(slash + 1);
    if (!digits.empty()) {
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), address.db);
      if (ec != std::errc() || end != digits.data() + digits.size() || address.db < 0) {
        return BadUrl("bad db number");
      }
    }
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    auto colon = userinfo.find(':');
    address.password =
        std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view digits = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), address.port);
    if (ec != std::errc() || end != digits.data() + digits.size() || address.port <= 0 ||
        address.port > 65535) {
      return BadUrl("bad port");
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return BadUrl("no host");
  address.host = std::string(rest);
  return address;
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(const RedisAddress& address,
                                                               std::int64_t connect_timeout_ms,
                                                               std::int64_t command_timeout_ms) {
  redisContext* c =
      redisConnectWithTimeout(address.host.c_str(), address.port, Timeval(connect_timeout_ms));
  if (c == nullptr) return Unavailable("cannot allocate a context");
  std::unique_ptr<RedisConnection> conn(new RedisConnection(c));
  if (c->err != 0) return Unavailable(std::string("connect: ") + c->errstr);
  if (redisSetTimeout(c, Timeval(command_timeout_ms)) != REDIS_OK ||
      redisEnableKeepAlive(c) != REDIS_OK) {
    return Unavailable("cannot set socket options");
  }
  if (!address.password.empty()) {
    auto ok = conn->Pipeline({{"AUTH", address.password}});
    if (!ok.ok()) return ok.error();
    if (*ok != 1) return Unavailable("AUTH refused");  // never echo the password
  }
  return conn;
}

RedisConnection::~RedisConnection() { redisFree(context_); }

Error RedisConnection::Broken(const char* what) const {
  return Unavailable(std::string(what) + ": " +
                     (context_->err != 0 ? context_->errstr : "connection closed"));
}

Result<std::size_t> RedisConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  for (const auto& command : commands) {
    if (AppendArgv(context_, command) != REDIS_OK) return Broken("append");
  }
  std::size_t ok = 0;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return Broken("reply");
    ReplyPtr reply(static_cast<redisReply*>(raw));
    if (reply->type != REDIS_REPLY_ERROR) ++ok;
  }
  return ok;
}

Result<ReplyPtr> RedisConnection::Command(const std::vector<std::string>& command) {
  if (AppendArgv(context_, command) != REDIS_OK) return Broken("append");
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return Broken("reply");
  return ReplyPtr(static_cast<redisReply*>(raw));
}

Result<void> RedisConnection::Send(const std::vector<std::string>& command) {
  if (AppendArgv(context_, command) != REDIS_OK) return Broken("append");
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) return Broken("write");
  }
  return Ok();
}

Result<ReplyPtr> RedisConnection::TakeBuffered() {
  void* raw = nullptr;
  if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) return Broken("protocol");
  return ReplyPtr(static_cast<redisReply*>(raw));
}

bool RedisConnection::Readable() const {
  pollfd pfd{};
  pfd.fd = context_->fd;
  pfd.events = POLLIN;
  return ::poll(&pfd, 1, 0) != 0;  // data, EOF or an error: nothing was asked
}

Result<bool> RedisConnection::ReadSome(int timeout_ms) {
  pollfd pfd{};
  pfd.fd = context_->fd;
  pfd.events = POLLIN;
  const int n = ::poll(&pfd, 1, timeout_ms);
  if (n == 0) return false;
  if (n < 0) return errno == EINTR ? Result<bool>(false) : Result<bool>(Broken("poll"));
  if (redisBufferRead(context_) != REDIS_OK) return Broken("read");
  return true;
}

}  // namespace jwtd::store::redis
