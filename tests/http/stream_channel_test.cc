// StreamChannel: chunk framing, the byte bound (overflow refuses every later write and wakes the
// connection once), End's last chunk, and no wake after Close.
#include "http/stream_channel.h"

#include <gtest/gtest.h>

#include <string>

namespace jwtd::http {
namespace {

TEST(StreamChannelTest, FramesEachWriteAsOneChunkAndWakesOnceUntilTaken) {
  int wakes = 0;
  StreamChannel channel(1024, [&] { ++wakes; });
  EXPECT_TRUE(channel.Write("hello"));
  EXPECT_TRUE(channel.Write(std::string(26, 'x')));
  EXPECT_TRUE(channel.Write(""));  // ignored: an empty chunk would end the body
  EXPECT_EQ(wakes, 1);
  std::string out;
  auto taken = channel.Take(&out);
  EXPECT_FALSE(taken.ended);
  EXPECT_FALSE(taken.overflowed);
  EXPECT_EQ(out, "5\r\nhello\r\n1a\r\n" + std::string(26, 'x') + "\r\n");
  EXPECT_TRUE(channel.Write("a"));
  EXPECT_EQ(wakes, 2);
}

TEST(StreamChannelTest, EndAddsTheLastChunkOnceAndRefusesLaterWrites) {
  StreamChannel channel(1024, [] {});
  ASSERT_TRUE(channel.Write("data"));
  channel.End();
  EXPECT_FALSE(channel.Write("late"));
  std::string out;
  EXPECT_TRUE(channel.Take(&out).ended);
  EXPECT_EQ(out, "4\r\ndata\r\n0\r\n\r\n");
  out.clear();
  EXPECT_TRUE(channel.Take(&out).ended);
  EXPECT_EQ(out, "");
}

TEST(StreamChannelTest, PastTheBoundTheClientIsDroppedAndNothingMoreIsQueued) {
  int wakes = 0;
  StreamChannel channel(100, [&] { ++wakes; });
  EXPECT_TRUE(channel.Write(std::string(50, 'a')));
  std::string out;
  channel.Take(&out);  // taken bytes (in flight) no longer count
  EXPECT_TRUE(channel.Write(std::string(60, 'b')));
  EXPECT_FALSE(channel.Write(std::string(60, 'c')));  // behind unread bytes: past the bound
  EXPECT_FALSE(channel.Write("d"));
  EXPECT_EQ(channel.queued_bytes(), 0u);
  out.clear();
  EXPECT_TRUE(channel.overflowed());
  EXPECT_TRUE(channel.Take(&out).overflowed);
  EXPECT_EQ(out, "");
  EXPECT_EQ(wakes, 3);  // the overflow wakes even with a wake pending
}

TEST(StreamChannelTest, OneWriteLargerThanTheBoundIsTakenWhenNothingIsQueued) {
  StreamChannel channel(100, [] {});
  EXPECT_TRUE(channel.Write(std::string(500, 'a')));  // one batch of the feed
  EXPECT_FALSE(channel.Write("b"));                   // but nothing behind it
}

TEST(StreamChannelTest, AfterCloseNothingIsAcceptedAndTheConnectionIsNeverWoken) {
  int wakes = 0;
  StreamChannel channel(100, [&] { ++wakes; });
  channel.Close();
  EXPECT_FALSE(channel.Write("x"));
  channel.End();
  EXPECT_EQ(wakes, 0);
}

}  // namespace
}  // namespace jwtd::http
