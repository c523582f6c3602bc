// POST /ssf/poll/{stream_id} — poll delivery of SETs (RFC 8936). The request acknowledges SETs
// (ack: jtis the receiver processed; setErrs: jtis it rejected, logged and also never sent
// again) and asks for up to maxEvents more; the answer is {"sets": {jti: SET}, "moreAvailable"}.
// A SET not acknowledged is sent again on the next poll (with the same jti). Without
// returnImmediately the request waits up to server's ssf poll wait for a first SET (the long
// poll of RFC 8936 §2.4), re-reading the outbox, then answers with what there is.
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <thread>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "http/handlers/ssf_common.h"
#include "jwtd/auth/ssf_set.h"

namespace jwtd::http {
namespace {

constexpr std::int64_t kDefaultMaxEvents = 100;
constexpr std::int64_t kMaxMaxEvents = 1000;
constexpr std::size_t kMaxAcks = 10'000;
// Acknowledged ids are folded into the stream's watermark only once no transaction with a
// smaller id can still commit (SsfTx::Acknowledge); a write transaction lasts far less.
constexpr std::int64_t kSettleSeconds = 30;
constexpr auto kPollRecheck = std::chrono::milliseconds(100);

struct PollInput {
  std::int64_t max_events = kDefaultMaxEvents;
  bool return_immediately = false;
  std::vector<std::int64_t> done;  // event ids acknowledged or rejected
  std::size_t rejected = 0;
};

struct Fetched {
  std::optional<auth::SsfStream> stream;
  std::vector<auth::SecurityEvent> events;
};

std::variant<PollInput, Response> ParsePoll(const boost::json::object& body,
                                            std::string_view stream_id) {
  PollInput in;
  if (const auto* m = body.if_contains("maxEvents"); m != nullptr && !m->is_null()) {
    if (!m->is_int64() || m->as_int64() < 0) {
      return SsfBadField("maxEvents", "must be a non-negative integer");
    }
    in.max_events = std::min(m->as_int64(), kMaxMaxEvents);
  }
  if (const auto* r = body.if_contains("returnImmediately"); r != nullptr && !r->is_null()) {
    if (!r->is_bool()) return SsfBadField("returnImmediately", "must be a boolean");
    in.return_immediately = r->as_bool();
  }
  if (const auto* a = body.if_contains("ack"); a != nullptr && !a->is_null()) {
    if (!a->is_array() || a->as_array().size() > kMaxAcks) {
      return SsfBadField("ack", "must be an array of jti strings");
    }
    for (const auto& jti : a->as_array()) {
      if (!jti.is_string()) return SsfBadField("ack", "must be an array of jti strings");
      // A jti of another stream (or none of ours) acknowledges nothing.
      if (auto id = auth::SsfEventIdOf(jti.as_string(), stream_id)) in.done.push_back(*id);
    }
  }
  if (const auto* e = body.if_contains("setErrs"); e != nullptr && !e->is_null()) {
    if (!e->is_object() || e->as_object().size() > kMaxAcks) {
      return SsfBadField("setErrs", "must be an object of jti to {err, description}");
    }
    for (const auto& [jti, err] : e->as_object()) {
      if (!err.is_object()) return SsfBadField("setErrs", "each value must be an object");
      if (auto id = auth::SsfEventIdOf(jti, stream_id)) {
        in.done.push_back(*id);
        ++in.rejected;
      }
    }
  }
  return in;
}

}  // namespace

Outcome HandleSsfPoll(const Api& api, const Request& request) {
  auto client = CheckFeedClient(api, request);
  if (auto* refused = std::get_if<Response>(&client)) return std::move(*refused);
  std::string stream_id(request.Param("stream_id"));
  auto body = SsfJsonBody(request);
  if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
  auto parsed = ParsePoll(std::get<boost::json::object>(body), stream_id);
  if (auto* bad = std::get_if<Response>(&parsed)) return std::move(*bad);
  return Outcome::Later([&api, client = std::move(std::get<std::string>(client)), stream_id,
                         in = std::get<PollInput>(parsed)]() mutable {
    const auto deadline =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(in.return_immediately ? 0 : api.options.ssf_poll_wait_ms);
    for (;;) {
      Fetched fetched;
      Response refused =
          SsfTransact(api, [&](auth::StoreTx&, auth::SsfTx& ssf, Response& out) -> Result<void> {
            fetched = Fetched();
            auto found = SsfOwnStream(ssf, stream_id, client);
            if (!found.ok()) return found.error();
            if (!found->has_value()) {
              out = SsfNoStream();
              return Ok();
            }
            if ((*found)->delivery_method != auth::kSsfPollMethod) {
              out = JsonError(400, "invalid_request", "this stream delivers by push");
              return Ok();
            }
            if (!in.done.empty()) {
              const std::int64_t now = api.deps.clock->NowSeconds();
              auto acked = ssf.Acknowledge(stream_id, in.done, now - kSettleSeconds);
              if (!acked.ok()) return acked.error();
              if (api.deps.ssf_stats != nullptr) {
                api.deps.ssf_stats->delivered.fetch_add(static_cast<std::uint64_t>(*acked),
                                                        std::memory_order_relaxed);
              }
            }
            fetched.stream = std::move(*found);
            // paused: held; disabled: dropped (ssf_status.cc). Either way nothing is sent.
            if (fetched.stream->status != "enabled" || in.max_events == 0) return Ok();
            auto pending =
                ssf.Pending(*fetched.stream, static_cast<std::size_t>(in.max_events) + 1);
            if (!pending.ok()) return pending.error();
            fetched.events = std::move(*pending);
            return Ok();
          });
      if (!fetched.stream) return refused;  // 404, 400 or a store error
      if (in.rejected > 0) {
        spdlog::warn("ssf: stream {} rejected {} SET(s) (setErrs)", stream_id, in.rejected);
      }
      in.done.clear();
      in.rejected = 0;
      if (fetched.events.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(kPollRecheck);
        continue;
      }
      const bool more = fetched.events.size() > static_cast<std::size_t>(in.max_events);
      if (more) fetched.events.resize(static_cast<std::size_t>(in.max_events));
      const auto signer = api.deps.keys->signer();
      const std::string issuer = api.deps.tokens->options().issuer;
      const std::int64_t now = api.deps.clock->NowSeconds();
      boost::json::object sets;
      for (const auto& event : fetched.events) {
        auto set = auth::SignSsfSet(*signer, event, *fetched.stream, issuer, now);
        if (!set.ok()) return ErrorResponse(set.error(), Surface::kGeneral);
        sets[auth::SsfJti(stream_id, event.id)] = *set;
      }
      boost::json::object o;
      o["sets"] = std::move(sets);
      o["moreAvailable"] = more;
      Response r = JsonResponse(200, boost::json::serialize(o));
      r.With("Cache-Control", "no-store");
      return r;
    }
  });
}

}  // namespace jwtd::http
