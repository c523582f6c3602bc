// `jwtd keys list|rotate|revoke`: the server's key ring in keys.dir. A running server picks the
// change up within a second (it re-reads the directory).
#include <cstdio>
#include <ctime>
#include <iostream>

#include "app/runtime.h"
#include "cli_common.h"
#include "jwtd/clock.h"
#include "jwtd/jose/jwks.h"

namespace jwtd::cli {
namespace {

struct RingFlags {
  ConfigFlags config;
  std::string jwks;
  std::string kid;
};

std::string When(std::int64_t t) {
  if (t == 0) return "-";
  std::time_t tt = t;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

Result<std::unique_ptr<auth::KeyRing>> OpenRing(const ConfigFlags& flags, bool* usage_error) {
  auto config = LoadConfigOrPrint(flags);
  if (!config) {
    *usage_error = true;
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "invalid configuration");
  }
  return auth::KeyRing::Open(config->keys, SystemClock());
}

int ListJwks(const std::string& path) {
  auto text = ReadInput(path);
  if (!text.ok()) return PrintError("keys list", text.error(), kExitUsage);
  auto set = jose::KeySet::FromJwks(*text);
  if (!set.ok()) return PrintError("keys list", set.error(), kExitUsage);
  std::printf("%-44s %-6s %s\n", "KID", "ALG", "KIND");
  for (const auto& key : (*set)->keys()) {
    std::printf("%-44s %-6s %s\n", key->kid().c_str(),
                std::string(jose::AlgName(key->alg())).c_str(),
                key->can_sign() ? "private" : "public");
  }
  return 0;
}

int List(const RingFlags& flags) {
  if (!flags.jwks.empty()) return ListJwks(flags.jwks);
  bool usage = false;
  auto ring = OpenRing(flags.config, &usage);
  if (!ring.ok()) return usage ? kExitUsage : PrintError("keys list", ring.error());
  std::printf("%-44s %-6s %-9s %-20s %-20s %s\n", "KID", "ALG", "STATE", "SIGNS FROM",
              "STOPPED SIGNING", "LEAVES JWKS");
  for (const auto& key : (*ring)->List()) {
    std::printf("%-44s %-6s %-9s %-20s %-20s %s\n", key.kid.c_str(),
                std::string(jose::AlgName(key.alg)).c_str(),
                std::string(auth::KeyStateName(key.state)).c_str(), When(key.activates_at).c_str(),
                When(key.retires_at).c_str(), When(key.removes_at).c_str());
  }
  return 0;
}

int Rotate(const RingFlags& flags) {
  bool usage = false;
  auto ring = OpenRing(flags.config, &usage);
  if (!ring.ok()) return usage ? kExitUsage : PrintError("keys rotate", ring.error());
  auto active = (*ring)->Rotate();
  if (!active.ok()) return PrintError("keys rotate", active.error());
  std::cout << "key " << active->kid << " now signs; the previous key keeps verifying until "
            << "its tokens have expired\n";
  return 0;
}

int Revoke(const RingFlags& flags) {
  auto config = LoadConfigOrPrint(flags.config);
  if (!config) return kExitUsage;
  auto runtime = app::OpenRuntime(*config);
  if (!runtime.ok()) return PrintError("keys revoke", runtime.error());
  // One use case (auth/operator_revocation.h): the ring refuses an unknown kid or the only key
  // able to sign before anything changes, then the revocation log records it for every
  // verifier; a rerun completes a half-done one.
  auto revoked = runtime->tokens->RevokeKey(flags.kid, "cli");
  if (!revoked.ok()) return PrintError("keys revoke", revoked.error(), ExitCodeOf(revoked.error()));
  std::cout << "key " << flags.kid << " revoked: removed from the key ring and the JWKS, and "
            << "recorded in the revocation log; its tokens are refused from now on\n";
  return 0;
}

}  // namespace

void RegisterKeysRingCommands(CLI::App* keys, int* exit_code) {
  auto flags = std::make_shared<RingFlags>();
  CLI::App* list = keys->add_subcommand("list", "list the key ring (or a JWK Set file)");
  list->add_option("--jwks", flags->jwks, "list this JWK Set file instead");
  AddConfigFlags(list, &flags->config);
  list->callback([flags, exit_code] { *exit_code = List(*flags); });

  CLI::App* rotate = keys->add_subcommand("rotate", "make the next key the signer now");
  AddConfigFlags(rotate, &flags->config);
  rotate->callback([flags, exit_code] { *exit_code = Rotate(*flags); });

  CLI::App* revoke = keys->add_subcommand("revoke", "emergency: drop a key and refuse its tokens");
  revoke->add_option("kid", flags->kid, "the key id")->required();
  AddConfigFlags(revoke, &flags->config);
  revoke->callback([flags, exit_code] { *exit_code = Revoke(*flags); });
}

}  // namespace jwtd::cli
