// Store contract, part 1: every StoreTx method round-trips its records, uniqueness and missing
// rows are reported the same way by every adapter.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using auth::RefreshState;
using auth::StoreTx;

class StoreRecordsTest : public StoreTest {};

auth::AuditFilter Filter(std::optional<std::int64_t> user_id, std::string event, std::int64_t since,
                         std::size_t limit) {
  auth::AuditFilter f;
  f.user_id = user_id;
  f.event = std::move(event);
  f.since = since;
  f.limit = limit;
  return f;
}

TEST_P(StoreRecordsTest, InsertUserAssignsIdAndDefaults) {
  auth::User alice = AddUser("alice");
  auth::User bob = AddUser("bob");
  EXPECT_GT(alice.id, 0);
  EXPECT_NE(alice.id, bob.id);
  EXPECT_EQ(alice.username, "alice");
  EXPECT_EQ(alice.password_hash, "$argon2id$fake");
  EXPECT_FALSE(alice.disabled);
  EXPECT_EQ(alice.token_version, 1);
  EXPECT_EQ(alice.created_at, kNow);

  Commit([&](StoreTx& tx) -> Result<void> {
    auto by_name = tx.FindUserByName("bob");
    auto by_id = tx.FindUserById(alice.id);
    auto missing_name = tx.FindUserByName("carol");
    auto missing_id = tx.FindUserById(alice.id + bob.id + 100);
    EXPECT_TRUE(by_name.ok() && by_name->has_value() && (*by_name)->id == bob.id);
    EXPECT_TRUE(by_id.ok() && by_id->has_value() && (*by_id)->username == "alice");
    EXPECT_TRUE(missing_name.ok() && !missing_name->has_value());
    EXPECT_TRUE(missing_id.ok() && !missing_id->has_value());
    return Ok();
  });
}

TEST_P(StoreRecordsTest, UsernamesAreUniqueAndCaseSensitive) {
  AddUser("alice");
  Result<void> again = store_->Transact([](StoreTx& tx) -> Result<void> {
    auto user = tx.InsertUser("alice", "h", kNow);
    if (!user.ok()) return user.error();
    return Ok();
  });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), Code::kAlreadyExists);
  EXPECT_EQ(again.error().reason(), Reason::kAlreadyExists);
  EXPECT_EQ(again.error().message().find("alice"), std::string::npos) << "no row data in errors";

  auth::User upper = AddUser("Alice");  // exact, case-sensitive names
  EXPECT_EQ(upper.username, "Alice");
  Commit([](StoreTx& tx) -> Result<void> {
    auto lower = tx.FindUserByName("ALICE");
    EXPECT_TRUE(lower.ok() && !lower->has_value());
    return Ok();
  });
}

TEST_P(StoreRecordsTest, ListUsersPagesInIdOrder) {
  std::vector<std::int64_t> ids;
  for (const char* name : {"u1", "u2", "u3", "u4", "u5"}) ids.push_back(AddUser(name).id);
  Commit([&](StoreTx& tx) -> Result<void> {
    auto page = tx.ListUsers(2, 1);
    EXPECT_TRUE(page.ok());
    if (!page.ok()) return page.error();
    EXPECT_EQ(page->size(), 2u);
    if (page->size() == 2) {
      EXPECT_EQ((*page)[0].id, ids[1]);
      EXPECT_EQ((*page)[1].username, "u3");
    }
    auto tail = tx.ListUsers(10, 4);
    EXPECT_TRUE(tail.ok() && tail->size() == 1 && (*tail)[0].id == ids[4]);
    auto none = tx.ListUsers(10, 5);
    EXPECT_TRUE(none.ok() && none->empty());
    return Ok();
  });
}

