// `jwtd migrate`: applies pending schema migrations (the server also does on start). Safe while
// servers run and when several nodes migrate at once.
#include <iostream>

#include "app/runtime.h"
#include "cli_common.h"

namespace jwtd::cli {

void RegisterMigrateCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ConfigFlags>();
  CLI::App* migrate = app.add_subcommand("migrate", "apply pending schema migrations");
  AddConfigFlags(migrate, flags.get());
  migrate->callback([flags, exit_code] {
    auto config = LoadConfigOrPrint(*flags);
    if (!config) {
      *exit_code = kExitUsage;
      return;
    }
    auto store = app::OpenStore(*config);
    if (!store.ok()) {
      *exit_code = PrintError("migrate", store.error());
      return;
    }
    auto version = (*store)->Migrate();
    if (!version.ok()) {
      *exit_code = PrintError("migrate", version.error());
      return;
    }
    std::cout << app::StoreKind(*config) << " schema at version " << *version << "\n";
  });
}

}  // namespace jwtd::cli
