// The Shared Signals transmitter (docs/api.md "Shared Signals") against a real `jwtd serve`
// (SQLite and PostgreSQL): stream management per receiver, poll delivery with acknowledgement
// and redelivery, push delivery to a real receiver (ssf_receiver.py, which verifies each SET
// with PyJWT against jwtd's JWKS), nothing lost across a kill -9, and a dead receiver that
// delays neither logouts nor the other streams.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "server_fixture.h"
#include "support/process.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr char kPoll[] = "urn:ietf:rfc:8936";
constexpr char kPush[] = "urn:ietf:rfc:8935";
constexpr char kSessionRevoked[] =
    "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
constexpr char kCredentialChange[] =
    "https://schemas.openid.net/secevent/caep/event-type/credential-change";
// "rs1:secret1secret1secret1" and "rs2:secret2secret2secret2", base64.
constexpr char kRs1[] = "Basic cnMxOnNlY3JldDFzZWNyZXQxc2VjcmV0MQ==";
constexpr char kRs2[] = "Basic cnMyOnNlY3JldDJzZWNyZXQyc2VjcmV0Mg==";

std::string DecodeSegment(const std::string& jwt, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = jwt.find('.', start) + 1;
  std::string seg = jwt.substr(start, jwt.find('.', start) - start);
  for (char& c : seg) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (seg.size() % 4 != 0) seg.push_back('=');
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : seg) {
    if (c == '=') break;
    buf = (buf << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

json::object Claims(const std::string& jwt) {
  return json::parse(DecodeSegment(jwt, 1)).as_object();
}
json::object Header(const std::string& jwt) {
  return json::parse(DecodeSegment(jwt, 0)).as_object();
}

// A push receiver process (ssf_receiver.py) on a fixed loopback port.
class Receiver {
 public:
  Receiver(int port, const std::string& dir)
      : port_(port), out_(dir + "/sets-" + std::to_string(port)) {}
  ~Receiver() { Stop(); }
  void Start(std::uint16_t jwtd_port, const std::string& issuer, const std::string& audience,
             std::vector<std::string> extra = {}) {
    std::string error;
    log_ = out_ + ".log";
    std::vector<std::string> argv = {
        "/usr/bin/python3",
        JWTD_SSF_RECEIVER,
        "--jwks-url",
        "http://127.0.0.1:" + std::to_string(jwtd_port) + "/.well-known/jwks.json",
        "--issuer",
        issuer,
        "--audience",
        audience,
        "--out",
        out_,
        "--port",
        std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = Spawn(argv, log_, RunAs{}, &error);
    ASSERT_GT(pid_, 0) << error;
    for (int i = 0; i < 100; ++i) {
      std::ifstream in(log_);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      if (text.find("listening on") != std::string::npos) return;
      ASSERT_FALSE(Exited(pid_)) << "ssf_receiver.py (needs /usr/bin/python3 with PyJWT) died: "
                                 << LogTail(log_);
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "ssf_receiver.py did not start: " << LogTail(log_);
  }
  void Stop() {
    if (pid_ > 0) StopProcess(pid_, SIGTERM, 2s);
    pid_ = -1;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }
  // The claims of every SET it accepted, in arrival order.
  std::vector<json::object> Sets() const {
    std::vector<json::object> out;
    std::ifstream in(out_);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(json::parse(line).as_object());
    }
    return out;
  }
  // How many connections it accepted.
  std::size_t Connections() const {
    std::ifstream in(out_ + ".connections");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.empty() ? 0 : 1;
    return n;
  }
  std::string Rejected() const {
    std::ifstream in(out_ + ".rejected");
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  // Waits until at least `n` distinct jtis arrived (bounded).
  std::set<std::string> WaitFor(std::size_t n, std::chrono::milliseconds limit = 10s) const {
    std::set<std::string> jtis;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      jtis.clear();
      for (const auto& s : Sets()) jtis.insert(std::string(s.at("jti").as_string()));
      if (jtis.size() >= n) break;
      std::this_thread::sleep_for(50ms);
    }
    return jtis;
  }

 private:
  int port_;
  std::string out_, log_;
  pid_t pid_ = -1;
};

class SsfTest : public ServerTest {
 protected:
  void StartSsf(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(),
                 {"--set", "feed.clients=rs1:secret1secret1secret1,rs2:secret2secret2secret2",
                  "--set", "ssf.retry_max_ms=200", "--set", "ssf.push_timeout_ms=500"});
    StartServer(std::move(extra));
  }
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = {}, const std::string& auth = kRs1) const {
    HttpRequest r{.method = method,
                  .target = target,
                  .body = body,
                  .content_type = body.empty() ? "" : "application/json",
                  .headers = {}};
    if (!auth.empty()) r.headers.push_back({"Authorization", auth});
    return client().Send(r);
  }
  std::string Create(const json::object& body, const std::string& auth = kRs1) const {
    HttpResponse r = Call("POST", "/ssf/streams", json::serialize(body), auth);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().as_object().at("stream_id").as_string()) : "";
  }
  std::string CreatePoll() const { return Create({{"delivery", {{"method", kPoll}}}}); }
  std::string Issuer() const {
    return std::string(
        client().Get("/.well-known/ssf-configuration").Json().as_object().at("issuer").as_string());
  }
  // One login and logout of alice: one session-revoked event. Returns the sid.
  std::string LoginLogout() {
    Tokens t = Login("alice");
    EXPECT_EQ(client().PostJson("/v1/logout", json::object{}, t.access).status, 204);
    return ClaimOf(t.access, "sid");
  }
  json::object Poll(const std::string& id, const json::object& body) const {
    HttpResponse r = Call("POST", "/ssf/poll/" + id, json::serialize(body));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.Json().as_object() : json::object();
  }
};

