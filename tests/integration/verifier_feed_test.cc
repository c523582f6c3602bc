// `jwtd serve --role verifier` following another node (verifier.feed_url): a real full node and
// a real verifier process without any database. The verifier takes that node's JWKS and follows
// its revocation feed (pages, then the stream with Last-Event-ID) through the one sync path:
// a logout on the full node is refused on the verifier within the staleness bound (measured);
// a kill -9 of the full node makes the verifier not ready and every check fail closed within the
// bound; once the node is back, the verifier resumes from its cursor and misses nothing that was
// revoked meanwhile.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "jwtd_process.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kPassword[] = "correct horse";
constexpr char kIssuer[] = "tokens.issuer=https://issuer.feed.test";
constexpr auto kBound = 500ms;  // bus.staleness_bound_ms of the verifier below

// A loopback port free now (the full node must come back on the same one after a kill).
std::uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "no loopback port";
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Login {
  std::string access, sid;
};

class VerifierFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::uint16_t port = FreePort();
    full_ = std::make_unique<JwtdServer>(
        full_dir(), std::vector<std::string>{"--set", kIssuer, "--set",
                                             "server.listen=127.0.0.1:" + std::to_string(port),
                                             "--set", "feed.clients=edge:edge-secret-0123456789"});
    ASSERT_EQ(full_->port(), port);
    verifier_ = std::make_unique<JwtdServer>(
        verifier_dir(),
        std::vector<std::string>{"--role", "verifier", "--set", kIssuer, "--set",
                                 "verifier.feed_url=http://127.0.0.1:" + std::to_string(port) + "/",
                                 "--set", "verifier.feed_client=edge:edge-secret-0123456789",
                                 "--set", "bus.staleness_bound_ms=500", "--set",
                                 "revocation.poll_interval_ms=400", "--set",
                                 "verifier.jwks_refetch_ms=300"});
    const auto r = HttpClient(full_->port())
                       .PostJson("/v1/users", {{"username", "ann"}, {"password", kPassword}});
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::string full_dir() const { return dir_.path() + "/full"; }
  std::string verifier_dir() const { return dir_.path() + "/verifier"; }

  Login LogIn() {
    const HttpClient full(full_->port());
    auto r = full.PostJson("/v1/login", {{"username", "ann"}, {"password", kPassword}});
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    Login login{std::string(r.Json().at("access_token").as_string()), ""};
    login.sid = std::string(full.Get("/v1/me", login.access).Json().at("sid").as_string());
    return login;
  }
  int Check(const std::string& token) const {
    return HttpClient(verifier_->port()).Get("/v1/authz/api/x", token).status;
  }
  // Polls until `done` or the deadline; how long it took (or the deadline, if never).
  template <class Done>
  static std::chrono::duration<double, std::milli> Until(Done done,
                                                         std::chrono::milliseconds limit) {
    const auto start = Clock::now();
    while (!done() && Clock::now() - start < limit) std::this_thread::sleep_for(2ms);
    return Clock::now() - start;
  }

  TempDir dir_;
  std::unique_ptr<JwtdServer> full_;
  std::unique_ptr<JwtdServer> verifier_;
};

TEST_F(VerifierFeedTest, VerifiesWithoutADatabase) {
  EXPECT_NE(verifier_->banner().find("store: none"), std::string::npos) << verifier_->banner();
  const Login ann = LogIn();
  const HttpClient v(verifier_->port());
  EXPECT_EQ(Check(ann.access), 200);
  const auto me = v.Get("/v1/me", ann.access);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json().at("sid").as_string(), ann.sid);
  EXPECT_EQ(me.Json().as_object().if_contains("username"), nullptr);  // no user table here
  EXPECT_EQ(v.Get("/.well-known/jwks.json").body,
            HttpClient(full_->port()).Get("/.well-known/jwks.json").body);
  EXPECT_EQ(v.Get("/readyz").status, 200);
  EXPECT_EQ(v.Get("/healthz").status, 200);
  const auto metrics = v.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("jwtd_revocation_sync_state"), std::string::npos);
  EXPECT_EQ(v.PostJson("/v1/login", {{"username", "ann"}, {"password", kPassword}}).status, 404);
  EXPECT_EQ(v.PostForm("/oauth/introspect", "token=" + ann.access).status, 404);
  EXPECT_EQ(v.Get("/v1/revocations").status, 404);
  // No database: the verifier's data directory holds none (nor keys).
  EXPECT_FALSE(std::filesystem::exists(verifier_dir() + "/jwtd.db"));
  EXPECT_FALSE(std::filesystem::exists(verifier_dir() + "/keys"));
}

