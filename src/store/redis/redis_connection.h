// One hiredis connection (blocking context) with a connect timeout and a timeout on every
// command, plus the redis:// URL it came from. Owned by one thread; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/result.h"

struct redisContext;
struct redisReply;

namespace jwtd::store::redis {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  int db = 0;            // the URL's /db; Open does not SELECT it (pub/sub has no database)
};

// redis://[:password@]host[:port][/db]. kInvalidArgument for anything else.
Result<RedisAddress> ParseRedisUrl(std::string_view url);

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConnection {
 public:
  // Connects (and AUTHs) within connect_timeout_ms; every later read/write is bounded by
  // command_timeout_ms. kUnavailable when Redis cannot be reached or refuses.
  static Result<std::unique_ptr<RedisConnection>> Open(const RedisAddress& address,
                                                       std::int64_t connect_timeout_ms,
                                                       std::int64_t command_timeout_ms);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends every command (pipelined) and reads one reply each. An error reply counts as a
  // failure of that command only; a broken connection fails the call (the connection is then
  // unusable). Returns how many commands got a non-error reply.
  Result<std::size_t> Pipeline(const std::vector<std::vector<std::string>>& commands);
  // Sends one command and returns its reply (an error reply included: the caller reads its type).
  // A broken connection fails the call (the connection is then unusable).
  Result<ReplyPtr> Command(const std::vector<std::string>& command);
  // Sends one command without waiting for its reply (subscriber mode).
  Result<void> Send(const std::vector<std::string>& command);
  // A reply already buffered, or null. Error when the buffered data is not valid RESP.
  Result<ReplyPtr> TakeBuffered();
  // Whether the socket has something to read although nothing was asked: the server closed it
  // (or broke the protocol). An idle connection that is readable must not be reused.
  bool Readable() const;
  // Waits up to timeout_ms for data and buffers it. false on timeout; an error when the
  // connection broke (EOF included).
  Result<bool> ReadSome(int timeout_ms);

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  Error Broken(const char* what) const;
  redisContext* context_;
};

}  // namespace jwtd::store::redis
