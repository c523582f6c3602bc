// `jwtd revoke --jti|--session|--user-id|--username|--users-file`: operator revocations, durable
// when the command returns 0; a running server applies them within a fraction of a second (it
// follows the store's log). A user is named either by id or by name, never guessed from the text: a
// user whose name is digits must not make an operator revoke somebody else.
#include <iostream>

#include "app/runtime.h"
#include "bulk_revoke.h"
#include "cli_common.h"
#include "jwtd/clock.h"

namespace jwtd::cli {
namespace {

struct RevokeFlags {
  ConfigFlags config;
  std::string jti, session, username, legacy_user;
  std::int64_t user_id = 0;
  std::int64_t exp = 0;
  BulkRevokeFlags bulk;
};

int Revoke(const RevokeFlags& flags) {
  if (!flags.legacy_user.empty()) {
    return PrintError("revoke",
                      "--user is ambiguous (a name or an id?): use --user-id N or --username NAME");
  }
  const int chosen = !flags.jti.empty() + !flags.session.empty() + !flags.username.empty() +
                     (flags.user_id != 0) + !flags.bulk.users_file.empty();
  if (chosen != 1) {
    return PrintError("revoke",
                      "give exactly one of --jti, --session, --user-id, --username, --users-file");
  }
  if (flags.bulk.users_file.empty() && (flags.bulk.ids || !flags.bulk.job.empty() ||
                                        flags.bulk.page_size != 500 || flags.bulk.parallel != 2)) {
    return PrintError("revoke", "--ids, --job, --page-size and --parallel go with --users-file");
  }
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  auto runtime = app::OpenRuntime(*config);
  if (!runtime.ok()) return PrintError("revoke", runtime.error());
  auth::TokenService& tokens = *runtime->tokens;
  if (!flags.bulk.users_file.empty()) return RevokeUsersFile(tokens, flags.bulk);
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
    auto user = flags.user_id != 0 ? FindUserById(*runtime->store, flags.user_id)
                                   : FindUserByName(*runtime->store, flags.username);
    if (!user.ok()) return PrintError("revoke", user.error(), ExitCodeOf(user.error()));
    done = tokens.RevokeUser(user->id, "cli");
    what = "every session of user " + user->username + " (id " + std::to_string(user->id) + ")";
  }
  if (!done.ok()) return PrintError("revoke", done.error(), ExitCodeOf(done.error()));
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
  revoke->add_option("--user-id", flags->user_id, "end every session of the user with this id")
      ->check(CLI::PositiveNumber);
  revoke->add_option("--username", flags->username,
                     "end every session of the user with exactly this name");
  revoke->add_option("--users-file", flags->bulk.users_file,
                     "end every session of every user listed in FILE (one username per line, "
                     "'#' comments; - for stdin), in pages of one transaction each; run the same "
                     "command again to continue an interrupted run");
  revoke->add_flag("--ids", flags->bulk.ids, "with --users-file: the lines are user ids");
  revoke->add_option("--job", flags->bulk.job,
                     "with --users-file: the job's name (default: from the file's contents, so a "
                     "rerun continues; a new name runs the list again)");
  revoke->add_option("--parallel", flags->bulk.parallel,
                     "with --users-file: pages in flight at once (1-16, default 2), each its own "
                     "share of the list; continue an interrupted run with the same number");
  revoke->add_option("--page-size", flags->bulk.page_size,
                     "with --users-file: users per transaction (1-1000, default 500)");
  // Refused with a pointer to the two flags above (it used to take a name or an id).
  revoke->add_option("--user", flags->legacy_user)->group("");
  AddConfigFlags(revoke, &flags->config);
  revoke->callback([flags, exit_code] { *exit_code = Revoke(*flags); });
}

}  // namespace jwtd::cli
