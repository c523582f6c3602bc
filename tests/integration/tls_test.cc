// The built-in TLS listener of `jwtd serve` against a throw-away CA: HTTPS login and /v1/me
// verified against the CA, the protocol and cipher policy, plain HTTP to the TLS port, SIGHUP
// certificate reload (good and bad files), and the start-up refusals (key permissions,
// mismatched pair) — each on a real process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "jwtd_process.h"
#include "tls_support.h"

namespace jwtd::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path());
    pki_->Issue("one", 1001);
    pki_->Issue("two", 1002);
    Install("one");
  }

  // The files the server is configured with: copies, so a test can replace them under it.
  void Install(const std::string& name) {
    fs::copy_file(pki_->cert(name), cert_, fs::copy_options::overwrite_existing);
    fs::copy_file(pki_->key(name), key_, fs::copy_options::overwrite_existing);
    fs::permissions(key_, fs::perms::owner_read | fs::perms::owner_write);
  }

  std::vector<std::string> TlsArgs() const {
    return {"--set", "tls.cert_file=" + cert_, "--set", "tls.key_file=" + key_};
  }

  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = TlsArgs();
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<JwtdServer>(data_dir_, args);
  }

  // `jwtd serve` expected to refuse to start: its exit code and output.
  ProcessResult ServeExpectingRefusal(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"serve", "--data-dir", data_dir_, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunJwtd(args);
  }

  TlsConnection Connect(const TlsOptions& options = {}) const {
    return TlsConnection(server_->port(), pki_->ca_file(), options);
  }

  // Polls new connections until one presents `serial` (SIGHUP is asynchronous).
  bool EventuallyServes(long serial) const {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      TlsConnection c = Connect();
      if (c.connected() && c.PeerSerial() == serial) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  bool EventuallyLogs(const std::string& text) const {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      if (server_->Output().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  TempDir dir_;
  std::string data_dir_ = dir_.path() + "/data";
  std::string cert_ = dir_.path() + "/live.pem";
  std::string key_ = dir_.path() + "/live.key";
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<JwtdServer> server_;
};

TEST_F(TlsTest, LoginAndMeOverVerifiedTls) {
  Start();
  EXPECT_NE(server_->banner().find("listening on https://127.0.0.1:"), std::string::npos);
  TlsConnection c = Connect();
  ASSERT_TRUE(c.connected()) << c.handshake_error();
  EXPECT_EQ(c.PeerSerial(), 1001);
  EXPECT_EQ(c.Protocol(), "TLSv1.3");  // preferred when the client offers it

  HttpResponse r = c.PostJson("/v1/users", {{"username", "ada"}, {"password", "correct horse"}});
  ASSERT_EQ(r.status, 201) << r.body;
  r = c.PostJson("/v1/login", {{"username", "ada"}, {"password", "correct horse"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string access(r.Json().at("access_token").as_string());
  // The same keep-alive TLS connection carries the next request.
  r = c.Get("/v1/me", access);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("username").as_string(), "ada");
  // With TLS the default issuer is https://.
  r = c.Get("/.well-known/oauth-authorization-server");
  EXPECT_TRUE(std::string(r.Json().at("issuer").as_string()).starts_with("https://")) << r.body;
}

TEST_F(TlsTest, ProtocolAndCipherPolicy) {
  Start();
  // TLS 1.1 (the client allows it at security level 0) is refused by the server.
  TlsConnection old = Connect({TLS1_1_VERSION, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0"});
  EXPECT_FALSE(old.connected());
  EXPECT_NE(old.handshake_error().find("protocol version"), std::string::npos)
      << old.handshake_error();
  // TLS 1.2 without ECDHE (static RSA key exchange), or without AEAD (CBC): refused, although
  // the RSA certificate could serve both.
  for (const char* cipher : {"AES128-GCM-SHA256", "AES256-SHA256", "ECDHE-RSA-AES128-SHA"}) {
    TlsConnection weak = Connect({TLS1_2_VERSION, TLS1_2_VERSION, cipher});
    EXPECT_FALSE(weak.connected()) << cipher;
  }
  // TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305: accepted.
  for (const char* cipher : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"}) {
    TlsConnection good = Connect({TLS1_2_VERSION, TLS1_2_VERSION, cipher});
    ASSERT_TRUE(good.connected()) << cipher << ": " << good.handshake_error();
    EXPECT_EQ(good.Protocol(), "TLSv1.2");
    EXPECT_EQ(good.Get("/healthz").status, 200);
  }
}

TEST_F(TlsTest, PlainHttpAndSilentClientsFailCleanly) {
  Start({"--set", "server.read_timeout_ms=500"});
  const HttpClient plain(server_->port());
  const std::string answer = plain.Raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 15'000);
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("\"ok\""), std::string::npos);
  // A client that never starts the handshake is dropped after the read timeout, well before
  // the client's own 15 s.
  const auto started = Clock::now();
  EXPECT_EQ(plain.Raw("", 15'000), "");
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(12));
  // The server is healthy for TLS clients.
  TlsConnection c = Connect();
  ASSERT_TRUE(c.connected()) << c.handshake_error();
  EXPECT_EQ(c.Get("/healthz").status, 200);
}

TEST_F(TlsTest, SighupSwapsTheCertificateAndKeepsItWhenTheNewOneIsBad) {
  Start();
  TlsConnection before = Connect();
  ASSERT_TRUE(before.connected()) << before.handshake_error();
  EXPECT_EQ(before.PeerSerial(), 1001);

  Install("two");
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(EventuallyServes(1002));
  // The connection made before the reload carries on with its certificate.
  EXPECT_EQ(before.Get("/healthz").status, 200);
  EXPECT_EQ(before.PeerSerial(), 1001);

  // A broken certificate file: logged, the current certificate stays.
  std::ofstream(cert_, std::ios::trunc) << "not a certificate\n";
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(EventuallyLogs("TLS reload failed"));
  TlsConnection after = Connect();
  ASSERT_TRUE(after.connected()) << after.handshake_error();
  EXPECT_EQ(after.PeerSerial(), 1002);
  EXPECT_EQ(after.Get("/healthz").status, 200);
  // A key that others can read is refused on reload as at start.
  Install("one");
  fs::permissions(key_, fs::perms::group_read, fs::perm_options::add);
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(EventuallyLogs("chmod 600 " + key_));
  EXPECT_TRUE(EventuallyServes(1002));
  // No key material in the log.
  std::ifstream in(key_);
  std::string line;
  std::getline(in, line);  // -----BEGIN PRIVATE KEY-----
  std::getline(in, line);  // the first line of base64
  EXPECT_EQ(server_->Output().find(line), std::string::npos);
}

TEST_F(TlsTest, RefusesToStartWithAGroupReadableTlsKey) {
  fs::permissions(key_, fs::perms::group_read, fs::perm_options::add);
  ProcessResult r = ServeExpectingRefusal(TlsArgs());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("chmod 600 " + key_), std::string::npos) << r.out;
}

TEST_F(TlsTest, RefusesToStartWithAMismatchedOrHalfConfiguredPair) {
  fs::copy_file(pki_->key("two"), key_, fs::copy_options::overwrite_existing);
  ProcessResult r = ServeExpectingRefusal(TlsArgs());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("does not match"), std::string::npos) << r.out;

  r = ServeExpectingRefusal({"--set", "tls.cert_file=" + cert_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("tls.key_file"), std::string::npos) << r.out;

  r = ServeExpectingRefusal(
      {"--set", "tls.cert_file=" + dir_.path() + "/missing.pem", "--set", "tls.key_file=" + key_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("missing.pem"), std::string::npos) << r.out;
}

// Key material on disk: signing keys 0600 in a 0700 directory, a group-readable one refused at
// start, and no core dumps by default.
TEST_F(TlsTest, SigningKeyFilesArePrivateAndLooseOnesAreRefused) {
  server_ = std::make_unique<JwtdServer>(data_dir_);
  std::ifstream limits("/proc/" + std::to_string(server_->pid()) + "/limits");
  std::string line;
  bool core_limited = false;
  while (std::getline(limits, line)) {
    if (line.starts_with("Max core file size")) {
      core_limited = line.find(" 0 ") != std::string::npos;
    }
  }
  EXPECT_TRUE(core_limited);
  EXPECT_EQ(server_->Terminate(), 0);

  const std::string keys = data_dir_ + "/keys";
  EXPECT_EQ(fs::status(keys).permissions() & fs::perms::all, fs::perms::owner_all);
  std::string pem;
  for (const auto& entry : fs::directory_iterator(keys)) {
    if (entry.path().extension() != ".pem") continue;
    pem = entry.path().string();
    EXPECT_EQ(entry.status().permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << pem;
  }
  ASSERT_FALSE(pem.empty());
  fs::permissions(pem, fs::perms::group_read, fs::perm_options::add);
  ProcessResult r = ServeExpectingRefusal({});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("chmod 600 " + pem), std::string::npos) << r.out;
}

}  // namespace
}  // namespace jwtd::testing
