// POST /v1/admin/revocations/users — one page of a mass logout (jwtd/auth/bulk_revocation.h) for
// an operator's script: {"job", "offset", "usernames": [...]} or {..., "user_ids": [...]}, at
// most 1000 users. Admin clients only (admin.clients, HTTP Basic, from admin.allow). One
// transaction per page on the worker pool; a page sent again (a resumed script) is answered with
// "applied": false and changes nothing, a page that does not start where the job stands is a 409
// carrying the offset to continue from (docs/api.md "Admin").
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <variant>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "http/handlers/ssf_common.h"

namespace jwtd::http {
namespace {

std::variant<auth::BulkRevocationPage, Response> ParsePage(const boost::json::object& body) {
  auth::BulkRevocationPage page;
  const auto* job = body.if_contains("job");
  if (job == nullptr || !job->is_string() || job->as_string().empty()) {
    return SsfBadField("job", "required, a non-empty string");
  }
  page.job = std::string(job->as_string());
  if (!auth::IsValidBulkJob(page.job)) {
    return SsfBadField("job", "1 to 128 visible ASCII characters (no spaces)");
  }
  const auto* offset = body.if_contains("offset");
  if (offset == nullptr || !offset->is_int64() || offset->as_int64() < 0) {
    return SsfBadField("offset", "required, an integer >= 0");
  }
  page.offset = offset->as_int64();
  const auto* names = body.if_contains("usernames");
  const auto* ids = body.if_contains("user_ids");
  if ((names == nullptr) == (ids == nullptr)) {
    return SsfBadField("usernames", "give exactly one of usernames and user_ids");
  }
  const char* field = names != nullptr ? "usernames" : "user_ids";
  const auto* list = names != nullptr ? names : ids;
  if (!list->is_array() || list->as_array().empty() ||
      list->as_array().size() > auth::BulkRevocationPage::kMaxUsers) {
    return SsfBadField(field, "an array of 1 to 1000 users");
  }
  for (const auto& v : list->as_array()) {
    auth::BulkUser user;
    if (names != nullptr) {
      if (!v.is_string()) return SsfBadField(field, "every entry must be a string");
      user.username = std::string(v.as_string());
    } else {
      if (!v.is_int64() || v.as_int64() <= 0) {
        return SsfBadField(field, "every entry must be a positive integer");
      }
      user.id = v.as_int64();
    }
    page.users.push_back(std::move(user));
  }
  return page;
}

Response PageResponse(const auth::BulkRevocationPage& page, const auth::BulkPageResult& r) {
  boost::json::object o;
  if (r.status == auth::BulkPageStatus::kNotNext) {
    o["error"] = "conflict";
    o["error_description"] = "the job continues at next_offset, not at this page's offset";
    o["job"] = page.job;
    o["next_offset"] = r.next_offset;
    return JsonResponse(409, boost::json::serialize(o));
  }
  o["job"] = page.job;
  o["applied"] = r.status == auth::BulkPageStatus::kApplied;
  o["offset"] = page.offset;
  o["next_offset"] = r.next_offset;
  o["revoked"] = r.revoked;
  boost::json::array unknown;
  for (std::size_t i : r.unknown) {
    const auth::BulkUser& u = page.users[i];
    if (u.id > 0) {
      unknown.emplace_back(u.id);
    } else {
      unknown.emplace_back(u.username);
    }
  }
  o["unknown"] = std::move(unknown);
  return JsonResponse(200, boost::json::serialize(o));
}

}  // namespace

Outcome HandleAdminRevokeUsers(const Api& api, const Request& request) {
  auto client = CheckAdminClient(api, request);
  if (auto* refused = std::get_if<Response>(&client)) return std::move(*refused);
  auto body = SsfJsonBody(request);
  if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
  auto parsed = ParsePage(std::get<boost::json::object>(body));
  if (auto* bad = std::get_if<Response>(&parsed)) return std::move(*bad);
  return Outcome::Later([&api, page = std::get<auth::BulkRevocationPage>(std::move(parsed)),
                         actor = "admin:" + std::get<std::string>(client)] {
    auto result = api.deps.tokens->RevokeUsersPage(page, actor);
    Response r = result.ok() ? PageResponse(page, *result)
                             : ErrorResponse(result.error(), Surface::kGeneral);
    MarkNoStore(r);
    return r;
  });
}

}  // namespace jwtd::http
