// `jwtd token sign|verify|decode`: JWS tooling for operators and tests.
#include <boost/json.hpp>
#include <ctime>
#include <iostream>

#include "app/config_options.h"
#include "cli_common.h"
#include "jwtd/clock.h"
#include "jwtd/jose/decode.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"
#include "jwtd/random.h"

namespace jwtd::cli {
namespace {

namespace json = boost::json;

struct SignFlags {
  std::string key, alg, kid, claims, typ = "at+jwt";
  std::string sub, iss, aud, scope, sid, jti;
  std::string ttl = "15m";
  std::int64_t ver = -1;
};

struct VerifyFlags {
  std::string token = "-", key, alg, jwks, iss, aud, typ = "at+jwt";
  std::int64_t leeway = 30;
};

std::string Trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

// The token argument itself, or stdin's first token for "-".
std::string TokenArgument(const std::string& arg) {
  if (arg != "-") return arg;
  auto text = ReadInput("-");
  return text.ok() ? Trim(*text) : std::string();
}

// Claims from --claims (a file or "-" for stdin), then the flags on top, then defaults for
// iat, nbf, exp and jti where still absent.
Result<std::string> BuildClaims(const SignFlags& flags) {
  json::object claims;
  if (!flags.claims.empty()) {
    auto text = ReadInput(flags.claims);
    if (!text.ok()) return text.error();
    boost::system::error_code ec;
    json::value parsed = json::parse(*text, ec);
    if (ec || !parsed.is_object()) {
      return Error(Code::kInvalidArgument, Reason::kBadJson, "--claims must hold a JSON object");
    }
    claims = parsed.as_object();
  }
  auto set = [&](const char* name, const std::string& value) {
    if (!value.empty()) claims[name] = value;
  };
  set("sub", flags.sub), set("iss", flags.iss), set("aud", flags.aud);
  set("scope", flags.scope), set("sid", flags.sid), set("jti", flags.jti);
  if (flags.ver >= 0) claims["ver"] = flags.ver;
  std::int64_t ttl = 0;
  if (std::string err = app::ParseDuration(flags.ttl, &ttl); !err.empty()) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "--ttl: " + err);
  }
  std::int64_t now = SystemClock()->NowSeconds();
  if (!claims.contains("iat")) claims["iat"] = now;
  if (!claims.contains("nbf")) claims["nbf"] = now;
  if (!claims.contains("exp")) claims["exp"] = now + ttl;
  if (!claims.contains("jti")) claims["jti"] = RandomToken(16);
  return json::serialize(claims);
}

int Sign(const SignFlags& flags) {
  auto alg = flags.alg.empty() ? std::nullopt : ParseAlgFlag(flags.alg);
  if (!flags.alg.empty() && !alg) return PrintError("token sign", "unknown algorithm " + flags.alg);
  auto key = LoadKeyFile(flags.key, alg, flags.kid);
  if (!key.ok()) return PrintError("token sign", key.error(), kExitUsage);
  auto claims = BuildClaims(flags);
  if (!claims.ok()) return PrintError("token sign", claims.error(), kExitUsage);
  auto signer = jose::Signer::Create(std::shared_ptr<const jose::Key>(std::move(*key)));
  if (!signer.ok()) return PrintError("token sign", signer.error(), kExitUsage);
  auto token = (*signer)->Sign(*claims, flags.typ);
  if (!token.ok()) return PrintError("token sign", token.error());
  std::cout << *token << "\n";
  return 0;
}

Result<std::shared_ptr<const jose::KeySet>> LoadVerifyKeys(const VerifyFlags& flags) {
  if (!flags.jwks.empty()) {
    auto text = ReadInput(flags.jwks);
    if (!text.ok()) return text.error();
    return jose::KeySet::FromJwks(*text);
  }
  if (flags.key.empty()) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "give --key FILE or --jwks FILE");
  }
  auto alg = flags.alg.empty() ? std::nullopt : ParseAlgFlag(flags.alg);
  auto key = LoadKeyFile(flags.key, alg, "");
  if (!key.ok()) return key.error();
  return jose::KeySet::Of({std::shared_ptr<const jose::Key>(std::move(*key))});
}

