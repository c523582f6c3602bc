// jwtd — the command-line entry point. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "version.h"

int main(int argc, char** argv) {
  CLI::App app{"jwtd — JWT authentication server with real logout"};
  app.set_version_flag("--version", std::string("jwtd ") + JWTD_VERSION);
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
    fmt::print("{}", app.help());
  }
  return 0;
}
