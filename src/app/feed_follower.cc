#include "app/feed_follower.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <exception>
#include <optional>
#include <string>

#include "app/remote_store.h"

namespace jwtd::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

struct SseEvent {
  std::string event = "message";
  std::string data;
};

// Takes the complete events (WHATWG HTML §9.2.6: blank-line terminated; "field: value" lines,
// one optional space after the colon; ':' comments ignored) off the front of `text`.
template <class OnEvent>
void TakeEvents(std::string* text, OnEvent on_event) {
  for (;;) {
    const auto end = text->find("\n\n");
    if (end == std::string::npos) return;
    SseEvent event;
    std::string_view block(text->data(), end);
    while (!block.empty()) {
      const auto nl = block.find('\n');
      std::string_view line = block.substr(0, nl);
      block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      const auto colon = line.find(':');
      if (colon == 0 || line.empty()) continue;
      std::string_view field = line.substr(0, colon);
      std::string_view value =
          colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "event") {
        event.event = std::string(value);
      } else if (field == "data") {
        if (!event.data.empty()) event.data += '\n';
        event.data += value;
      }
    }
    text->erase(0, end + 2);
    if (!on_event(event)) return;
  }
}

std::optional<std::int64_t> IntField(const boost::json::value& v, std::string_view name) {
  if (!v.is_object()) return std::nullopt;
  const auto* f = v.as_object().if_contains(name);
  if (f == nullptr || !f->is_int64()) return std::nullopt;
  return f->as_int64();
}

}  // namespace

struct FeedFollower::Loop {
  FeedOrigin origin;
  FeedFollowerOptions options;
  auth::RevocationSync* sync;
  const Clock* clock;
  asio::io_context ioc;
  // The follower's thread only.
  bool other_log = false;
  std::int64_t below_since_ns = 0;  // since when heartbeats are below the cursor (0: they are not)

  // What one event does; false ends the stream.
  bool OnEvent(const SseEvent& e) {
    if (e.event != "revocation" && e.event != "heartbeat") {
      if (e.event == "repage") spdlog::info("revocation feed: repage; paging the log again");
      return e.event != "repage";
    }
    boost::system::error_code ec;
    const boost::json::value data = boost::json::parse(e.data, ec);
    if (ec) return false;
    if (e.event == "revocation") {
      const auto entry = ParseFeedEntry(data);
      if (!entry) return false;
      sync->OnEntry(*entry);
      return true;
    }
    const auto current = IntField(data, "current_seq");
    const auto verified = IntField(data, "verified_at_ms");
    const auto server = IntField(data, "server_time_ms");
    if (!current || !verified || !server) return false;
    const std::int64_t cursor = sync->freshness().applied_seq;
    // Below the cursor: for a moment when a page read the log after the node's feed did (its
    // reader runs every heartbeat), for good when the node serves another log. Such a heartbeat
    // verifies nothing; one that stays below for the staleness bound means another log.
    if (*current < cursor) {
      const std::int64_t now_ns = clock->MonotonicNanos();
      if (below_since_ns == 0) below_since_ns = now_ns;
      if (now_ns - below_since_ns <= options.idle_timeout.count() * 1'000'000) return true;
      spdlog::error(
          "revocation feed: the node's current_seq {} is below this verifier's cursor {}: it "
          "serves another log. Following stopped, every check fails closed; restart this "
          "verifier to follow the new log from 0",
          *current, cursor);
      other_log = true;
      return false;
    }
    below_since_ns = 0;
    const std::int64_t lag_ms = std::max<std::int64_t>(0, *server - *verified);
    sync->OnHeartbeat(*current, clock->NowMillis() - lag_ms);
    return true;
  }

  // One connection's stream, until it ends; *connected once the stream answered 200.
  template <class Stream>
  asio::awaitable<void> Follow(Stream& stream, bool* connected) {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, origin.base + "/v1/revocations/stream",
                                          11};
    req.set(bhttp::field::host, origin.HostHeader());
    req.set(bhttp::field::user_agent, "jwtd-verifier");
    req.set(bhttp::field::authorization, origin.authorization);
    req.set(bhttp::field::accept, "text/event-stream");
    req.set("Last-Event-ID", std::to_string(sync->freshness().applied_seq));
    auto& socket = beast::get_lowest_layer(stream);
    socket.expires_after(options.connect_timeout);
    co_await bhttp::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);  // a stream; each event is bounded below
    co_await bhttp::async_read_header(stream, buffer, parser, asio::use_awaitable);
    if (parser.get().result_int() != 200) {
      spdlog::warn("revocation feed: GET /v1/revocations/stream answered {}{}",
                   parser.get().result_int(),
                   parser.get().result_int() == 401 || parser.get().result_int() == 403
                       ? " (check verifier.feed_client against its feed.clients/feed.allow)"
                       : "");
      co_return;
    }
    *connected = true;
    sync->OnConnected();  // pages the log from the durable cursor before trusting the view
    std::string text;
    char chunk[8192];
    bool more = true;
    while (more && !parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      socket.expires_after(options.idle_timeout);
      boost::system::error_code ec;
      // read_some: back with whatever arrived (an event is ~150 bytes), not once `chunk` is full.
      co_await bhttp::async_read_some(stream, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec && ec != bhttp::error::need_buffer) throw boost::system::system_error(ec);
      text.append(chunk, sizeof chunk - parser.get().body().size);
      TakeEvents(&text, [&](const SseEvent& e) { return more = OnEvent(e); });
      if (text.size() > options.max_event_bytes) co_return;
    }
  }

  asio::awaitable<void> Run() {
    auto delay = options.retry_min;
    asio::steady_timer timer(ioc);
    while (!other_log) {
      bool connected = false;
      try {
        co_await feed_http::WithConnection(
            origin, options.connect_timeout,
            [&](auto& stream) -> asio::awaitable<void> { co_await Follow(stream, &connected); });
      } catch (const std::exception& e) {
        if (!connected) spdlog::debug("revocation feed: cannot follow: {}", e.what());
      }
      if (connected) {
        sync->OnDisconnected();
        spdlog::warn("revocation feed: stream ended; reconnecting");
        delay = options.retry_min;
      } else {
        delay = std::min(delay * 2, options.retry_max);
      }
      if (other_log) break;
      timer.expires_after(delay);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
};

FeedFollower::FeedFollower(FeedOrigin origin, FeedFollowerOptions options,
                           auth::RevocationSync* sync, const Clock* clock)
    : loop_(new Loop{std::move(origin), options, sync, clock, {}}) {}

FeedFollower::~FeedFollower() { Stop(); }

void FeedFollower::Start() {
  if (thread_.joinable()) return;
  asio::co_spawn(loop_->ioc, loop_->Run(), asio::detached);
  thread_ = std::thread([loop = loop_.get()] { loop->ioc.run(); });
}

void FeedFollower::Stop() {
  loop_->ioc.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace jwtd::app
