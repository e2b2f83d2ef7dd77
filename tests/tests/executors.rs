//! Executor accounts (R8.4): what `cabinet-admin create-executor` does to the
//! emulator's user pool, and what the executor's access token then says
//! through `cabinet::identity`.
//!
//! The command's logic is `cabinet::cognito_admin`; these tests call it as
//! the command does, then sign in through the public app client with
//! `USER_PASSWORD_AUTH` and verify the access token against the pool's JWKS.
//!
//! What moto 5.2.5 does differently from AWS, and what these tests see:
//! - `AdminCreateUser` sends no invitation (with or without `SUPPRESS`) and,
//!   without a `TemporaryPassword`, leaves the account with no password at
//!   all, so an invited executor cannot sign in before an operator sets one;
//! - `AdminCreateUser` checks none of the pool's required attributes; the
//!   local server (`xtask/src/moto_server.py`) refuses an account without
//!   one, as Cognito does;
//! - `AdminUserGlobalSignOut` ends only the sessions signed in under the same
//!   spelling of the username; the command names accounts by e-mail, as the
//!   sign-in does, so the sessions end.

use aws_sdk_cognitoidentityprovider::types::{MessageActionType, UserStatusType};
use cabinet::catalog::Catalog;
use cabinet::cognito::{PublicClient, SignIn, Tokens};
use cabinet::cognito_admin::{
    Change, ExecutorAccountError, ExecutorAccounts, ExecutorRequest, NewExecutor,
};
use cabinet::domain::Email;
use cabinet::identity::{Identity, TokenVerifier, VerifierConfig};
use cabinet_tests::{Stack, attribute};

const PASSWORD: &str = "Executor2026";
const MOSCOW: &str = "chamber-moscow";
const SPB: &str = "chamber-spb";

fn catalog() -> Catalog {
    let path = xtask::workspace_root().join("data/catalog.json");
    let text = std::fs::read_to_string(&path).expect("the product's catalog file is readable");
    Catalog::from_json(&text).expect("the product's catalog is valid")
}

fn executor(provider_id: &str, email: &str, password: Option<&str>) -> NewExecutor {
    let request = ExecutorRequest {
        provider_id,
        email,
        first_name: "Алексей",
        last_name: "Смирнов",
        phone: "+7 900 123-45-67",
        password,
    };
    NewExecutor::parse(&catalog(), &request).expect("the test executor is valid")
}

fn accounts(stack: &Stack) -> ExecutorAccounts {
    ExecutorAccounts::new(stack.cognito(), stack.user_pool_id.clone())
}