TEST_P(SsfTest, ConfigurationNamesTheEndpointsAndMethods) {
  StartSsf();
  HttpResponse r = client().Get("/.well-known/ssf-configuration");
  ASSERT_EQ(r.status, 200);
  auto c = r.Json().as_object();
  const std::string iss(c.at("issuer").as_string());
  EXPECT_EQ(c.at("spec_version").as_string(), "1_0");
  EXPECT_EQ(c.at("jwks_uri").as_string(), iss + "/.well-known/jwks.json");
  EXPECT_EQ(c.at("configuration_endpoint").as_string(), iss + "/ssf/streams");
  EXPECT_EQ(c.at("status_endpoint").as_string(), iss + "/ssf/status");
  EXPECT_EQ(c.at("verification_endpoint").as_string(), iss + "/ssf/verify");
  EXPECT_EQ(c.at("default_subjects").as_string(), "ALL");
  EXPECT_EQ(json::serialize(c.at("delivery_methods_supported")),
            R"(["urn:ietf:rfc:8935","urn:ietf:rfc:8936"])");
  EXPECT_EQ(c.at("authorization_schemes").as_array().size(), 1u);
}

TEST_P(SsfTest, StreamsBelongToTheirReceiverAndBadInputNamesTheField) {
  StartSsf();
  EXPECT_EQ(Call("GET", "/ssf/streams", "", "").status, 401);
  EXPECT_EQ(Call("GET", "/ssf/streams", "", "Basic cnMxOndyb25n").status, 401);  // rs1:wrong
  const std::string id = Create({{"delivery", {{"method", kPoll}}},
                                 {"events_requested", {kSessionRevoked, "urn:example:other"}},
                                 {"description", "audit"}});
  ASSERT_FALSE(id.empty());
  auto got = Call("GET", "/ssf/streams?stream_id=" + id);
  ASSERT_EQ(got.status, 200);
  auto s = got.Json().as_object();
  EXPECT_EQ(s.at("aud").as_string(), "rs1");
  EXPECT_EQ(s.at("description").as_string(), "audit");
  EXPECT_EQ(json::serialize(s.at("events_delivered")),
            std::string("[\"") + kSessionRevoked + "\"]");
  EXPECT_EQ(s.at("delivery").as_object().at("endpoint_url").as_string(),
            Issuer() + "/ssf/poll/" + id);
  // Another receiver: not found, whatever it tries; its list is empty.
  EXPECT_EQ(Call("GET", "/ssf/streams?stream_id=" + id, "", kRs2).status, 404);
  EXPECT_EQ(Call("DELETE", "/ssf/streams?stream_id=" + id, "", kRs2).status, 404);
  EXPECT_EQ(
      Call("PATCH", "/ssf/streams", R"({"stream_id":")" + id + R"(","description":"x"})", kRs2)
          .status,
      404);
  EXPECT_EQ(Call("GET", "/ssf/status?stream_id=" + id, "", kRs2).status, 404);
  EXPECT_EQ(Call("POST", "/ssf/poll/" + id, "{}", kRs2).status, 404);
  EXPECT_EQ(Call("GET", "/ssf/streams", "", kRs2).body, "[]");
  EXPECT_EQ(Call("GET", "/ssf/streams?stream_id=nope").status, 404);
  // PATCH changes what it names; PUT replaces every receiver field.
  auto patched =
      Call("PATCH", "/ssf/streams", R"({"stream_id":")" + id + R"(","description":"y"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json().as_object().at("events_requested").as_array().size(), 2u);
  auto put = Call("PUT", "/ssf/streams",
                  R"({"stream_id":")" + id + R"(","delivery":{"method":")" + kPoll + R"("}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_FALSE(put.Json().as_object().contains("description"));
  EXPECT_EQ(Call("GET", "/ssf/streams").Json().as_array().size(), 1u);
  // Malformed bodies: 400 naming the field.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"not json", "body"},
      {R"({"delivery":"poll"})", "delivery"},
      {R"({"delivery":{"method":"urn:x"}})", "delivery.method"},
      {R"({"delivery":{"method":"urn:ietf:rfc:8935"}})", "delivery.endpoint_url"},
      {R"({"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"ftp://h/x"}})",
       "delivery.endpoint_url"},
      {R"({"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"/relative"}})",
       "delivery.endpoint_url"},
      {R"({"events_requested":"x"})", "events_requested"},
      {R"({"events_requested":[1]})", "events_requested"},
      {R"({"description":5})", "description"},
  };
  for (const auto& [body, field] : bad) {
    HttpResponse r = Call("POST", "/ssf/streams", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
  }
  EXPECT_EQ(Call("PATCH", "/ssf/streams", R"({"description":"x"})").status, 400);  // no stream_id
  EXPECT_EQ(Call("POST", "/ssf/status", R"({"stream_id":")" + id + R"(","status":"off"})").status,
            400);
  EXPECT_EQ(Call("POST", "/ssf/poll/" + id, R"({"maxEvents":-1})").status, 400);
  EXPECT_EQ(Call("POST", "/ssf/poll/" + id, R"({"ack":"x"})").status, 400);
  // Streams are durable, and DELETE ends them.
  server_->Terminate();
  server_->Restart();
  EXPECT_EQ(Call("GET", "/ssf/streams?stream_id=" + id).status, 200);
  EXPECT_EQ(Call("DELETE", "/ssf/streams?stream_id=" + id).status, 204);
  EXPECT_EQ(Call("GET", "/ssf/streams?stream_id=" + id).status, 404);
}

