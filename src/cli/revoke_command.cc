// `jwtd revoke --jti|--session|--user`: operator revocations, durable when the command returns
// 0; a running server applies them within a fraction of a second (it follows the store's log).
#include <charconv>
#include <iostream>

#include "app/runtime.h"
#include "cli_common.h"
#include "jwtd/clock.h"

namespace jwtd::cli {
namespace {

struct RevokeFlags {
  ConfigFlags config;
  std::string jti, session, user;
  std::int64_t exp = 0;
};

Result<std::int64_t> UserIdOf(auth::Store& store, const std::string& name_or_id) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(name_or_id.data(), name_or_id.data() + name_or_id.size(), id);
  bool numeric = ec == std::errc() && end == name_or_id.data() + name_or_id.size();
  Result<void> done = store.Transact([&](auth::StoreTx& tx) -> Result<void> {
    auto found = numeric ? tx.FindUserById(id) : tx.FindUserByName(name_or_id);
    if (!found.ok()) return found.error();
    if (!*found) return Error(Code::kNotFound, Reason::kNotFound, "no user " + name_or_id);
    id = (*found)->id;
    return Ok();
  });
  if (!done.ok()) return done.error();
  return id;
}

int Revoke(const RevokeFlags& flags) {
  int chosen = !flags.jti.empty() + !flags.session.empty() + !flags.user.empty();
  if (chosen != 1) return PrintError("revoke", "give exactly one of --jti, --session, --user");
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  auto runtime = app::OpenRuntime(*config);
  if (!runtime.ok()) return PrintError("revoke", runtime.error());
  auth::TokenService& tokens = *runtime->tokens;
  Result<void> done = Ok();
  std::string what;
  if (!flags.jti.empty()) {
    // Without --exp, deny for the longest an access token can live: every token with this jti
    // has expired by then.
    std::int64_t exp = flags.exp > 0
                           ? flags.exp
                           : SystemClock()->NowSeconds() + config->auth.access_ttl_seconds +
                                 config->auth.leeway_seconds;
    done = tokens.RevokeJti(flags.jti, exp, "cli");
    what = "access token " + flags.jti;
  } else if (!flags.session.empty()) {
    done = tokens.RevokeSession(flags.session, "cli");
    what = "session " + flags.session;
  } else {
    auto id = UserIdOf(*runtime->store, flags.user);
    if (!id.ok()) return PrintError("revoke", id.error(), kExitUsage);
    done = tokens.RevokeUser(*id, "cli");
    what = "every session of user " + flags.user;
  }
  if (!done.ok()) {
    return PrintError("revoke", done.error(),
                      done.error().code() == Code::kNotFound ? kExitUsage : kExitFailed);
  }
  std::cout << "revoked " << what << "\n";
  return 0;
}

}  // namespace

void RegisterRevokeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<RevokeFlags>();
  CLI::App* revoke =
      app.add_subcommand("revoke", "revoke an access token, a session or a user's sessions");
  revoke->add_option("--jti", flags->jti, "deny one access token by its jti");
  revoke->add_option("--exp", flags->exp,
                     "with --jti: the token's exp (default: now + access TTL)");
  revoke->add_option("--session", flags->session,
                     "end one session (its refresh family and tokens)");
  revoke->add_option("--user", flags->user, "end every session of a user (name or id)");
  AddConfigFlags(revoke, &flags->config);
  revoke->callback([flags, exit_code] { *exit_code = Revoke(*flags); });
}

}  // namespace jwtd::cli
