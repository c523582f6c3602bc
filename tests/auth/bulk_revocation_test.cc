// The mass logout (jwtd/auth/bulk_revocation.h) against SQLite and a real PostgreSQL server:
// every session of every listed user ends, by id or by name; unknown users are reported; a page
// sent again changes nothing — not even the sessions of users who signed in again since — and a
// page that does not start where the job stands is answered with the offset to continue from;
// malformed pages are refused before anything changes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jwtd/store/postgres_store.h"
#include "support/postgres_environment.h"
#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using ::jwtd::testing::PostgresEnvironment;

[[maybe_unused]] auto* const kPostgresServer = PostgresEnvironment::Register();

class BulkRevocationTest : public BackendTokenServiceTest {
 protected:
  static BulkRevocationPage ByName(std::string job, std::int64_t offset,
                                   const std::vector<std::string>& names) {
    BulkRevocationPage page{.job = std::move(job), .offset = offset, .users = {}};
    for (const auto& n : names) page.users.push_back({.id = 0, .username = n});
    return page;
  }

  Result<BulkPageResult> Run(const BulkRevocationPage& page) {
    return service_->RevokeUsersPage(page, "test");
  }
};

TEST_P(BulkRevocationTest, EndsEverySessionOfEveryListedUserAndReportsTheUnknown) {
  Start();
  Register("ann");
  const User bob = Register("bob");
  Register("cyd");
  const TokenResponse ann1 = Login("ann"), ann2 = Login("ann"), bob1 = Login("bob");
  const TokenResponse cyd1 = Login("cyd");
  BulkRevocationPage page = ByName("incident-1", 0, {"ann", "nobody", "bad name"});
  page.users.push_back({.id = bob.id, .username = ""});
  page.users.push_back({.id = 999'999, .username = ""});
  auto r = Run(page);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, BulkPageStatus::kApplied);
  EXPECT_EQ(r->revoked, 2U);
  EXPECT_EQ(r->next_offset, 5);
  EXPECT_EQ(r->unknown, (std::vector<std::size_t>{1, 2, 4}));
  for (const auto* t : {&ann1, &ann2, &bob1}) {
    EXPECT_EQ(AuthReason(t->access_token), Reason::kVersionBumped);
    EXPECT_EQ(RefreshReason(t->refresh_token), Reason::kRefreshRevoked);
  }
  EXPECT_EQ(AuthReason(cyd1.access_token), Reason::kNone);  // not listed: untouched
  Restart();  // durable: a new process refuses them from the log
  EXPECT_EQ(AuthReason(ann1.access_token), Reason::kVersionBumped);
}

TEST_P(BulkRevocationTest, ARepeatedPageChangesNothingAndAPageOutOfPlaceIsToldWhereToStart) {
  Start();
  for (const char* name : {"u0", "u1", "u2", "u3"}) Register(name);
  ASSERT_TRUE(Run(ByName("job", 0, {"u0", "u1"})).ok());
  const TokenResponse again = Login("u0");  // signed in again after the first page
  auto repeated = Run(ByName("job", 0, {"u0", "u1"}));
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(repeated->status, BulkPageStatus::kAlreadyDone);
  EXPECT_EQ(repeated->next_offset, 2);
  EXPECT_EQ(repeated->revoked, 0U);
  EXPECT_EQ(AuthReason(again.access_token), Reason::kNone);

  for (std::int64_t offset : {1, 3}) {  // overlapping the done part; beyond the job's end
    auto misplaced = Run(ByName("job", offset, {"u2", "u3"}));
    ASSERT_TRUE(misplaced.ok());
    EXPECT_EQ(misplaced->status, BulkPageStatus::kNotNext) << offset;
    EXPECT_EQ(misplaced->next_offset, 2);
  }
  const TokenResponse u2 = Login("u2");
  auto next = Run(ByName("job", 2, {"u2", "u3"}));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, BulkPageStatus::kApplied);
  EXPECT_EQ(next->next_offset, 4);
  EXPECT_EQ(AuthReason(u2.access_token), Reason::kVersionBumped);
  // Another job is another list: it starts at 0 and signs u0 out again.
  auto other = Run(ByName("job-2", 0, {"u0"}));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, BulkPageStatus::kApplied);
  EXPECT_EQ(AuthReason(again.access_token), Reason::kVersionBumped);
}

TEST_P(BulkRevocationTest, BadPagesAreRefusedAndChangeNothing) {
  Start();
  Register("ann");
  const TokenResponse ann = Login("ann");
  std::vector<BulkRevocationPage> bad = {ByName("", 0, {"ann"}), ByName("has space", 0, {"ann"}),
                                         ByName(std::string(129, 'j'), 0, {"ann"}),
                                         ByName("job", -1, {"ann"}), ByName("job", 0, {})};
  BulkRevocationPage huge = ByName("job", 0, {});
  huge.users.assign(BulkRevocationPage::kMaxUsers + 1, BulkUser{.id = 0, .username = "ann"});
  bad.push_back(huge);
  for (const auto& page : bad) {
    auto r = Run(page);
    ASSERT_FALSE(r.ok()) << page.job;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
  EXPECT_EQ(AuthReason(ann.access_token), Reason::kNone);
  auto first = Run(ByName("job", 0, {"ann"}));  // the refused pages did not start the job
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, BulkPageStatus::kApplied);
}

INSTANTIATE_TEST_SUITE_P(Stores, BulkRevocationTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

}  // namespace
}  // namespace jwtd::auth::testing
