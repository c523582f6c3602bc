#include "cli_common.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

namespace jwtd::cli {

void AddConfigFlags(CLI::App* command, ConfigFlags* flags) {
  command->add_option("-c,--config", flags->file, "TOML configuration file (default: $JWTD_CONFIG)")
      ->type_name("FILE");
  command->add_option("--set", flags->sets, "override an option: --set tokens.access_ttl=5m")
      ->type_name("KEY=VALUE");
  command->add_option("--listen", flags->listen, "shortcut for --set server.listen=ADDR:PORT")
      ->type_name("ADDR:PORT");
  command->add_option("--data-dir", flags->data_dir, "shortcut for --set store.data_dir=DIR")
      ->type_name("DIR");
}

std::optional<app::Config> LoadConfigOrPrint(const ConfigFlags& flags) {
  app::ConfigSources sources;
  sources.file = flags.file;
  if (sources.file.empty()) {
    if (const char* env = std::getenv("JWTD_CONFIG")) sources.file = env;
  }
  sources.env = app::EnvironmentVariables();
  if (!flags.data_dir.empty()) sources.overrides.emplace_back("store.data_dir", flags.data_dir);
  if (!flags.listen.empty()) sources.overrides.emplace_back("server.listen", flags.listen);
  if (!flags.role.empty()) sources.overrides.emplace_back("server.role", flags.role);
  for (const std::string& set : flags.sets) {
    auto eq = set.find('=');
    if (eq == std::string::npos) {
      std::cerr << "jwtd: --set " << set << ": expected KEY=VALUE\n";
      return std::nullopt;
    }
    sources.overrides.emplace_back(set.substr(0, eq), set.substr(eq + 1));
  }
  auto config = app::LoadConfig(sources);
  if (!config.ok()) {
    std::cerr << "jwtd: invalid configuration:\n" << config.error().message();
    return std::nullopt;
  }
  return std::move(config).value();
}

Result<std::string> ReadInput(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Code::kNotFound, Reason::kNotFound, "cannot read " + path);
  buffer << in.rdbuf();
  return buffer.str();
}

std::optional<jose::Alg> ParseAlgFlag(const std::string& name) { return jose::ParseAlg(name); }

Result<std::unique_ptr<jose::Key>> LoadKeyFile(const std::string& path,
                                               std::optional<jose::Alg> alg,
                                               const std::string& kid) {
  auto text = ReadInput(path);
  if (!text.ok()) return text.error();
  std::string_view body = *text;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
    body.remove_prefix(1);
  if (body.starts_with("{")) return jose::Key::FromJwk(body, alg);
  if (!alg) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 path + " is a PEM key: say which algorithm it is for with --alg");
  }
  return jose::Key::FromPem(body, *alg, kid);
}

int PrintError(const std::string& context, const Error& error, int exit_code) {
  std::cerr << "jwtd: " << context << ": " << error.message();
  if (error.reason() != Reason::kNone) std::cerr << " [" << ReasonName(error.reason()) << "]";
  std::cerr << "\n";
  return exit_code;
}

int PrintError(const std::string& context, const std::string& message, int exit_code) {
  std::cerr << "jwtd: " << context << ": " << message << "\n";
  return exit_code;
}

namespace {

Result<auth::User> FindUser(
    auth::Store& store, const std::string& what,
    const std::function<Result<std::optional<auth::User>>(auth::StoreReadTx&)>& find) {
  std::optional<auth::User> user;
  auto read = store.Read([&](auth::StoreReadTx& tx) -> Result<void> {
    auto found = find(tx);
    if (!found.ok()) return found.error();
    user = std::move(*found);
    return Ok();
  });
  if (!read.ok()) return read.error();
  if (!user) return Error(Code::kNotFound, Reason::kNotFound, "no user " + what);
  return std::move(*user);
}

}  // namespace

Result<auth::User> FindUserByName(auth::Store& store, const std::string& username) {
  return FindUser(store, username,
                  [&](auth::StoreReadTx& tx) { return tx.FindUserByName(username); });
}

Result<auth::User> FindUserById(auth::Store& store, std::int64_t id) {
  return FindUser(store, "with id " + std::to_string(id),
                  [&](auth::StoreReadTx& tx) { return tx.FindUserById(id); });
}

int ExitCodeOf(const Error& error) {
  const bool input = error.code() == Code::kNotFound || error.code() == Code::kInvalidArgument;
  return input ? kExitUsage : kExitFailed;
}

}  // namespace jwtd::cli
