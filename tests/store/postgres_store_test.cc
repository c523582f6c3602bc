// PostgreSQL-only behaviour, on the binary's shared real server: revocation seqs commit in seq
// order (catch-up by "seq > last" never skips one), refresh rotation single-flight across two
// store instances ("nodes"), concurrent migrations, deadlock retries, error mapping, and
// recovery from a server restart or crash without reopening the store.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/postgres/commit_count.h"
#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using auth::RefreshState;
using auth::StoreTx;
using ::jwtd::testing::PostgresEnvironment;
using ::jwtd::testing::PostgresServer;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kNow = 1'700'000'000;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = PostgresEnvironment::Server();
    ASSERT_NE(server_, nullptr);
    url_ = PostgresEnvironment::FreshSchemaUrl();
    ASSERT_FALSE(url_.empty());
  }

  std::unique_ptr<auth::Store> Open(const std::string& url, std::size_t pool_size = 8,
                                    int statement_timeout_ms = 5000) {
    auto store = OpenPostgresStore(
        {.url = url, .pool_size = pool_size, .statement_timeout_ms = statement_timeout_ms},
        &clock_);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static Result<std::int64_t> AppendJti(auth::Store& store, const std::string& jti) {
    auth::RevocationEntry e = MakeRevocation(jti, kNow + 3600);
    Result<void> r =
        store.Transact([&](StoreTx& tx) -> Result<void> { return tx.AppendRevocation(e, &e.seq); });
    if (!r.ok()) return r.error();
    return e.seq;
  }

  static auth::User AddUser(auth::Store& store, const std::string& name) {
    auth::User user;
    Result<void> r = store.Transact([&](StoreTx& tx) -> Result<void> {
      auto inserted = tx.InsertUser(name, "$argon2id$fake", kNow);
      if (!inserted.ok()) return inserted.error();
      user = *inserted;
      return Ok();
    });
    EXPECT_TRUE(r.ok()) << r.error().message();
    return user;
  }

  ManualClock clock_{kNow};
  PostgresServer* server_ = nullptr;
  std::string url_;
};

