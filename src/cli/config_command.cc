// `jwtd config check|show|example`: validate a configuration and explain its mistakes.
#include <iostream>

#include "cli_common.h"

namespace jwtd::cli {

void RegisterConfigCommand(CLI::App& app, int* exit_code) {
  CLI::App* config = app.add_subcommand("config", "check, show or print an example configuration");
  config->require_subcommand(1);

  auto check_flags = std::make_shared<ConfigFlags>();
  CLI::App* check =
      config->add_subcommand("check", "validate the configuration; exit 2 if invalid");
  AddConfigFlags(check, check_flags.get());
  check->callback([check_flags, exit_code] {
    auto loaded = LoadConfigOrPrint(*check_flags);
    if (!loaded) {
      *exit_code = kExitUsage;
      return;
    }
    std::cout << "configuration is valid\n";
  });

  auto show_flags = std::make_shared<ConfigFlags>();
  CLI::App* show =
      config->add_subcommand("show", "print the configuration in effect (secrets masked)");
  AddConfigFlags(show, show_flags.get());
  show->callback([show_flags, exit_code] {
    auto loaded = LoadConfigOrPrint(*show_flags);
    if (!loaded) {
      *exit_code = kExitUsage;
      return;
    }
    std::cout << app::DescribeConfig(*loaded);
  });

  CLI::App* example = config->add_subcommand("example", "print a file with every option commented");
  example->callback([] { std::cout << app::ExampleConfig(); });
}

}  // namespace jwtd::cli