TEST_P(SsfTest, PollDeliversSignedSetsAndRedeliversUntilAcknowledged) {
  StartSsf();
  Register("alice");
  const std::string id = CreatePoll();
  const std::string sid = LoginLogout();
  LoginLogout();
  LoginLogout();
  auto first = Poll(id, {{"maxEvents", 2}, {"returnImmediately", true}});
  ASSERT_EQ(first.at("sets").as_object().size(), 2u);
  EXPECT_TRUE(first.at("moreAvailable").as_bool());
  std::vector<std::string> jtis;
  for (const auto& [jti, set] : first.at("sets").as_object()) {
    jtis.emplace_back(jti);
    const std::string token(set.as_string());
    EXPECT_EQ(Header(token).at("typ").as_string(), "secevent+jwt");
    auto c = Claims(token);
    EXPECT_EQ(c.at("jti").as_string(), jti);
    EXPECT_EQ(c.at("aud").as_string(), "rs1");
    EXPECT_EQ(c.at("iss").as_string(), Issuer());
    EXPECT_TRUE(c.contains("iat"));
    EXPECT_FALSE(c.at("txn").as_string().empty());
    auto sub = c.at("sub_id").as_object();
    EXPECT_EQ(sub.at("format").as_string(), "complex");
    EXPECT_EQ(sub.at("user").as_object().at("format").as_string(), "iss_sub");
    EXPECT_EQ(sub.at("session").as_object().at("format").as_string(), "opaque");
    auto ev = c.at("events").as_object().at(kSessionRevoked).as_object();
    EXPECT_TRUE(ev.contains("event_timestamp"));
    EXPECT_EQ(ev.at("reason_admin").as_object().at("en").as_string(), "logout");
  }
  EXPECT_EQ(Claims(std::string(first.at("sets").as_object().begin()->value().as_string()))
                .at("sub_id")
                .as_object()
                .at("session")
                .as_object()
                .at("id")
                .as_string(),
            sid);
  // Not acknowledged: the same two again (same jtis).
  auto again = Poll(id, {{"maxEvents", 2}, {"returnImmediately", true}});
  ASSERT_EQ(again.at("sets").as_object().size(), 2u);
  for (const auto& jti : jtis) EXPECT_TRUE(again.at("sets").as_object().contains(jti));
  // Acknowledge the first, reject the second: the third comes next, the first two never again.
  auto third =
      Poll(id, {{"ack", {jtis[0]}},
                {"setErrs", {{jtis[1], {{"err", "invalid_request"}, {"description", "x"}}}}},
                {"returnImmediately", true}});
  ASSERT_EQ(third.at("sets").as_object().size(), 1u);
  EXPECT_FALSE(third.at("moreAvailable").as_bool());
  const std::string last(third.at("sets").as_object().begin()->key());
  EXPECT_EQ(std::set<std::string>(jtis.begin(), jtis.end()).count(last), 0u);
  // Acknowledged ones stay acknowledged across a restart.
  server_->Kill();
  server_->Restart();
  auto after = Poll(id, {{"returnImmediately", true}});
  ASSERT_EQ(after.at("sets").as_object().size(), 1u);
  EXPECT_TRUE(after.at("sets").as_object().contains(last));
  auto empty = Poll(id, {{"ack", {last}}, {"returnImmediately", true}});
  EXPECT_TRUE(empty.at("sets").as_object().empty());
  // A long poll answers as soon as an event arrives.
  std::thread later([this] {
    std::this_thread::sleep_for(300ms);
    LoginLogout();
  });
  auto waited = Poll(id, {{"maxEvents", 5}});
  later.join();
  EXPECT_EQ(waited.at("sets").as_object().size(), 1u);
  // Logout-all: one user-wide event, an iss_sub subject.
  Tokens t = Login("alice");
  ASSERT_EQ(client().PostJson("/v1/logout-all", json::object{}, t.access).status, 204);
  auto all =
      Poll(id, {{"ack", json::array(waited.at("sets").as_object().size()
                                        ? json::array{waited.at("sets").as_object().begin()->key()}
                                        : json::array{})},
                {"returnImmediately", true}});
  ASSERT_EQ(all.at("sets").as_object().size(), 1u);
  auto c = Claims(std::string(all.at("sets").as_object().begin()->value().as_string()));
  EXPECT_EQ(c.at("sub_id").as_object().at("format").as_string(), "iss_sub");
  EXPECT_EQ(c.at("sub_id").as_object().at("sub").as_string(), ClaimOf(t.access, "sub"));
}

