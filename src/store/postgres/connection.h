// One libpq connection with its prepared statements, the parameter/row helpers and the error
// mapping of the PostgreSQL store. A Connection is used by one thread at a time (the pool hands
// it out exclusively). Nothing here throws: libpq is a C library.
//
// Wire formats: integer parameters go as decimal text (the server parses them into whatever
// type the statement needs); string parameters go in binary format, i.e. as exact bytes with a
// length, so an embedded NUL is refused by the server instead of silently truncating the value.
// Results are requested in binary format: integers are big-endian, text and bytea are raw bytes.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "jwtd/result.h"

namespace jwtd::store::postgres {

// A statement of the store: `name` keys the per-connection prepared statement and names the
// operation in error messages; both strings have static storage duration.
struct Sql {
  const char* name;
  const char* text;
};

// The store's Error for a SQLSTATE: unique_violation -> kAlreadyExists; serialization_failure
// and deadlock_detected -> kAborted (kConflict); connection, shutdown, resource, timeout ->
// kUnavailable; invalid text encoding -> kInvalidArgument; else kInternal. The message names
// the operation and the condition, never the server's message (it may quote row data).
Error PgError(std::string_view sqlstate, std::string_view what);

// Whether `text` can be stored in a TEXT column of a UTF8 database: well-formed UTF-8 as the
// server checks it (no overlong forms, no surrogates, nothing above U+10FFFF) and no NUL.
bool StorableText(std::string_view text);
Error Unavailable(std::string message);

class Params {
 public:
  Params& Int(std::int64_t value);
  Params& Bool(bool value) { return Int(value ? 1 : 0); }
  Params& Text(std::string_view value);   // exact bytes
  Params& Bytes(std::string_view value);  // exact bytes; empty binds NULL
  Params& Null();
  Params& OptInt(const std::optional<std::int64_t>& value) { return value ? Int(*value) : Null(); }

  int size() const { return static_cast<int>(values_.size()); }
  // Arrays for PQexecPrepared; valid while this object is alive and unchanged.
  std::vector<const char*> Values() const;
  const std::vector<int>& Lengths() const { return lengths_; }
  const std::vector<int>& Formats() const { return formats_; }

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// One row of a binary-format result.
class Row {
 public:
  Row(const PGresult* result, int row) : result_(result), row_(row) {}
  // A big-endian integer column of 1 (boolean), 2, 4 or 8 bytes; NULL reads as 0.
  std::int64_t Int(int column) const;
  bool IsNull(int column) const { return PQgetisnull(result_, row_, column) == 1; }
  std::string Text(int column) const;  // text or bytea bytes; NULL reads as empty

 private:
  const PGresult* result_;
  int row_;
};

class Rows {
 public:
  explicit Rows(ResultPtr result) : result_(std::move(result)) {}
  int size() const { return PQntuples(result_.get()); }
  Row operator[](int row) const { return Row(result_.get(), row); }
  // Rows written by an INSERT/UPDATE/DELETE.
  std::int64_t affected() const;

 private:
  ResultPtr result_;
};

struct ConnectSettings {
  std::string url;
  int connect_timeout_s = 5;
  int statement_timeout_ms = 5000;
  // default_transaction_read_only = on for the session: every write fails (a verifier node).
  bool read_only = false;
};

class Connection {
 public:
  // Connects and sets the session up (statement_timeout, synchronous_commit=on, UTF8).
  // kUnavailable when the server cannot be reached or refuses the login.
  static Result<std::unique_ptr<Connection>> Open(const ConnectSettings& settings);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { PQfinish(conn_); }

  // Runs a prepared statement (prepared on first use on this connection).
  [[nodiscard]] Result<Rows> Query(const Sql& sql, const Params& params);
  // Runs SQL by the simple protocol (BEGIN/COMMIT, DDL; several statements allowed).
  [[nodiscard]] Result<void> Exec(const char* sql, std::string_view what);

  // Starts a transaction and forgets the previous one's error and conflict marks.
  [[nodiscard]] Result<void> Begin();
  // Commits; if a statement of the transaction failed, rolls back and returns its error.
  [[nodiscard]] Result<void> Commit();
  void Rollback();
  // A savepoint inside the transaction; a group commit isolates each caller's body in one. Its
  // name is reused: ROLLBACK TO goes back to the latest.
  [[nodiscard]] Result<void> Savepoint();
  // Undoes the writes since the latest savepoint; the transaction is usable again (the failed
  // statement's error is forgotten).
  [[nodiscard]] Result<void> RollbackToSavepoint();

  // The connection is lost (or unusable): the pool drops it.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Idle outside any transaction, i.e. safe to hand to the next user.
  bool idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  // Whether a serialization failure or deadlock ended the current transaction.
  bool conflict() const { return conflict_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Error Fail(const PGresult* result, std::string_view what);
  Result<void> Prepare(const Sql& sql);

  PGconn* conn_;
  std::unordered_set<std::string_view> prepared_;
  std::optional<Error> tx_error_;  // the first failure of the current transaction
  bool conflict_ = false;
};

}  // namespace jwtd::store::postgres
