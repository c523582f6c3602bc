#include "app/feed_origin.h"

#include <sodium.h>

#include <boost/url/parse.hpp>
#include <string_view>

namespace jwtd::app {
namespace {

// Standard base64 with padding (RFC 4648 §4) of the Basic credentials (RFC 7617 §2).
std::string Base64(std::string_view in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()),
                    in.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace

std::string FeedOrigin::HostHeader() const {
  const bool default_port = port == (tls ? "443" : "80");
  const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? name : name + ":" + port;
}

Result<FeedOrigin> ParseFeedOrigin(const std::string& url, const std::string& client) {
  const auto bad = [](std::string why) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, std::move(why));
  };
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->host().empty()) return bad("verifier.feed_url: expected http(s)://host[:port]/");
  FeedOrigin o;
  o.tls = u->scheme() == "https";
  if (!o.tls && u->scheme() != "http") return bad("verifier.feed_url: the scheme is not http(s)");
  if (u->has_query() || u->has_fragment() || u->has_userinfo()) {
    return bad("verifier.feed_url: no user, query or fragment (credentials: verifier.feed_client)");
  }
  o.host = u->host_address();
  if (!o.host.empty() && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  o.port = u->has_port() ? std::string(u->port()) : (o.tls ? "443" : "80");
  o.base = std::string(u->encoded_path());
  while (!o.base.empty() && o.base.back() == '/') o.base.pop_back();
  const auto colon = client.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == client.size()) {
    return bad("verifier.feed_client: expected \"id:secret\" (a feed client of that node)");
  }
  o.authorization = "Basic " + Base64(client);
  return o;
}

}  // namespace jwtd::app
