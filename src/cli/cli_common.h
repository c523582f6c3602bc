// Shared pieces of the jwtd subcommands: config flags, key-file loading, error printing.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "jwtd/auth/model.h"
#include "jwtd/auth/ports.h"
#include "jwtd/jose/key.h"
#include "jwtd/result.h"

namespace jwtd::cli {

// Exit codes: 0 ok, 1 the operation failed (e.g. a token did not verify), 2 bad usage or input.
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct ConfigFlags {
  std::string file;
  std::vector<std::string> sets;  // key=value
  std::string listen;
  std::string data_dir;
  std::string role;  // serve only
};

// Adds --config, --set, --listen and --data-dir to a subcommand.
void AddConfigFlags(CLI::App* command, ConfigFlags* flags);
// Defaults < file (--config or $JWTD_CONFIG) < JWTD_* < flags. Prints every mistake on failure.
std::optional<app::Config> LoadConfigOrPrint(const ConfigFlags& flags);

// Reads a whole file or "-" for stdin. Errors name the file.
Result<std::string> ReadInput(const std::string& path);
// A key from a JWK file or a PEM file (PEM needs `alg`).
Result<std::unique_ptr<jose::Key>> LoadKeyFile(const std::string& path,
                                               std::optional<jose::Alg> alg,
                                               const std::string& kid);
std::optional<jose::Alg> ParseAlgFlag(const std::string& name);

// The user named exactly `username` / with exactly this id; kNotFound naming what was looked
// for otherwise. Read-only.
Result<auth::User> FindUserByName(auth::Store& store, const std::string& username);
Result<auth::User> FindUserById(auth::Store& store, std::int64_t id);

// kExitUsage for errors that are the caller's input (kNotFound, kInvalidArgument), else
// kExitFailed.
int ExitCodeOf(const Error& error);

// "jwtd: <context>: <message>" on stderr; returns `exit_code`.
int PrintError(const std::string& context, const Error& error, int exit_code = kExitFailed);
int PrintError(const std::string& context, const std::string& message, int exit_code = kExitUsage);

// Subcommand registration, one file each.
void RegisterKeysCommand(CLI::App& app, int* exit_code);
void RegisterTokenCommand(CLI::App& app, int* exit_code);
void RegisterConfigCommand(CLI::App& app, int* exit_code);
void RegisterServeCommand(CLI::App& app, int* exit_code);
void RegisterUsersCommand(CLI::App& app, int* exit_code);
void RegisterRevokeCommand(CLI::App& app, int* exit_code);
void RegisterMigrateCommand(CLI::App& app, int* exit_code);
void RegisterAuditCommand(CLI::App& app, int* exit_code);
void RegisterSsfCommand(CLI::App& app, int* exit_code);
void RegisterKeysRingCommands(CLI::App* keys, int* exit_code);

}  // namespace jwtd::cli