// With a plain sequence, a transaction holding seq 4 may commit after one holding seq 5, and a
// node that read 5 would skip 4 forever. Seqs are taken at commit instead: a transaction that
// appended first but commits last gets the later seq, so the log's order is the commit order.
TEST_F(PostgresStoreTest, SeqsFollowCommitOrderNotAppendOrder) {
  auto node_a = Open(url_);
  auto node_b = Open(url_);  // another node: not in node_a's batch
  ASSERT_TRUE(node_a && node_b);
  std::atomic<bool> first_appended{false}, second_committed{false};
  auth::RevocationEntry first = MakeRevocation("first", kNow + 60);
  std::thread slow([&] {
    Result<void> r = node_a->Transact([&](StoreTx& tx) -> Result<void> {
      JWTD_RETURN_IF_ERROR(tx.AppendRevocation(first, &first.seq));
      first_appended = true;
      while (!second_committed.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return Ok();
    });
    EXPECT_TRUE(r.ok()) << r.error().message();
  });
  while (!first_appended.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto second = AppendJti(*node_b, "second");
  second_committed = true;
  slow.join();
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(first.seq, *second + 1);
  auto log = node_b->revocation_log().ReadRevocations(0, kNow, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].key, "second");
  EXPECT_EQ((*log)[1].key, "first");
}

// The log's promise under group commit, checked while it is written: three nodes (store
// instances, each batching its callers) append from four threads each, holding transactions open
// for random moments; some transactions append more entries than one statement carries (they
// flush early, inside their batch) and some of those fail afterwards (their early entries and the
// counter's move roll back with them). A reader catching up by "seq > last applied" the whole
// time, like a node's revocation view, must never see a gap or an entry out of order, and must
// end up with exactly the acknowledged entries under the seqs their writers were told.
TEST_F(PostgresStoreTest, CatchUpBySeqNeverSeesAGapOrReorderUnderGroupCommit) {
  constexpr int kNodes = 3;
  constexpr int kThreads = 4;
  constexpr int kEach = 12;
  constexpr std::size_t kBig = 1500;  // > one append statement (revocation_append.h)
  std::vector<std::unique_ptr<auth::Store>> nodes;
  for (int n = 0; n < kNodes; ++n) nodes.push_back(Open(url_));
  auto reader_store = Open(url_);
  ASSERT_TRUE(reader_store);
  for (const auto& node : nodes) ASSERT_TRUE(node);

  std::atomic<bool> done{false};
  std::map<std::int64_t, std::string> seen;  // seq -> key, as the reader applied them
  std::string violation;
  std::thread reader([&] {
    std::int64_t last = 0;
    while (violation.empty()) {
      const bool final_pass = done.load();
      auto page = reader_store->revocation_log().ReadRevocations(last, kNow, 1000);
      ASSERT_TRUE(page.ok()) << page.error().message();
      for (const auto& e : *page) {
        if (e.seq != last + 1) {
          violation = "read seq " + std::to_string(e.seq) + " right after " + std::to_string(last);
          break;
        }
        last = e.seq;
        seen[e.seq] = e.key;
      }
      if (final_pass && page->size() < 1000) return;
    }
  });

  std::mutex mu;
  std::map<std::string, std::int64_t> acknowledged;  // key -> seq its writer was told
  std::vector<std::thread> writers;
  for (int n = 0; n < kNodes; ++n) {
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, n, t] {
        for (int i = 0; i < kEach; ++i) {
          const std::string tag =
              std::to_string(n) + "-" + std::to_string(t) + "-" + std::to_string(i);
          const bool big = t == 0 && i % 6 == 3;
          const bool fails = big && i % 12 == 9;
          const std::size_t count = big ? kBig : 1 + (i % 3);
          std::deque<auth::RevocationEntry> entries;
          Result<void> r = nodes[n]->Transact([&](StoreTx& tx) -> Result<void> {
            entries.clear();
            for (std::size_t k = 0; k < count; ++k) {
              auto& e =
                  entries.emplace_back(MakeRevocation(tag + "/" + std::to_string(k), kNow + 60));
              JWTD_RETURN_IF_ERROR(tx.AppendRevocation(e, &e.seq));
            }
            std::this_thread::sleep_for(std::chrono::microseconds(300 * ((n + t + i) % 4)));
            if (fails) return Error(Code::kAborted, Reason::kBadRequest, "the domain said no");
            return Ok();
          });
          if (fails) {
            EXPECT_FALSE(r.ok());
            continue;
          }
          ASSERT_TRUE(r.ok()) << r.error().message();
          std::lock_guard lock(mu);
          for (const auto& e : entries) acknowledged[e.key] = e.seq;
        }
      });
    }
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  ASSERT_TRUE(violation.empty()) << violation;
  ASSERT_EQ(seen.size(), acknowledged.size());
  for (const auto& [key, seq] : acknowledged) {
    auto it = seen.find(seq);
    ASSERT_TRUE(it != seen.end()) << key << " acknowledged as seq " << seq << " but never read";
    EXPECT_EQ(it->second, key) << "seq " << seq;
  }
  auto max = reader_store->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, static_cast<std::int64_t>(acknowledged.size()));  // failed ones took no seq
  // The nodes' callers shared commits.
  std::int64_t commits = 0;
  for (auto& node : nodes) commits += postgres::CommitCount(*node);
  EXPECT_GT(commits, 0);
}

