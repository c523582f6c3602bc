// jwtd — the command-line entry point. Each subcommand lives in its own file.
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "cli_common.h"
#include "version.h"

int main(int argc, char** argv) {
  // Everything jwtd creates (database, WAL, key files, logs) is for its own user only.
  ::umask(077);
  CLI::App app{"jwtd — a JWT authentication server where logout is real"};
  app.set_version_flag("--version", std::string("jwtd ") + JWTD_VERSION);
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
