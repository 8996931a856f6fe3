// Accounts for the HTTP API: users' fields and mailbox set, address rows
// (ids, one main address per user, forwarded addresses), domain aliases,
// and the paged listings with their query and tag filters.
#include "store/accounts.h"

#include <algorithm>

#include "conformance.h"

namespace eider::store::testing {
namespace {

// A ListQuery with the fields `set` gives.
template <typename Set>
ListQuery list_query(Set set) {
  ListQuery query;
  set(query);
  return query;
}

class Accounts : public StoreConformance {
 protected:
  User make(const std::string& name, std::vector<std::string> tags = {},
            std::vector<std::string> addresses = {}) {
    NewUser user;
    user.name = name;
    user.password_hash = "$6$h";
    user.addresses =
        addresses.empty() ? std::vector<std::string>{name + "@example.org"} : addresses;
    user.tags = std::move(tags);
    Result<User> made = store().create_account(user);
    EXPECT_TRUE(made.is_ok()) << made.status().to_string();
    return made ? *made : User{};
  }

  static std::vector<std::string> names(const std::vector<User>& users) {
    std::vector<std::string> out;
    for (const User& user : users) out.push_back(user.name);
    return out;
  }
};
EIDER_CONFORMANCE(Accounts);

TEST_P(Accounts, CreateAccountKeepsEveryFieldAndTheGivenMailboxes) {
  NewUser user;
  user.name = "Bob";
  user.password_hash = "$6$h";
  user.addresses = {"Bob@Example.ORG", "b@example.org"};
  user.quota = {.bytes = 100, .messages = 5};
  user.display_name = "Bob Builder";
  user.tags = {"Staff", " staff", "vip", ""};
  user.retention = 86400000;
  user.mailboxes = {{"Sent Items", "\\Sent"}, {"inbox", ""}, {"Old/Stuff", ""}};
  const int64_t before = unix_now();
  Result<User> made = store().create_account(user);
  ASSERT_TRUE(made.is_ok()) << made.status().to_string();
  EXPECT_EQ(made->name, "bob");
  EXPECT_EQ(made->display_name, "Bob Builder");
  EXPECT_EQ(made->tags, (std::vector<std::string>{"staff", "vip"}));
  EXPECT_EQ(made->retention, 86400000);
  EXPECT_FALSE(made->disabled);
  EXPECT_EQ(made->delete_after, 0);
  EXPECT_GE(made->created, before);
  EXPECT_LE(made->created, unix_now());
  EXPECT_EQ(made->main_address, "bob@example.org");
  std::vector<std::pair<std::string, std::string>> got;
  std::vector<Mailbox> mailboxes = store().list_mailboxes(made->id).value();
  for (const Mailbox& m : mailboxes) {
    got.emplace_back(m.path, m.special_use);
    EXPECT_GE(m.created, before);
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"INBOX", ""}, {"Old/Stuff", ""}, {"Sent Items", "\\Sent"}}));
  std::vector<Address> addresses = store().user_addresses(made->id).value();
  ASSERT_EQ(addresses.size(), 2u);
  EXPECT_EQ(addresses[0].address, "bob@example.org");
  EXPECT_TRUE(addresses[0].main);
  EXPECT_FALSE(addresses[1].main);
  EXPECT_EQ(addresses[1].user_id, made->id);
  EXPECT_NE(addresses[0].id, addresses[1].id);
}

TEST_P(Accounts, BadMailboxListLeavesNothing) {
  NewUser user;
  user.name = "bob";
  user.mailboxes = {{"Sent", "\\Bogus"}};
  EXPECT_EQ(store().create_account(user).status().code(), Code::invalid_argument);
  user.mailboxes = {{"Sent", ""}, {"Sent", "\\Sent"}};
  EXPECT_EQ(store().create_account(user).status().code(), Code::invalid_argument);
  EXPECT_EQ(store().find_user("bob").status().code(), Code::not_found);
}

