// Many connections against a real `jwtd serve`: past server.max_connections new connections are
// closed at once and counted; the cap follows the open-file limit at start; and when accept(2)
// runs out of descriptors anyway (EMFILE) the server backs off instead of spinning on it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "jwtd_process.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A client TCP connection that sends nothing.
class SilentSocket {
 public:
  explicit SilentSocket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~SilentSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentSocket(const SilentSocket&) = delete;
  SilentSocket& operator=(const SilentSocket&) = delete;

  bool connected() const { return connected_; }
  // True once the server has closed its end (end of stream or reset).
  bool ClosedByServer() const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char byte = 0;
    return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

using Sockets = std::vector<std::unique_ptr<SilentSocket>>;

Sockets OpenSilent(std::uint16_t port, int n) {
  Sockets sockets;
  for (int i = 0; i < n; ++i) {
    sockets.push_back(std::make_unique<SilentSocket>(port));
    EXPECT_TRUE(sockets.back()->connected()) << "connection " << i;
  }
  return sockets;
}

std::size_t CountClosed(const Sockets& sockets, std::size_t from = 0) {
  std::size_t n = 0;
  for (std::size_t i = from; i < sockets.size(); ++i) n += sockets[i]->ClosedByServer() ? 1 : 0;
  return n;
}

// Waits (bounded) until `want` of `sockets` are closed by the server; returns how many are.
std::size_t WaitClosed(const Sockets& sockets, std::size_t want, std::chrono::milliseconds limit) {
  const auto deadline = SteadyClock::now() + limit;
  while (CountClosed(sockets) < want && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(100ms);  // and no more than that
  return CountClosed(sockets);
}

// A GET on a new connection; status 0 when the server closed it without an answer.
HttpResponse TryGet(std::uint16_t port, const std::string& target) {
  try {
    return HttpClient(port).Get(target);
  } catch (const std::exception&) {
    return {};
  }
}

// The value of an unlabelled metric line "name value", or -1.
long Metric(const std::string& text, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("\n" + name + " ([0-9]+)\n"))) return -1;
  return std::stol(m[1].str());
}

// utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15).
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // from field 3, the state
  std::vector<std::string> f;
  for (std::string s; fields >> s;) f.push_back(s);
  if (f.size() < 13) return -1;
  return static_cast<double>(std::stoll(f[11]) + std::stoll(f[12])) /
         static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Long read and idle timeouts: the silent connections must not be dropped during a test.
const std::vector<std::string> kPatient = {"--set", "server.read_timeout_ms=60000", "--set",
                                           "server.idle_timeout_ms=60000"};

std::vector<std::string> With(std::vector<std::string> args) {
  args.insert(args.end(), kPatient.begin(), kPatient.end());
  return args;
}

TEST(ConnectionLimitsTest, ConnectionsPastMaxConnectionsAreClosedAtOnceAndCounted) {
  TempDir dir;
  JwtdServer server(dir.path() + "/data", With({"--set", "server.max_connections=50"}));
  Sockets sockets = OpenSilent(server.port(), 80);
  EXPECT_EQ(WaitClosed(sockets, 30, 3s), 30u);
  EXPECT_EQ(CountClosed(sockets, 50), 30u) << "the ones past the 50th are the closed ones";

  // Ten of the admitted ones leave: a new connection is admitted and sees the counts.
  for (int i = 0; i < 10; ++i) sockets[i].reset();
  std::this_thread::sleep_for(200ms);
  HttpResponse metrics;
  int refused_tries = 0;
  for (const auto deadline = SteadyClock::now() + 5s; SteadyClock::now() < deadline;) {
    metrics = TryGet(server.port(), "/metrics");
    if (metrics.status != 0) break;
    ++refused_tries;  // the server had not yet seen the ten close
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_EQ(Metric(metrics.body, "jwtd_connections_refused_total"), 30 + refused_tries)
      << metrics.body;
  const long open = Metric(metrics.body, "jwtd_connections_open");
  EXPECT_GE(open, 41) << metrics.body;  // the 40 left and this one
  EXPECT_LE(open, 50) << metrics.body;
  EXPECT_LE(Count(server.Output(), "connection(s) refused since the last report"), 2u)
      << server.Output();
}

TEST(ConnectionLimitsTest, MaxConnectionsIsCappedByTheOpenFileLimitAtStart) {
  // The child inherits this process's soft limit (posix_spawn), lowered only for its start.
  rlimit mine{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &mine), 0);
  ASSERT_GE(mine.rlim_max, 200u);
  const rlimit low{200, mine.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  TempDir dir;
  std::unique_ptr<JwtdServer> server;
  try {
    server = std::make_unique<JwtdServer>(dir.path() + "/data", kPatient);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &mine), 0);
  ASSERT_TRUE(server);
  EXPECT_EQ(Count(server->Output(), "server.max_connections = 10000 capped to 136"), 1u)
      << server->Output();
  Sockets sockets = OpenSilent(server->port(), 150);
  EXPECT_EQ(WaitClosed(sockets, 14, 3s), 14u);
  EXPECT_EQ(CountClosed(sockets, 136), 14u);
  EXPECT_EQ(Count(server->Output(), "accept failed"), 0u) << "the cap kept accept(2) in bounds";
}

// Not in the sanitizer run (scripts/test.sh): out of descriptors, UBSan's vptr check in the
// server cannot probe memory (it needs a pipe) and aborts on the first vtable not in its cache.
TEST(ConnectionLimitsTest, OutOfDescriptorsTheAcceptLoopBacksOffInsteadOfSpinning) {
  TempDir dir;
  JwtdServer server(dir.path() + "/data", kPatient);  // max_connections 10,000: no help here
  // The open-file limit drops under the running server (the cap was taken at start), so
  // accept(2) fails with EMFILE while the silent connections wait in the listen queue.
  rlimit old{};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &old), 0);
  const rlimit lowered{128, old.rlim_max};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &lowered, nullptr), 0);
  {
    Sockets sockets = OpenSilent(server.port(), 300);
    std::this_thread::sleep_for(300ms);  // the server takes what it can and hits the limit
    const double before = CpuSeconds(server.pid());
    std::this_thread::sleep_for(2s);
    const double used = CpuSeconds(server.pid()) - before;
    EXPECT_GE(before, 0);
    EXPECT_LT(used, 0.3) << "CPU seconds in 2 s with the listen queue full and no descriptor";
    EXPECT_GT(Count(server.Output(), "accept failed"), 0u) << "EMFILE was reached";
    EXPECT_LE(Count(server.Output(), "accept failed"), 3u) << server.Output().substr(0, 4000);
  }  // the clients leave: their descriptors free up on the server
  HttpResponse health;
  for (const auto deadline = SteadyClock::now() + 15s; SteadyClock::now() < deadline;) {
    health = TryGet(server.port(), "/healthz");
    if (health.status == 200) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(health.status, 200) << server.Output().substr(0, 4000);
}

}  // namespace
}  // namespace jwtd::testing
