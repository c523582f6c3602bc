#include "http/request.h"

namespace jwtd::http {

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::size_t Request::HeaderCount(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& h : headers) n += h.name == name ? 1 : 0;
  return n;
}

std::string_view Request::Param(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCaseAscii(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

Response JsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

Response EmptyResponse(int status) {
  Response r;
  r.status = status;
  return r;
}

void MarkNoStore(Response& response) {
  response.With("Cache-Control", "no-store");
  response.With("Pragma", "no-cache");
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace jwtd::http
