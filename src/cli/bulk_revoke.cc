#include "bulk_revoke.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <string_view>
#include <vector>

#include "cli_common.h"

namespace jwtd::cli {
namespace {

constexpr std::size_t kUnknownShown = 20;

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

}  // namespace

int RevokeUsersFile(auth::TokenService& tokens, const BulkRevokeFlags& flags) {
  if (flags.page_size == 0 || flags.page_size > auth::BulkRevocationPage::kMaxUsers) {
    return PrintError("revoke", "--page-size must be 1 to 1000");
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
      "job {}: {} users, pages of {} (if interrupted, run the same command again: it continues "
      "after the last committed page)\n",
      job, total, flags.page_size);

  using Steady = std::chrono::steady_clock;
  const auto started = Steady::now();
  auto last_report = started;
  std::int64_t offset = 0, revoked = 0, done_before = 0;
  std::vector<std::string> unknown;
  std::size_t unknown_count = 0;
  while (offset < total) {
    const auto end =
        std::min<std::int64_t>(total, offset + static_cast<std::int64_t>(flags.page_size));
    auth::BulkRevocationPage page;
    page.job = job;
    page.offset = offset;
    page.users.assign(users->begin() + offset, users->begin() + end);
    auto result = tokens.RevokeUsersPage(page, "cli");
    if (!result.ok()) {
      PrintError("revoke", result.error(), ExitCodeOf(result.error()));
      std::cerr << fmt::format(
          "job {}: {} of {} users done; run the same command again to continue\n", job, offset,
          total);
      return ExitCodeOf(result.error());
    }
    if (result->status == auth::BulkPageStatus::kApplied) {
      revoked += static_cast<std::int64_t>(result->revoked);
      unknown_count += result->unknown.size();
      for (std::size_t i : result->unknown) {
        if (unknown.size() < kUnknownShown) unknown.push_back(Describe(page.users[i]));
      }
      offset = result->next_offset;
    } else {
      // Committed by an earlier run (or a concurrent one): continue where the job stands.
      if (result->next_offset <= offset) {
        return PrintError("revoke",
                          fmt::format("job {} stands at offset {}, before {}: it was "
                                      "changed elsewhere; use --job with a new name",
                                      job, result->next_offset, offset),
                          kExitFailed);
      }
      const std::int64_t skip_to = std::min(total, result->next_offset);
      done_before += skip_to - offset;
      std::cerr << fmt::format("job {}: users {} to {} were done before; continuing at {}\n", job,
                               offset, skip_to, skip_to);
      offset = skip_to;
    }
    const auto now = Steady::now();
    if (now - last_report >= std::chrono::seconds(1) || offset == total) {
      last_report = now;
      const double seconds = std::chrono::duration<double>(now - started).count();
      std::cerr << fmt::format(
          "job {}: {}/{} users ({:.0f}%), {:.0f} users/s\n", job, offset, total,
          100.0 * static_cast<double>(offset) / static_cast<double>(total),
          seconds > 0 ? static_cast<double>(offset - done_before) / seconds : 0.0);
    }
  }
  if (unknown_count > 0) {
    std::cerr << fmt::format("{} listed users do not exist:", unknown_count);
    for (const auto& u : unknown) std::cerr << " " << u;
    std::cerr << (unknown_count > unknown.size() ? " ...\n" : "\n");
  }
  std::cout << fmt::format(
      "revoked every session of {} users (job {}: {} listed, {} unknown, {} done by an earlier "
      "run)\n",
      revoked, job, total, unknown_count, done_before);
  return 0;
}

}  // namespace jwtd::cli
