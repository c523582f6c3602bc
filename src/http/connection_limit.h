// How many connections the server keeps open at once: server.max_connections, capped at start
// by the process's open-file limit. Past the cap the accept loop closes new sockets at once
// (counted in jwtd_connections_refused_total) rather than running out of descriptors, which
// would also starve the store, the key files and the logs of theirs.
//
// Pure function plus one read of getrlimit at start; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace jwtd::http {

// Descriptors kept out of the connections' share: the store (SQLite's database, WAL and shared
// memory files per connection, or PostgreSQL sockets), key files, logs, the Redis bus, the
// epoll/eventfd/timer descriptors of the I/O threads and the listening socket.
inline constexpr std::uint64_t kReservedDescriptors = 64;

// The cap for `configured` connections under a soft RLIMIT_NOFILE of `soft_limit` (nullopt: no
// limit, RLIM_INFINITY): soft_limit minus kReservedDescriptors, at least 1.
std::size_t CapConnections(std::size_t configured, std::optional<std::uint64_t> soft_limit);

// CapConnections under this process's RLIMIT_NOFILE soft limit; logs one warning when it caps.
std::size_t MaxConnectionsForThisProcess(std::size_t configured);

}  // namespace jwtd::http