TEST_P(Accounts, UpdateUserChangesOnlyWhatIsGiven) {
  User bob = make("bob", {"a"});
  UserChange change;
  change.display_name = "Robert";
  change.quota_messages = 9;
  Result<User> changed = store().update_user(bob.id, change);
  ASSERT_TRUE(changed.is_ok()) << changed.status().to_string();
  EXPECT_EQ(changed->display_name, "Robert");
  EXPECT_EQ(changed->quota_messages, 9u);
  EXPECT_EQ(changed->tags, std::vector<std::string>{"a"});
  EXPECT_EQ(changed->password_hash, "$6$h");
  change = {};
  change.tags = std::vector<std::string>{"B", "c"};
  change.disabled = true;
  change.password_hash = "$y$x";
  change.delete_after = 1234;
  changed = store().update_user(bob.id, change);
  ASSERT_TRUE(changed.is_ok());
  EXPECT_EQ(changed->tags, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(changed->disabled);
  EXPECT_EQ(changed->delete_after, 1234);
  EXPECT_EQ(changed->display_name, "Robert");
  EXPECT_EQ(store().find_user("bob").value().password_hash, "$y$x");
  EXPECT_EQ(store().update_user(bob.id + 1000, change).status().code(), Code::not_found);
}

TEST_P(Accounts, DeletedAndDisabledUsersReceiveNothingAndDueOnesAreListed) {
  User bob = make("bob");
  User eve = make("eve");
  UserChange change;
  change.delete_after = 500;
  ASSERT_TRUE(store().update_user(bob.id, change).is_ok());
  change = {};
  change.disabled = true;
  ASSERT_TRUE(store().update_user(eve.id, change).is_ok());
  EXPECT_EQ(store().find_address("bob@example.org").status().code(), Code::not_found);
  EXPECT_EQ(store().find_address("eve@example.org").status().code(), Code::not_found);
  EXPECT_TRUE(store().users_to_delete(499).value().empty());
  EXPECT_EQ(names(store().users_to_delete(500).value()), std::vector<std::string>{"bob"});
  // A deleted user is not listed; a disabled one is.
  EXPECT_EQ(names(store().query_users(ListQuery{}).value().items), std::vector<std::string>{"eve"});
  change = {};
  change.delete_after = 0;
  ASSERT_TRUE(store().update_user(bob.id, change).is_ok());
  EXPECT_EQ(store().find_address("bob@example.org").value(), bob.id);
}

TEST_P(Accounts, RecountUsageAddsUpTheMessages) {
  Account bob = account("bob");
  append(bob, make_message(100));
  append(bob, make_message(250));
  User before = store().find_user("bob").value();
  User after = store().recount_usage(bob.user.id).value();
  EXPECT_EQ(after.storage_used, 350u);
  EXPECT_EQ(after.storage_used, before.storage_used);
  EXPECT_EQ(after.message_count, 2u);
  EXPECT_EQ(store().recount_usage(bob.user.id + 1000).status().code(), Code::not_found);
}

TEST_P(Accounts, ExactlyOneMainAddressPerUser) {
  User bob = make("bob");
  NewAddress second;
  second.address = "Second@Example.org";
  second.name = "Second";
  second.tags = {"X"};
  Address added = store().create_address(bob.id, second).value();
  EXPECT_EQ(added.address, "second@example.org");
  EXPECT_FALSE(added.main);
  EXPECT_EQ(added.tags, std::vector<std::string>{"x"});
  EXPECT_EQ(store().find_address_by_id(added.id).value().name, "Second");
  AddressChange change;
  change.make_main = true;
  EXPECT_TRUE(store().update_address(added.id, change).value().main);
  std::vector<Address> all = store().user_addresses(bob.id).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].address, "second@example.org");
  EXPECT_TRUE(all[0].main);
  EXPECT_FALSE(all[1].main);
  EXPECT_EQ(store().find_user("bob").value().main_address, "second@example.org");
  // The main address cannot go; the other can.
  EXPECT_EQ(store().delete_address(added.id).code(), Code::invalid_argument);
  EXPECT_TRUE(store().delete_address(all[1].id).is_ok());
  EXPECT_EQ(store().delete_address(all[1].id).code(), Code::not_found);
  // Removing the main one through remove_address promotes another.
  ASSERT_TRUE(store().add_address(bob.id, "third@example.org").is_ok());
  ASSERT_TRUE(store().remove_address("second@example.org").is_ok());
  EXPECT_EQ(store().find_user("bob").value().main_address, "third@example.org");
}

