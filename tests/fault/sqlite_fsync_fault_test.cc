// A commit that succeeds and whose fsync then fails, on the real `jwtd serve` over SQLite: the
// process runs with fsync_fault_shim.c preloaded, which makes fsync/fdatasync fail with EIO
// while a trigger file exists. Linux reports such a failure once and may drop the pages it could
// not write, so from the first failed sync on the store refuses every write (503) until a
// restart — the refresh whose batch failed, its retry (no reuse detection), a logout — and
// /readyz reports the node unready. After the restart the rotation of the failed batch is in the
// WAL or not, and the retry of the same refresh token behaves as docs/operations.md says.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "fault_load.h"
#include "jwtd_process.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kNotDurable[] = "could not be made durable";

HttpRequest PostJson(const std::string& target, const boost::json::object& body,
                     const std::string& bearer = {}) {
  HttpRequest r{.method = "POST",
                .target = target,
                .body = boost::json::serialize(body),
                .content_type = "application/json",
                .headers = {}};
  if (!bearer.empty()) r.headers.emplace_back("Authorization", "Bearer " + bearer);
  return r;
}

HttpResponse Refresh(std::uint16_t port, const std::string& refresh) {
  HttpResponse r;
  StatusOf(port,
           {.method = "POST",
            .target = "/oauth/token",
            .body = "grant_type=refresh_token&refresh_token=" + refresh,
            .content_type = "application/x-www-form-urlencoded",
            .headers = {}},
           &r);
  return r;
}

std::string Field(const HttpResponse& r, const char* name) {
  return std::string(r.Json().as_object().at(name).as_string());
}

// A response body for a failure message, never with tokens in it (a 200 of /v1/login or
// /oauth/token carries them).
std::string Shown(const HttpResponse& r) {
  return r.status == 200 ? std::string("(a 200 body, tokens withheld)") : r.body;
}

// The number of times `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The refresh audit rows ("rotated", "grace_replay") and the reuse detections of the store.
std::string AuditOf(const std::string& data_dir, const std::string& event) {
  ProcessResult audit = RunJwtd({"audit", "--data-dir", data_dir, "--event", event});
  EXPECT_EQ(audit.exit_code, 0) << audit.out;
  return audit.out;
}

// A 503 that tells the client to come back, as api.md wants from an unavailable store.
void ExpectUnavailable(const HttpResponse& r, const char* what) {
  EXPECT_EQ(r.status, 503) << what << ": " << Shown(r);
  EXPECT_EQ(r.Header("retry-after"), "1") << what;
  if (r.status == 503) {
    EXPECT_EQ(Field(r, "error"), "temporarily_unavailable") << what;
  }
}

class SqliteFsyncFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    trigger_ = dir_.path() + "/fsync-fails";
    wal_ = data_dir_ + "/jwtd.db-wal";
  }

  // The server with the shim preloaded. `sweep_interval`: how often the maintenance writes.
  std::unique_ptr<JwtdServer> Start(const std::string& grace,
                                    const std::string& sweep_interval = "1h") {
    return std::make_unique<JwtdServer>(
        data_dir_,
        std::vector<std::string>{"--set", "tokens.refresh_grace=" + grace, "--set",
                                 "store.sweep_interval=" + sweep_interval},
        std::vector<std::pair<std::string, std::string>>{{"LD_PRELOAD", JWTD_FSYNC_FAULT_PRELOAD},
                                                         {"FSYNC_FAULT_TRIGGER", trigger_}});
  }

  static int ReadyStatus(std::uint16_t port) {
    return StatusOf(
        port,
        {.method = "GET", .target = "/readyz", .body = {}, .content_type = {}, .headers = {}});
  }

  HeldTokens Login(std::uint16_t port) {
    HttpResponse r;
    StatusOf(port, PostJson("/v1/login", {{"username", "alice"}, {"password", "correct horse"}}),
             &r);
    EXPECT_EQ(r.status, 200) << Shown(r);
    if (r.status != 200) return {};
    return {Field(r, "access_token"), Field(r, "refresh_token")};
  }

  // Register and log in twice, then fail one fsync: the refresh in that batch, its retry after
  // the disk "recovered", a logout and /readyz all answer 503; nothing else changes.
  void PoisonWithARefresh(JwtdServer& server) {
    const std::uint16_t port = server.port();
    ASSERT_TRUE(RegisterUser(port, "alice"));
    refreshed_ = Login(port);
    kept_ = Login(port);
    ASSERT_FALSE(refreshed_.refresh.empty());
    ASSERT_FALSE(kept_.access.empty());
    // The maintenance sweeps once at start (then hourly here): let that write be long done, so
    // the refresh is the write whose sync fails.
    std::this_thread::sleep_for(1s);
    wal_before_fault_ = fs::file_size(wal_);

    { std::ofstream(trigger_).put('1'); }
    ExpectUnavailable(Refresh(port, refreshed_.refresh), "the refresh whose fsync failed");
    fs::remove(trigger_);  // the disk "works" again: it must not matter

    ExpectUnavailable(Refresh(port, refreshed_.refresh), "its retry while poisoned");
    HttpResponse logout;
    StatusOf(port, PostJson("/v1/logout", {}, kept_.access), &logout);
    ExpectUnavailable(logout, "a logout while poisoned");
    EXPECT_EQ(ReadyStatus(port), 503);
    EXPECT_EQ(MeStatus(port, kept_.access), 200) << "verifying tokens needs no write";
    EXPECT_EQ(MeStatus(port, refreshed_.access), 200);
    EXPECT_EQ(Occurrences(server.Output(), kNotDurable), 1) << "one error line, not one per "
                                                               "request:\n"
                                                            << server.Output();
    EXPECT_EQ(AuditOf(data_dir_, "reuse_detected").find("reuse_detected"), std::string::npos)
        << "the retry of the failed refresh was taken for reuse";
  }

  TempDir dir_;
  std::string data_dir_, trigger_, wal_;
  std::uintmax_t wal_before_fault_ = 0;
  HeldTokens refreshed_, kept_;
};

// The rotation reached the WAL (the kernel kept the pages): a retry inside tokens.refresh_grace
// gets the successor the failed answer carried, every time, and nothing counts as reuse.
TEST_F(SqliteFsyncFaultTest, AfterARestartTheRetryInsideTheGraceGetsTheSameSuccessor) {
  auto server = Start("10m");
  ASSERT_NO_FATAL_FAILURE(PoisonWithARefresh(*server));

  server->Restart();
  const std::uint16_t port = server->port();
  ASSERT_TRUE(WaitReady(port, 10s)) << server->Output();
  HttpResponse first = Refresh(port, refreshed_.refresh);
  ASSERT_EQ(first.status, 200) << Shown(first);
  HttpResponse again = Refresh(port, refreshed_.refresh);
  ASSERT_EQ(again.status, 200) << Shown(again);
  EXPECT_EQ(Field(first, "refresh_token"), Field(again, "refresh_token"));
  EXPECT_EQ(MeStatus(port, Field(first, "access_token")), 200);
  std::string next_access, next_refresh;
  EXPECT_EQ(RefreshStatus(port, Field(first, "refresh_token"), &next_access, &next_refresh), 200);

  const std::string refreshes = AuditOf(data_dir_, "refresh");
  EXPECT_EQ(Occurrences(refreshes, "grace_replay"), 2) << refreshes;
  EXPECT_EQ(Occurrences(refreshes, "rotated"), 2) << "the failed batch's rotation and the last\n"
                                                  << refreshes;
  EXPECT_EQ(AuditOf(data_dir_, "reuse_detected").find("reuse_detected"), std::string::npos);

  HttpResponse logout;
  StatusOf(port, PostJson("/v1/logout", {}, kept_.access), &logout);
  EXPECT_EQ(logout.status, 204) << Shown(logout);
  EXPECT_EQ(MeStatus(port, kept_.access), 401);
}