// A password change (the user's, POST /v1/password) and a reset (`jwtd users set-password`) each
// deliver a CAEP credential-change SET beside the user-wide session-revoked, in one txn; a
// stream that asked for session-revoked alone gets only that.
TEST_P(SsfTest, PasswordChangesDeliverCredentialChange) {
  StartSsf();
  Register("alice");
  const std::string all = CreatePoll();
  const std::string revoked_only =
      Create({{"delivery", {{"method", kPoll}}}, {"events_requested", {kSessionRevoked}}});
  HttpResponse read = Call("GET", "/ssf/streams?stream_id=" + all);
  ASSERT_EQ(read.status, 200) << read.body;
  const std::string delivered = json::serialize(read.Json().as_object().at("events_delivered"));
  EXPECT_NE(delivered.find(kCredentialChange), std::string::npos) << delivered;

  Tokens mine = Login("alice");
  Login("alice");
  HttpResponse changed = client().PostJson(
      "/v1/password",
      {{"current_password", "correct horse"}, {"new_password", "a brand new passphrase"}},
      mine.access);
  ASSERT_EQ(changed.status, 200) << changed.body;

  // The events of one SET each, by type.
  auto by_type = [](const json::object& polled) {
    std::map<std::string, json::object> out;
    for (const auto& [jti, set] : polled.at("sets").as_object()) {
      auto c = Claims(std::string(set.as_string()));
      out[std::string(c.at("events").as_object().begin()->key())] = c;
    }
    return out;
  };
  auto sets = by_type(Poll(all, {{"returnImmediately", true}}));
  ASSERT_EQ(sets.size(), 2u);
  ASSERT_EQ(sets.count(kCredentialChange), 1u);
  const json::object& change = sets[kCredentialChange];
  EXPECT_EQ(json::serialize(change.at("sub_id")),
            json::serialize(json::object{
                {"format", "iss_sub"}, {"iss", Issuer()}, {"sub", ClaimOf(mine.access, "sub")}}));
  const json::object body = change.at("events").as_object().at(kCredentialChange).as_object();
  EXPECT_EQ(body.size(), 4u) << json::serialize(body);
  EXPECT_EQ(body.at("credential_type").as_string(), "password");
  EXPECT_EQ(body.at("change_type").as_string(), "update");
  EXPECT_EQ(body.at("initiating_entity").as_string(), "user");
  EXPECT_GT(body.at("event_timestamp").as_int64(), 0);
  const json::object& ended = sets[kSessionRevoked];
  EXPECT_EQ(ended.at("sub_id").as_object().at("format").as_string(), "iss_sub");
  const json::object ended_body = ended.at("events").as_object().at(kSessionRevoked).as_object();
  EXPECT_EQ(ended_body.at("reason_admin").as_object().at("en").as_string(), "password_changed");
  EXPECT_EQ(ended_body.at("initiating_entity").as_string(), "user");
  EXPECT_EQ(change.at("txn"), ended.at("txn"));

  auto only = by_type(Poll(revoked_only, {{"returnImmediately", true}}));
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only.count(kSessionRevoked), 1u);

  // The operator's reset: initiated by an admin.
  json::array acked;
  for (const auto& [type, c] : sets) acked.emplace_back(c.at("jti"));
  ProcessResult reset = RunCli({"users", "set-password", "alice"}, "another long password\n");
  ASSERT_EQ(reset.exit_code, 0) << reset.out;
  auto after = by_type(Poll(all, {{"ack", acked}, {"returnImmediately", true}}));
  ASSERT_EQ(after.count(kCredentialChange), 1u);
  EXPECT_EQ(after[kCredentialChange]
                .at("events")
                .as_object()
                .at(kCredentialChange)
                .as_object()
                .at("initiating_entity")
                .as_string(),
            "admin");
}

