// `jwtd revoke --users-file FILE`: every session of every listed user ended, in pages (one
// transaction each), with progress on stderr; an interrupted run is continued by running the same
// command again (jwtd/auth/bulk_revocation.h: the job's offset is stored with each page).
#pragma once

#include <cstddef>
#include <string>

#include "jwtd/auth/token_service.h"

namespace jwtd::cli {

struct BulkRevokeFlags {
  std::string users_file;  // one username (or, with ids, one user id) per line; "-": stdin
  bool ids = false;
  std::string job;  // empty: named after the file's contents, so a rerun continues the same job
  std::size_t page_size = 500;
  // Users are split over this many jobs (<job>#i/N, by a stable hash of each line) whose pages
  // run at once; a rerun continues each only with the same number.
  std::size_t parallel = 2;
};

// The exit code: 0 when every page is committed (unknown users are listed, not an error), 2 for
// unusable input (nothing revoked), 1 when a page failed (the pages before it stay done).
int RevokeUsersFile(auth::TokenService& tokens, const BulkRevokeFlags& flags);

}  // namespace jwtd::cli
