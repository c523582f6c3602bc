#include "fault_load.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <exception>

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kPassword[] = "correct horse";

std::string KindName(RevocationKind kind) {
  switch (kind) {
    case RevocationKind::kLogoutBearer:
      return "logout(bearer)";
    case RevocationKind::kLogoutRefresh:
      return "logout(refresh)";
    case RevocationKind::kLogoutAll:
      return "logout-all";
    case RevocationKind::kRevokeAccess:
      return "revoke(access)";
  }
  return "?";
}

HttpRequest Post(const std::string& target, const boost::json::value& body,
                 const std::string& bearer = {}) {
  HttpRequest r{.method = "POST",
                .target = target,
                .body = boost::json::serialize(body),
                .content_type = "application/json",
                .headers = {}};
  if (!bearer.empty()) r.headers.emplace_back("Authorization", "Bearer " + bearer);
  return r;
}

HttpRequest PostForm(const std::string& target, const std::string& form) {
  return {.method = "POST",
          .target = target,
          .body = form,
          .content_type = "application/x-www-form-urlencoded",
          .headers = {}};
}

// The statuses each endpoint may answer under a fault (503: the store is unavailable).
bool Allowed(const std::string& endpoint, int status) {
  if (status == 503) return true;
  if (endpoint == "login") return status == 200;
  if (endpoint == "me") return status == 200;
  if (endpoint == "refresh") return status == 200 || status == 400;
  if (endpoint == "revoke(access)") return status == 200;
  return status == 204;  // the logouts
}

}  // namespace

int StatusOf(std::uint16_t port, const HttpRequest& request, HttpResponse* out) {
  try {
    HttpResponse r = HttpClient(port).Send(request);
    if (out != nullptr) *out = std::move(r);
    return out != nullptr ? out->status : r.status;
  } catch (const std::exception&) {
    return 0;  // refused, reset or timed out: no answer
  }
}

int MeStatus(std::uint16_t port, const std::string& access) {
  HttpRequest r{.method = "GET",
                .target = "/v1/me",
                .body = {},
                .content_type = {},
                .headers = {{"Authorization", "Bearer " + access}}};
  return StatusOf(port, r);
}

int RefreshStatus(std::uint16_t port, const std::string& refresh, std::string* access,
                  std::string* next_refresh) {
  HttpResponse r;
  const int status = StatusOf(
      port, PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh), &r);
  if (status == 200 && access != nullptr) {
    auto o = r.Json().as_object();
    *access = std::string(o.at("access_token").as_string());
    *next_refresh = std::string(o.at("refresh_token").as_string());
  }
  return status;
}

bool WaitReady(std::uint16_t port, std::chrono::milliseconds limit) {
  const auto deadline = SteadyClock::now() + limit;
  HttpRequest r{
      .method = "GET", .target = "/readyz", .body = {}, .content_type = {}, .headers = {}};
  while (SteadyClock::now() < deadline) {
    if (StatusOf(port, r) == 200) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

bool RegisterUser(std::uint16_t port, const std::string& user) {
  return StatusOf(port, Post("/v1/users", {{"username", user}, {"password", kPassword}})) == 201;
}

Load::Load(LoadOptions options) : options_(std::move(options)) {}

Load::~Load() { Stop(); }

void Load::Start() {
  for (int i = 0; i < options_.workers; ++i) {
    const std::string user = "load" + std::to_string(i);
    const std::uint16_t p = port(i % static_cast<int>(options_.nodes.size()));
    ASSERT_TRUE(RegisterUser(p, user)) << user;
    ASSERT_TRUE(RegisterUser(p, user + "-all")) << user;
  }
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this, i] { Work(i); });
  threads_.emplace_back([this] { Check(); });
}

void Load::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Load::Work(int index) {
  const int node = index % static_cast<int>(options_.nodes.size());
  const std::string user = "load" + std::to_string(index);
  for (int round = 0; !stop_; ++round) OneSession(node, user, round);
}

void Load::Record(const std::string& endpoint, int status, const HttpResponse& response) {
  std::string key = endpoint + " " + std::to_string(status);
  if (status == 503 && response.Header("content-type").find("application/json") != 0) {
    key += " (not JSON)";  // a failure must still be a clear JSON error (api.md)
  }
  std::lock_guard lock(mu_);
  ++statuses_[key];
}

// login → /v1/me → up to two refreshes → one revocation kind by turn (every fifth session is
// kept live instead). Outcomes the client cannot know (no answer, 503) leave the session held,
// so the audit checks it is consistent whichever way the server decided.
void Load::OneSession(int node, const std::string& worker_user, int round) {
  const int kind = round % 5;
  // logout-all ends every session of its user: a user of its own keeps the other sessions held.
  const std::string user =
      kind == static_cast<int>(RevocationKind::kLogoutAll) ? worker_user + "-all" : worker_user;
  HttpResponse r;
  int status =
      StatusOf(port(node), Post("/v1/login", {{"username", user}, {"password", kPassword}}), &r);
  Record("login", status, r);
  if (status != 200) {
    std::this_thread::sleep_for(20ms);  // the store is down: do not spin
    return;
  }
  auto body = r.Json().as_object();
  HeldTokens t{std::string(body.at("access_token").as_string()),
               std::string(body.at("refresh_token").as_string())};
  status = MeStatus(port(node), t.access);
  Record("me", status, {});
  for (int i = 0; i < 2; ++i) {
    status = StatusOf(
        port(node), PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + t.refresh),
        &r);
    Record("refresh", status, r);
    if (status != 200) break;
    auto o = r.Json().as_object();
    t = {std::string(o.at("access_token").as_string()),
         std::string(o.at("refresh_token").as_string())};
    ++refreshed_;
  }
  if (status != 200 || kind == 4 || !Revoke(node, static_cast<RevocationKind>(kind), t)) {
    std::lock_guard lock(mu_);
    held_.push_back(t);
  }
}