// The credential-change SET as a receiver sees it: pushed, and verified by PyJWT against the JWKS.
TEST_P(SsfTest, PushedCredentialChangeVerifiesAtAReceiver) {
  StartSsf();
  Register("alice");
  Receiver receiver(FreeLoopbackPort(), dir_.path());
  receiver.Start(server_->port(), Issuer(), "rs1");
  Create({{"delivery", {{"method", kPush}, {"endpoint_url", receiver.url()}}},
          {"events_requested", {kCredentialChange}}});
  std::this_thread::sleep_for(300ms);  // the pusher's scan picks the stream up
  Tokens t = Login("alice");
  HttpResponse changed = client().PostJson(
      "/v1/password",
      {{"current_password", "correct horse"}, {"new_password", "a brand new passphrase"}},
      t.access);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(receiver.WaitFor(1).size(), 1u) << receiver.Rejected();
  EXPECT_TRUE(receiver.Rejected().empty()) << receiver.Rejected();
  auto sets = receiver.Sets();
  ASSERT_FALSE(sets.empty());
  const auto& events = sets.front().at("events").as_object();
  ASSERT_TRUE(events.contains(kCredentialChange)) << json::serialize(sets.front());
  EXPECT_EQ(events.at(kCredentialChange).as_object().at("credential_type").as_string(), "password");
  EXPECT_EQ(sets.front().at("sub_id").as_object().at("sub").as_string(), ClaimOf(t.access, "sub"));
}