TEST_F(VerifierFeedTest, LogoutIsRefusedOnTheVerifierWithinTheBound) {
  const HttpClient full(full_->port());
  std::vector<double> delays_ms;
  constexpr int kLogouts = 50;
  for (int i = 0; i < kLogouts; ++i) {
    const Login ann = LogIn();
    ASSERT_EQ(Check(ann.access), 200) << "logout " << i;
    ASSERT_EQ(full.PostJson("/v1/logout", {}, ann.access).status, 204);
    const auto took = Until([&] { return Check(ann.access) == 401; }, 4 * kBound);
    ASSERT_EQ(Check(ann.access), 401) << "logout " << i << " still admitted";
    delays_ms.push_back(took.count());
  }
  std::sort(delays_ms.begin(), delays_ms.end());
  const double p50 = delays_ms[delays_ms.size() / 2];
  const double p99 = delays_ms[delays_ms.size() * 99 / 100];
  std::printf("verifier (feed) logout -> refused: p50 %.1f ms, p99 %.1f ms over %d\n", p50, p99,
              kLogouts);
  EXPECT_LT(p99, static_cast<double>(kBound.count()));
  // The stream carries them, not the backstop poll of the log (every 400 ms here).
  EXPECT_LT(p50, 100.0);
}

TEST_F(VerifierFeedTest, FailsClosedWhileTheNodeIsDownAndResumesWithoutAGap) {
  const Login kept = LogIn();
  const Login revoked_meanwhile = LogIn();
  ASSERT_EQ(Check(kept.access), 200);
  ASSERT_EQ(Check(revoked_meanwhile.access), 200);
  const HttpClient v(verifier_->port());
  ASSERT_EQ(v.Get("/readyz").status, 200);

  full_->Kill();
  const auto not_ready = Until([&] { return v.Get("/readyz").status == 503; }, 4 * kBound);
  EXPECT_EQ(v.Get("/readyz").status, 503);
  const auto refused = Until([&] { return Check(kept.access) == 503; }, 4 * kBound);
  EXPECT_EQ(Check(kept.access), 503) << "a stale verifier must not admit";
  std::printf("verifier (feed) after kill -9: not ready in %.0f ms, refusing in %.0f ms\n",
              not_ready.count(), refused.count());
  EXPECT_LT(not_ready.count(), 2.0 * kBound.count());
  EXPECT_LT(refused.count(), 2.0 * kBound.count());

  // Revoked while the node is down (the CLI writes the store): the verifier must learn it
  // from the pages once the node is back, though no stream ever carried it to it.
  const auto cli = RunJwtd(
      {"revoke", "--session", revoked_meanwhile.sid, "--data-dir", full_dir(), "--set", kIssuer});
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  full_->Restart();  // same port (server.listen)
  const auto back = Until([&] { return v.Get("/readyz").status == 200; }, 10 * kBound);
  EXPECT_EQ(v.Get("/readyz").status, 200);
  std::printf("verifier (feed) ready again %.0f ms after the node restarted\n", back.count());
  EXPECT_EQ(Check(kept.access), 200);
  EXPECT_EQ(Check(revoked_meanwhile.access), 401);
  // And it follows the stream again.
  ASSERT_EQ(HttpClient(full_->port()).PostJson("/v1/logout", {}, kept.access).status, 204);
  Until([&] { return Check(kept.access) == 401; }, 4 * kBound);
  EXPECT_EQ(Check(kept.access), 401);
}

