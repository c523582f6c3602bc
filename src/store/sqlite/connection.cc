#include "store/sqlite/connection.h"

#include <string>
#include <utility>

namespace jwtd::store::sqlite {

Error SqliteError(int rc, std::string_view what) {
  std::string message =
      "sqlite " + std::string(what) + ": " + sqlite3_errstr(rc) + " (" + std::to_string(rc) + ")";
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error(Code::kAlreadyExists, Reason::kAlreadyExists, std::move(message));
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
      return Error(Code::kUnavailable, Reason::kStoreUnavailable, std::move(message));
    default:
      return Error(Code::kInternal, Reason::kInternal, std::move(message));
  }
}

// --- Stmt ---

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      conn_(other.conn_),
      bind_error_(other.bind_error_) {}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Stmt::Keep(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Stmt& Stmt::Bind(int index, std::int64_t value) {
  Keep(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Stmt& Stmt::BindText(int index, std::string_view value) {
  Keep(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Stmt& Stmt::BindBlob(int index, std::string_view value) {
  if (value.empty()) return BindNull(index);
  Keep(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT));
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  Keep(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Stmt::Step() {
  if (bind_error_ != SQLITE_OK) return SqliteError(bind_error_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_->NoteResult(rc);
  return SqliteError(rc, "step");
}

Result<void> Stmt::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.error();
    if (!*row) return Ok();
  }
}

std::string Stmt::Text(int column) const {
  // sqlite3_column_blob then _bytes, in that order (sqlite3.h "column_blob" notes).
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::int64_t Stmt::Changes() const { return sqlite3_changes64(conn_->db()); }

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool for_reads,
                                                     int busy_timeout_ms, bool read_only) {
  sqlite3* db = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return SqliteError(rc, "open");
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  JWTD_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys=ON", "foreign_keys"));
  if (for_reads || read_only) {
    JWTD_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=ON", "query_only"));
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void Connection::NoteResult(int rc) {
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) busy_ = true;
}

Result<Stmt> Connection::Prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return Stmt(it->second, this);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    NoteResult(rc);
    return SqliteError(rc, "prepare");
  }
  statements_.emplace(sql, stmt);
  return Stmt(stmt, this);
}

Result<void> Connection::Exec(const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return Ok();
  NoteResult(rc);
  return SqliteError(rc, what);
}

Result<std::string> Connection::QueryText(std::string_view sql) {
  Result<Stmt> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::string();
  return stmt->Text(0);
}

}  // namespace jwtd::store::sqlite