// One read for many names: exact matches only (case, quotes and commas are data), absent names
// left out, and the jobs of a mass logout keep their offset.
TEST_P(StoreRecordsTest, FindUsersByNameAndBulkJobOffsets) {
  const auth::User a = AddUser("ann"), q = AddUser(R"(o"brien,{x})");
  AddUser("Ann2");
  Commit([&](StoreTx& tx) -> Result<void> {
    auto found = tx.FindUsersByName({"ann", "ANN", "nobody", R"(o"brien,{x})", ""});
    EXPECT_TRUE(found.ok());
    if (!found.ok()) return found.error();
    std::vector<std::int64_t> ids;
    for (const auto& u : *found) ids.push_back(u.id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::int64_t>{a.id, q.id}));
    auto none = tx.FindUsersByName({});
    EXPECT_TRUE(none.ok() && none->empty());
    auto at = tx.LockBulkJob("job-1", kNow);
    EXPECT_TRUE(at.ok() && *at == 0);
    JWTD_EXPECT_OK(tx.SetBulkJobOffset("job-1", 500, kNow));
    EXPECT_FALSE(tx.SetBulkJobOffset("never-started", 1, kNow).ok());
    return Ok();
  });
  Commit([&](StoreTx& tx) -> Result<void> {
    auto at = tx.LockBulkJob("job-1", kNow + 1);
    EXPECT_TRUE(at.ok() && *at == 500);
    auto other = tx.LockBulkJob("job-2", kNow + 1);
    EXPECT_TRUE(other.ok() && *other == 0);
    return Ok();
  });
}

TEST_P(StoreRecordsTest, DisableAndBumpTokenVersion) {
  auth::User u = AddUser("alice");
  Commit([&](StoreTx& tx) -> Result<void> {
    JWTD_EXPECT_OK(tx.SetUserDisabled(u.id, true));
    auto v2 = tx.BumpTokenVersion(u.id);
    auto v3 = tx.BumpTokenVersion(u.id);
    EXPECT_TRUE(v2.ok() && *v2 == 2);
    EXPECT_TRUE(v3.ok() && *v3 == 3);
    return Ok();
  });
  Commit([&](StoreTx& tx) -> Result<void> {
    auto found = tx.FindUserById(u.id);
    EXPECT_TRUE(found.ok() && found->has_value());
    if (found.ok() && found->has_value()) {
      EXPECT_TRUE((*found)->disabled);
      EXPECT_EQ((*found)->token_version, 3);
    }
    JWTD_EXPECT_OK(tx.SetUserDisabled(u.id, false));
    return Ok();
  });
  Commit([&](StoreTx& tx) -> Result<void> {
    auto found = tx.FindUserById(u.id);
    EXPECT_TRUE(found.ok() && found->has_value() && !(*found)->disabled);
    auto missing = tx.SetUserDisabled(u.id + 1, true);
    auto missing_bump = tx.BumpTokenVersion(u.id + 1);
    EXPECT_TRUE(!missing.ok() && missing.error().code() == Code::kNotFound);
    EXPECT_TRUE(!missing_bump.ok() && missing_bump.error().code() == Code::kNotFound);
    return Ok();
  });
}