bool Load::Revoke(int node, RevocationKind kind, const HeldTokens& t) {
  HttpResponse r;
  int status = 0;
  switch (kind) {
    case RevocationKind::kLogoutBearer:
      status = StatusOf(port(node), Post("/v1/logout", boost::json::object{}, t.access), &r);
      break;
    case RevocationKind::kLogoutRefresh:
      status = StatusOf(port(node), Post("/v1/logout", {{"refresh_token", t.refresh}}), &r);
      break;
    case RevocationKind::kLogoutAll:
      status = StatusOf(port(node), Post("/v1/logout-all", boost::json::object{}, t.access), &r);
      break;
    case RevocationKind::kRevokeAccess:
      status = StatusOf(
          port(node),
          PostForm("/oauth/revoke", "token=" + t.access + "&token_type_hint=access_token"), &r);
      break;
  }
  Record(KindName(kind), status, r);
  if (status < 200 || status >= 300) return false;
  std::lock_guard lock(mu_);
  acked_.push_back({kind, node, t, kind != RevocationKind::kRevokeAccess, SteadyClock::now()});
  if (kind == RevocationKind::kRevokeAccess) held_.push_back(t);  // the session lives on
  return true;
}

// Polls every acknowledged revocation on every node for as long as the load runs.
void Load::Check() {
  while (!stop_) {
    std::vector<Acknowledged> snapshot;
    {
      std::lock_guard lock(mu_);
      snapshot = acked_;
    }
    if (snapshot.empty()) std::this_thread::sleep_for(5ms);
    for (const Acknowledged& a : snapshot) {
      for (int n = 0; n < static_cast<int>(options_.nodes.size()) && !stop_; ++n) {
        const auto asked = SteadyClock::now();
        const auto deadline = a.acked + (n == a.node ? 0ms : options_.other_node_grace);
        const int status = MeStatus(port(n), a.tokens.access);
        ++checks_;
        if (status == 200 && asked > deadline) {
          const auto late =
              std::chrono::duration_cast<std::chrono::milliseconds>(asked - a.acked).count();
          std::lock_guard lock(mu_);
          violations_.push_back("node " + std::to_string(n) + " accepted a token " +
                                std::to_string(late) + " ms after its " + KindName(a.kind) +
                                " was acknowledged by node " + std::to_string(a.node));
        }
      }
    }
  }
}

std::map<std::string, int> Load::Statuses() const {
  std::lock_guard lock(mu_);
  return statuses_;
}

std::vector<std::string> Load::BadStatuses() const {
  std::vector<std::string> bad;
  for (const auto& [key, count] : Statuses()) {
    const std::size_t space = key.find(' ');
    const std::string endpoint = key.substr(0, space);
    const std::string rest = key.substr(space + 1);
    const int status = std::stoi(rest);
    const bool ok = rest.find("not JSON") == std::string::npos &&
                    (status == 0 ? options_.connection_loss_expected : Allowed(endpoint, status));
    if (!ok) bad.push_back(key + " x" + std::to_string(count));
  }
  return bad;
}

std::vector<std::string> Load::Violations() const {
  std::lock_guard lock(mu_);
  return violations_;
}

bool Load::WaitForAcknowledged(int count, std::chrono::milliseconds limit) const {
  const auto deadline = SteadyClock::now() + limit;
  while (acknowledged() < count) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

int Load::acknowledged() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(acked_.size());
}

int Load::Audit(std::uint16_t audit_port) {
  std::vector<Acknowledged> acked;
  std::vector<HeldTokens> held;
  {
    std::lock_guard lock(mu_);
    acked = acked_;
    held = held_;
  }
  for (const Acknowledged& a : acked) {
    for (std::atomic<std::uint16_t>* node : options_.nodes) {
      EXPECT_EQ(MeStatus(node->load(), a.tokens.access), 401)
          << KindName(a.kind) << " acknowledged, its access token accepted (lost revocation)";
    }
    if (a.refresh_revoked) {
      EXPECT_EQ(RefreshStatus(audit_port, a.tokens.refresh), 400)
          << KindName(a.kind) << " acknowledged, its refresh token still yields tokens";
    }
  }
  int live = 0, ended = 0;
  for (HeldTokens& t : held) {
    std::string access, refresh;
    const int status = RefreshStatus(audit_port, t.refresh, &access, &refresh);
    if (status == 200) {
      ++live;
      EXPECT_EQ(MeStatus(audit_port, access), 200) << "a successor that does not work";
      t = {access, refresh};  // the client keeps the successor: a later audit checks it again
    } else {
      ++ended;
      EXPECT_EQ(status, 400) << "a held refresh token got neither tokens nor invalid_grant";
      EXPECT_EQ(MeStatus(audit_port, t.access), 401)
          << "a family whose refresh token is refused still has an accepted access token";
    }
  }
  {
    std::lock_guard lock(mu_);
    held_ = held;
  }
  std::printf("audit: %zu acknowledged revocations refused; %d held sessions live, %d ended\n",
              acked.size(), live, ended);
  return live;
}

}  // namespace jwtd::testing