// A node that stops answering without closing anything (SIGSTOP: a partition, a hung host):
// no heartbeat for the staleness bound makes the view stale, and checks fail closed; the node's
// return (SIGCONT) brings the verifier back in step.
TEST_F(VerifierFeedTest, SilentNodeMakesTheViewStaleAfterTheBound) {
  const Login ann = LogIn();
  ASSERT_EQ(Check(ann.access), 200);
  const HttpClient v(verifier_->port());
  ASSERT_EQ(::kill(full_->pid(), SIGSTOP), 0);
  const auto stopped = Clock::now();
  // When the last check that was admitted started, and when the first refusal came back.
  std::chrono::duration<double, std::milli> last_admitted{0}, refused{0};
  int status = 200;
  while (Clock::now() - stopped < 8 * kBound) {
    const auto sent = Clock::now();
    status = Check(ann.access);
    if (status == 200) last_admitted = sent - stopped;
    if (status != 200) {
      refused = Clock::now() - stopped;
      break;
    }
    std::this_thread::sleep_for(2ms);
  }
  const int ready = v.Get("/readyz").status;
  ASSERT_EQ(::kill(full_->pid(), SIGCONT), 0);
  EXPECT_EQ(status, 503) << "a stale verifier must not admit";
  EXPECT_EQ(ready, 503);
  std::printf(
      "verifier (feed) with the node stopped: last admitted check sent at %.0f ms, first refusal "
      "answered at %.0f ms (bound %lld ms)\n",
      last_admitted.count(), refused.count(), static_cast<long long>(kBound.count()));
  // Trusted only while heartbeats were recent: nothing admitted past the bound (plus one
  // heartbeat interval of slack, 100 ms), and the refusal within a read timeout after it.
  EXPECT_LT(last_admitted.count(), kBound.count() + 150.0);
  EXPECT_LT(refused.count(), 4.0 * kBound.count());
  Until([&] { return v.Get("/readyz").status == 200 && Check(ann.access) == 200; }, 10 * kBound);
  EXPECT_EQ(Check(ann.access), 200);
}

// A key the verifier has not seen (an immediate `jwtd keys rotate` on the full node, skipping
// publish_ahead): the first token is refused and prompts a JWKS fetch; soon after, it passes.
TEST_F(VerifierFeedTest, UnknownKidFetchesTheJwksAgain) {
  const Login before = LogIn();
  ASSERT_EQ(Check(before.access), 200);
  const auto rotate = RunJwtd({"keys", "rotate", "--data-dir", full_dir(), "--set", kIssuer});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.out;
  // The encoded header names the kid; the full node reloads its keys within a tick (200 ms).
  const auto header = [](const std::string& jwt) { return jwt.substr(0, jwt.find('.')); };
  std::string token;
  Until(
      [&] {
        token = LogIn().access;
        return header(token) != header(before.access);
      },
      10 * kBound);
  ASSERT_NE(header(token), header(before.access)) << "the full node did not rotate";
  EXPECT_EQ(Check(token), 401);  // unknown kid: refused, and the JWKS is fetched again
  const auto took = Until([&] { return Check(token) == 200; }, 10 * kBound);
  EXPECT_EQ(Check(token), 200);
  std::printf("verifier (feed) accepted a new kid %.0f ms after its first refusal\n", took.count());
  EXPECT_EQ(Check(before.access), 200);  // the retiring key still verifies
}

TEST_F(VerifierFeedTest, ConfigurationMistakesAreRefused) {
  const auto not_verifier =
      RunJwtd({"config", "check", "--set", "verifier.feed_url=http://127.0.0.1:1/", "--set",
               "verifier.feed_client=a:b"});
  EXPECT_EQ(not_verifier.exit_code, 2) << not_verifier.out;
  EXPECT_NE(not_verifier.out.find("only with server.role"), std::string::npos) << not_verifier.out;
  const auto no_client = RunJwtd({"config", "check", "--set", "server.role=verifier", "--set",
                                  "verifier.feed_url=http://127.0.0.1:1/"});
  EXPECT_EQ(no_client.exit_code, 2);
  EXPECT_NE(no_client.out.find("verifier.feed_client"), std::string::npos) << no_client.out;
  const auto bad_url = RunJwtd({"config", "check", "--set", "server.role=verifier", "--set",
                                "verifier.feed_url=ftp://x/", "--set", "verifier.feed_client=a:b"});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_EQ(bad_url.out.find("a:b"), std::string::npos) << "the secret was printed";
  // A wrong client: the node refuses the feed, so the verifier cannot start (no view to trust).
  const auto wrong = RunJwtd({"serve", "--role", "verifier", "--data-dir", dir_.path() + "/wrong",
                              "--listen", "127.0.0.1:0", "--set", kIssuer, "--set",
                              "verifier.feed_url=http://127.0.0.1:" + std::to_string(full_->port()),
                              "--set", "verifier.feed_client=edge:wrong-secret-0123456789"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("401"), std::string::npos) << wrong.out;
  EXPECT_EQ(wrong.out.find("wrong-secret-0123456789"), std::string::npos)
      << "the secret was printed";
}

}  // namespace
}  // namespace jwtd::testing
