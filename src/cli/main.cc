// jwtd — the command-line entry point. Each subcommand lives in its own file.
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "cli_common.h"
#include "version.h"

namespace {

// The rest of a manual page after CLI11's usage line, options and subcommands.
constexpr const char* kFooter = R"(DESCRIPTION
  jwtd issues short-lived access tokens (JWS) and rotating refresh tokens, and makes logout
  real: a jti/session denylist, per-user token versions and a revocation feed that resource
  servers and gateways follow. `jwtd serve` runs the server; the other commands work on the
  same store and keys, safely while it runs.

  Every command reads one configuration, later layers winning: built-in defaults < the TOML
  file (--config FILE or $JWTD_CONFIG) < environment variables < --set KEY=VALUE flags.
  `jwtd config example` prints every option with its default and meaning.

FILES
  /etc/jwtd/jwtd.toml    configuration of the packaged service (jwtd.service)
  DATA_DIR/jwtd.db       SQLite database: users, sessions, revocation log, audit trail
                         (store.data_dir: ./var by default, /var/lib/jwtd for the service)
  DATA_DIR/keys/         signing keys (mode 0600) and keys.json, the key ring's manifest
  /usr/share/jwtd/web/   the logout lab page served at /
  /usr/share/doc/jwtd/   README.md and operations.md

ENVIRONMENT
  JWTD_CONFIG            configuration file when --config is not given
  JWTD_SECTION_KEY       any option: tokens.access_ttl is JWTD_TOKENS_ACCESS_TTL

EXIT STATUS
  0  success
  1  the operation failed (a token did not verify, the store is unreachable, ...)
  2  bad usage, input or configuration (the message says which option, file and line)

EXAMPLES
  jwtd serve --config /etc/jwtd/jwtd.toml
  jwtd config check --config /etc/jwtd/jwtd.toml
  printf '%s' "$PASSWORD" | jwtd users add alice    # the password on stdin, never argv
  jwtd revoke --username alice                       # every session of alice, at once
  jwtd keys rotate
  jwtd token decode "$ACCESS_TOKEN"                  # not verified; `token verify` verifies

Run `jwtd COMMAND --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  // Everything jwtd creates (database, WAL, key files, logs) is for its own user only.
  ::umask(077);
  CLI::App app{"jwtd — a JWT authentication server where logout is real"};
  app.set_version_flag("--version", std::string("jwtd ") + JWTD_VERSION);
  app.footer(kFooter);
  app.require_subcommand(1);
  int exit_code = 0;
  jwtd::cli::RegisterServeCommand(app, &exit_code);
  jwtd::cli::RegisterKeysCommand(app, &exit_code);
  jwtd::cli::RegisterTokenCommand(app, &exit_code);
  jwtd::cli::RegisterUsersCommand(app, &exit_code);
  jwtd::cli::RegisterRevokeCommand(app, &exit_code);
  jwtd::cli::RegisterMigrateCommand(app, &exit_code);
  jwtd::cli::RegisterAuditCommand(app, &exit_code);
  jwtd::cli::RegisterSsfCommand(app, &exit_code);
  jwtd::cli::RegisterConfigCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : jwtd::cli::kExitUsage;
  }
  return exit_code;
}
