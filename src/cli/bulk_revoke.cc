#include "bulk_revoke.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "cli_common.h"

namespace jwtd::cli {
namespace {

constexpr std::size_t kUnknownShown = 20;
constexpr std::size_t kMaxParallel = 16;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// One user per line; blank lines and lines starting with '#' are skipped. A line that is not a
// user id (with --ids) is refused with its number before anything is revoked.
Result<std::vector<auth::BulkUser>> ParseUsers(std::string_view text, bool ids) {
  std::vector<auth::BulkUser> users;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = Trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auth::BulkUser user;
    if (ids) {
      const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), user.id);
      if (ec != std::errc() || ptr != line.data() + line.size() || user.id <= 0) {
        return Error(Code::kInvalidArgument, Reason::kBadRequest,
                     fmt::format("line {}: not a user id (a positive integer)", line_no));
      }
    } else {
      user.username = std::string(line);
    }
    users.push_back(std::move(user));
  }
  if (users.empty()) return Error(Code::kInvalidArgument, Reason::kBadRequest, "no users listed");
  return users;
}

// "file:" and 16 hex digits of the SHA-256 of the list as read: the same file names the same
// job, so running the command again continues it; another list is another job.
std::string JobOf(std::string_view text, bool ids) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const std::string input = std::string(ids ? "ids\n" : "names\n") + std::string(text);
  if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    size = 0;
  }
  std::string job = "file:";
  for (unsigned int i = 0; i < std::min(size, 8U); ++i) job += fmt::format("{:02x}", digest[i]);
  return job;
}

std::string Describe(const auth::BulkUser& user) {
  return user.id > 0 ? std::to_string(user.id) : user.username;
}

// FNV-1a: a user's shard must not change between runs or builds (std::hash may).
std::uint64_t StableHash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// One shard of a run: its own job in the store, the users whose key hashes to it, in list
// order. A longer list with the same beginning keeps every shard's beginning too.
struct Shard {
  std::string job;
  std::vector<auth::BulkUser> users;
};

std::vector<Shard> SplitIntoShards(const std::string& job, std::vector<auth::BulkUser> users,
                                   std::size_t parallel) {
  std::vector<Shard> shards(parallel);
  for (std::size_t i = 0; i < parallel; ++i) {
    shards[i].job = parallel == 1 ? job : fmt::format("{}#{}/{}", job, i + 1, parallel);
  }
  for (auth::BulkUser& u : users) {
    shards[StableHash(Describe(u)) % parallel].users.push_back(std::move(u));
  }
  return shards;
}

// What the shards have done so far, shared with the progress reports.
struct Progress {
  std::mutex mu;
  std::int64_t done = 0, revoked = 0, done_before = 0;
  std::size_t unknown_count = 0;
  std::vector<std::string> unknown;  // the first kUnknownShown
  std::optional<Error> error;
  int exit_code = 0;
};

// Sends one shard's pages in order; stops at the first failure (its own or another shard's).
void RunShard(auth::TokenService& tokens, const Shard& shard, std::size_t page_size,
              Progress& progress) {
  const auto total = static_cast<std::int64_t>(shard.users.size());
  std::int64_t offset = 0;
  while (offset < total) {
    {
      std::lock_guard lock(progress.mu);
      if (progress.error) return;
    }
    const auto end = std::min<std::int64_t>(total, offset + static_cast<std::int64_t>(page_size));
    auth::BulkRevocationPage page;
    page.job = shard.job;
    page.offset = offset;
    page.users.assign(shard.users.begin() + offset, shard.users.begin() + end);
    auto result = tokens.RevokeUsersPage(page, "cli");
    std::lock_guard lock(progress.mu);
    if (!result.ok()) {
      progress.error = result.error();
      progress.exit_code = ExitCodeOf(result.error());
      return;
    }
    if (result->status == auth::BulkPageStatus::kApplied) {
      progress.revoked += static_cast<std::int64_t>(result->revoked);
      progress.unknown_count += result->unknown.size();
      for (std::size_t i : result->unknown) {
        if (progress.unknown.size() < kUnknownShown) {
          progress.unknown.push_back(Describe(page.users[i]));
        }
      }
      progress.done += result->next_offset - offset;
      offset = result->next_offset;
      continue;
    }
    // Committed by an earlier run (or a concurrent one): continue where the job stands.
    if (result->next_offset <= offset) {
      progress.error = Error(Code::kAborted, Reason::kNone,
                             fmt::format("job {} stands at offset {}, before {}: it was changed "
                                         "elsewhere; use --job with a new name",
                                         shard.job, result->next_offset, offset));
      progress.exit_code = kExitFailed;
      return;
    }
    const std::int64_t skip_to = std::min(total, result->next_offset);
    progress.done += skip_to - offset;
    progress.done_before += skip_to - offset;
    std::cerr << fmt::format("job {}: users {} to {} were done before; continuing at {}\n",
                             shard.job, offset, skip_to, skip_to);
    offset = skip_to;
  }
}

}  // namespace

