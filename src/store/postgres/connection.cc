#include "store/postgres/connection.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace jwtd::store::postgres {
namespace {

struct Condition {
  std::string_view sqlstate;
  std::string_view name;
  Code code;
  Reason reason;
};

// The conditions the store tells apart (PostgreSQL manual, Appendix A). Whole classes are
// matched by their first two characters below.
constexpr std::array kConditions = {
    Condition{"23505", "unique_violation", Code::kAlreadyExists, Reason::kAlreadyExists},
    Condition{"23503", "foreign_key_violation", Code::kInternal, Reason::kInternal},
    Condition{"23502", "not_null_violation", Code::kInternal, Reason::kInternal},
    Condition{"23514", "check_violation", Code::kInternal, Reason::kInternal},
    Condition{"40001", "serialization_failure", Code::kAborted, Reason::kConflict},
    Condition{"40P01", "deadlock_detected", Code::kAborted, Reason::kConflict},
    Condition{"57P01", "admin_shutdown", Code::kUnavailable, Reason::kStoreUnavailable},
    Condition{"57P02", "crash_shutdown", Code::kUnavailable, Reason::kStoreUnavailable},
    Condition{"57P03", "cannot_connect_now", Code::kUnavailable, Reason::kStoreUnavailable},
    Condition{"57014", "query_canceled (statement timeout)", Code::kUnavailable,
              Reason::kStoreUnavailable},
    Condition{"55P03", "lock_not_available", Code::kUnavailable, Reason::kStoreUnavailable},
    Condition{"25006", "read_only_sql_transaction", Code::kUnavailable, Reason::kStoreUnavailable},
    Condition{"22021", "character_not_in_repertoire", Code::kInvalidArgument, Reason::kBadRequest},
    Condition{"22P05", "untranslatable_character", Code::kInvalidArgument, Reason::kBadRequest},
    Condition{"25P02", "in_failed_sql_transaction", Code::kInternal, Reason::kInternal},
    Condition{"42P01", "undefined_table", Code::kInternal, Reason::kInternal},
};

// Classes that all mean "the store cannot serve now": connection exceptions, insufficient
// resources (disk full, too many connections), system errors (I/O).
constexpr std::array kUnavailableClasses = {std::string_view("08"), std::string_view("53"),
                                            std::string_view("58")};

// First line of a libpq message (it never holds the password).
std::string FirstLine(const char* message) {
  std::string_view text = message == nullptr ? "" : message;
  return std::string(text.substr(0, text.find('\n')));
}

}  // namespace

Error Unavailable(std::string message) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable, std::move(message));
}

Error PgError(std::string_view sqlstate, std::string_view what) {
  std::string message = "postgres " + std::string(what) + ": ";
  for (const Condition& c : kConditions) {
    if (c.sqlstate == sqlstate) {
      return Error(c.code, c.reason,
                   message + std::string(c.name) + " (SQLSTATE " + std::string(sqlstate) + ")");
    }
  }
  message += "SQLSTATE " + std::string(sqlstate);
  for (std::string_view cls : kUnavailableClasses) {
    if (sqlstate.starts_with(cls)) return Unavailable(std::move(message));
  }
  return Error(Code::kInternal, Reason::kInternal, std::move(message));
}

bool StorableText(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return false;  // a continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// --- Params ---

Params& Params::Int(std::int64_t value) {
  values_.push_back(std::to_string(value));
  null_.push_back(false);
  lengths_.push_back(0);
  formats_.push_back(0);  // text
  return *this;
}

Params& Params::Text(std::string_view value) {
  values_.emplace_back(value);
  null_.push_back(false);
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);  // binary: the exact bytes
  return *this;
}

Params& Params::Bytes(std::string_view value) { return value.empty() ? Null() : Text(value); }

Params& Params::Null() {
  values_.emplace_back();
  null_.push_back(true);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

std::vector<const char*> Params::Values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) {
    out.push_back(null_[i] ? nullptr : values_[i].data());
  }
  return out;
}

// --- rows ---

std::int64_t Row::Int(int column) const {
  if (IsNull(column)) return 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row_, column));
  const int length = std::min(PQgetlength(result_, row_, column), 8);
  std::uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | bytes[i];
  if (length > 1 && length < 8 && (bytes[0] & 0x80) != 0) value |= ~0ULL << (length * 8);
  return static_cast<std::int64_t>(value);
}

