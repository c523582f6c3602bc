// `jwtd serve`: the server on the configuration's store and keys.
#include "app/logging.h"
#include "app/serve.h"
#include "cli_common.h"

namespace jwtd::cli {

void RegisterServeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ConfigFlags>();
  CLI::App* serve = app.add_subcommand(
      "serve", "run the server (default: 127.0.0.1:8080, SQLite in ./var, keys generated)");
  AddConfigFlags(serve, flags.get());
  serve->add_option("--role", flags->role,
                    "full (default) or verifier: shortcut for --set server.role=ROLE");
  serve->callback([flags, exit_code] {
    app::BlockStopSignals();
    auto config = LoadConfigOrPrint(*flags);
    if (!config) {
      *exit_code = kExitUsage;
      return;
    }
    if (auto logging = app::SetupLogging(config->log_level); !logging.ok()) {
      *exit_code = PrintError("serve", logging.error(), kExitUsage);
      return;
    }
    *exit_code = app::Serve(*config);
  });
}

}  // namespace jwtd::cli
