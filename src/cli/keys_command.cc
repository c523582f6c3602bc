// `jwtd keys generate|list`: key material for operators. Key-ring steps (rotate, revoke) act on
// the server's key directory and live in keys_ring_command.cc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <iostream>

#include "cli_common.h"

namespace jwtd::cli {
namespace {

struct GenerateFlags {
  std::string alg = "ES256";
  std::string kid;
  std::string format = "jwk";
  bool public_only = false;
  std::string out;
};

// Private key files are created 0600 and never overwritten.
Result<void> WriteSecretFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "cannot create " + path + " (it must not exist yet)");
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = (::fsync(fd) == 0) && ok;
  ::close(fd);
  if (!ok) return Error(Code::kUnavailable, Reason::kInternal, "cannot write " + path);
  return Ok();
}

int Generate(const GenerateFlags& flags) {
  auto alg = ParseAlgFlag(flags.alg);
  if (!alg) return PrintError("keys generate", "unknown algorithm \"" + flags.alg + "\"");
  if (flags.format != "jwk" && flags.format != "pem") {
    return PrintError("keys generate", "--format must be jwk or pem");
  }
  auto key = jose::Key::Generate(*alg, flags.kid);
  if (!key.ok()) return PrintError("keys generate", key.error());
  bool include_private = !flags.public_only;
  std::string text;
  if (flags.format == "jwk") {
    text = (*key)->ToJwk(include_private) + "\n";
  } else {
    auto pem = (*key)->ToPem(include_private);
    if (!pem.ok()) return PrintError("keys generate", pem.error(), kExitUsage);
    text = *pem;
  }
  if (flags.out.empty() || flags.out == "-") {
    std::cout << text;
  } else if (auto written = WriteSecretFile(flags.out, text); !written.ok()) {
    return PrintError("keys generate", written.error());
  } else {
    std::cerr << "wrote " << (include_private ? "private" : "public") << " key " << (*key)->kid()
              << " (" << jose::AlgName(*alg) << ") to " << flags.out << "\n";
  }
  return 0;
}

}  // namespace

void RegisterKeysCommand(CLI::App& app, int* exit_code) {
  CLI::App* keys = app.add_subcommand("keys", "generate, list, rotate and revoke signing keys");
  keys->require_subcommand(1);

  auto generate = std::make_shared<GenerateFlags>();
  CLI::App* gen = keys->add_subcommand("generate", "print (or write) a new key as JWK or PEM");
  gen->add_option("--alg", generate->alg, "EdDSA, ES256, ES384, RS256, PS256, HS256, HS384, HS512")
      ->capture_default_str();
  gen->add_option("--kid", generate->kid, "key id (default: the RFC 7638 thumbprint)");
  gen->add_option("--format", generate->format, "jwk or pem")->capture_default_str();
  gen->add_flag("--public", generate->public_only, "only the public key");
  gen->add_option("-o,--out", generate->out, "write to this file (created 0600) instead of stdout");
  gen->callback([generate, exit_code] { *exit_code = Generate(*generate); });

  RegisterKeysRingCommands(keys, exit_code);
}

}  // namespace jwtd::cli