TEST_P(Accounts, AddressesAreUniqueAcrossUsersAndForwardedAddresses) {
  User bob = make("bob");
  NewAddress forwarded;
  forwarded.address = "list@example.org";
  forwarded.targets = {"a@elsewhere.test", "smtp://mx.example.net:25"};
  forwarded.forwards = 100;
  Address list = store().create_address(0, forwarded).value();
  EXPECT_TRUE(list.forwarded());
  EXPECT_FALSE(list.main);
  EXPECT_EQ(list.targets, forwarded.targets);
  EXPECT_EQ(list.forwards, 100u);
  EXPECT_EQ(store().lookup_address("list@example.org").value().id, list.id);
  // Not a user's: delivery does not find it.
  EXPECT_EQ(store().find_address("list@example.org").status().code(), Code::not_found);
  NewAddress taken;
  taken.address = "LIST@example.org";
  EXPECT_EQ(store().create_address(bob.id, taken).status().code(), Code::already_exists);
  forwarded.address = "bob@example.org";
  EXPECT_EQ(store().create_address(0, forwarded).status().code(), Code::already_exists);
  AddressChange change;
  change.targets = std::vector<std::string>{"b@elsewhere.test"};
  change.forwarded_disabled = true;
  Address updated = store().update_address(list.id, change).value();
  EXPECT_EQ(updated.targets, std::vector<std::string>{"b@elsewhere.test"});
  EXPECT_TRUE(updated.forwarded_disabled);
  change = {};
  change.address = "bob@example.org";
  EXPECT_EQ(store().update_address(list.id, change).status().code(), Code::already_exists);
  EXPECT_EQ(store().create_address(bob.id + 1000, taken).status().code(), Code::not_found);
}

