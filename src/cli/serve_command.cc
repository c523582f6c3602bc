// `jwtd serve`: the server on the configuration's store and keys.
#include "app/logging.h"
#include "app/serve.h"
#include "cli_common.h"

namespace jwtd::cli {
namespace {

constexpr const char* kServeFooter = R"(DESCRIPTION
  Listens on server.listen (plain HTTP, or TLS 1.2+ with tls.cert_file and tls.key_file),
  opens the store (SQLite in store.data_dir, or store.url: PostgreSQL), applies pending
  migrations, creates a signing key on first start, and prints a banner: the address, the
  issuer, the keys and the configuration in effect (secrets masked). Logs go to stderr, one
  line per event: log.level (info), log.format ("text", or "json": one JSON object per line).
  Tokens, cookies, passwords and key material are never logged.
  With --role verifier (server.role) it only verifies access tokens: the issuing endpoints
  answer 404, the store and keys are opened read-only (no migration, no key is created), or,
  with verifier.feed_url, another node's revocation feed and JWKS are followed instead.

SIGNALS
  SIGTERM, SIGINT   finish in-flight requests, then exit 0
  SIGHUP            re-read tls.cert_file and tls.key_file (systemctl reload jwtd)

FILES
  /etc/jwtd/jwtd.toml    the packaged service's configuration (--config)
  DATA_DIR/jwtd.db       the SQLite database (store.data_dir; /var/lib/jwtd for the service)
  DATA_DIR/keys/         the signing keys, created 0600
  /usr/share/jwtd/web/   the logout lab served at / (web.root, web.enabled)

EXAMPLES
  jwtd serve                                   # 127.0.0.1:8080, database and keys in ./var
  jwtd serve --config /etc/jwtd/jwtd.toml
  jwtd serve --listen 127.0.0.1:0              # a free port, printed in the banner
  jwtd serve --set log.format=json --set tokens.access_ttl=5m
  jwtd serve --role verifier --listen 127.0.0.1:8081   # next to a gateway (docs/gateways.md)
  JWTD_STORE_URL=postgres://jwtd@db/jwtd JWTD_BUS_URL=redis://cache:6379 jwtd serve
)";

}  // namespace

void RegisterServeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ConfigFlags>();
  CLI::App* serve = app.add_subcommand(
      "serve", "run the server (default: 127.0.0.1:8080, SQLite in ./var, keys generated)");
  AddConfigFlags(serve, flags.get());
  serve->add_option("--role", flags->role,
                    "full (default) or verifier: shortcut for --set server.role=ROLE");
  serve->footer(kServeFooter);
  serve->callback([flags, exit_code] {
    app::BlockStopSignals();
    auto config = LoadConfigOrPrint(*flags);
    if (!config) {
      *exit_code = kExitUsage;
      return;
    }
    if (auto logging = app::SetupLogging(config->log_level, config->log_format); !logging.ok()) {
      *exit_code = PrintError("serve", logging.error(), kExitUsage);
      return;
    }
    *exit_code = app::Serve(*config);
  });
}

}  // namespace jwtd::cli