fn groups(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The groups of the account `email`, sorted.
async fn groups_of(stack: &Stack, email: &str) -> Vec<String> {
    let mut names: Vec<String> = stack
        .cognito()
        .admin_list_groups_for_user()
        .user_pool_id(&stack.user_pool_id)
        .username(email)
        .send()
        .await
        .expect("the emulator lists the account's groups")
        .groups()
        .iter()
        .filter_map(|g| g.group_name().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The attribute `name` of the account `email`, and the account's status.
async fn attribute_of(
    stack: &Stack,
    email: &str,
    name: &str,
) -> (Option<String>, Option<UserStatusType>) {
    let user = stack
        .cognito()
        .admin_get_user()
        .user_pool_id(&stack.user_pool_id)
        .username(email)
        .send()
        .await
        .expect("the emulator finds the account");
    let value = user
        .user_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value().map(str::to_string));
    (value, user.user_status().cloned())
}

async fn sign_in(stack: &Stack, email: &str, password: &str) -> SignIn {
    PublicClient::new(stack.cognito(), stack.client_id.clone())
        .sign_in(&Email::parse(email).expect("a test address"), password)
        .await
        .expect("the emulator answers the sign-in")
}

async fn tokens(stack: &Stack, email: &str) -> Tokens {
    match sign_in(stack, email, PASSWORD).await {
        SignIn::Tokens(tokens) => tokens,
        other => panic!("the sign-in asked for more: {other:?}"),
    }
}

async fn identity(stack: &Stack, tokens: &Tokens) -> Identity {
    TokenVerifier::new(VerifierConfig {
        issuer: stack.issuer(),
        client_id: stack.client_id.clone(),
        jwks_url: stack.jwks_url(),
    })
    .expect("the verifier builds")
    .verify(&tokens.access_token)
    .await
    .expect("the pool's own token verifies")
}

#[tokio::test]
async fn a_new_executor_signs_in_at_once_as_an_executor_of_their_provider() {
    let stack = Stack::fresh().await;
    let email = "alexey.smirnov@mostpp.example.ru";

    let report = accounts(&stack)
        .ensure(&executor(
            MOSCOW,
            "  Alexey.Smirnov@MosTPP.example.ru",
            Some(PASSWORD),
        ))
        .await
        .unwrap();
    assert_eq!(
        report.changes,
        [
            Change::CreatedAccount,
            Change::SetPermanentPassword,
            Change::AddedToGroup("executors".into()),
            Change::CreatedGroup("provider:chamber-moscow".into()),
            Change::AddedToGroup("provider:chamber-moscow".into()),
        ]
    );
    assert_eq!(report.provider_id, MOSCOW);
    assert!(!report.password_kept);

    // The account is stored under the normalised address, verified, with
    // the provider for operators to read.
    let (provider, status) = attribute_of(&stack, email, "custom:provider_id").await;
    assert_eq!(provider.as_deref(), Some(MOSCOW));
    assert_eq!(status, Some(UserStatusType::Confirmed));
    let (verified, _) = attribute_of(&stack, email, "email_verified").await;
    assert_eq!(verified.as_deref(), Some("true"));
    let (family_name, _) = attribute_of(&stack, email, "family_name").await;
    assert_eq!(family_name.as_deref(), Some("Смирнов"));
    let (phone, _) = attribute_of(&stack, email, "phone_number").await;
    assert_eq!(phone.as_deref(), Some("+79001234567"));
    assert_eq!(
        groups_of(&stack, email).await,
        groups(&["executors", "provider:chamber-moscow"])
    );
    let group = stack
        .cognito()
        .get_group()
        .user_pool_id(&stack.user_pool_id)
        .group_name("provider:chamber-moscow")
        .send()
        .await
        .expect("the provider's group exists");
    let description = group
        .group()
        .and_then(|g| g.description())
        .unwrap_or_default();
    assert!(
        description.contains("Московская торгово-промышленная палата"),
        "{description}"
    );

    // No NEW_PASSWORD_REQUIRED: the password is permanent.
    let tokens = tokens(&stack, email).await;
    let identity = identity(&stack, &tokens).await;
    assert_eq!(identity.user_id, report.user_id);
    assert!(identity.is_executor());
    assert_eq!(identity.provider_id(), Some(MOSCOW));
}

#[tokio::test]
async fn running_twice_changes_nothing_and_keeps_the_password() {
    let stack = Stack::fresh().await;
    let email = "olga@spbtpp.example.ru";
    let accounts = accounts(&stack);
    let first = accounts
        .ensure(&executor(SPB, email, Some(PASSWORD)))
        .await
        .unwrap();

    // Another password on the second run: the account already has its own.
    let second = accounts
        .ensure(&executor(SPB, email, Some("Another2026")))
        .await
        .unwrap();
    assert_eq!(second.changes, []);
    assert!(second.password_kept);
    assert_eq!(second.user_id, first.user_id);
    assert_eq!(
        groups_of(&stack, email).await,
        groups(&["executors", "provider:chamber-spb"])
    );
    assert!(matches!(
        sign_in(&stack, email, PASSWORD).await,
        SignIn::Tokens(_)
    ));

    // A colleague at the same provider joins the existing group.
    let colleague = accounts
        .ensure(&executor(SPB, "ivan@spbtpp.example.ru", Some(PASSWORD)))
        .await
        .unwrap();
    assert!(
        !colleague
            .changes
            .iter()
            .any(|c| matches!(c, Change::CreatedGroup(_))),
        "{:?}",
        colleague.changes
    );
    assert!(
        colleague
            .changes
            .contains(&Change::AddedToGroup("provider:chamber-spb".into()))
    );
}

#[tokio::test]
async fn a_changed_name_is_written_and_nothing_else() {
    let stack = Stack::fresh().await;
    let email = "a.smirnov@mostpp.example.ru";
    let accounts = accounts(&stack);
    accounts
        .ensure(&executor(MOSCOW, email, Some(PASSWORD)))
        .await
        .unwrap();
    let renamed = NewExecutor::parse(
        &catalog(),
        &ExecutorRequest {
            provider_id: MOSCOW,
            email,
            first_name: "Алексей",
            last_name: "Смирнов-Орлов",
            phone: "+7 900 123-45-67",
            password: None,
        },
    )
    .unwrap();
    let report = accounts.ensure(&renamed).await.unwrap();
    assert_eq!(
        report.changes,
        [Change::UpdatedAttributes(vec!["family_name".into()])]
    );
    assert!(!report.password_kept);
    let (family_name, _) = attribute_of(&stack, email, "family_name").await;
    assert_eq!(family_name.as_deref(), Some("Смирнов-Орлов"));
}

#[tokio::test]
async fn moving_to_another_provider_leaves_the_old_group_and_ends_the_sessions() {
    let stack = Stack::fresh().await;
    let email = "mover@example.ru";
    let accounts = accounts(&stack);
    accounts
        .ensure(&executor(MOSCOW, email, Some(PASSWORD)))
        .await
        .unwrap();
    let before = tokens(&stack, email).await;
    assert_eq!(identity(&stack, &before).await.provider_id(), Some(MOSCOW));

    let report = accounts
        .ensure(&executor(SPB, email, Some(PASSWORD)))
        .await
        .unwrap();
    assert_eq!(
        report.changes,
        [
            Change::UpdatedAttributes(vec!["custom:provider_id".into()]),
            Change::RemovedFromGroup("provider:chamber-moscow".into()),
            Change::CreatedGroup("provider:chamber-spb".into()),
            Change::AddedToGroup("provider:chamber-spb".into()),
            Change::SignedOut,
        ]
    );
    assert!(report.password_kept);
    assert_eq!(
        groups_of(&stack, email).await,
        groups(&["executors", "provider:chamber-spb"])
    );
    let (provider, _) = attribute_of(&stack, email, "custom:provider_id").await;
    assert_eq!(provider.as_deref(), Some(SPB));

    // The old session cannot be renewed with the old provider's group.
    let refresh_token = before
        .refresh_token
        .expect("a sign-in gives a refresh token");
    let renewed = PublicClient::new(stack.cognito(), stack.client_id.clone())
        .refresh(&refresh_token)
        .await;
    assert!(renewed.is_err(), "the old session was renewed");

    let after = tokens(&stack, email).await;
    let identity = identity(&stack, &after).await;
    assert!(identity.is_executor());
    assert_eq!(identity.provider_id(), Some(SPB));
}

#[tokio::test]
async fn an_executor_in_two_provider_groups_has_no_provider_until_the_command_repairs_it() {
    let stack = Stack::fresh().await;
    let email = "twice@example.ru";
    let accounts = accounts(&stack);
    accounts
        .ensure(&executor(MOSCOW, email, Some(PASSWORD)))
        .await
        .unwrap();
    // An operator's slip in the console: a second provider's group.
    let cognito = stack.cognito();
    cognito
        .create_group()
        .user_pool_id(&stack.user_pool_id)
        .group_name("provider:chamber-spb")
        .send()
        .await
        .expect("the emulator creates the group");
    cognito
        .admin_add_user_to_group()
        .user_pool_id(&stack.user_pool_id)
        .username(email)
        .group_name("provider:chamber-spb")
        .send()
        .await
        .expect("the emulator adds the account");
    let ambiguous = identity(&stack, &tokens(&stack, email).await).await;
    assert!(ambiguous.is_executor());
    assert_eq!(ambiguous.provider_id(), None);

    let report = accounts
        .ensure(&executor(MOSCOW, email, None))
        .await
        .unwrap();
    assert_eq!(
        report.changes,
        [
            Change::RemovedFromGroup("provider:chamber-spb".into()),
            Change::SignedOut,
        ]
    );
    let repaired = identity(&stack, &tokens(&stack, email).await).await;
    assert_eq!(repaired.provider_id(), Some(MOSCOW));
}

#[tokio::test]
async fn without_a_password_the_account_waits_for_one() {
    let stack = Stack::fresh().await;
    let email = "invited@example.ru";
    let accounts = accounts(&stack);
    let report = accounts
        .ensure(&executor(MOSCOW, email, None))
        .await
        .unwrap();
    assert_eq!(
        report.changes[..2],
        [Change::CreatedAccount, Change::InvitedByEmail]
    );
    let (_, status) = attribute_of(&stack, email, "sub").await;
    assert_eq!(status, Some(UserStatusType::ForceChangePassword));

    // The operator gives the password later: it becomes permanent.
    let report = accounts
        .ensure(&executor(MOSCOW, email, Some(PASSWORD)))
        .await
        .unwrap();
    assert_eq!(report.changes, [Change::SetPermanentPassword]);
    let identity = identity(&stack, &tokens(&stack, email).await).await;
    assert_eq!(identity.provider_id(), Some(MOSCOW));
}

#[tokio::test]
async fn an_unknown_provider_is_refused_and_nothing_is_created() {
    let stack = Stack::fresh().await;
    let request = ExecutorRequest {
        provider_id: "chamber-atlantis",
        email: "nobody@example.ru",
        first_name: "Алексей",
        last_name: "Смирнов",
        phone: "+7 900 123-45-67",
        password: Some(PASSWORD),
    };
    let error = NewExecutor::parse(&catalog(), &request).unwrap_err();
    assert_eq!(
        error.0.iter().map(|v| v.code).collect::<Vec<_>>(),
        ["unknown_provider"]
    );

    let cognito = stack.cognito();
    let users = cognito
        .list_users()
        .user_pool_id(&stack.user_pool_id)
        .send()
        .await
        .expect("the emulator lists users");
    assert!(users.users().is_empty());
    let pool_groups = cognito
        .list_groups()
        .user_pool_id(&stack.user_pool_id)
        .send()
        .await
        .expect("the emulator lists groups");
    let names: Vec<&str> = pool_groups
        .groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(names, ["executors"]);
}

#[tokio::test]
async fn a_customer_is_no_executor_and_their_account_is_not_turned_into_one() {
    let stack = Stack::fresh().await;
    let email = "customer@example.ru";
    stack
        .confirmed_account(
            email,
            PASSWORD,
            &[
                ("given_name", "Иван"),
                ("family_name", "Петров"),
                ("phone_number", "+79001234567"),
            ],
        )
        .await;

    let customer = identity(&stack, &tokens(&stack, email).await).await;
    assert!(!customer.is_executor());
    assert_eq!(customer.provider_id(), None);

    let refused = accounts(&stack)
        .ensure(&executor(MOSCOW, email, Some(PASSWORD)))
        .await
        .unwrap_err();
    assert_eq!(refused, ExecutorAccountError::CustomerAccount);
    assert!(groups_of(&stack, email).await.is_empty());
    let (provider, _) = attribute_of(&stack, email, "custom:provider_id").await;
    assert_eq!(provider, None);
    let (given_name, _) = attribute_of(&stack, email, "given_name").await;
    assert_eq!(given_name.as_deref(), Some("Иван"));
}

#[tokio::test]
async fn a_pool_without_the_executors_group_is_named() {
    let stack = Stack::fresh().await;
    stack
        .cognito()
        .delete_group()
        .user_pool_id(&stack.user_pool_id)
        .group_name("executors")
        .send()
        .await
        .expect("the emulator deletes the group");
    let error = accounts(&stack)
        .ensure(&executor(MOSCOW, "lost@example.ru", Some(PASSWORD)))
        .await
        .unwrap_err();
    assert_eq!(error, ExecutorAccountError::NoExecutorsGroup);
}

/// Cognito refuses an account that lacks an attribute the pool requires, as
/// the local server does in moto's place: `ensure` above passes only because
/// it gives them all, the phone included.
#[tokio::test]
async fn the_pool_refuses_an_account_without_a_required_attribute() {
    let stack = Stack::fresh().await;
    let email = "no.phone@example.ru";
    let error = stack
        .cognito()
        .admin_create_user()
        .user_pool_id(&stack.user_pool_id)
        .username(email)
        .user_attributes(attribute("email", email))
        .user_attributes(attribute("given_name", "Алексей"))
        .user_attributes(attribute("family_name", "Смирнов"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect_err("an account without phone_number is refused");
    let service = error.into_service_error();
    assert_eq!(service.meta().code(), Some("InvalidParameterException"));
    let message = service.meta().message().unwrap_or_default();
    assert!(message.contains("phone_number"), "{message}");
    assert!(!message.contains("given_name"), "{message}");
    let lookup = stack
        .cognito()
        .admin_get_user()
        .user_pool_id(&stack.user_pool_id)
        .username(email)
        .send()
        .await;
    assert!(lookup.is_err(), "no account was created");

    let error = stack
        .cognito()
        .sign_up()
        .client_id(&stack.client_id)
        .username(email)
        .password(PASSWORD)
        .user_attributes(attribute("phone_number", "+79001234567"))
        .send()
        .await
        .expect_err("a sign-up without names is refused");
    let message = error
        .into_service_error()
        .meta()
        .message()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("given_name") && message.contains("family_name"),
        "{message}"
    );
    assert!(!message.contains("middle_name"), "{message}");
}
