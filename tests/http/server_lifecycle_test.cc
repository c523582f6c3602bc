// Connection handling: keep-alive, the read and idle timeouts (a slow or half-open client is
// dropped and others are still served), the bounded worker queue (503), graceful Stop with a
// request in flight, and static files.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  RawConnection c(port());
  for (int i = 0; i < 3; ++i) {
    c.Write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const Reply r = c.ReadReply(milliseconds(2000));
    EXPECT_EQ(r.status, 200) << i;
  }
  c.Write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(c.ReadReply(milliseconds(2000)).status, 200);
  EXPECT_TRUE(c.WaitClosed(milliseconds(2000)));
}

TEST_F(ServerTest, SlowClientIsDroppedAfterReadTimeoutOthersServed) {
  RawConnection slow(port());
  const auto start = Steady::now();
  slow.Write(
      "POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"user");
  // While it dawdles, others are served.
  EXPECT_EQ(Get("/healthz").status, 200);
  ASSERT_TRUE(slow.WaitClosed(milliseconds(5000)));
  const auto waited = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
  EXPECT_GE(waited.count(), 1300);  // read_timeout is 1500 ms in the fixture
  EXPECT_LE(waited.count(), 4000);
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, SilentConnectionIsDroppedAfterReadTimeout) {
  RawConnection silent(port());
  const auto start = Steady::now();
  ASSERT_TRUE(silent.WaitClosed(milliseconds(5000)));
  const auto waited = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
  EXPECT_GE(waited.count(), 1300);
}

TEST_F(ServerTest, IdleKeepAliveIsClosedAfterIdleTimeout) {
  RawConnection c(port());
  c.Write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(c.ReadReply(milliseconds(2000)).status, 200);
  const auto start = Steady::now();
  ASSERT_TRUE(c.WaitClosed(milliseconds(6000)));
  const auto waited = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
  EXPECT_GE(waited.count(), 2500);  // idle_timeout is 3000 ms, longer than read_timeout
}

// A client that sends requests but never reads the answers: once the server's writes stall,
// the connection is dropped after read_timeout, so the client receives only what the socket
// buffers held, then the end of the stream. Without the write timeout it would receive every
// answer as soon as it starts reading.
TEST_F(ServerTest, ClientThatNeverReadsIsDroppedAfterReadTimeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  const int small = 4096;  // a small receive window: the server's writes stall sooner
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const timeval send_timeout{2, 0};  // the requests fit in buffers; never block the test long
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout), 0);
  constexpr int kRequests = 3000;  // /metrics answers are KiBs: far more than the buffers hold
  std::string requests;
  for (int i = 0; i < kRequests; ++i) requests += "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  std::size_t sent = 0;
  while (sent < requests.size()) {
    const ssize_t n = ::send(fd, requests.data() + sent, requests.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server stopped reading: its writes are stalled
    sent += static_cast<std::size_t>(n);
  }
  std::this_thread::sleep_for(milliseconds(3000));  // read_timeout (1500 ms) and a sweep tick

  const timeval recv_timeout{5, 0};
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &recv_timeout, sizeof recv_timeout), 0);
  std::string got;
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
  const int error = n < 0 ? errno : 0;
  ::close(fd);
  // The server closed with requests unread, so the end may come as a reset.
  EXPECT_TRUE(n == 0 || error == ECONNRESET)
      << "the server did not close the connection: " << std::strerror(error);
  std::size_t answers = 0;
  for (auto at = got.find("HTTP/1.1 200"); at != std::string::npos;
       at = got.find("HTTP/1.1 200", at + 1)) {
    ++answers;
  }
  EXPECT_GT(answers, 0u);
  EXPECT_LT(answers, static_cast<std::size_t>(kRequests));
  EXPECT_EQ(Get("/healthz").status, 200);  // and the server still serves others
}