int Verify(const VerifyFlags& flags) {
  auto keys = LoadVerifyKeys(flags);
  if (!keys.ok()) return PrintError("token verify", keys.error(), kExitUsage);
  std::string compact = TokenArgument(flags.token);
  jose::VerifyOptions options;
  options.issuer = flags.iss;
  if (!flags.aud.empty()) options.audiences = {flags.aud};
  options.typ = flags.typ;
  options.leeway_seconds = flags.leeway;
  auto verifier = jose::Verifier::Create(*keys, options, SystemClock());
  if (!verifier.ok()) return PrintError("token verify", verifier.error(), kExitUsage);
  auto claims = (*verifier)->Verify(compact);
  if (!claims.ok()) {
    std::cout << "invalid: " << ReasonName(claims.error().reason()) << "\n";
    return kExitFailed;
  }
  std::cout << "valid (alg " << jose::AlgName(claims->alg()) << ", kid " << claims->kid() << ")\n"
            << claims->json() << "\n";
  return 0;
}

int Decode(const std::string& input) {
  auto parts = jose::DecodeUnverified(TokenArgument(input));
  if (!parts.ok()) return PrintError("token decode", parts.error(), kExitUsage);
  std::cout << "NOT VERIFIED: decoding checks nothing — not the signature, not the expiry.\n"
            << "header:  " << parts->header_json << "\n"
            << "payload: " << parts->payload << "\n";
  boost::system::error_code ec;
  json::value payload = json::parse(parts->payload, ec);
  if (!ec && payload.is_object()) {
    const json::value* exp = payload.as_object().if_contains("exp");
    if (exp != nullptr && exp->is_int64()) {
      std::time_t t = exp->as_int64();
      char buf[64];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
      std::cout << "exp:     " << buf << "\n";
    }
  }
  return 0;
}

}  // namespace

void RegisterTokenCommand(CLI::App& app, int* exit_code) {
  CLI::App* token = app.add_subcommand("token", "sign, verify and decode JWS tokens");
  token->require_subcommand(1);

  auto s = std::make_shared<SignFlags>();
  CLI::App* sign =
      token->add_subcommand("sign", "sign claims (JSON from --claims FILE or -, and flags)");
  sign->add_option("--key", s->key, "private key: JWK file, or PEM file with --alg")->required();
  sign->add_option("--alg", s->alg, "algorithm of a PEM key");
  sign->add_option("--kid", s->kid, "key id of a PEM key (default: thumbprint)");
  sign->add_option("--claims", s->claims, "file with a JSON object of claims; - for stdin");
  sign->add_option("--typ", s->typ, "typ header")->capture_default_str();
  sign->add_option("--sub", s->sub, "sub claim");
  sign->add_option("--iss", s->iss, "iss claim");
  sign->add_option("--aud", s->aud, "aud claim");
  sign->add_option("--scope", s->scope, "scope claim");
  sign->add_option("--sid", s->sid, "sid claim");
  sign->add_option("--jti", s->jti, "jti claim (default: 128 random bits)");
  sign->add_option("--ver", s->ver, "ver claim");
  sign->add_option("--ttl", s->ttl, "lifetime when exp is absent")->capture_default_str();
  sign->callback([s, exit_code] { *exit_code = Sign(*s); });

  auto v = std::make_shared<VerifyFlags>();
  CLI::App* verify =
      token->add_subcommand("verify", "verify signature and claims; exit 1 if invalid");
  verify->add_option("token", v->token, "the token, or - for stdin")->capture_default_str();
  verify->add_option("--key", v->key, "key: JWK file, or PEM file with --alg");
  verify->add_option("--alg", v->alg, "algorithm of a PEM key");
  verify->add_option("--jwks", v->jwks, "JWK Set file");
  verify->add_option("--iss", v->iss, "required issuer");
  verify->add_option("--aud", v->aud, "required audience");
  verify->add_option("--typ", v->typ, "required typ (\"\" to skip)")->capture_default_str();
  verify->add_option("--leeway", v->leeway, "seconds of clock skew")->capture_default_str();
  verify->callback([v, exit_code] { *exit_code = Verify(*v); });

  auto input = std::make_shared<std::string>("-");
  CLI::App* decode = token->add_subcommand("decode", "print header and claims WITHOUT verifying");
  decode->add_option("token", *input, "the token, or - for stdin")->capture_default_str();
  decode->callback([input, exit_code] { *exit_code = Decode(*input); });
}

}  // namespace jwtd::cli
