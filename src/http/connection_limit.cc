#include "http/connection_limit.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>

namespace jwtd::http {

std::size_t CapConnections(std::size_t configured, std::optional<std::uint64_t> soft_limit) {
  if (!soft_limit) return configured;
  const std::uint64_t room =
      *soft_limit > kReservedDescriptors ? *soft_limit - kReservedDescriptors : 1;
  return static_cast<std::size_t>(std::min<std::uint64_t>(configured, room));
}

std::size_t MaxConnectionsForThisProcess(std::size_t configured) {
  rlimit limit{};
  std::optional<std::uint64_t> soft;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    soft = limit.rlim_cur;
  }
  const std::size_t cap = CapConnections(configured, soft);
  if (cap < configured) {
    spdlog::warn(
        "server.max_connections = {} capped to {}: the open-file limit (RLIMIT_NOFILE) is {} and "
        "{} descriptors stay for the store, key files and logs; raise the limit (ulimit -n, "
        "systemd LimitNOFILE=) to allow more",
        configured, cap, *soft, kReservedDescriptors);
  }
  return cap;
}

}  // namespace jwtd::http