std::string Row::Text(int column) const {
  if (IsNull(column)) return {};
  return std::string(PQgetvalue(result_, row_, column),
                     static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::int64_t Rows::affected() const {
  std::string_view tuples = PQcmdTuples(result_.get());
  std::int64_t n = 0;
  std::from_chars(tuples.data(), tuples.data() + tuples.size(), n);
  return n;
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectSettings& settings) {
  const std::string connect_timeout = std::to_string(std::max(settings.connect_timeout_s, 1));
  // A peer that vanishes without a FIN must not hang a request for the kernel's ~15 minutes.
  const std::string tcp_timeout = std::to_string(std::max(settings.statement_timeout_ms, 0) +
                                                 std::max(settings.connect_timeout_s, 1) * 1000);
  const std::array<const char*, 6> keys = {
      "dbname",          "connect_timeout",           "tcp_user_timeout",
      "keepalives_idle", "fallback_application_name", nullptr};
  const std::array<const char*, 6> values = {
      settings.url.c_str(), connect_timeout.c_str(), tcp_timeout.c_str(), "30", "jwtd", nullptr};
  PGconn* raw = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr) return Unavailable("postgres connect: out of memory");
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return Unavailable("postgres connect: " + FirstLine(PQerrorMessage(raw)));
  }
  // synchronous_commit=on: a commit is flushed to the server's WAL before it is acknowledged,
  // whatever the database's default (a 2xx after a logout must survive a crash).
  const std::string setup =
      "SET statement_timeout = " + std::to_string(std::max(settings.statement_timeout_ms, 0)) +
      "; SET synchronous_commit = on; SET client_encoding = 'UTF8'"
      "; SET client_min_messages = warning" +
      std::string(settings.read_only ? "; SET default_transaction_read_only = on" : "");
  JWTD_RETURN_IF_ERROR(conn->Exec(setup.c_str(), "session setup"));
  return conn;
}

Error Connection::Fail(const PGresult* result, std::string_view what) {
  const char* sqlstate = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  Error error = sqlstate != nullptr ? PgError(sqlstate, what)
                                    : Error(Code::kInternal, Reason::kInternal,
                                            "postgres " + std::string(what) + ": client error");
  if (broken() && error.code() != Code::kUnavailable) {
    error = Unavailable("postgres " + std::string(what) + ": connection lost");
  }
  if (error.reason() == Reason::kConflict) conflict_ = true;
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR && !tx_error_) tx_error_ = error;
  return error;
}

Result<void> Connection::Prepare(const Sql& sql) {
  if (prepared_.contains(sql.name)) return Ok();
  ResultPtr result(PQprepare(conn_, sql.name, sql.text, 0, nullptr));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) return Fail(result.get(), sql.name);
  prepared_.insert(sql.name);
  return Ok();
}

Result<Rows> Connection::Query(const Sql& sql, const Params& params) {
  // A failed statement aborts the whole PostgreSQL transaction: report its error again.
  if (tx_error_ && PQtransactionStatus(conn_) == PQTRANS_INERROR) return *tx_error_;
  if (broken()) return Unavailable("postgres " + std::string(sql.name) + ": connection lost");
  JWTD_RETURN_IF_ERROR(Prepare(sql));
  const std::vector<const char*> values = params.Values();
  ResultPtr result(PQexecPrepared(conn_, sql.name, params.size(), values.data(),
                                  params.Lengths().data(), params.Formats().data(),
                                  /*resultFormat=binary*/ 1));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Fail(result.get(), sql.name);
  return Rows(std::move(result));
}

Result<void> Connection::Exec(const char* sql, std::string_view what) {
  if (broken()) return Unavailable("postgres " + std::string(what) + ": connection lost");
  ResultPtr result(PQexec(conn_, sql));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(result.get(), what);
  return Ok();
}

Result<void> Connection::Begin() {
  tx_error_.reset();
  conflict_ = false;
  return Exec("BEGIN ISOLATION LEVEL READ COMMITTED", "begin");
}

Result<void> Connection::Commit() {
  if (tx_error_) {
    Error error = *tx_error_;
    Rollback();
    return error;
  }
  return Exec("COMMIT", "commit");
}

void Connection::Rollback() {
  if (!broken() && !idle()) (void)Exec("ROLLBACK", "rollback");
}

Result<void> Connection::Savepoint() { return Exec("SAVEPOINT body", "savepoint"); }

Result<void> Connection::RollbackToSavepoint() {
  JWTD_RETURN_IF_ERROR(Exec("ROLLBACK TO SAVEPOINT body", "rollback to savepoint"));
  tx_error_.reset();
  return Ok();
}

}  // namespace jwtd::store::postgres
