// POSIX file helpers for the key directory: private, durable, atomic writes and reads that
// refuse files other users could read. Internal to src/store/keyfiles; thread-safe (no state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jwtd/result.h"

namespace jwtd::store::keyfiles {

// Creates `dir` with mode 0700 if absent (parents are not created). kInvalidArgument if it
// exists and is not a directory.
Result<void> EnsurePrivateDir(const std::string& dir);

// Writes `bytes` to dir/name atomically and durably: a temp file created with
// open(O_CREAT|O_EXCL, 0600), write, fsync, rename over the target, fsync of the directory.
Result<void> WriteFileAtomic(const std::string& dir, std::string_view name, std::string_view bytes);

// Reads a regular file of at most `max_bytes` (no symlinks followed). When `private_only`,
// refuses (kInvalidArgument, naming the file and the chmod fix) a file with any group/other
// permission bit. kNotFound if it does not exist.
Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes, bool private_only);

// Removes dir/name and syncs the directory; ok when already absent.
Result<void> RemoveFile(const std::string& dir, std::string_view name);

// Overwrites a string holding key material before it is freed.
void Wipe(std::string* s);

}  // namespace jwtd::store::keyfiles
