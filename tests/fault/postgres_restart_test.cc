// PostgreSQL restarted under a node that is busy refreshing and logging out: stopped fast
// (clients disconnected) or immediately (SIGKILL, recovery from the WAL), started again on the
// same port and data dir. Requests during the outage fail cleanly (503 JSON), /readyz says 503,
// nothing acknowledged is lost, and the pool reconnects on its own (no jwtd restart).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "fault_load.h"
#include "jwtd_process.h"
#include "store_audit.h"
#include "support/postgres_environment.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;

static auto* const pg_env = PostgresEnvironment::Register();

enum class StopMode { kFast, kImmediate };

int ReadyStatus(std::uint16_t port) {
  return StatusOf(
      port, {.method = "GET", .target = "/readyz", .body = {}, .content_type = {}, .headers = {}});
}

class PostgresRestartTest : public ::testing::TestWithParam<StopMode> {};

TEST_P(PostgresRestartTest, OutageFailsCleanlyLosesNothingAndThePoolReconnects) {
  const std::string url = PostgresEnvironment::FreshDatabaseUrl();
  ASSERT_FALSE(url.empty());
  PostgresServer* pg = PostgresEnvironment::Server();
  TempDir dir;
  JwtdServer node(dir.path() + "/data", {"--set", "store.url=" + url});
  std::atomic<std::uint16_t> port{node.port()};
  ASSERT_TRUE(RegisterUser(port, "probe"));
  HttpResponse r;
  HttpRequest login{.method = "POST",
                    .target = "/v1/login",
                    .body = R"({"username":"probe","password":"correct horse"})",
                    .content_type = "application/json",
                    .headers = {}};
  ASSERT_EQ(StatusOf(port, login, &r), 200);
  const std::string live = std::string(r.Json().as_object().at("access_token").as_string());

  Load load({.workers = 4, .nodes = {&port}});
  load.Start();
  ASSERT_TRUE(load.WaitForAcknowledged(10));
  const int acked_before = load.acknowledged();
  if (GetParam() == StopMode::kFast) {
    pg->Stop();
  } else {
    pg->Kill();
  }
  // The outage: readiness says so and writes fail with a JSON 503. Once the staleness bound has
  // passed without a read of the revocation log, nobody can prove the token was not revoked
  // meanwhile (by the CLI on another host, say): the request path fails closed with 503 too,
  // as every node of a bus deployment does (docs/scaling.md).
  const auto deadline = SteadyClock::now() + 10s;
  while (ReadyStatus(port) != 503 && SteadyClock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ReadyStatus(port), 503);
  EXPECT_EQ(StatusOf(port, login, &r), 503) << r.body;
  EXPECT_EQ(std::string(r.Json().as_object().at("error").as_string()), "temporarily_unavailable");
  const auto closed = SteadyClock::now() + 5s;  // bound 1 s + the check's own timeout 2 s
  while (MeStatus(port, live) != 503 && SteadyClock::now() < closed)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(MeStatus(port, live), 503);
  std::this_thread::sleep_for(800ms);
  std::string error;
  ASSERT_TRUE(pg->Restart(&error)) << error;

  ASSERT_TRUE(WaitReady(port, 30s)) << "the pool did not reconnect:\n" << node.Output();
  const auto healed = SteadyClock::now() + 30s;
  while (StatusOf(port, login) != 200 && SteadyClock::now() < healed)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(StatusOf(port, login), 200);
  EXPECT_EQ(MeStatus(port, live), 200);  // the view verified again
  const int acked_healed = load.acknowledged();
  EXPECT_TRUE(load.WaitForAcknowledged(acked_healed + 10)) << "no revocation acknowledged after";
  load.Stop();

  for (const auto& [key, count] : load.Statuses()) std::printf("  %-24s %d\n", key.c_str(), count);
  for (const std::string& bad : load.BadStatuses()) ADD_FAILURE() << "unexpected " << bad;
  for (const std::string& v : load.Violations()) ADD_FAILURE() << v;
  EXPECT_GT(acked_before, 0);
  int failed = 0;
  for (const auto& [key, count] : load.Statuses())
    if (key.ends_with(" 503")) failed += count;
  EXPECT_GT(failed, 0) << "the outage did not bite";
  const int live_sessions = load.Audit(port);
  node.Restart();  // and from the store alone
  port = node.port();
  ASSERT_TRUE(WaitReady(port));
  EXPECT_EQ(load.Audit(port), live_sessions);
  // Batches cut off by the outage left no hole in the log.
  EXPECT_EQ(LogHolesInPostgres(url), 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, PostgresRestartTest,
                         ::testing::Values(StopMode::kFast, StopMode::kImmediate),
                         [](const auto& param_info) {
                           return param_info.param == StopMode::kFast ? "Fast" : "Immediate";
                         });

}  // namespace
}  // namespace jwtd::testing
