#include "app/runtime.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "app/remote_key_ring.h"
#include "app/remote_store.h"
#include "jwtd/clock.h"
#include "jwtd/store/postgres_store.h"
#include "jwtd/store/sqlite_store.h"

namespace jwtd::app {
namespace {

// Creates `dir` and its parents; the last component 0700 (it holds keys and the database).
Result<void> EnsurePrivateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "cannot create directory " + dir + ": " + ec.message());
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "cannot make " + dir + " private: " + std::strerror(errno));
  }
  return Ok();
}

bool IsPostgresUrl(const std::string& url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

Result<Runtime> OpenTokens(const Config& config, Runtime runtime);

}  // namespace

std::string_view StoreKind(const Config& config) {
  return IsPostgresUrl(config.ResolvedStoreUrl()) ? "postgres" : "sqlite";
}

Result<std::unique_ptr<auth::Store>> OpenStore(const Config& config) {
  const std::string url = config.ResolvedStoreUrl();
  constexpr std::string_view kSqlite = "sqlite://";
  const bool read_only = config.role == http::ServerRole::kVerifier;
  if (IsPostgresUrl(url)) {
    // The whole URL goes to libpq (user, password, host, port, database, ?sslmode=...).
    store::PostgresOptions options;
    options.url = url;
    options.read_only = read_only;
    options.pool_size = config.pg_pool_size;
    options.write_lanes = config.pg_write_lanes;
    options.write_batch = config.pg_write_batch;
    return store::OpenPostgresStore(options, SystemClock());
  }
  if (!url.starts_with(kSqlite)) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "store.url: unsupported scheme (expected sqlite://PATH or "
                 "postgres://USER@HOST:PORT/DB)");
  }
  std::string path = url.substr(kSqlite.size());
  if (path.empty()) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "store.url: the path is empty");
  }
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !read_only) JWTD_RETURN_IF_ERROR(EnsurePrivateDir(parent.string()));
  store::SqliteOptions options;
  options.path = path;
  options.read_only = read_only;
  return store::OpenSqliteStore(options, SystemClock());
}

namespace {

// A verifier following another node: that node's log and JWKS (app/remote_store.h,
// app/remote_key_ring.h) in place of a store and a key directory.
Result<void> OpenFeedSources(const Config& config, Runtime* runtime) {
  auto origin = ParseFeedOrigin(config.verifier_feed_url, config.verifier_feed_client);
  if (!origin.ok()) return origin.error();
  const auto timeout =
      std::chrono::milliseconds(std::clamp<std::int64_t>(config.bus_staleness_bound_ms, 500, 5000));
  runtime->store = RemoteStore(*origin, timeout);
  RemoteKeyRingOptions key_options;
  key_options.timeout = timeout;
  key_options.min_refetch = std::chrono::milliseconds(config.verifier_jwks_refetch_ms);
  auto keys = OpenRemoteKeyRing(std::move(*origin), config.keys.verify, key_options, SystemClock());
  if (!keys.ok()) {
    return Error(keys.error().code(), keys.error().reason(),
                 "verifier.feed_url: cannot read the node's JWKS: " + keys.error().message());
  }
  runtime->keys = std::move(*keys);
  return Ok();
}

}  // namespace

Result<Runtime> OpenRuntime(const Config& config) {
  Runtime runtime;
  if (!config.verifier_feed_url.empty()) {
    JWTD_RETURN_IF_ERROR(OpenFeedSources(config, &runtime));
    return OpenTokens(config, std::move(runtime));
  }
  auto store = OpenStore(config);
  if (!store.ok()) return store.error();
  runtime.store = std::move(*store);

  auth::KeyRingOptions key_options = config.keys;
  key_options.read_only = config.role == http::ServerRole::kVerifier;
  if (!key_options.read_only) JWTD_RETURN_IF_ERROR(EnsurePrivateDir(config.ResolvedKeyDir()));
  auto keys = auth::KeyRing::Open(key_options, SystemClock());
  if (!keys.ok()) return keys.error();
  runtime.keys = std::move(*keys);
  return OpenTokens(config, std::move(runtime));
}

namespace {

Result<Runtime> OpenTokens(const Config& config, Runtime runtime) {
  runtime.view = auth::RevocationView::Create(config.auth.strategies);
  auto sync = OpenRevocationSync(config, runtime.store.get(), runtime.view.get());
  if (!sync.ok()) return sync.error();
  runtime.sync = std::move(*sync);
  auth::Dependencies deps;
  deps.view = runtime.view.get();
  deps.sync = runtime.sync.sync.get();
  deps.bus = runtime.sync.bus.get();
  deps.store = runtime.store.get();
  deps.keys = runtime.keys.get();
  deps.clock = SystemClock();
  auto tokens = auth::TokenService::Create(config.auth, deps);
  if (!tokens.ok()) return tokens.error();
  runtime.tokens = std::move(*tokens);
  return runtime;
}

}  // namespace

}  // namespace jwtd::app