// Two store instances on one database are two jwtd nodes. Sixteen threads rotate one session's
// refresh token through both: LockSession (FOR UPDATE) makes every rotation exclusive, so no
// rotation is lost and exactly one record of the chain is current.
TEST_F(PostgresStoreTest, TwoNodesRotatingOneSessionLoseNoUpdate) {
  auto node_a = Open(url_);
  auto node_b = Open(url_);
  ASSERT_TRUE(node_a && node_b);
  auth::User u = AddUser(*node_a, "alice");
  ASSERT_TRUE(node_a
                  ->Transact([&](StoreTx& tx) -> Result<void> {
                    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("sid", u.id, kNow)));
                    return tx.InsertRefresh(MakeRefresh(FakeHash(1), "sid", 1));
                  })
                  .ok());
  auto rotate = [](StoreTx& tx) -> Result<void> {
    auto session = tx.LockSession("sid");
    if (!session.ok()) return session.error();
    if (!session->has_value()) return Error(Code::kInternal, Reason::kInternal, "lost");
    auth::Session s = **session;
    auto current = tx.FindRefresh(FakeHash(static_cast<int>(s.generation)));
    if (!current.ok()) return current.error();
    if (!current->has_value() || (*current)->state != RefreshState::kCurrent) {
      return Error(Code::kInternal, Reason::kInternal, "forked chain");
    }
    auth::RefreshRecord old = **current;
    old.state = RefreshState::kRotated;
    old.rotated_at = kNow;
    JWTD_RETURN_IF_ERROR(tx.UpdateRefresh(old));
    s.generation += 1;
    JWTD_RETURN_IF_ERROR(tx.InsertRefresh(
        MakeRefresh(FakeHash(static_cast<int>(s.generation)), "sid", s.generation)));
    return tx.UpdateSession(s);
  };
  constexpr int kThreads = 16;
  constexpr int kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    auth::Store* node = t % 2 == 0 ? node_a.get() : node_b.get();
    threads.emplace_back([&, node] {
      for (int i = 0; i < kEach; ++i) {
        Result<void> r = node->Transact(rotate);
        if (!r.ok()) {
          failures.fetch_add(1);
          ADD_FAILURE() << r.error().message();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  constexpr int kFinal = 1 + kThreads * kEach;
  int current = 0;
  ASSERT_TRUE(node_b
                  ->Transact([&](StoreTx& tx) -> Result<void> {
                    auto s = tx.LockSession("sid");
                    EXPECT_TRUE(s.ok() && s->has_value() && (*s)->generation == kFinal);
                    for (int g = 1; g <= kFinal + 1; ++g) {
                      auto r = tx.FindRefresh(FakeHash(g));
                      if (!r.ok()) return r.error();
                      EXPECT_EQ(r->has_value(), g <= kFinal) << g;
                      if (r->has_value() && (*r)->state == RefreshState::kCurrent) ++current;
                    }
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(current, 1);
}

// A login (InsertSession) still open while a logout-all bumps the user and lists the sessions:
// the bump waits for the login's FOR SHARE on the user row, so the listing sees the new session
// and ends it. Without that lock the new session would outlive the logout-all.
TEST_F(PostgresStoreTest, LoginRacingLogoutAllIsOrderedNotLost) {
  auto node_a = Open(url_);
  auto node_b = Open(url_);
  ASSERT_TRUE(node_a && node_b);
  auth::User u = AddUser(*node_a, "alice");
  std::promise<void> inserted;
  auto login = std::async(std::launch::async, [&] {
    return node_a->Transact([&](StoreTx& tx) -> Result<void> {
      JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("new-sid", u.id, kNow)));
      inserted.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // commit late
      return Ok();
    });
  });
  inserted.get_future().wait();
  std::vector<std::string> listed;
  Result<void> logout_all = node_b->Transact([&](StoreTx& tx) -> Result<void> {
    listed.clear();
    auto version = tx.BumpTokenVersion(u.id);
    if (!version.ok()) return version.error();
    auto sessions = tx.LockSessions({.user_id = u.id});
    if (!sessions.ok()) return sessions.error();
    for (const auto& s : *sessions) listed.push_back(s.id);
    return Ok();
  });
  ASSERT_TRUE(login.get().ok());
  ASSERT_TRUE(logout_all.ok()) << logout_all.error().message();
  EXPECT_EQ(listed, std::vector<std::string>{"new-sid"});
}

// A verifier's store: a database without the schema is refused and left as it was; on one with
// it, reads see the writer's commits and every write fails (default_transaction_read_only).
TEST_F(PostgresStoreTest, ReadOnlyStoreReadsAndNeverWrites) {
  const std::string empty = PostgresEnvironment::FreshDatabaseUrl();
  ASSERT_FALSE(empty.empty());
  auto refused = OpenPostgresStore({.url = empty, .read_only = true}, &clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("no jwtd schema"), std::string::npos)
      << refused.error().message();
  std::string error;
  EXPECT_EQ(
      server_->QueryValue(empty.substr(empty.rfind('/') + 1),
                          "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", &error),
      "0")
      << error;

  auto writer = Open(url_);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(AppendJti(*writer, "one").ok());
  auto reader = OpenPostgresStore({.url = url_, .read_only = true}, &clock_);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  auto max = (*reader)->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max.ok()) << max.error().message();
  const std::int64_t before = *max;
  EXPECT_FALSE(AppendJti(**reader, "two").ok());
  EXPECT_TRUE((*reader)->Ping().ok());
  EXPECT_EQ(*(*reader)->revocation_log().MaxRevocationSeq(), before);
}

// v4 -> v5 (as SqliteStoreTest.UpgradeToV5...): streams that asked for every event, or named
// credential-change before jwtd emitted it, now take it; one naming only other events does not.
TEST_F(PostgresStoreTest, UpgradeToV5GivesCredentialChangeToStreamsThatAskedForIt) {
  const std::string url = PostgresEnvironment::FreshDatabaseUrl();
  ASSERT_FALSE(url.empty());
  const std::string database = url.substr(url.rfind('/') + 1);
  {
    auto store = OpenPostgresStore({.url = url, .pool_size = 1}, &clock_);
    ASSERT_TRUE(store.ok()) << store.error().message();
  }
  std::string error;
  const std::string uri = "https://schemas.openid.net/secevent/caep/event-type/";
  const std::string row = "'urn:ietf:rfc:8936', '', '', 'enabled', '', 0, 1, 1)";
  ASSERT_TRUE(server_->Exec(
      database,
      "DELETE FROM schema_migrations WHERE version >= 5; DROP TABLE bulk_jobs;"
      " ALTER TABLE sessions DROP COLUMN dpop_jkt;"
      " INSERT INTO ssf_streams(id, client, audience, events_requested, kinds, delivery_method,"
      " endpoint_url, description, status, status_reason, acked_through, created_at, updated_at)"
      " VALUES ('all', 'rs1', 'rs1', '', 10, " +
          row + ", ('named', 'rs1', 'rs1', '" + uri + "session-revoked " + uri +
          "credential-change', 10, " + row + ", ('other', 'rs1', 'rs1', '" + uri +
          "session-revoked', 10, " + row,
      &error))
      << error;
  auto store = OpenPostgresStore({.url = url, .pool_size = 1}, &clock_);
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ(server_->QueryValue(database,
                                "SELECT string_agg(id || '=' || kinds, ',' ORDER BY id)"
                                " FROM ssf_streams",
                                &error),
            "all=14,named=14,other=10")
      << error;
}

TEST_F(PostgresStoreTest, NodesMigratingAtOnceApplyEachMigrationOnce) {
  const std::string url = PostgresEnvironment::FreshDatabaseUrl();
  ASSERT_FALSE(url.empty());
  const std::string database = url.substr(url.rfind('/') + 1);
  constexpr int kNodes = 4;
  std::vector<std::future<Result<std::unique_ptr<auth::Store>>>> opening;
  for (int n = 0; n < kNodes; ++n) {
    opening.push_back(std::async(std::launch::async, [&] {
      return OpenPostgresStore({.url = url, .pool_size = 2}, &clock_);
    }));
  }
  std::vector<std::unique_ptr<auth::Store>> nodes;
  for (auto& f : opening) {
    auto store = f.get();
    ASSERT_TRUE(store.ok()) << store.error().message();
    nodes.push_back(std::move(*store));
  }
  std::vector<std::future<Result<int>>> migrating;
  for (auto& node : nodes) {
    migrating.push_back(std::async(std::launch::async, [&node] { return node->Migrate(); }));
  }
  for (auto& f : migrating) {
    auto version = f.get();
    ASSERT_TRUE(version.ok()) << version.error().message();
    EXPECT_EQ(*version,
              7);  // v3: the event outbox; v4: SSF streams; v5: their kinds; v6: bulk jobs;
                   // v7: sessions' DPoP key
  }
  std::string error;
  EXPECT_EQ(server_->QueryValue(database, "SELECT count(*) FROM schema_migrations", &error), "7")
      << error;
  // v2 created one bus key, and every node reads the same one.
  EXPECT_EQ(server_->QueryValue(database, "SELECT count(*) FROM bus_key", &error), "1") << error;
  auto first_key = nodes[0]->revocation_log().BusKey();
  auto last_key = nodes[kNodes - 1]->revocation_log().BusKey();
  ASSERT_TRUE(first_key.ok() && last_key.ok());
  EXPECT_EQ(first_key->size(), 64u);
  EXPECT_EQ(*first_key, *last_key);
  EXPECT_EQ(server_->QueryValue(database, "SELECT count(*) FROM revocation_counter", &error), "1")
      << error;
  // The migrated schema works from every node.
  auto seq = AppendJti(*nodes[0], "j");
  ASSERT_TRUE(seq.ok());
  auto max = nodes[kNodes - 1]->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, *seq);
}

// Two transactions lock two sessions in opposite orders: PostgreSQL aborts one with
// deadlock_detected and Transact runs it again, so both land.
TEST_F(PostgresStoreTest, DeadlockedTransactionIsRetried) {
  auto store = Open(url_);
  ASSERT_NE(store, nullptr);
  auth::User u = AddUser(*store, "alice");
  ASSERT_TRUE(store
                  ->Transact([&](StoreTx& tx) -> Result<void> {
                    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("s1", u.id, kNow)));
                    return tx.InsertSession(MakeSession("s2", u.id, kNow));
                  })
                  .ok());
  std::atomic<int> runs{0};
  std::atomic<int> holding{0};
  auto cross = [&](const char* first, const char* second) {
    return store->Transact([&, first, second](StoreTx& tx) -> Result<void> {
      runs.fetch_add(1);
      auto a = tx.LockSession(first);
      if (!a.ok()) return a.error();
      holding.fetch_add(1);
      const auto deadline = Clock::now() + std::chrono::seconds(2);
      while (holding.load() < 2 && Clock::now() < deadline) std::this_thread::yield();
      auto b = tx.LockSession(second);
      if (!b.ok()) return b.error();
      auth::Session s = **b;
      s.generation += 1;
      return tx.UpdateSession(s);
    });
  };
  auto one = std::async(std::launch::async, [&] { return cross("s1", "s2"); });
  auto two = std::async(std::launch::async, [&] { return cross("s2", "s1"); });
  auto r1 = one.get();
  auto r2 = two.get();
  EXPECT_TRUE(r1.ok()) << r1.error().message();
  EXPECT_TRUE(r2.ok()) << r2.error().message();
  EXPECT_GE(runs.load(), 3) << "a deadlock victim must have run again";
  ASSERT_TRUE(store
                  ->Transact([](StoreTx& tx) -> Result<void> {
                    auto s1 = tx.LockSession("s1");
                    auto s2 = tx.LockSession("s2");
                    EXPECT_TRUE(s1.ok() && s2.ok() && s1->has_value() && s2->has_value());
                    if (s1.ok() && s2.ok() && s1->has_value() && s2->has_value()) {
                      EXPECT_EQ((*s1)->generation + (*s2)->generation, 4);
                    }
                    return Ok();
                  })
                  .ok());
}

}  // namespace
}  // namespace jwtd::store::testing
