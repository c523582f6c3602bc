#include "app/remote_key_ring.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "jwtd/jose/jwks.h"

namespace jwtd::app {
namespace {

constexpr std::size_t kMaxJwksBytes = 256 * 1024;

struct Snapshot {
  std::shared_ptr<const jose::Verifier> verifier;
  std::shared_ptr<const std::string> jwks;
  std::vector<auth::KeyInfo> infos;
};

class RemoteKeyRing final : public auth::KeyRing {
 public:
  RemoteKeyRing(FeedOrigin origin, jose::VerifyOptions verify, RemoteKeyRingOptions options,
                const Clock* clock)
      : origin_(std::move(origin)), verify_(std::move(verify)), options_(options), clock_(clock) {}

  Result<void> Init() {
    std::lock_guard lock(mu_);
    auto fetched = FetchLocked();
    if (!fetched.ok()) return fetched.error();
    return Ok();
  }

  std::shared_ptr<const jose::Signer> signer() const override { return nullptr; }
  std::shared_ptr<const jose::Verifier> verifier() const override { return snap_.load()->verifier; }
  std::shared_ptr<const std::string> public_jwks() const override { return snap_.load()->jwks; }
  std::vector<auth::KeyInfo> List() const override { return snap_.load()->infos; }
  void OnUnknownKid() const override { unknown_kid_.store(true, std::memory_order_relaxed); }

  Result<bool> Tick() override {
    std::lock_guard lock(mu_);
    const std::int64_t now = clock_->MonotonicNanos();
    const bool due = now - fetched_ns_ >= Nanos(options_.refresh_every);
    const bool asked = unknown_kid_.load(std::memory_order_relaxed) &&
                       now - fetched_ns_ >= Nanos(options_.min_refetch);
    if (!due && !asked) return false;
    unknown_kid_.store(false, std::memory_order_relaxed);
    return FetchLocked();
  }
  Result<bool> Reload() override { return Tick(); }
  Result<auth::KeyInfo> Rotate() override { return ReadOnly(); }
  Result<void> Revoke(std::string_view) override { return ReadOnly(); }

 private:
  static std::int64_t Nanos(std::chrono::milliseconds ms) { return ms.count() * 1'000'000; }
  static Error ReadOnly() {
    return Error(Code::kPermissionDenied, Reason::kBadRequest,
                 "a feed-following verifier's keys are the feed node's");
  }

  // Fetches and publishes the JWKS; true when it changed. The attempt counts for the rate limit
  // whether or not it succeeds.
  Result<bool> FetchLocked() {
    fetched_ns_ = clock_->MonotonicNanos();
    auto answer = HttpGet(origin_, "/.well-known/jwks.json", options_.timeout, kMaxJwksBytes);
    if (!answer.ok()) return answer.error();
    if (answer->status != 200) {
      return Error(
          Code::kUnavailable, Reason::kStoreUnavailable,
          "feed node: GET /.well-known/jwks.json answered " + std::to_string(answer->status));
    }
    const auto current = snap_.load();
    if (current && *current->jwks == answer->body) return false;
    auto set = jose::KeySet::FromJwks(answer->body);
    if (!set.ok()) {
      return Error(Code::kInvalidArgument, set.error().reason(),
                   "feed node's JWKS: " + set.error().message());
    }
    auto verifier = jose::Verifier::Create(*set, verify_, clock_);
    if (!verifier.ok()) return verifier.error();
    auto snap = std::make_shared<Snapshot>();
    snap->verifier = std::move(*verifier);
    snap->jwks = std::make_shared<const std::string>(std::move(answer->body));
    for (const auto& key : (*set)->keys()) {
      auth::KeyInfo info;
      info.kid = key->kid();
      info.alg = key->alg();
      info.state = auth::KeyState::kActive;
      snap->infos.push_back(std::move(info));
    }
    spdlog::info("keys: {} public key(s) from the feed node's JWKS", snap->infos.size());
    snap_.store(std::move(snap));
    return true;
  }

  // Immutable after construction.
  const FeedOrigin origin_;
  const jose::VerifyOptions verify_;
  const RemoteKeyRingOptions options_;
  const Clock* const clock_;

  std::mutex mu_;                                      // serialises fetches
  std::int64_t fetched_ns_ = 0;                        // guarded by mu_
  mutable std::atomic<bool> unknown_kid_{false};       // own synchronisation
  std::atomic<std::shared_ptr<const Snapshot>> snap_;  // own synchronisation
};

}  // namespace

Result<std::unique_ptr<auth::KeyRing>> OpenRemoteKeyRing(FeedOrigin origin,
                                                         jose::VerifyOptions verify,
                                                         RemoteKeyRingOptions options,
                                                         const Clock* clock) {
  auto ring = std::make_unique<RemoteKeyRing>(std::move(origin), std::move(verify), options, clock);
  JWTD_RETURN_IF_ERROR(ring->Init());
  return std::unique_ptr<auth::KeyRing>(std::move(ring));
}

}  // namespace jwtd::app
