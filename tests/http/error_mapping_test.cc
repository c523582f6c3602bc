#include "http/error_mapping.h"

#include <gtest/gtest.h>

#include <set>

namespace jwtd::http {
namespace {

constexpr auto kLastReason = static_cast<int>(Reason::kInternal);
constexpr auto kLastCode = static_cast<int>(Code::kInternal);
const Surface kSurfaces[] = {Surface::kGeneral,  Surface::kBearer, Surface::kLogin,
                             Surface::kRegister, Surface::kGrant,  Surface::kPassword};

bool IsDpop(Reason r) {
  return r == Reason::kDpopInvalid || r == Reason::kDpopMismatch || r == Reason::kDpopStale ||
         r == Reason::kDpopReplayed || r == Reason::kDpopNonce || r == Reason::kDpopBinding;
}

bool IsRevocation(Reason r) {
  return r == Reason::kJtiDenied || r == Reason::kSessionEnded || r == Reason::kVersionBumped ||
         r == Reason::kKeyRevoked;
}

TEST(ErrorMappingTest, EveryRefusedAccessTokenIsInvalidToken) {
  for (int i = 0; i <= kLastReason; ++i) {
    const auto reason = static_cast<Reason>(i);
    if (IsDpop(reason)) continue;  // RFC 9449 §7.1: below
    const HttpError e = MapError(Error(Code::kUnauthenticated, reason, "detail"), Surface::kBearer);
    SCOPED_TRACE(std::string(ReasonName(reason)));
    EXPECT_EQ(e.status, 401);
    EXPECT_EQ(e.code, "invalid_token");
    EXPECT_EQ(e.www_authenticate, "Bearer error=\"invalid_token\"");  // RFC 6750 §3.1
    const std::string expected = reason == Reason::kTokenExpired ? "token expired"
                                 : IsRevocation(reason)          ? "token revoked"
                                                                 : "invalid token";
    EXPECT_EQ(e.description, expected);
    // The same decision, machine-readable (api.md "reason").
    const std::string reason_member = reason == Reason::kTokenExpired ? "expired"
                                      : IsRevocation(reason)          ? "revoked"
                                                                      : "invalid";
    EXPECT_EQ(e.reason, reason_member);
    EXPECT_NE(ToResponse(e).body.find("\"reason\":\"" + reason_member + "\""), std::string::npos);
  }
}

// RFC 9449 §7.1: a refused proof is invalid_dpop_proof, a missing nonce use_dpop_nonce, a token
// used without its key invalid_token — each with a DPoP challenge on resources (401) and as a
// 400 on login and refresh; the failed check itself is never told.
TEST(ErrorMappingTest, DpopRefusalsNameTheRfc9449Errors) {
  for (Reason r : {Reason::kDpopInvalid, Reason::kDpopMismatch, Reason::kDpopStale,
                   Reason::kDpopReplayed, Reason::kDpopNonce, Reason::kDpopBinding}) {
    SCOPED_TRACE(std::string(ReasonName(r)));
    const std::string code = r == Reason::kDpopNonce     ? "use_dpop_nonce"
                             : r == Reason::kDpopBinding ? "invalid_token"
                                                         : "invalid_dpop_proof";
    const HttpError resource =
        MapError(Error(Code::kUnauthenticated, r, "detail"), Surface::kBearer);
    EXPECT_EQ(resource.status, 401);
    EXPECT_EQ(resource.code, code);
    EXPECT_EQ(resource.www_authenticate, "DPoP error=\"" + code + "\"");
    EXPECT_EQ(resource.description.find("detail"), std::string::npos);
    for (Surface s : {Surface::kLogin, Surface::kGrant}) {
      const HttpError grant = MapError(Error(Code::kUnauthenticated, r, "detail"), s);
      EXPECT_EQ(grant.status, 400);
      EXPECT_EQ(grant.code, r == Reason::kDpopNonce ? "use_dpop_nonce" : "invalid_dpop_proof");
      EXPECT_TRUE(grant.www_authenticate.empty());
    }
  }
}

TEST(ErrorMappingTest, RefreshFailuresAreInvalidGrant) {
  for (Reason r : {Reason::kRefreshUnknown, Reason::kRefreshExpired, Reason::kRefreshReused,
                   Reason::kRefreshRevoked}) {
    const HttpError e = MapError(Error(Code::kUnauthenticated, r), Surface::kGrant);
    EXPECT_EQ(e.status, 400) << ReasonName(r);  // RFC 6749 §5.2
    EXPECT_EQ(e.code, "invalid_grant");
    EXPECT_TRUE(e.www_authenticate.empty());
    EXPECT_EQ(e.reason, r == Reason::kRefreshExpired   ? "expired"
                        : r == Reason::kRefreshUnknown ? "invalid"
                                                       : "revoked");
    // Also when a refresh failure surfaces on another endpoint.
    EXPECT_EQ(MapError(Error(Code::kUnauthenticated, r), Surface::kGeneral).code, "invalid_grant");
  }
  EXPECT_EQ(MapError(Error(Code::kInvalidArgument, Reason::kBadRequest), Surface::kGrant).code,
            "invalid_grant");
}

TEST(ErrorMappingTest, PasswordChangeRefusalsAreCredentialsOrToken) {
  const HttpError wrong =
      MapError(Error(Code::kUnauthenticated, Reason::kBadCredentials), Surface::kPassword);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.code, "invalid_credentials");
  EXPECT_TRUE(wrong.www_authenticate.empty());  // the token was fine; the password was not
  const HttpError ended =
      MapError(Error(Code::kUnauthenticated, Reason::kSessionEnded), Surface::kPassword);
  EXPECT_EQ(ended.code, "invalid_token");
  EXPECT_EQ(ended.reason, "revoked");
  const HttpError weak =
      MapError(Error(Code::kInvalidArgument, Reason::kBadRequest), Surface::kPassword);
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(weak.description, "new_password: not acceptable");
  EXPECT_EQ(MapError(Error(Code::kResourceExhausted, Reason::kRateLimited).WithRetryAfter(7),
                     Surface::kPassword)
                .retry_after,
            7);
}

TEST(ErrorMappingTest, LoginFailuresReadAlike) {
  const HttpError bad =
      MapError(Error(Code::kUnauthenticated, Reason::kBadCredentials), Surface::kLogin);
  const HttpError disabled =
      MapError(Error(Code::kPermissionDenied, Reason::kUserDisabled), Surface::kLogin);
  const HttpError disabled2 =
      MapError(Error(Code::kUnauthenticated, Reason::kUserDisabled), Surface::kLogin);
  for (const auto* e : {&bad, &disabled, &disabled2}) {
    EXPECT_EQ(e->status, 401);
    EXPECT_EQ(e->code, "invalid_credentials");
    EXPECT_EQ(e->description, bad.description);
    EXPECT_TRUE(e->reason.empty());
  }
}

TEST(ErrorMappingTest, StatusTable) {
  struct Row {
    Code code;
    Reason reason;
    Surface surface;
    int status;
    const char* error;
  };
  const Row rows[] = {
      {Code::kResourceExhausted, Reason::kRateLimited, Surface::kLogin, 429, "rate_limited"},
      {Code::kAlreadyExists, Reason::kAlreadyExists, Surface::kRegister, 409, "username_taken"},
      {Code::kPermissionDenied, Reason::kNone, Surface::kRegister, 403, "registration_disabled"},
      {Code::kInvalidArgument, Reason::kBadRequest, Surface::kRegister, 400, "invalid_request"},
      {Code::kInvalidArgument, Reason::kBadRequest, Surface::kGeneral, 400, "invalid_request"},
      {Code::kUnavailable, Reason::kStoreUnavailable, Surface::kGeneral, 503,
       "temporarily_unavailable"},
      {Code::kUnavailable, Reason::kViewStale, Surface::kBearer, 503, "temporarily_unavailable"},
      {Code::kNotFound, Reason::kNotFound, Surface::kGeneral, 404, "not_found"},
      {Code::kInternal, Reason::kInternal, Surface::kGeneral, 500, "server_error"},
      {Code::kAborted, Reason::kConflict, Surface::kGeneral, 409, "conflict"},
  };
  for (const auto& row : rows) {
    const HttpError e = MapError(Error(row.code, row.reason), row.surface);
    EXPECT_EQ(e.status, row.status) << row.error;
    EXPECT_EQ(e.code, row.error);
  }
}

TEST(ErrorMappingTest, RetryAfterOnRateLimitAndOutage) {
  const HttpError limited = MapError(
      Error(Code::kResourceExhausted, Reason::kRateLimited).WithRetryAfter(42), Surface::kLogin);
  EXPECT_EQ(limited.retry_after, 42);
  Response r = ToResponse(limited);
  EXPECT_EQ(r.Header("Retry-After"), "42");
  EXPECT_EQ(
      MapError(Error(Code::kResourceExhausted, Reason::kRateLimited), Surface::kLogin).retry_after,
      1);
  EXPECT_GT(
      MapError(Error(Code::kUnavailable, Reason::kStoreUnavailable), Surface::kGeneral).retry_after,
      0);
}

// No combination leaks the log message or the fine reason's name into what the client reads,
// and bad input never turns into a 5xx.
TEST(ErrorMappingTest, NothingLeaksAndInputErrorsStay4xx) {
  for (int c = 1; c <= kLastCode; ++c) {
    for (int i = 0; i <= kLastReason; ++i) {
      for (Surface s : kSurfaces) {
        const auto reason = static_cast<Reason>(i);
        const auto code = static_cast<Code>(c);
        const HttpError e = MapError(Error(code, reason, "SECRET kid=abc sig"), s);
        const Response r = ToResponse(e);
        SCOPED_TRACE(std::string(CodeName(code)) + "/" + std::string(ReasonName(reason)));
        EXPECT_EQ(r.body.find("SECRET"), std::string::npos);
        if (reason != Reason::kInternal && reason != Reason::kNone) {
          EXPECT_EQ(e.description.find(ReasonName(reason)), std::string::npos);
        }
        EXPECT_FALSE(e.description.empty());
        EXPECT_GE(e.status, 400);
        if (code == Code::kInvalidArgument || code == Code::kUnauthenticated ||
            code == Code::kNotFound || code == Code::kAlreadyExists ||
            code == Code::kPermissionDenied || code == Code::kResourceExhausted) {
          EXPECT_LT(e.status, 500);
        }
        // A refused password (login, or the current one of a change) is no refused token.
        const bool password_refused =
            s == Surface::kLogin || (s == Surface::kPassword && reason == Reason::kBadCredentials);
        if (e.status == 401 && !password_refused) {
          EXPECT_FALSE(e.www_authenticate.empty());
        }
        EXPECT_EQ(r.Header("Cache-Control"), "no-store");
      }
    }
  }
}

TEST(ErrorMappingTest, FixedResponses) {
  const Response missing = MissingBearer();
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("WWW-Authenticate"), "Bearer");  // no error attribute (RFC 6750 §3.1)
  const Response client = InvalidClient();
  EXPECT_EQ(client.status, 401);
  EXPECT_NE(client.body.find("\"invalid_client\""), std::string::npos);
  EXPECT_EQ(CsrfFailed().status, 403);
  const Response j = JsonError(400, "x\"y", "a\nb");
  EXPECT_EQ(j.body, R"({"error":"x\"y","error_description":"a\nb"})");
  EXPECT_EQ(j.content_type, "application/json");
}

}  // namespace
}  // namespace jwtd::http
