// Load and bookkeeping for the fault tests: client threads that log in, call /v1/me, refresh and
// log out (each revocation kind in turn) against a real `jwtd serve` while a fault is injected;
// a ledger of what the server acknowledged; a checker that polls every acknowledged revocation
// during the fault; and the final audit ("nothing acknowledged lost, no revoked token accepted").
//
// Thread-safety: Load is driven from the test's main thread (Start, Stop, Audit); its worker and
// checker threads only touch the ledger under its mutex. Ports are read atomically, so a node
// restarted on a new port is followed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"

namespace jwtd::testing {

using SteadyClock = std::chrono::steady_clock;

// A request's status, 0 when no answer came back (refused, reset, timed out).
int StatusOf(std::uint16_t port, const HttpRequest& request, HttpResponse* out = nullptr);
int MeStatus(std::uint16_t port, const std::string& access);
int RefreshStatus(std::uint16_t port, const std::string& refresh, std::string* access = nullptr,
                  std::string* next_refresh = nullptr);
// Polls GET /readyz until 200 (true) or the deadline.
bool WaitReady(std::uint16_t port, std::chrono::milliseconds limit = std::chrono::seconds(60));
// Registers `user` (201) with the password the load uses.
bool RegisterUser(std::uint16_t port, const std::string& user);

// One session as a client holds it.
struct HeldTokens {
  std::string access;
  std::string refresh;
};

enum class RevocationKind { kLogoutBearer, kLogoutRefresh, kLogoutAll, kRevokeAccess };

// A revocation the server acknowledged with a 2xx: from `acked` on, `access` must be refused
// (by every node after `deadline`) and, when set, `refresh` must never yield tokens again.
struct Acknowledged {
  RevocationKind kind;
  int node = 0;  // index into LoadOptions::nodes of the node that acknowledged it
  HeldTokens tokens;
  bool refresh_revoked = false;
  SteadyClock::time_point acked;
};

struct LoadOptions {
  int workers = 3;
  // The nodes the workers talk to (worker i uses node i % size) and the checker polls.
  std::vector<std::atomic<std::uint16_t>*> nodes;
  // Whether "no answer" is an expected outcome (a node is being killed).
  bool connection_loss_expected = false;
  // How long another node may still accept a revocation acknowledged elsewhere (the bus's
  // staleness bound); the acknowledging node itself must refuse at once.
  std::chrono::milliseconds other_node_grace{0};
};

class Load {
 public:
  explicit Load(LoadOptions options);
  ~Load();

  // Registers one user per worker and starts the workers and the checker.
  void Start();
  void Stop();

  // Counts of "<endpoint> <status>" seen so far, for the report and the status assertions.
  std::map<std::string, int> Statuses() const;
  // Statuses that are never acceptable: 5xx other than 503, 0 unless connection loss is expected,
  // anything outside the endpoint's contract.
  std::vector<std::string> BadStatuses() const;
  // Acknowledged revocations seen accepted by the checker past their deadline (must be empty).
  std::vector<std::string> Violations() const;
  int checks() const { return checks_.load(); }
  int acknowledged() const;
  // Polls until at least `count` revocations were acknowledged (progress under a loaded machine
  // takes as long as it takes); false after `limit`.
  bool WaitForAcknowledged(int count,
                           std::chrono::milliseconds limit = std::chrono::seconds(30)) const;
  int successful_refreshes() const { return refreshed_.load(); }

  // After the fault has healed: every acknowledged revocation is refused on every node, every
  // session a client still holds either refreshes (its last 200 left a usable successor) or is
  // consistently revoked (refresh refused and access refused). Adds test failures. The clients
  // keep the successors: returns how many sessions are live, which a later audit (after a
  // restart) must find again.
  int Audit(std::uint16_t port);

 private:
  void Work(int index);
  void Check();
  void Record(const std::string& endpoint, int status, const HttpResponse& response);
  void OneSession(int node, const std::string& worker_user, int round);
  // Sends one revocation of `kind`; true when the server acknowledged it (2xx).
  bool Revoke(int node, RevocationKind kind, const HeldTokens& t);
  std::uint16_t port(int node) const { return options_.nodes[node]->load(); }

  const LoadOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<int> checks_{0};
  std::atomic<int> refreshed_{0};
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::map<std::string, int> statuses_;  // guarded by mu_
  std::vector<Acknowledged> acked_;      // guarded by mu_
  std::vector<HeldTokens> held_;         // guarded by mu_: sessions the clients still hold
  std::vector<std::string> violations_;  // guarded by mu_
};

}  // namespace jwtd::testing
