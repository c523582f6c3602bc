// The operator's mass logout: every session of many users ended, one page of users per
// transaction (`jwtd revoke --users-file`, POST /v1/admin/revocations/users; docs/operations.md).
//
// A job is a named list of users, sent in pages in list order. Each page's transaction ends
// every session of each of its users (as `jwtd revoke --user-id` does, audit row and CAEP event
// included) and moves the job's stored offset past the page, so an interrupted job resumes
// exactly after its last committed page: a page sent again is recognised and changes nothing
// (users who signed in again since are not signed out twice), and a page that does not start
// where the job stands is refused with the offset it should start at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jwtd::auth {

// One user of a job: by id when id > 0, else by exact username.
struct BulkUser {
  std::int64_t id = 0;
  std::string username;
};

struct BulkRevocationPage {
  std::string job;          // 1-128 visible ASCII characters (no spaces)
  std::int64_t offset = 0;  // the index of users[0] in the job's whole list
  std::vector<BulkUser> users;

  static constexpr std::size_t kMaxUsers = 1000;
  static constexpr std::size_t kMaxJobLength = 128;
};

// A job name is 1 to kMaxJobLength visible ASCII characters (no spaces).
bool IsValidBulkJob(std::string_view job);

enum class BulkPageStatus : std::uint8_t {
  kApplied,      // this call ended the page's sessions
  kAlreadyDone,  // the job is past the whole page already: nothing changed
  kNotNext,      // the page starts elsewhere than the job's offset (ahead, or overlapping it)
};

struct BulkPageResult {
  BulkPageStatus status = BulkPageStatus::kApplied;
  std::int64_t next_offset = 0;      // where the job stands after this call
  std::size_t revoked = 0;           // users whose sessions this call ended
  std::vector<std::size_t> unknown;  // indexes in the page of users that do not exist
};

}  // namespace jwtd::auth
