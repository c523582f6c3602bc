// The test-server harness itself: each server really starts on loopback, runs unprivileged,
// survives Restart/Kill as documented and leaves nothing behind.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/postgres_server.h"
#include "support/redis_server.h"

namespace jwtd::testing {
namespace {

// The owner of a running process, from /proc.
uid_t OwnerOf(int port_owner_pid) {
  struct stat st {};
  const std::string proc = "/proc/" + std::to_string(port_owner_pid);
  return ::stat(proc.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

// The pid PostgreSQL writes on the first line of postmaster.pid in its data dir.
int PostmasterPid(const std::string& data_dir) {
  std::ifstream in(data_dir + "/postmaster.pid");
  int pid = -1;
  in >> pid;
  return pid;
}

TEST(PostgresServerTest, StartsRestartsSurvivesAKillAndCleansUp) {
  std::string error;
  auto server = PostgresServer::Start(&error);
  ASSERT_NE(server, nullptr) << error;
  EXPECT_EQ(server->url(),
            "postgresql://jwtd@127.0.0.1:" + std::to_string(server->port()) + "/jwtd_test");
  EXPECT_EQ(server->QueryValue("jwtd_test", "SHOW fsync", &error), "on") << error;
  EXPECT_EQ(server->QueryValue("jwtd_test", "SHOW listen_addresses", &error), "127.0.0.1");
  const std::string data_dir = server->QueryValue("postgres", "SHOW data_directory", &error);
  ASSERT_FALSE(data_dir.empty()) << error;
  if (geteuid() == 0) {
    struct passwd* pw = getpwnam(kTestUser);
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(OwnerOf(PostmasterPid(data_dir)), pw->pw_uid) << "the server must not run as root";
  }

  ASSERT_TRUE(server->Exec("jwtd_test", "CREATE TABLE t(x int); INSERT INTO t VALUES (7)", &error))
      << error;
  ASSERT_TRUE(server->Restart(&error)) << error;
  EXPECT_EQ(server->QueryValue("jwtd_test", "SELECT x FROM t", &error), "7") << error;
  server->Kill();
  EXPECT_FALSE(server->running());
  EXPECT_TRUE(server->QueryValue("jwtd_test", "SELECT 1", &error).empty());
  ASSERT_TRUE(server->Restart(&error)) << error;  // crash recovery from the WAL
  EXPECT_EQ(server->QueryValue("jwtd_test", "SELECT x FROM t", &error), "7") << error;

  const std::string base = std::filesystem::path(data_dir).parent_path().string();
  server.reset();
  EXPECT_FALSE(std::filesystem::exists(base)) << base << " left behind";
}

TEST(PostgresServerTest, BinariesAreFound) {
  // The harness fails (never skips) without them; this names the cause directly.
  EXPECT_FALSE(FindPostgresBinDir().empty())
      << "install the 'postgresql' package (scripts/install-deps.sh)";
}

TEST(RedisServerTest, StartsAnswersAndRestarts) {
  std::string error;
  auto server = RedisServer::Start(&error);
  ASSERT_NE(server, nullptr) << error;
  EXPECT_EQ(server->url(), "redis://127.0.0.1:" + std::to_string(server->port()));
  EXPECT_TRUE(RedisPing(server->port()));
  server->Kill();
  EXPECT_FALSE(server->running());
  EXPECT_FALSE(RedisPing(server->port()));
  ASSERT_TRUE(server->Restart(&error)) << error;
  EXPECT_TRUE(RedisPing(server->port()));
  server->Stop();
  EXPECT_FALSE(RedisPing(server->port()));
}

}  // namespace
}  // namespace jwtd::testing