// The same, without a grace window: the rotation is in the WAL, so the retry is a replay of a
// spent token, i.e. reuse; the family ends (the client signs in again), nothing leaks.
TEST_F(SqliteFsyncFaultTest, AfterARestartTheRetryOutsideTheGraceIsReuse) {
  auto server = Start("0");
  ASSERT_NO_FATAL_FAILURE(PoisonWithARefresh(*server));

  server->Restart();
  const std::uint16_t port = server->port();
  ASSERT_TRUE(WaitReady(port, 10s)) << server->Output();
  HttpResponse retry = Refresh(port, refreshed_.refresh);
  EXPECT_EQ(retry.status, 400) << Shown(retry);
  EXPECT_EQ(Occurrences(AuditOf(data_dir_, "reuse_detected"), "family_revoked"), 1);
  EXPECT_EQ(MeStatus(port, refreshed_.access), 401) << "the family's access token survived";
  EXPECT_EQ(MeStatus(port, kept_.access), 200) << "another session was touched";
}

// The rotation's frames never reached the disk (cut off here after the kill, as the kernel may
// have done): after the restart the token is current again and simply rotates.
TEST_F(SqliteFsyncFaultTest, AfterARestartWithoutTheLostFramesTheTokenRotatesNormally) {
  auto server = Start("10m");
  ASSERT_NO_FATAL_FAILURE(PoisonWithARefresh(*server));
  server->Kill();
  ASSERT_GT(fs::file_size(wal_), wal_before_fault_) << "the failed batch wrote no frame";
  fs::resize_file(wal_, wal_before_fault_);

  server->Restart();
  const std::uint16_t port = server->port();
  ASSERT_TRUE(WaitReady(port, 10s)) << server->Output();
  HttpResponse retry = Refresh(port, refreshed_.refresh);
  ASSERT_EQ(retry.status, 200) << Shown(retry);
  EXPECT_EQ(MeStatus(port, Field(retry, "access_token")), 200);
  const std::string refreshes = AuditOf(data_dir_, "refresh");
  EXPECT_EQ(Occurrences(refreshes, "rotated"), 1) << "the lost rotation is back\n" << refreshes;
  EXPECT_EQ(Occurrences(refreshes, "grace_replay"), 0) << refreshes;
  EXPECT_EQ(AuditOf(data_dir_, "reuse_detected").find("reuse_detected"), std::string::npos);
}

// Poisoned by the maintenance's own write, the node stays unready and quiet: the sweeps that
// follow do not try to write (nor log) again, and a refresh answers 503 without reuse.
TEST_F(SqliteFsyncFaultTest, PoisonedBySweepStaysUnreadyAndLogsOneLine) {
  auto server = Start("0", "1");
  const std::uint16_t port = server->port();
  ASSERT_TRUE(RegisterUser(port, "alice"));
  HeldTokens tokens = Login(port);
  { std::ofstream(trigger_).put('1'); }
  const auto deadline = SteadyClock::now() + 10s;
  while (ReadyStatus(port) != 503 && SteadyClock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  fs::remove(trigger_);
  ASSERT_EQ(ReadyStatus(port), 503) << "no sweep failed its sync:\n" << server->Output();
  std::this_thread::sleep_for(2500ms);  // two more sweeps
  EXPECT_EQ(ReadyStatus(port), 503);
  ExpectUnavailable(Refresh(port, tokens.refresh), "a refresh while poisoned");
  EXPECT_EQ(Occurrences(server->Output(), kNotDurable), 1) << server->Output();
  EXPECT_EQ(AuditOf(data_dir_, "reuse_detected").find("reuse_detected"), std::string::npos);

  server->Restart();
  ASSERT_TRUE(WaitReady(server->port(), 10s)) << server->Output();
  std::string access, refresh;
  EXPECT_EQ(RefreshStatus(server->port(), tokens.refresh, &access, &refresh), 200);
}

}  // namespace
}  // namespace jwtd::testing
