// Static files under options.web_root at "/" (the demo page). Safe by construction: the path is
// percent-decoded once, any ".", ".." or hidden segment, backslash or NUL is refused, and the
// resolved file (symlinks followed) must still lie under the root. No directory listings: a
// directory serves its index.html or nothing.
#include <boost/url/pct_string_view.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {
namespace {

namespace fs = std::filesystem;
constexpr std::uintmax_t kMaxFileBytes = 16u << 20;

Response NotFound() { return JsonError(404, "not_found", "no such resource"); }

// The decoded relative path, or nullopt when it is not a safe one.
std::optional<std::string> SafeRelative(std::string_view path) {
  auto pct = boost::urls::make_pct_string_view(path);
  if (!pct) return std::nullopt;
  std::string decoded = pct->decode();
  if (decoded.empty() || decoded.front() != '/') return std::nullopt;
  if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) {
    return std::nullopt;
  }
  if (decoded.back() == '/') decoded += "index.html";
  for (auto seg : SplitPath(decoded)) {
    if (seg.empty() || seg.front() == '.') return std::nullopt;  // ".", "..", dotfiles, "//"
  }
  return decoded.substr(1);
}

std::optional<fs::path> Resolve(const std::string& root, const std::string& relative) {
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  fs::path file = fs::canonical(base / relative, ec);
  if (ec) return std::nullopt;
  if (fs::is_directory(file, ec)) file = fs::canonical(file / "index.html", ec);
  if (ec || !fs::is_regular_file(file, ec)) return std::nullopt;
  // Symlinks may point anywhere: the resolved path must stay under the root.
  const auto [root_end, file_it] =
      std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (root_end != base.end()) return std::nullopt;
  return file;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "woff2") return "font/woff2";
  return "application/octet-stream";
}

std::optional<Response> ServeStatic(const Api& api, const Request& request) {
  if (api.options.web_root.empty()) return std::nullopt;
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  const auto relative = SafeRelative(request.path);
  if (!relative) return NotFound();
  const auto file = Resolve(api.options.web_root, *relative);
  if (!file) return NotFound();
  std::error_code ec;
  const auto size = fs::file_size(*file, ec);
  if (ec || size > kMaxFileBytes) return NotFound();
  std::ifstream in(*file, std::ios::binary);
  if (!in) return NotFound();
  Response r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.content_type = std::string(ContentTypeFor(file->filename().string()));
  r.With("Cache-Control", "no-cache");
  r.With("X-Frame-Options", "DENY");
  // The page holds an access token in memory: only its own scripts may run and it may talk
  // only to this origin, so an injected string can neither execute nor send the token away.
  r.With("Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  r.With("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace jwtd::http
