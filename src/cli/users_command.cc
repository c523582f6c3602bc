// `jwtd users add|list|disable|enable|set-password`: account administration on the configured
// store.
// Passwords are read from stdin, never from the command line (visible in `ps`).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>

#include "app/runtime.h"
#include "cli_common.h"

namespace jwtd::cli {
namespace {

struct UsersFlags {
  ConfigFlags config;
  std::string username;
  std::size_t limit = 100;
  std::size_t offset = 0;
};

// One line of stdin, without its line ending.
std::string ReadPassword() {
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

int Add(const UsersFlags& flags) {
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  config->auth.allow_registration = true;  // the operator may add users when self-service is off
  std::string password = ReadPassword();
  auto runtime = app::OpenRuntime(*config);
  if (!runtime.ok()) return PrintError("users add", runtime.error());
  auto user = runtime->tokens->Register(flags.username, password, {"cli", "jwtd users add"});
  std::fill(password.begin(), password.end(), '\0');
  if (!user.ok()) {
    int code = user.error().code() == Code::kUnavailable ? kExitFailed : kExitUsage;
    return PrintError("users add", user.error(), code);
  }
  std::cout << "added user " << user->username << " (id " << user->id << ")\n";
  return 0;
}

int List(const UsersFlags& flags) {
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  auto store = app::OpenStore(*config);
  if (!store.ok()) return PrintError("users list", store.error());
  std::vector<auth::User> users;
  auto done = (*store)->Transact([&](auth::StoreTx& tx) -> Result<void> {
    auto listed = tx.ListUsers(flags.limit, flags.offset);
    if (!listed.ok()) return listed.error();
    users = std::move(*listed);
    return Ok();
  });
  if (!done.ok()) return PrintError("users list", done.error());
  std::printf("%-8s %-32s %-8s %s\n", "ID", "USERNAME", "STATUS", "TOKEN_VERSION");
  for (const auto& user : users) {
    std::printf("%-8lld %-32s %-8s %lld\n", static_cast<long long>(user.id), user.username.c_str(),
                user.disabled ? "disabled" : "active", static_cast<long long>(user.token_version));
  }
  return 0;
}

// Disabling also ends every session of the user (as logout-all does), in the same transaction,
// so the change is immediate rather than at the next refresh.
int SetDisabled(const UsersFlags& flags, bool disabled) {
  const char* context = disabled ? "users disable" : "users enable";
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  auto runtime = app::OpenRuntime(*config);
  if (!runtime.ok()) return PrintError(context, runtime.error());
  auto user = FindUserByName(*runtime->store, flags.username);
  if (!user.ok()) return PrintError(context, user.error(), ExitCodeOf(user.error()));
  auto done = runtime->tokens->SetUserDisabled(user->id, disabled, "cli");
  if (!done.ok()) return PrintError(context, done.error(), ExitCodeOf(done.error()));
  std::cout << (disabled ? "disabled " : "enabled ") << user->username
            << (disabled ? "; every session ended\n" : "\n");
  return 0;
}

// The operator's reset: the new password replaces the old one and every session of the user
// ends, in one transaction, with a CAEP credential-change (initiated by admin) for receivers.
int SetPassword(const UsersFlags& flags) {
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  std::string password = ReadPassword();
  auto runtime = app::OpenRuntime(*config);
  if (!runtime.ok()) return PrintError("users set-password", runtime.error());
  auto user = FindUserByName(*runtime->store, flags.username);
  Result<void> done = user.ok() ? runtime->tokens->SetPassword(user->id, password, "cli")
                                : Result<void>(user.error());
  std::fill(password.begin(), password.end(), '\0');
  if (!done.ok()) return PrintError("users set-password", done.error(), ExitCodeOf(done.error()));
  std::cout << "set the password of " << user->username << "; every session ended\n";
  return 0;
}

}  // namespace

void RegisterUsersCommand(CLI::App& app, int* exit_code) {
  CLI::App* users =
      app.add_subcommand("users", "add, list, disable and enable accounts, set passwords");
  users->require_subcommand(1);
  auto flags = std::make_shared<UsersFlags>();

  CLI::App* add = users->add_subcommand("add", "add an account; the password is read from stdin");
  add->add_option("username", flags->username, "the new username")->required();
  AddConfigFlags(add, &flags->config);
  add->callback([flags, exit_code] { *exit_code = Add(*flags); });

  CLI::App* list = users->add_subcommand("list", "list accounts");
  list->add_option("--limit", flags->limit, "at most this many")->capture_default_str();
  list->add_option("--offset", flags->offset, "skip this many")->capture_default_str();
  AddConfigFlags(list, &flags->config);
  list->callback([flags, exit_code] { *exit_code = List(*flags); });

  for (bool disabled : {true, false}) {
    CLI::App* cmd = users->add_subcommand(
        disabled ? "disable" : "enable",
        disabled ? "disable an account and end its sessions" : "enable a disabled account");
    cmd->add_option("username", flags->username, "the account")->required();
    AddConfigFlags(cmd, &flags->config);
    cmd->callback([flags, exit_code, disabled] { *exit_code = SetDisabled(*flags, disabled); });
  }

  CLI::App* set_password = users->add_subcommand(
      "set-password", "set an account's password (read from stdin) and end its sessions");
  set_password->add_option("username", flags->username, "the account")->required();
  AddConfigFlags(set_password, &flags->config);
  set_password->callback([flags, exit_code] { *exit_code = SetPassword(*flags); });
}

}  // namespace jwtd::cli
