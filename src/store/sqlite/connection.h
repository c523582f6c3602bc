// One SQLite connection with a cache of prepared statements, and the error mapping of the
// SQLite store. A Connection is used by one thread at a time (the pool or the write mutex
// guarantees it), so it is opened SQLITE_OPEN_NOMUTEX.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "jwtd/result.h"

namespace jwtd::store::sqlite {

// The store's Error for an SQLite result code (extended codes are on): unique key ->
// kAlreadyExists; busy/locked, I/O, full, read-only, cannot open -> kUnavailable; else
// kInternal. `what` names the operation; the message never holds row data.
Error SqliteError(int rc, std::string_view what);

class Connection;

// A borrowed, cached prepared statement; reset (and its bindings cleared) on destruction.
// Bind errors are kept and reported by the next Step().
class Stmt {
 public:
  Stmt(sqlite3_stmt* stmt, Connection* conn) : stmt_(stmt), conn_(conn) {}
  Stmt(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  Stmt& Bind(int index, std::int64_t value);
  Stmt& BindText(int index, std::string_view value);
  Stmt& BindBlob(int index, std::string_view value);  // empty binds NULL
  Stmt& BindNull(int index);

  // True when a row is ready to read, false when done.
  [[nodiscard]] Result<bool> Step();
  // Steps to the end, for statements without results.
  [[nodiscard]] Result<void> Run();

  std::int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;  // text or blob bytes; NULL reads as empty
  // Rows changed by the last Run() of this connection.
  std::int64_t Changes() const;

 private:
  void Keep(int rc);

  sqlite3_stmt* stmt_;
  Connection* conn_;
  int bind_error_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens `path` (an SQLite URI accepted), creating it if missing. A read connection is made
  // query_only, so a bug cannot write through it. `read_only`: SQLITE_OPEN_READONLY, never
  // created (a missing file is an error) and query_only too.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool for_reads,
                                                  int busy_timeout_ms, bool read_only = false);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // `sql` must be a string with static storage duration: it keys the statement cache.
  [[nodiscard]] Result<Stmt> Prepare(std::string_view sql);
  // Runs SQL without results (pragmas, DDL, BEGIN/COMMIT); several statements allowed.
  [[nodiscard]] Result<void> Exec(const char* sql, std::string_view what);
  // Runs a one-row, one-column text query (e.g. PRAGMA journal_mode=WAL).
  [[nodiscard]] Result<std::string> QueryText(std::string_view sql);

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  bool read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }
  sqlite3* db() const { return db_; }

  // Whether SQLITE_BUSY/SQLITE_LOCKED was seen since the last call (so Transact may retry).
  bool TakeBusy() {
    bool busy = busy_;
    busy_ = false;
    return busy;
  }
  void NoteResult(int rc);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;
  bool busy_ = false;
};

}  // namespace jwtd::store::sqlite