TEST_P(SsfTest, StatusPausesHoldsAndDisablingDropsAndVerificationIsDelivered) {
  StartSsf();
  Register("alice");
  const std::string id = CreatePoll();
  auto status = Call("GET", "/ssf/status?stream_id=" + id);
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.Json().as_object().at("status").as_string(), "enabled");
  const std::string pause = R"({"stream_id":")" + id + R"(","status":"paused","reason":"m"})";
  ASSERT_EQ(Call("POST", "/ssf/status", pause).status, 200);
  LoginLogout();
  EXPECT_TRUE(Poll(id, {{"returnImmediately", true}}).at("sets").as_object().empty());
  ASSERT_EQ(
      Call("POST", "/ssf/status", R"({"stream_id":")" + id + R"(","status":"enabled"})").status,
      200);
  EXPECT_EQ(Poll(id, {{"returnImmediately", true}}).at("sets").as_object().size(), 1u);  // held
  ASSERT_EQ(
      Call("POST", "/ssf/status", R"({"stream_id":")" + id + R"(","status":"disabled"})").status,
      200);
  LoginLogout();
  ASSERT_EQ(
      Call("POST", "/ssf/status", R"({"stream_id":")" + id + R"(","status":"enabled"})").status,
      200);
  EXPECT_TRUE(Poll(id, {{"returnImmediately", true}}).at("sets").as_object().empty());  // dropped
  ASSERT_EQ(Call("POST", "/ssf/verify", R"({"stream_id":")" + id + R"(","state":"abc"})").status,
            204);
  auto v = Poll(id, {{"returnImmediately", true}});
  ASSERT_EQ(v.at("sets").as_object().size(), 1u);
  auto c = Claims(std::string(v.at("sets").as_object().begin()->value().as_string()));
  EXPECT_EQ(c.at("events")
                .as_object()
                .at("https://schemas.openid.net/secevent/ssf/event-type/verification")
                .as_object()
                .at("state")
                .as_string(),
            "abc");
  EXPECT_EQ(Call("POST", "/ssf/verify", R"({"stream_id":"nope"})").status, 404);
}

