// jwtd::app::SsfPusher — push delivery of the Shared Signals transmitter (RFC 8935), started by
// `jwtd serve`. A scanner thread lists the streams every scan interval, starts one sender thread
// per push stream (and ends it when the stream is deleted or no longer pushes), and refreshes
// the queued/oldest gauges. A sender reads its stream's unacknowledged events from the outbox,
// signs and POSTs each SET in order on one kept-open connection and acknowledges those answered
// 202; on a failure it waits (100 ms doubling up to retry_max) and tries the same SET again. So a
// logout never waits on a receiver (it only wrote the outbox row), a dead receiver delays only its
// own stream, and since progress is the durable acknowledgement, a crash loses nothing: a SET
// POSTed but not yet acknowledged is POSTed again after a restart (at least once; receivers drop
// duplicates by jti).
//
// Thread-safety: Start/Stop from one thread; the rest is internal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/ssf_stats.h"
#include "jwtd/clock.h"

namespace jwtd::app {

struct SsfPushOptions {
  std::string issuer;
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds retry_max{60'000};
  std::chrono::milliseconds scan_every{250};    // new streams start delivering within this
  std::chrono::milliseconds idle_recheck{100};  // a new event is pushed within this
};

class SsfPusher {
 public:
  // All pointers are required and outlive the pusher.
  SsfPusher(SsfPushOptions options, auth::Store* store, const auth::KeyRing* keys,
            const Clock* clock, auth::SsfStats* stats);
  ~SsfPusher();
  SsfPusher(const SsfPusher&) = delete;
  SsfPusher& operator=(const SsfPusher&) = delete;

  void Start();
  void Stop();  // ends every sender (an in-flight push ends within its timeout)

 private:
  class Sender;
  void ScanLoop();
  void Scan();

  const SsfPushOptions options_;
  auth::Store* const store_;
  const auth::KeyRing* const keys_;
  const Clock* const clock_;
  auth::SsfStats* const stats_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread scanner_;
  std::map<std::string, std::unique_ptr<Sender>> senders_;  // scanner thread only
};

}  // namespace jwtd::app
