// Redis killed (SIGKILL) and restarted under load, two nodes on one PostgreSQL: while the bus is
// down the nodes check the store, so a checker polling every acknowledged revocation on both
// nodes the whole time never sees one accepted — on the acknowledging node from the 2xx on, on
// the other past the bus's staleness bound (bus.staleness_bound_ms, 1 s by default). On
// reconnect both nodes resync (/readyz revocation_view.state back to in_sync) on their own.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "fault_load.h"
#include "jwtd_process.h"
#include "support/postgres_environment.h"
#include "support/redis_server.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;

static auto* const pg_env = PostgresEnvironment::Register();

std::string ViewState(std::uint16_t port) {
  HttpResponse r;
  if (StatusOf(
          port,
          {.method = "GET", .target = "/readyz", .body = {}, .content_type = {}, .headers = {}},
          &r) == 0) {
    return "";
  }
  try {
    return std::string(
        r.Json().as_object().at("revocation_view").as_object().at("state").as_string());
  } catch (const std::exception&) {
    return "";
  }
}

bool WaitState(std::uint16_t port, bool in_sync, std::chrono::seconds limit) {
  const auto deadline = SteadyClock::now() + limit;
  while (SteadyClock::now() < deadline) {
    if ((ViewState(port) == "in_sync") == in_sync) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(RedisRestartTest, NoNodeAcceptsARevokedTokenWhileTheBusIsDownAndBothResync) {
  const std::string url = PostgresEnvironment::FreshDatabaseUrl();
  ASSERT_FALSE(url.empty());
  std::string error;
  auto redis = RedisServer::Start(&error);
  ASSERT_NE(redis, nullptr) << error;
  TempDir dir;
  std::vector<std::unique_ptr<JwtdServer>> nodes;
  for (int i = 0; i < 2; ++i) {
    nodes.push_back(std::make_unique<JwtdServer>(
        dir.path() + "/node" + std::to_string(i),
        std::vector<std::string>{"--set", "store.url=" + url, "--set", "bus.url=" + redis->url(),
                                 "--set", "keys.dir=" + dir.path() + "/keys", "--set",
                                 "tokens.issuer=https://jwtd.fault.test", "--set",
                                 "bus.node_id=node" + std::to_string(i)}));
  }
  std::atomic<std::uint16_t> a{nodes[0]->port()}, b{nodes[1]->port()};
  ASSERT_TRUE(WaitState(a, true, 10s));
  ASSERT_TRUE(WaitState(b, true, 10s));

  Load load({.workers = 4, .nodes = {&a, &b}, .other_node_grace = 1000ms});
  load.Start();
  ASSERT_TRUE(load.WaitForAcknowledged(10));
  redis->Kill();
  EXPECT_TRUE(WaitState(b, false, 10s)) << "node B did not notice the bus is down";
  const int acked_down = load.acknowledged();
  std::this_thread::sleep_for(1s);  // revocations acknowledged while the bus is down
  EXPECT_TRUE(load.WaitForAcknowledged(acked_down + 10));
  const int acked_during = load.acknowledged() - acked_down;
  ASSERT_TRUE(redis->Restart(&error)) << error;
  EXPECT_TRUE(WaitState(a, true, 15s)) << "node A did not resync";
  EXPECT_TRUE(WaitState(b, true, 15s)) << "node B did not resync";
  EXPECT_TRUE(load.WaitForAcknowledged(load.acknowledged() + 10));
  load.Stop();

  for (const auto& [key, count] : load.Statuses()) std::printf("  %-24s %d\n", key.c_str(), count);
  std::printf("checker: %d polls; %d revocations acknowledged while Redis was down\n",
              load.checks(), acked_during);
  for (const std::string& bad : load.BadStatuses()) ADD_FAILURE() << "unexpected " << bad;
  for (const std::string& v : load.Violations()) ADD_FAILURE() << v;
  EXPECT_GT(acked_during, 0) << "nothing was revoked during the outage";
  EXPECT_GT(load.checks(), 100);
  load.Audit(a);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(WaitReady(nodes[i]->port())) << "node " << i;
}

}  // namespace
}  // namespace jwtd::testing