TEST_P(SsfTest, PushDeliversEverySetVerifiedByAReceiver) {
  StartSsf();
  Register("alice");
  Receiver receiver(FreeLoopbackPort(), dir_.path());
  receiver.Start(server_->port(), Issuer(), "rs1");
  const std::string id =
      Create({{"delivery", {{"method", kPush}, {"endpoint_url", receiver.url()}}}});
  std::this_thread::sleep_for(300ms);  // the pusher's scan picks the stream up
  constexpr int kLogouts = 10;
  for (int i = 0; i < kLogouts; ++i) LoginLogout();
  auto jtis = receiver.WaitFor(kLogouts);
  EXPECT_EQ(jtis.size(), static_cast<std::size_t>(kLogouts)) << receiver.Rejected();
  EXPECT_TRUE(receiver.Rejected().empty()) << receiver.Rejected();
  for (const auto& s : receiver.Sets()) {
    EXPECT_TRUE(s.at("events").as_object().contains(kSessionRevoked));
  }
  // One kept-open connection carried them all (a handshake per SET caps a stream's rate).
  EXPECT_EQ(receiver.Connections(), 1u);
  // Delivered means acknowledged: the operator's view and the metrics agree.
  ProcessResult listed = RunCli({"ssf", "streams"});
  EXPECT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  std::this_thread::sleep_for(400ms);
  const std::string metrics = client().Get("/metrics").body;
  EXPECT_NE(metrics.find("jwtd_ssf_delivered_total 10"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("jwtd_ssf_events_queued 0"), std::string::npos);
}

TEST_P(SsfTest, AConnectionTheReceiverClosedWhileIdleIsReplacedWithoutAFailure) {
  StartSsf();
  Register("alice");
  Receiver receiver(FreeLoopbackPort(), dir_.path());
  receiver.Start(server_->port(), Issuer(), "rs1", {"--idle-timeout", "0.3"});
  Create({{"delivery", {{"method", kPush}, {"endpoint_url", receiver.url()}}}});
  std::this_thread::sleep_for(300ms);  // the pusher's scan picks the stream up
  for (int i = 0; i < 3; ++i) LoginLogout();
  ASSERT_EQ(receiver.WaitFor(3).size(), 3u) << receiver.Rejected();
  std::this_thread::sleep_for(800ms);  // the receiver closes the idle connection
  for (int i = 0; i < 3; ++i) LoginLogout();
  EXPECT_EQ(receiver.WaitFor(6).size(), 6u) << receiver.Rejected();
  EXPECT_EQ(receiver.Connections(), 2u);
  // The closed connection was noticed and the SET sent again on a new one: not a failed push.
  const std::string metrics = client().Get("/metrics").body;
  EXPECT_NE(metrics.find("jwtd_ssf_failed_total 0"), std::string::npos) << metrics;
}

TEST_P(SsfTest, QueuedSetsAreAllDeliveredAfterAKillNine) {
  StartSsf();
  Register("alice");
  Receiver receiver(FreeLoopbackPort(), dir_.path());  // not running yet: pushes fail
  Create({{"delivery", {{"method", kPush}, {"endpoint_url", receiver.url()}}}});
  constexpr int kLogouts = 12;
  for (int i = 0; i < kLogouts; ++i) LoginLogout();
  std::this_thread::sleep_for(300ms);  // a few failed attempts
  server_->Kill();
  server_->Restart();
  receiver.Start(server_->port(), Issuer(), "rs1");
  auto jtis = receiver.WaitFor(kLogouts);
  EXPECT_EQ(jtis.size(), static_cast<std::size_t>(kLogouts)) << receiver.Rejected();
}

TEST_P(SsfTest, ADeadReceiverDelaysNeitherLogoutsNorOtherStreams) {
  StartSsf();
  Register("alice");
  // A receiver that accepts connections and never answers: every push runs into its timeout.
  int hole = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(hole, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(hole, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(hole, 64), 0);
  socklen_t len = sizeof addr;
  ::getsockname(hole, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string dead = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x";
  Create({{"delivery", {{"method", kPush}, {"endpoint_url", dead}}}});
  Create({{"delivery", {{"method", kPush}, {"endpoint_url", "http://127.0.0.1:1/refused"}}}});
  Receiver receiver(FreeLoopbackPort(), dir_.path());
  receiver.Start(server_->port(), Issuer(), "rs2");
  Create({{"delivery", {{"method", kPush}, {"endpoint_url", receiver.url()}}}}, kRs2);
  std::this_thread::sleep_for(300ms);
  constexpr int kLogouts = 10;
  auto slowest = std::chrono::milliseconds(0);
  for (int i = 0; i < kLogouts; ++i) {
    Tokens t = Login("alice");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(client().PostJson("/v1/logout", json::object{}, t.access).status, 204);
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start));
  }
  EXPECT_LT(slowest.count(), 250) << "a logout waited on a receiver";
  auto jtis = receiver.WaitFor(kLogouts, 5s);
  EXPECT_EQ(jtis.size(), static_cast<std::size_t>(kLogouts));
  const std::string metrics = client().Get("/metrics").body;
  EXPECT_EQ(metrics.find("jwtd_ssf_failed_total 0"), std::string::npos) << metrics;
  ::close(hole);
}

INSTANTIATE_TEST_SUITE_P(Stores, SsfTest,
                         ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres), StoreName);

}  // namespace
}  // namespace jwtd::testing