TEST_P(Accounts, UsersArePagedInCreationOrderWithQueryAndTags) {
  make("ann", {"staff"});
  make("bob", {"staff", "vip"});
  make("cat", {"vip"}, {"kitty@pets.test"});
  make("dan");
  Page<User> first = store().query_users(list_query([&](ListQuery& q) { q.limit = 2; })).value();
  EXPECT_EQ(names(first.items), (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(first.total, 4u);
  EXPECT_TRUE(first.more);
  ListQuery next = list_query([&](ListQuery& q) {
    q.after = ListCursor{first.items.back().created, first.items.back().id};
    q.limit = 2;
  });
  Page<User> second = store().query_users(next).value();
  EXPECT_EQ(names(second.items), (std::vector<std::string>{"cat", "dan"}));
  EXPECT_FALSE(second.more);
  ListQuery back = list_query([&](ListQuery& q) {
    q.before = ListCursor{second.items.front().created, second.items.front().id};
    q.limit = 1;
  });
  Page<User> previous = store().query_users(back).value();
  EXPECT_EQ(names(previous.items), std::vector<std::string>{"bob"});
  EXPECT_TRUE(previous.more);

  EXPECT_EQ(names(store()
                      .query_users(list_query([&](ListQuery& q) { q.any_tags = {"vip"}; }))
                      .value()
                      .items),
            (std::vector<std::string>{"bob", "cat"}));
  EXPECT_EQ(names(store()
                      .query_users(list_query([&](ListQuery& q) {
                        q.any_tags = {"staff", "vip"};
                      }))
                      .value()
                      .items),
            (std::vector<std::string>{"ann", "bob", "cat"}));
  EXPECT_EQ(names(store()
                      .query_users(list_query([&](ListQuery& q) {
                        q.required_tags = {"staff", "vip"};
                      }))
                      .value()
                      .items),
            std::vector<std::string>{"bob"});
  // A tag matches whole: "staf" is no tag of anyone's.
  EXPECT_TRUE(store()
                  .query_users(list_query([&](ListQuery& q) { q.any_tags = {"staf"}; }))
                  .value()
                  .items.empty());
  // The text matches a name or any address.
  EXPECT_EQ(
      names(store().query_users(list_query([&](ListQuery& q) { q.text = "kitty"; })).value().items),
      std::vector<std::string>{"cat"});
  Page<User> queried = store().query_users(list_query([&](ListQuery& q) { q.text = "n"; })).value();
  EXPECT_EQ(names(queried.items), (std::vector<std::string>{"ann", "dan"}));
  EXPECT_EQ(queried.total, 2u);
}

TEST_P(Accounts, AddressesArePagedAndFilteredByUserAndTags) {
  User bob = make("bob");
  User eve = make("eve");
  NewAddress tagged;
  tagged.address = "sales@example.org";
  tagged.tags = {"team"};
  ASSERT_TRUE(store().create_address(eve.id, tagged).is_ok());
  Page<Address> all = store().query_addresses(ListQuery{}).value();
  EXPECT_EQ(all.total, 3u);
  ASSERT_EQ(all.items.size(), 3u);
  EXPECT_EQ(all.items[0].address, "bob@example.org");
  EXPECT_EQ(all.items[2].address, "sales@example.org");
  Page<Address> eves =
      store().query_addresses(list_query([&](ListQuery& q) { q.user_id = eve.id; })).value();
  EXPECT_EQ(eves.total, 2u);
  Page<Address> team =
      store().query_addresses(list_query([&](ListQuery& q) { q.any_tags = {"team"}; })).value();
  ASSERT_EQ(team.items.size(), 1u);
  EXPECT_EQ(team.items[0].user_id, eve.id);
  Page<Address> text =
      store().query_addresses(list_query([&](ListQuery& q) { q.text = "bob@"; })).value();
  ASSERT_EQ(text.items.size(), 1u);
  EXPECT_EQ(text.items[0].user_id, bob.id);
}

TEST_P(Accounts, DomainAliasesAreUniqueFoundAndDeleted) {
  DomainAlias alias = store().create_domain_alias("alias.test", "example.org").value();
  EXPECT_EQ(alias.alias, "alias.test");
  EXPECT_EQ(alias.domain, "example.org");
  EXPECT_GT(alias.created, 0);
  EXPECT_EQ(store().create_domain_alias("alias.test", "other.test").status().code(),
            Code::already_exists);
  ASSERT_TRUE(store().create_domain_alias("bücher.test", "example.org").is_ok());
  EXPECT_EQ(store().find_domain_alias("alias.test").value().id, alias.id);
  EXPECT_EQ(store().find_domain_alias_by_id(alias.id).value().alias, "alias.test");
  Page<DomainAlias> listed = store().query_domain_aliases(ListQuery{}).value();
  EXPECT_EQ(listed.total, 2u);
  EXPECT_EQ(store()
                .query_domain_aliases(list_query([&](ListQuery& q) { q.text = "bücher"; }))
                .value()
                .items.size(),
            1u);
  EXPECT_TRUE(store().delete_domain_alias(alias.id).is_ok());
  EXPECT_EQ(store().delete_domain_alias(alias.id).code(), Code::not_found);
  EXPECT_EQ(store().find_domain_alias("alias.test").status().code(), Code::not_found);
}

}  // namespace
}  // namespace eider::store::testing