TEST_P(StoreRecordsTest, SessionsRoundTripAndListNewestFirst) {
  auth::User u = AddUser("alice");
  auth::User other = AddUser("bob");
  auth::Session full = MakeSession("sid-b", u.id, 300);
  full.absolute_expires_at = 9999;
  full.revoked_at = 400;
  full.revoked_reason = "logout";
  full.generation = 7;
  full.dpop_jkt = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
  Commit([&](StoreTx& tx) -> Result<void> {
    JWTD_EXPECT_OK(tx.InsertSession(MakeSession("sid-a", u.id, 100)));
    JWTD_EXPECT_OK(tx.InsertSession(full));
    JWTD_EXPECT_OK(tx.InsertSession(MakeSession("sid-c", u.id, 200)));
    JWTD_EXPECT_OK(tx.InsertSession(MakeSession("sid-d", u.id, 200)));  // same time: newer row
    JWTD_EXPECT_OK(tx.InsertSession(MakeSession("sid-x", other.id, 500)));
    return Ok();
  });
  Commit([&](StoreTx& tx) -> Result<void> {
    auto list = tx.ListSessions({.user_id = u.id});
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return list.error();
    std::vector<std::string> ids;
    for (const auto& s : *list) ids.push_back(s.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"sid-b", "sid-d", "sid-c", "sid-a"}));
    auto locked = tx.LockSession("sid-b");
    EXPECT_TRUE(locked.ok() && locked->has_value());
    if (locked.ok() && locked->has_value()) {
      const auth::Session& s = **locked;
      EXPECT_EQ(s.user_id, u.id);
      EXPECT_EQ(s.generation, 7);
      EXPECT_EQ(s.created_at, 300);
      EXPECT_EQ(s.last_used_at, 300);
      EXPECT_EQ(s.idle_expires_at, 3900);
      EXPECT_EQ(s.absolute_expires_at, 9999);
      EXPECT_EQ(s.revoked_at, 400);
      EXPECT_EQ(s.revoked_reason, "logout");
      EXPECT_EQ(s.scope, "openid");
      EXPECT_EQ(s.user_agent, "test-agent/1.0");
      EXPECT_EQ(s.client_ip, "127.0.0.1");
      EXPECT_EQ(s.dpop_jkt, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
    for (const auto& s : *list) {
      if (s.id != "sid-b") {
        EXPECT_EQ(s.dpop_jkt, "") << s.id;  // a bearer login's session
      }
    }
    auto missing = tx.LockSession("sid-none");
    EXPECT_TRUE(missing.ok() && !missing->has_value());
    return Ok();
  });
}

TEST_P(StoreRecordsTest, SessionUpdateDuplicatesAndMissingParents) {
  auth::User u = AddUser("alice");
  Commit([&](StoreTx& tx) { return tx.InsertSession(MakeSession("sid", u.id, 100)); });
  auto dup = store_->Transact(
      [&](StoreTx& tx) { return tx.InsertSession(MakeSession("sid", u.id, 200)); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), Code::kAlreadyExists);
  auto orphan = store_->Transact(
      [&](StoreTx& tx) { return tx.InsertSession(MakeSession("sid2", u.id + 50, 200)); });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), Code::kInternal);

  auth::Session changed = MakeSession("sid", u.id, 100);
  changed.generation = 2;
  changed.revoked_at = 150;
  changed.revoked_reason = "reuse_detected";
  Commit([&](StoreTx& tx) { return tx.UpdateSession(changed); });
  Commit([&](StoreTx& tx) -> Result<void> {
    auto s = tx.LockSession("sid");
    EXPECT_TRUE(s.ok() && s->has_value());
    if (s.ok() && s->has_value()) {
      EXPECT_EQ((*s)->generation, 2);
      EXPECT_FALSE((*s)->live());
      EXPECT_EQ((*s)->revoked_reason, "reuse_detected");
    }
    return Ok();
  });
  auto missing =
      store_->Transact([&](StoreTx& tx) { return tx.UpdateSession(MakeSession("nope", u.id, 1)); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

TEST_P(StoreRecordsTest, RefreshRecordsRoundTripBinaryAndDropSuccessors) {
  auth::User u = AddUser("alice");
  auth::RefreshRecord a = MakeRefresh(FakeHash(1), "s1", 1);
  a.sealed_successor = std::string("\x00sealed\xff\x00", 9);
  auth::RefreshRecord b = MakeRefresh(FakeHash(2), "s2", 1);
  b.sealed_successor = "other-session";
  Commit([&](StoreTx& tx) -> Result<void> {
    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("s1", u.id, 100)));
    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("s2", u.id, 100)));
    JWTD_RETURN_IF_ERROR(tx.InsertRefresh(a));
    return tx.InsertRefresh(b);
  });
  Commit([&](StoreTx& tx) -> Result<void> {
    auto found = tx.FindRefresh(FakeHash(1));
    EXPECT_TRUE(found.ok() && found->has_value());
    if (found.ok() && found->has_value()) {
      EXPECT_EQ((*found)->token_hash, a.token_hash);
      EXPECT_EQ((*found)->session_id, "s1");
      EXPECT_EQ((*found)->generation, 1);
      EXPECT_EQ((*found)->state, RefreshState::kCurrent);
      EXPECT_EQ((*found)->created_at, 1001);
      EXPECT_EQ((*found)->sealed_successor, a.sealed_successor);
    }
    auto missing = tx.FindRefresh(FakeHash(3));
    EXPECT_TRUE(missing.ok() && !missing->has_value());
    a.state = RefreshState::kRotated;
    a.rotated_at = 2000;
    JWTD_RETURN_IF_ERROR(tx.UpdateRefresh(a));
    return tx.DropSessionRefreshes("s1");
  });
  Commit([&](StoreTx& tx) -> Result<void> {
    auto rotated = tx.FindRefresh(FakeHash(1));
    auto untouched = tx.FindRefresh(FakeHash(2));
    EXPECT_TRUE(rotated.ok() && rotated->has_value());
    EXPECT_TRUE(untouched.ok() && untouched->has_value());
    if (rotated.ok() && rotated->has_value()) {
      EXPECT_EQ((*rotated)->state, RefreshState::kRotated);
      EXPECT_EQ((*rotated)->rotated_at, 2000);
      EXPECT_TRUE((*rotated)->sealed_successor.empty());  // dropped, the row stays
    }
    if (untouched.ok() && untouched->has_value()) {
      EXPECT_EQ((*untouched)->sealed_successor, "other-session");
    }
    return Ok();
  });
  auto dup = store_->Transact([&](StoreTx& tx) { return tx.InsertRefresh(b); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), Code::kAlreadyExists);
  auto missing = store_->Transact(
      [&](StoreTx& tx) { return tx.UpdateRefresh(MakeRefresh(FakeHash(9), "s1", 1)); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  auto orphan = store_->Transact(
      [&](StoreTx& tx) { return tx.InsertRefresh(MakeRefresh(FakeHash(8), "no-session", 1)); });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), Code::kInternal);
}

