// The accept loop's pure policies: the backoff after resource errors, the log throttle, and the
// connection cap from the open-file limit.
#include "http/accept_backoff.h"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <cerrno>

#include "http/connection_limit.h"

namespace jwtd::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(AcceptBackoffTest, ResourceErrorsAreTheOutOfDescriptorsAndMemoryOnes) {
  for (int e : {EMFILE, ENFILE, ENOBUFS, ENOMEM}) {
    EXPECT_TRUE(IsResourceError({e, boost::system::system_category()})) << e;
  }
  EXPECT_TRUE(IsResourceError(boost::asio::error::no_descriptors));
  for (int e : {ECONNABORTED, EPROTO, EPERM, EINTR}) {
    EXPECT_FALSE(IsResourceError({e, boost::system::system_category()})) << e;
  }
  EXPECT_FALSE(IsResourceError(boost::asio::error::operation_aborted));
}

TEST(AcceptBackoffTest, DoublesFromTenMillisecondsToOneSecondAndResets) {
  AcceptBackoff b;
  EXPECT_EQ(b.Failed(), milliseconds(10));
  EXPECT_EQ(b.Failed(), milliseconds(20));
  EXPECT_EQ(b.Failed(), milliseconds(40));
  for (int i = 0; i < 20; ++i) (void)b.Failed();
  EXPECT_EQ(b.Failed(), milliseconds(1000));
  b.Succeeded();
  EXPECT_EQ(b.Failed(), milliseconds(10));
}

TEST(AcceptBackoffTest, LogThrottleReportsOncePerIntervalWithTheCount) {
  LogThrottle t(seconds(10));
  const auto t0 = std::chrono::steady_clock::time_point() + seconds(1000);
  EXPECT_EQ(t.Count(t0), 1u);  // the first event is reported at once
  EXPECT_EQ(t.Count(t0 + seconds(1)), 0u);
  EXPECT_EQ(t.Count(t0 + seconds(9)), 0u);
  EXPECT_EQ(t.Count(t0 + seconds(10)), 3u);  // the two held back, and this one
  EXPECT_EQ(t.Count(t0 + seconds(11)), 0u);
  EXPECT_EQ(t.Count(t0 + seconds(60)), 2u);
}

TEST(AcceptBackoffTest, ConnectionsAreCappedByTheOpenFileLimitMinusAReserve) {
  EXPECT_EQ(CapConnections(10'000, std::nullopt), 10'000u);
  EXPECT_EQ(CapConnections(10'000, 1'048'576), 10'000u);
  EXPECT_EQ(CapConnections(10'000, 1024), 1024u - kReservedDescriptors);
  EXPECT_EQ(CapConnections(50, 1024), 50u);
  EXPECT_EQ(CapConnections(10'000, kReservedDescriptors), 1u);
  EXPECT_EQ(CapConnections(10'000, 0), 1u);
}

}  // namespace
}  // namespace jwtd::http