TEST_F(ServerTest, FullWorkerQueueAnswers503) {
  ServerOptions o = DefaultOptions();
  o.worker_threads = 1;
  o.max_queued_jobs = 1;
  auth::AuthOptions a = DefaultAuth();
  a.password.ops_limit = 3;  // ~100 ms per hash keeps the single worker busy
  a.password.mem_limit_bytes = 32 << 20;
  a.login_limits.max_failures_per_address = 1000;
  a.login_limits.max_failures_per_account = 1000;
  Restart(o, a);
  std::atomic<int> busy{0}, done{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      const Reply r = PostJson("/v1/login", R"({"username":"x","password":"wrong password"})");
      if (r.status == 503) {
        EXPECT_EQ(r.Header("retry-after"), "1");
        ++busy;
      } else {
        EXPECT_EQ(r.status, 401);
        ++done;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GT(busy.load(), 0);
  EXPECT_GT(done.load(), 0);
  EXPECT_EQ(Get("/healthz").status, 200);  // verify-only work never waits for the pool
}

TEST_F(ServerTest, GracefulStopFinishesInFlightRequest) {
  auth::AuthOptions a = DefaultAuth();
  a.password.ops_limit = 4;  // a slow registration to be in flight when Stop comes
  a.password.mem_limit_bytes = 32 << 20;
  Restart(DefaultOptions(), a);
  RawConnection idle(port());
  RawConnection busy(port());
  const std::string body = R"({"username":"ann","password":"correct horse"})";
  busy.Write(
      "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  std::this_thread::sleep_for(milliseconds(30));
  server_->Stop();
  const Reply r = busy.ReadReply(milliseconds(5000));
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_TRUE(idle.WaitClosed(milliseconds(2000)));
  runner_.join();  // Run() returned
  // The registration is durable and nobody listens any more.
  EXPECT_EQ(Send(port(), "GET", "/healthz").status, 0);
  Restart(DefaultOptions());
  EXPECT_EQ(PostJson("/v1/users", body).status, 409);
}

TEST_F(ServerTest, StaticFilesAreServedSafely) {
  const auto root = dir_ / "web";
  std::filesystem::create_directories(root / "sub");
  std::filesystem::create_directories(root / "empty");
  std::ofstream(root / "index.html") << "<h1>jwtd</h1>";
  std::ofstream(root / "app.js") << "console.log(1)";
  std::ofstream(root / ".env") << "hidden";
  std::ofstream(root / "sub" / "index.html") << "sub";
  std::ofstream(dir_ / "secret.txt") << "outside";
  std::filesystem::create_symlink(dir_ / "secret.txt", root / "link.txt");
  ServerOptions o = DefaultOptions();
  o.web_root = root.string();
  Restart(o);

  const Reply index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>jwtd</h1>");
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(Get("/app.js").Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/sub/").body, "sub");
  EXPECT_EQ(Get("/sub").body, "sub");
  for (const char* bad :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt", "/.env", "/link.txt",
        "/empty/", "/nope.html", "/%00", "/sub%2f..%2f..%2fsecret.txt", "/..%5csecret.txt"}) {
    const Reply r = Get(bad);
    EXPECT_EQ(r.status, 404) << bad;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << bad;
  }
  const Reply head = Send(port(), "HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.Header("content-length"), "13");
  // The API still wins over files.
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Send(port(), "POST", "/").status, 404);
}

}  // namespace
}  // namespace jwtd::http::testing

namespace jwtd::http::testing {
namespace {

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
  RawConnection c(port());
  const std::string body = R"({"username":"ann","password":"correct horse"})";
  c.Write(
      "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(c.ReadReply(std::chrono::milliseconds(1000)).status, 100);
  c.Write(body);
  EXPECT_EQ(c.ReadReply(std::chrono::milliseconds(3000)).status, 201);
  // Over the limit: refused by Content-Length, no 100 Continue first.
  RawConnection big(port());
  big.Write(
      "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_EQ(big.ReadReply(std::chrono::milliseconds(1000)).status, 413);
}

}  // namespace
}  // namespace jwtd::http::testing
