#include "support/postgres_environment.h"

#include <unistd.h>

namespace jwtd::testing {
namespace {

PostgresEnvironment* instance = nullptr;

std::string NextName(const char* prefix, int* counter) {
  return std::string(prefix) + std::to_string(getpid()) + "_" + std::to_string(++*counter);
}

}  // namespace

PostgresEnvironment* PostgresEnvironment::Register() {
  if (instance == nullptr) {
    instance = new PostgresEnvironment();  // owned by GoogleTest from here on
    ::testing::AddGlobalTestEnvironment(instance);
  }
  return instance;
}

PostgresServer* PostgresEnvironment::Server() {
  PostgresEnvironment* env = Register();
  if (!env->tried_) {
    env->tried_ = true;
    env->server_ = PostgresServer::Start(&env->start_error_);
  }
  if (env->server_ == nullptr) {
    ADD_FAILURE() << "cannot start the test PostgreSQL server: " << env->start_error_;
  }
  return env->server_.get();
}

std::string PostgresEnvironment::FreshSchemaUrl() {
  PostgresServer* server = Server();
  if (server == nullptr) return "";
  const std::string schema = NextName("t", &instance->next_name_);
  std::string error;
  if (!server->Exec(PostgresServer::kDatabase, "CREATE SCHEMA " + schema, &error)) {
    ADD_FAILURE() << "CREATE SCHEMA: " << error;
    return "";
  }
  return server->UrlFor(PostgresServer::kDatabase, schema);
}

std::string PostgresEnvironment::FreshDatabaseUrl() {
  PostgresServer* server = Server();
  if (server == nullptr) return "";
  const std::string name = NextName("db", &instance->next_name_);
  std::string error;
  if (!server->CreateDatabase(name, &error)) {
    ADD_FAILURE() << "CREATE DATABASE: " << error;
    return "";
  }
  return server->UrlFor(name);
}

void PostgresEnvironment::TearDown() {
  server_.reset();
  tried_ = false;
}

}  // namespace jwtd::testing
