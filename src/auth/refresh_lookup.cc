#include "refresh_lookup.h"

#include "jwtd/compare.h"

namespace jwtd::auth {
namespace {

template <typename Tx, typename TakeSession>
Result<std::optional<RefreshFamily>> Lookup(Tx& tx, std::string_view hash, TakeSession take) {
  auto found = tx.FindRefresh(hash);
  if (!found.ok()) return found.error();
  // The index found the row by hash; the compare guards against a store matching loosely.
  if (!found->has_value() || !ConstantTimeEquals((*found)->token_hash, hash)) {
    return std::optional<RefreshFamily>();
  }
  auto session = take((*found)->session_id);
  if (!session.ok()) return session.error();
  if (!session->has_value()) return std::optional<RefreshFamily>();
  auto record = tx.FindRefresh(hash);  // again, now that the session is ours
  if (!record.ok()) return record.error();
  if (!record->has_value()) return std::optional<RefreshFamily>();
  return std::optional<RefreshFamily>(RefreshFamily{std::move(**record), std::move(**session)});
}

}  // namespace

Result<std::optional<RefreshFamily>> LockRefreshFamily(StoreTx& tx, std::string_view token_hash) {
  return Lookup(tx, token_hash, [&tx](std::string_view id) { return tx.LockSession(id); });
}

Result<std::optional<RefreshFamily>> ReadRefreshFamily(StoreReadTx& tx,
                                                       std::string_view token_hash) {
  return Lookup(tx, token_hash, [&tx](std::string_view id) { return tx.FindSession(id); });
}

}  // namespace jwtd::auth