TEST_P(StoreRecordsTest, RevocationLogIsOrderedAndSkipsExpired) {
  std::deque<auth::RevocationEntry> appended;  // seqs set by the commit (ports.h)
  auth::RevocationEntry version;
  version.kind = auth::RevocationKind::kUserVersion;
  version.key = "42";
  version.value = 3;
  version.expires_at = kNow + 100;
  version.created_at = kNow;
  Commit([&](StoreTx& tx) -> Result<void> {
    appended.clear();
    for (auto e : {MakeRevocation("j1", kNow + 10), MakeRevocation("j2", kNow),
                   MakeRevocation("j3", kNow - 5), version}) {
      auth::RevocationEntry& slot = appended.emplace_back(e);
      JWTD_RETURN_IF_ERROR(tx.AppendRevocation(slot, &slot.seq));
    }
    return Ok();
  });
  std::vector<std::int64_t> seqs;
  for (const auto& e : appended) seqs.push_back(e.seq);
  ASSERT_EQ(seqs.size(), 4u);
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_GT(seqs[i], seqs[i - 1]);
  auto max = store_->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, seqs.back());

  // At kNow, j2 (expires_at == now) and j3 are expired.
  auto live = store_->revocation_log().ReadRevocations(0, kNow, 100);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ((*live)[0].key, "j1");
  EXPECT_EQ((*live)[0].seq, seqs[0]);
  EXPECT_EQ((*live)[0].created_at, kNow + 10 - 900);
  EXPECT_EQ((*live)[1].kind, auth::RevocationKind::kUserVersion);
  EXPECT_EQ((*live)[1].value, 3);
  EXPECT_EQ((*live)[1].expires_at, kNow + 100);

  auto after = store_->revocation_log().ReadRevocations(seqs[0], kNow - 10, 100);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  EXPECT_EQ((*after)[0].key, "j2");
  auto limited = store_->revocation_log().ReadRevocations(0, kNow - 10, 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].key, "j2");
  auto none = store_->revocation_log().ReadRevocations(seqs.back(), 0, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// A key is any text the store accepts (`jwtd revoke --jti` takes what the operator types):
// PostgreSQL writes a transaction's entries as array literals, where quotes, backslashes, commas
// and braces are syntax, and empty strings and spaces must survive too.
TEST_P(StoreRecordsTest, RevocationKeysRoundTripWhateverTextTheyHold) {
  const std::vector<std::string> keys = {"plain", R"(a"b)",   R"(back\slash)", "a,b",    "{braces}",
                                         "",      " spaced ", "NULL",          "\"\\\"", "ünï"};
  std::deque<auth::RevocationEntry> appended;
  Commit([&](StoreTx& tx) -> Result<void> {
    appended.clear();
    for (const std::string& key : keys) {
      auth::RevocationEntry& e = appended.emplace_back(MakeRevocation(key, kNow + 60));
      JWTD_RETURN_IF_ERROR(tx.AppendRevocation(e, &e.seq));
    }
    return Ok();
  });
  auto log = store_->revocation_log().ReadRevocations(0, kNow, 100);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ((*log)[i].key, keys[i]);
    EXPECT_EQ((*log)[i].seq, appended[i].seq);
  }
}

