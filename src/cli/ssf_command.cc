// `jwtd ssf streams`: the Shared Signals streams with what each has delivered, what is queued,
// how many pushes failed and how old the oldest undelivered event is (docs/operations.md
// "Shared Signals delivery").
#include <cstdio>

#include "app/runtime.h"
#include "cli_common.h"
#include "jwtd/auth/ssf_set.h"
#include "jwtd/clock.h"

namespace jwtd::cli {
namespace {

struct Row {
  auth::SsfStream stream;
  auth::SsfBacklog backlog;
};

int Streams(const ConfigFlags& flags) {
  auto config = LoadConfigOrPrint(flags);
  if (!config) return kExitUsage;
  auto store = app::OpenStore(*config);
  if (!store.ok()) return PrintError("ssf", store.error());
  std::vector<Row> rows;
  auto read = (*store)->Read([&](auth::StoreReadTx& tx) -> Result<void> {
    rows.clear();
    auth::SsfTx* ssf = tx.ssf();
    if (ssf == nullptr) return Error(Code::kInternal, Reason::kInternal, "no streams here");
    auto streams = ssf->ListStreams();
    if (!streams.ok()) return streams.error();
    for (auto& s : *streams) {
      auto backlog = ssf->Backlog(s);
      if (!backlog.ok()) return backlog.error();
      rows.push_back({std::move(s), *backlog});
    }
    return Ok();
  });
  if (!read.ok()) return PrintError("ssf", read.error());
  const std::int64_t now = SystemClock()->NowSeconds();
  std::printf("%-24s %-12s %-5s %-9s %9s %7s %7s %8s  %s\n", "STREAM", "RECEIVER", "MODE", "STATUS",
              "DELIVERED", "QUEUED", "FAILED", "OLDEST_S", "ENDPOINT / LAST ERROR");
  for (const auto& [s, b] : rows) {
    const bool push = s.delivery_method == auth::kSsfPushMethod;
    const std::int64_t oldest = b.oldest_at > 0 ? now - b.oldest_at : 0;
    std::string tail = push ? s.endpoint_url : "-";
    if (!s.last_error.empty()) tail += "  (" + s.last_error + ")";
    std::printf("%-24s %-12s %-5s %-9s %9lld %7lld %7lld %8lld  %s\n", s.id.c_str(),
                s.client.c_str(), push ? "push" : "poll", s.status.c_str(),
                static_cast<long long>(s.delivered), static_cast<long long>(b.queued),
                static_cast<long long>(s.failures), static_cast<long long>(oldest), tail.c_str());
  }
  return 0;
}

}  // namespace

void RegisterSsfCommand(CLI::App& app, int* exit_code) {
  CLI::App* ssf = app.add_subcommand("ssf", "the Shared Signals transmitter");
  ssf->require_subcommand(1);
  auto flags = std::make_shared<ConfigFlags>();
  CLI::App* streams =
      ssf->add_subcommand("streams", "list streams: delivered, queued, failed, oldest queued age");
  AddConfigFlags(streams, flags.get());
  streams->callback([flags, exit_code] { *exit_code = Streams(*flags); });
}

}  // namespace jwtd::cli
