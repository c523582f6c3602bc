// http_floor_server: the fastest answer this machine can give to wrk's GET /v1/me, measured in
// the same run as jwtd and the peers (scripts/bench.sh), so the HTTP req/s figures have a
// ceiling to be read against.
//
// It does the least any HTTP server must: two epoll threads (jwtd's I/O thread count on two
// cores), one read() per burst of bytes, one fixed response written per request terminator
// seen ("\r\n\r\n"). No parsing, no routing, no token, no allocation, no timers. What it costs
// per request is the kernel's loopback TCP path plus the load generator, which every server in
// the comparison pays too. Not a server for anything else (it never checks what it was sent).
//
//   http_floor_server PORT     (binds 127.0.0.1:PORT; runs until killed)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// jwtd's GET /v1/me answer byte for byte in shape, so both write as many bytes.
constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
    "X-Request-Id: diD00mQj-1\r\nCache-Control: no-store\r\nContent-Length: 66\r\n\r\n"
    R"({"sub":"1","username":"u1","sid":"IPjYn8BVLiPdkoQag1Y9JQ","ver":1})";
constexpr int kThreads = 2;

int listener = -1;

// Counts request terminators, carrying the last 3 bytes of the previous read.
int CountRequests(const char* data, ssize_t n, std::array<char, 3>& tail) {
  int count = 0;
  std::array<char, 4> window{tail[0], tail[1], tail[2], 0};
  for (ssize_t i = 0; i < n; ++i) {
    window = {window[1], window[2], window[3], data[i]};
    if (std::memcmp(window.data(), "\r\n\r\n", 4) == 0) ++count;
  }
  tail = {window[1], window[2], window[3]};
  return count;
}

void Loop() {
  const int ep = epoll_create1(0);
  epoll_event listen_event{};
  listen_event.events = EPOLLIN | EPOLLEXCLUSIVE;
  listen_event.data.u64 = ~0ULL;
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &listen_event);
  std::vector<std::array<char, 3>> tails(65536);
  std::array<epoll_event, 128> events{};
  std::array<char, 16384> buffer{};
  while (true) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == ~0ULL) {
        const int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
        if (client < 0 || client >= static_cast<int>(tails.size())) {
          if (client >= 0) close(client);
          continue;
        }
        const int one = 1;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        tails[client] = {0, 0, 0};
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u64 = static_cast<std::uint64_t>(client);
        epoll_ctl(ep, EPOLL_CTL_ADD, client, &e);
        continue;
      }
      const int fd = static_cast<int>(events[i].data.u64);
      const ssize_t got = read(fd, buffer.data(), buffer.size());
      if (got <= 0) {
        close(fd);
        continue;
      }
      for (int r = CountRequests(buffer.data(), got, tails[fd]); r > 0; --r) {
        if (write(fd, kResponse.data(), kResponse.size()) < 0) break;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: http_floor_server PORT\n");
    return 2;
  }
  listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 1024) != 0) {
    std::perror("http_floor_server: bind/listen");
    return 1;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(Loop);
  for (auto& t : threads) t.join();
}