TEST_P(StoreRecordsTest, AuditFiltersAndOrdersNewestFirst) {
  auto event = [](std::int64_t at, const char* name, std::optional<std::int64_t> user) {
    auth::AuditEvent e;
    e.at = at;
    e.event = name;
    e.reason = "test";
    e.user_id = user;
    e.session_id = "sid";
    e.client_ip = "10.0.0.1";
    e.detail = "d";
    return e;
  };
  Commit([&](StoreTx& tx) -> Result<void> {
    JWTD_RETURN_IF_ERROR(tx.AppendAudit(event(10, "login_succeeded", 1)));
    JWTD_RETURN_IF_ERROR(tx.AppendAudit(event(20, "login_failed", std::nullopt)));
    JWTD_RETURN_IF_ERROR(tx.AppendAudit(event(30, "logout", 1)));
    JWTD_RETURN_IF_ERROR(tx.AppendAudit(event(30, "login_succeeded", 2)));
    return tx.AppendAudit(event(40, "login_succeeded", 1));
  });
  auto all = store_->ListAudit({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].at, 40);
  EXPECT_EQ((*all)[1].user_id, 2);  // same time: later id first
  EXPECT_EQ((*all)[2].event, "logout");
  EXPECT_FALSE((*all)[3].user_id.has_value());
  EXPECT_EQ((*all)[3].client_ip, "10.0.0.1");
  EXPECT_GT((*all)[0].id, (*all)[4].id);

  auto user1 = store_->ListAudit(Filter(1, "", 0, 100));
  ASSERT_TRUE(user1.ok());
  EXPECT_EQ(user1->size(), 3u);
  auto logins = store_->ListAudit(Filter(1, "login_succeeded", 0, 100));
  ASSERT_TRUE(logins.ok());
  ASSERT_EQ(logins->size(), 2u);
  EXPECT_EQ((*logins)[0].at, 40);
  auto since = store_->ListAudit(Filter(std::nullopt, "login_succeeded", 30, 100));
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(since->size(), 2u);
  auto limited = store_->ListAudit(Filter(std::nullopt, "", 0, 2));
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
}

TEST_P(StoreRecordsTest, MigratePingAndKind) {
  auto first = store_->Migrate();
  auto second = store_->Migrate();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GE(*first, 1);
  EXPECT_EQ(*first, *second);
  JWTD_EXPECT_OK(store_->Ping());
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreRecordsTest, ::testing::ValuesIn(StoreFactories()),
                         FactoryName);

}  // namespace
}  // namespace jwtd::store::testing