int RevokeUsersFile(auth::TokenService& tokens, const BulkRevokeFlags& flags) {
  if (flags.page_size == 0 || flags.page_size > auth::BulkRevocationPage::kMaxUsers) {
    return PrintError("revoke", "--page-size must be 1 to 1000");
  }
  if (flags.parallel == 0 || flags.parallel > kMaxParallel) {
    return PrintError("revoke", fmt::format("--parallel must be 1 to {}", kMaxParallel));
  }
  if (!flags.job.empty() && (flags.job.size() > 120 || !auth::IsValidBulkJob(flags.job))) {
    return PrintError("revoke", "--job must be 1 to 120 visible ASCII characters (no spaces)");
  }
  auto text = ReadInput(flags.users_file);
  if (!text.ok()) return PrintError("revoke", text.error(), kExitUsage);
  auto users = ParseUsers(*text, flags.ids);
  if (!users.ok()) {
    return PrintError("revoke", flags.users_file + ": " + users.error().message());
  }
  const std::string job = flags.job.empty() ? JobOf(*text, flags.ids) : flags.job;
  const auto total = static_cast<std::int64_t>(users->size());
  std::cerr << fmt::format(
      "job {}: {} users, pages of {}, {} at a time (if interrupted, run the same command again: "
      "it continues after the last committed pages)\n",
      job, total, flags.page_size, flags.parallel);
  const std::vector<Shard> shards = SplitIntoShards(job, std::move(*users), flags.parallel);

  using Steady = std::chrono::steady_clock;
  const auto started = Steady::now();
  Progress progress;
  std::atomic<std::size_t> running{shards.size()};
  std::vector<std::thread> workers;
  for (const Shard& shard : shards) {
    workers.emplace_back([&tokens, &shard, &flags, &progress, &running] {
      RunShard(tokens, shard, flags.page_size, progress);
      running.fetch_sub(1);
    });
  }
  // A report about once a second, and one at the end.
  auto last_report = started;
  for (bool last = false; !last;) {
    last = running.load() == 0;
    if (!last) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto now = Steady::now();
    if (!last && now - last_report < std::chrono::seconds(1)) continue;
    last_report = now;
    const double seconds = std::chrono::duration<double>(now - started).count();
    std::lock_guard lock(progress.mu);
    std::cerr << fmt::format(
        "job {}: {}/{} users ({:.0f}%), {:.0f} users/s\n", job, progress.done, total,
        100.0 * static_cast<double>(progress.done) / static_cast<double>(total),
        seconds > 0 ? static_cast<double>(progress.done - progress.done_before) / seconds : 0.0);
  }
  for (auto& w : workers) w.join();
  if (progress.error) {
    PrintError("revoke", *progress.error, progress.exit_code);
    std::cerr << fmt::format(
        "job {}: {} of {} users done; run the same command again to continue\n", job, progress.done,
        total);
    return progress.exit_code;
  }
  if (progress.unknown_count > 0) {
    std::cerr << fmt::format("{} listed users do not exist:", progress.unknown_count);
    for (const auto& u : progress.unknown) std::cerr << " " << u;
    std::cerr << (progress.unknown_count > progress.unknown.size() ? " ...\n" : "\n");
  }
  std::cout << fmt::format(
      "revoked every session of {} users (job {}: {} listed, {} unknown, {} done by an earlier "
      "run)\n",
      progress.revoked, job, total, progress.unknown_count, progress.done_before);
  return 0;
}

}  // namespace jwtd::cli
