// `jwtd audit`: the security event trail, newest first, filtered.
#include <cstdio>
#include <ctime>

#include "app/config_options.h"
#include "app/runtime.h"
#include "cli_common.h"
#include "jwtd/auth/audit.h"
#include "jwtd/clock.h"

namespace jwtd::cli {
namespace {

struct AuditFlags {
  ConfigFlags config;
  std::int64_t user_id = 0;
  std::string event;
  std::string since;
  std::size_t limit = 100;
};

std::string IsoTime(std::int64_t t) {
  std::time_t tt = t;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

int Audit(const AuditFlags& flags) {
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  auth::AuditFilter filter;
  if (flags.user_id > 0) filter.user_id = flags.user_id;
  if (!flags.event.empty() && !auth::ParseAuditKind(flags.event)) {
    return PrintError("audit", "--event: unknown event \"" + flags.event +
                                   "\" (e.g. login_failed, reuse_detected, logout, revoke)");
  }
  filter.event = flags.event;
  filter.limit = flags.limit;
  if (!flags.since.empty()) {
    std::int64_t seconds = 0;
    if (std::string err = app::ParseDuration(flags.since, &seconds); !err.empty()) {
      return PrintError("audit", "--since: " + err);
    }
    filter.since = SystemClock()->NowSeconds() - seconds;
  }
  auto store = app::OpenStore(*config);
  if (!store.ok()) return PrintError("audit", store.error());
  auto events = (*store)->ListAudit(filter);
  if (!events.ok()) return PrintError("audit", events.error());
  std::printf("%-20s %-16s %-18s %-6s %-24s %-15s %s\n", "TIME", "EVENT", "REASON", "USER",
              "SESSION", "CLIENT", "DETAIL");
  for (const auto& e : *events) {
    std::string user = e.user_id ? std::to_string(*e.user_id) : "-";
    std::printf("%-20s %-16s %-18s %-6s %-24s %-15s %s\n", IsoTime(e.at).c_str(), e.event.c_str(),
                e.reason.empty() ? "-" : e.reason.c_str(), user.c_str(),
                e.session_id.empty() ? "-" : e.session_id.c_str(),
                e.client_ip.empty() ? "-" : e.client_ip.c_str(), e.detail.c_str());
  }
  return 0;
}

}  // namespace

void RegisterAuditCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<AuditFlags>();
  CLI::App* audit =
      app.add_subcommand("audit", "list security events (logins, refreshes, revocations)");
  audit->add_option("--user", flags->user_id, "only this user id");
  audit->add_option("--event", flags->event, "only this event (login_failed, reuse_detected, ...)");
  audit->add_option("--since", flags->since, "only the last DURATION (e.g. 1h, 7d)");
  audit->add_option("--limit", flags->limit, "at most this many")->capture_default_str();
  AddConfigFlags(audit, &flags->config);
  audit->callback([flags, exit_code] { *exit_code = Audit(*flags); });
}

}  // namespace jwtd::cli
