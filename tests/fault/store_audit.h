// Direct reads of a jwtd database for the fault tests' consistency checks (SQLite file or
// PostgreSQL database): what HTTP cannot show, e.g. a refresh family that forked.
#pragma once

#include <string>

namespace jwtd::testing {

// Sessions holding more than one current (unrotated) refresh token: two live successors of one
// family. -1 (and a test failure) if the database cannot be read.
int ForkedFamiliesInSqlite(const std::string& db_path);
int ForkedFamiliesInPostgres(const std::string& store_url);

// Seqs missing from the revocation log below its highest: a gap a follower reading
// `seq > cursor` could never fill. 0 while nothing expired and was swept (the fault tests run for
// seconds; every entry lives at least an access-token lifetime). -1 if it cannot be read.
int LogHolesInSqlite(const std::string& db_path);
int LogHolesInPostgres(const std::string& store_url);

}  // namespace jwtd::testing
