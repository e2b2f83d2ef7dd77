//! Operators' side of the user pool: executor accounts (R8.4).
//!
//! An executor is a pool user in group [`EXECUTORS_GROUP`] and in exactly one
//! group `provider:<provider_id>`; the groups are what authorise, because
//! access tokens carry `cognito:groups` but no custom attributes. The
//! attribute `custom:provider_id` holds the same provider for operators to
//! read in the console; customers cannot write it (the app client's
//! `WriteAttributes` leave it out), so an account that carries it was made
//! by an operator.
//!
//! [`ExecutorAccounts::ensure`] brings one account to the wanted state and
//! says what it changed: run twice, the second run changes nothing. It uses
//! the pool's admin API, so it needs IAM credentials and is meant for the
//! `cabinet-admin` command, never for a function.
//!
//! Every call names the account by its e-mail (the pool's username
//! attribute) rather than by its generated username, so that the same
//! address always means the same account.

use std::fmt;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, DeliveryMediumType, MessageActionType, UserStatusType,
};

use crate::catalog::Catalog;
use crate::domain::password::PasswordError;
use crate::domain::person::NameError;
use crate::domain::phone::PhoneError;
use crate::domain::registration::{LOGIN_MAX_CHARS, parse_login};
use crate::domain::{Email, MobilePhone, Password, PersonName};
use crate::identity::{EXECUTORS_GROUP, PROVIDER_GROUP_PREFIX};

/// Attribute that names an executor's provider, for operators to read.
pub const PROVIDER_ATTRIBUTE: &str = "custom:provider_id";

/// The pool group of the executors of provider `provider_id`.
pub fn provider_group(provider_id: &str) -> String {
    format!("{PROVIDER_GROUP_PREFIX}{provider_id}")
}

/// What an operator typed for one executor, unchecked.
#[derive(Clone, Copy)]
pub struct ExecutorRequest<'a> {
    /// Id of the provider in the catalog.
    pub provider_id: &'a str,
    /// The executor's e-mail: their login.
    pub email: &'a str,
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Mobile phone: the pool requires `phone_number` of every account, and
    /// Cognito refuses to create one without it.
    pub phone: &'a str,
    /// A permanent password; without one Cognito e-mails a temporary one.
    pub password: Option<&'a str>,
}

/// The provider an executor works for, as the catalog names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutorProvider {
    /// Id of the provider in the catalog.
    pub id: String,
    /// Its Russian name.
    pub name: String,
}

/// A checked executor account: every value valid, the provider in the catalog.
#[derive(Debug, Clone)]
pub struct NewExecutor {
    /// The provider they work for.
    pub provider: ExecutorProvider,
    /// Their login, normalised.
    pub email: Email,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Mobile phone, in its normal form.
    pub phone: MobilePhone,
    /// The permanent password to set, if any.
    pub password: Option<Password>,
}

/// One refused value of an [`ExecutorRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    /// The option that carried it (`provider`, `email`, …).
    pub field: &'static str,
    /// Stable machine code of the refusal.
    pub code: &'static str,
    /// What is wrong, for the operator.
    pub detail: String,
}

/// Every refused value of an [`ExecutorRequest`], in the order of its fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe_all(.0))]
pub struct InvalidExecutor(pub Vec<InvalidValue>);

fn describe_all(values: &[InvalidValue]) -> String {
    values
        .iter()
        .map(|v| format!("{}: {}", v.field, v.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

impl NewExecutor {
    /// Checks `request` against the domain rules and `catalog`, naming every
    /// refused value at once.
    pub fn parse(
        catalog: &Catalog,
        request: &ExecutorRequest<'_>,
    ) -> Result<Self, InvalidExecutor> {
        let mut refused = Vec::new();
        let provider = catalog
            .providers()
            .iter()
            .find(|p| p.id == request.provider_id)
            .map(|p| ExecutorProvider {
                id: p.id.clone(),
                name: p.name.clone(),
            });
        if provider.is_none() {
            refused.push(InvalidValue {
                field: "provider",
                code: "unknown_provider",
                detail: format!("no provider {:?} in the catalog file", request.provider_id),
            });
        }
        // The same rules as a customer's login: an executor signs in the same way.
        let email = parse_login("email", Some(request.email))
            .map_err(|e| refused.push(login_refused(e.code)))
            .ok();
        let first_name = PersonName::parse(request.first_name)
            .map_err(|e| refused.push(name_refused("first-name", e)))
            .ok();
        let last_name = PersonName::parse(request.last_name)
            .map_err(|e| refused.push(name_refused("last-name", e)))
            .ok();
        let phone = MobilePhone::parse(request.phone)
            .map_err(|e| refused.push(phone_refused(e)))
            .ok();
        let password = match request.password.map(Password::parse) {
            None => Some(None),
            Some(Ok(password)) => Some(Some(password)),
            Some(Err(error)) => {
                refused.push(password_refused(error));
                None
            }
        };
        match (provider, email, first_name, last_name, phone, password) {
            (
                Some(provider),
                Some(email),
                Some(first_name),
                Some(last_name),
                Some(phone),
                Some(password),
            ) if refused.is_empty() => Ok(Self {
                provider,
                email,
                first_name,
                last_name,
                phone,
                password,
            }),
            _ => Err(InvalidExecutor(refused)),
        }
    }
}

fn login_refused(code: &'static str) -> InvalidValue {
    let detail = match code {
        "required" => "the e-mail is empty".to_string(),
        "unsupported_email" => {
            "only addresses in Latin letters are supported (Cognito and SES need ASCII)".to_string()
        }
        "too_long" => format!("longer than {LOGIN_MAX_CHARS} characters"),
        _ => "not an e-mail address of the form name@example.ru".to_string(),
    };
    InvalidValue {
        field: "email",
        code,
        detail,
    }
}

fn name_refused(field: &'static str, error: NameError) -> InvalidValue {
    let detail = match error {
        NameError::UnexpectedCharacters => {
            "only letters, spaces, hyphens, apostrophes and dots, starting with a letter".into()
        }
        NameError::Text(_) => format!(
            "1 to {} characters after trimming",
            crate::domain::person::NAME_MAX_CHARS
        ),
    };
    InvalidValue {
        field,
        code: error.code(),
        detail,
    }
}

/// The number itself is left out of the detail: the command's output may
/// end up in a log.
fn phone_refused(error: PhoneError) -> InvalidValue {
    let detail = match error {
        PhoneError::Empty => "the phone is empty",
        PhoneError::UnexpectedCharacters => {
            "only digits, a leading +, spaces, brackets, dots and hyphens"
        }
        PhoneError::WrongLength => "not a Russian number: +7 or 8 and ten digits",
        PhoneError::NotMobile => "not a mobile number: the ten digits after +7 begin with 9",
    };
    InvalidValue {
        field: "phone",
        code: error.code(),
        detail: detail.to_string(),
    }
}

fn password_refused(error: PasswordError) -> InvalidValue {
    let detail = match error {
        PasswordError::Empty => "the password is empty".to_string(),
        PasswordError::Weak => format!(
            "too weak: at least {} characters with a lower-case and an upper-case Latin \
             letter and a digit, no spaces at either end",
            crate::domain::password::PASSWORD_MIN_CHARS
        ),
        PasswordError::TooLong => format!(
            "longer than {} characters",
            crate::domain::password::PASSWORD_MAX_CHARS
        ),
    };
    InvalidValue {
        field: "password",
        code: error.code(),
        detail,
    }
}

/// One change [`ExecutorAccounts::ensure`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The account did not exist and was created.
    CreatedAccount,
    /// Cognito was asked to e-mail a temporary password (no password given).
    InvitedByEmail,
    /// The given password was set as permanent: no change is asked at sign-in.
    SetPermanentPassword,
    /// These attributes were set to the wanted values.
    UpdatedAttributes(Vec<String>),
    /// The provider's group did not exist and was created.
    CreatedGroup(String),
    /// The account joined this group.
    AddedToGroup(String),
    /// The account left this group (another provider's).
    RemovedFromGroup(String),
    /// Every session of the account was ended, so that no refresh token
    /// brings back the groups it left.
    SignedOut,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreatedAccount => f.write_str("created the account"),
            Self::InvitedByEmail => {
                f.write_str("asked Cognito to e-mail a temporary password (changed at first sign-in)")
            }
            Self::SetPermanentPassword => f.write_str("set the given password as permanent"),
            Self::UpdatedAttributes(names) => write!(f, "updated {}", names.join(", ")),
            Self::CreatedGroup(group) => write!(f, "created group {group}"),
            Self::AddedToGroup(group) => write!(f, "added to group {group}"),
            Self::RemovedFromGroup(group) => write!(f, "removed from group {group}"),
            Self::SignedOut => f.write_str(
                "signed the account out everywhere (tokens already issued stay valid until they expire)",
            ),
        }
    }
}

/// What [`ExecutorAccounts::ensure`] did to one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutorReport {
    /// The account's id (`sub`).
    pub user_id: String,
    /// The provider the account now works for.
    pub provider_id: String,
    /// What changed, in order; empty when the account already was as wanted.
    pub changes: Vec<Change>,
    /// A password was given but the account already has a permanent one,
    /// which is kept: the executor may have changed it since.
    pub password_kept: bool,
}

/// A failed call to the user pool, reduced to what may be printed: the
/// operation, Cognito's error code and the kind of failure, never its
/// message (which may echo the login).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Cognito {operation} failed ({kind}{})", .code.as_deref().map(|c| format!(", code {c}")).unwrap_or_default())]
pub struct PoolCallError {
    /// The Cognito API.
    pub operation: &'static str,
    /// Cognito's error code, when it answered with one.
    pub code: Option<String>,
    /// What kind of SDK failure it was.
    pub kind: &'static str,
}

impl PoolCallError {
    fn from_sdk<E: ProvideErrorMetadata>(operation: &'static str, error: SdkError<E>) -> Self {
        let kind = match &error {
            SdkError::ConstructionFailure(_) => {
                "construction failure: the request could not be made; check AWS_REGION"
            }
            SdkError::TimeoutError(_) => "timeout",
            SdkError::DispatchFailure(_) => {
                "dispatch failure: Cognito was not reached; check AWS_REGION, the \
                 credentials and, for a local emulator, AWS_ENDPOINT_URL"
            }
            SdkError::ResponseError(_) => "unreadable response",
            SdkError::ServiceError(_) => "service error",
            _ => "unknown failure",
        };
        let code = match &error {
            SdkError::ServiceError(context) => context.err().code().map(str::to_string),
            _ => None,
        };
        Self {
            operation,
            code,
            kind,
        }
    }

    fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// Why an executor account could not be brought to the wanted state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutorAccountError {
    /// The address belongs to an account an operator did not make: a
    /// customer's. Turning it into an executor would hand a stranger a
    /// provider's orders on a typo, so it is refused.
    #[error(
        "the address belongs to an account that is not an executor's (a customer signed up \
         with it); an executor needs an address of their own"
    )]
    CustomerAccount,
    /// The pool lacks the group every executor joins.
    #[error("the user pool has no group {EXECUTORS_GROUP}: deploy infra/template.yaml first")]
    NoExecutorsGroup,
    /// The pool answered with a failure.
    #[error(transparent)]
    Pool(#[from] PoolCallError),
}

/// The operators' view of one user pool.
#[derive(Clone)]
pub struct ExecutorAccounts {
    cognito: Client,
    user_pool_id: String,
}

/// What the pool holds about an existing account.
struct Existing {
    user_id: String,
    status: Option<UserStatusType>,
    attributes: Vec<(String, String)>,
    groups: Vec<String>,
}

impl ExecutorAccounts {
    /// Executor accounts of pool `user_pool_id`, reached through `cognito`.
    pub fn new(cognito: Client, user_pool_id: impl Into<String>) -> Self {
        Self {
            cognito,
            user_pool_id: user_pool_id.into(),
        }
    }

    /// Executor accounts of pool `user_pool_id`, with a client built from `sdk`.
    pub fn from_config(sdk: &aws_config::SdkConfig, user_pool_id: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), user_pool_id)
    }

    /// Brings `executor`'s account to the wanted state: it exists with the
    /// given names and provider attribute, a verified e-mail, the password
    /// (when given and the account has no permanent one yet), and membership
    /// of [`EXECUTORS_GROUP`] and of its provider's group only. Creates the
    /// provider's group when it is missing.
    pub async fn ensure(
        &self,
        executor: &NewExecutor,
    ) -> Result<ExecutorReport, ExecutorAccountError> {
        let login = executor.email.as_str();
        let wanted = wanted_attributes(executor);
        let mut changes = Vec::new();
        let mut password_kept = false;

        let (user_id, groups) = match self.existing(login).await? {
            None => {
                let user_id = self.create(executor, &wanted).await?;
                changes.push(Change::CreatedAccount);
                match &executor.password {
                    Some(password) => {
                        self.set_permanent_password(login, password).await?;
                        changes.push(Change::SetPermanentPassword);
                    }
                    None => changes.push(Change::InvitedByEmail),
                }
                (user_id, Vec::new())
            }
            Some(existing) => {
                if is_customer_account(&existing.attributes, &existing.groups) {
                    return Err(ExecutorAccountError::CustomerAccount);
                }
                let stale = attributes_to_update(&existing.attributes, &wanted);
                if !stale.is_empty() {
                    self.update_attributes(login, &stale).await?;
                    let names = stale.into_iter().map(|(name, _)| name).collect();
                    changes.push(Change::UpdatedAttributes(names));
                }
                if let Some(password) = &executor.password {
                    if existing.status == Some(UserStatusType::Confirmed) {
                        password_kept = true;
                    } else {
                        self.set_permanent_password(login, password).await?;
                        changes.push(Change::SetPermanentPassword);
                    }
                }
                (existing.user_id, existing.groups)
            }
        };

        let target = provider_group(&executor.provider.id);
        let mut left_a_group = false;
        for group in other_provider_groups(&groups, &target) {
            self.remove_from_group(login, &group).await?;
            changes.push(Change::RemovedFromGroup(group));
            left_a_group = true;
        }
        if !groups.iter().any(|g| g == EXECUTORS_GROUP) {
            self.add_to_group(login, EXECUTORS_GROUP)
                .await
                .map_err(|e| match e {
                    e if e.is("ResourceNotFoundException") => {
                        ExecutorAccountError::NoExecutorsGroup
                    }
                    e => ExecutorAccountError::Pool(e),
                })?;
            changes.push(Change::AddedToGroup(EXECUTORS_GROUP.to_string()));
        }
        if !groups.contains(&target) {
            if self.create_group(&target, &executor.provider).await? {
                changes.push(Change::CreatedGroup(target.clone()));
            }
            self.add_to_group(login, &target).await?;
            changes.push(Change::AddedToGroup(target));
        }
        if left_a_group {
            self.sign_out(login).await?;
            changes.push(Change::SignedOut);
        }

        Ok(ExecutorReport {
            user_id,
            provider_id: executor.provider.id.clone(),
            changes,
            password_kept,
        })
    }

    async fn existing(&self, login: &str) -> Result<Option<Existing>, PoolCallError> {
        let result = self
            .cognito
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(login)
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("AdminGetUser", e));
        let user = match result {
            Ok(user) => user,
            Err(error) if error.is("UserNotFoundException") => return Ok(None),
            Err(error) => return Err(error),
        };
        let attributes: Vec<(String, String)> = user
            .user_attributes()
            .iter()
            .map(|a| {
                (
                    a.name().to_string(),
                    a.value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let user_id = attributes
            .iter()
            .find(|(name, _)| name == "sub")
            .map_or_else(|| user.username().to_string(), |(_, sub)| sub.clone());
        Ok(Some(Existing {
            user_id,
            status: user.user_status().cloned(),
            attributes,
            groups: self.groups_of(login).await?,
        }))
    }

    async fn groups_of(&self, login: &str) -> Result<Vec<String>, PoolCallError> {
        let mut groups = Vec::new();
        let mut next_token = None;
        loop {
            let page = self
                .cognito
                .admin_list_groups_for_user()
                .user_pool_id(&self.user_pool_id)
                .username(login)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| PoolCallError::from_sdk("AdminListGroupsForUser", e))?;
            groups.extend(
                page.groups()
                    .iter()
                    .filter_map(|g| g.group_name().map(str::to_string)),
            );
            next_token = page.next_token().map(str::to_string);
            if next_token.is_none() {
                return Ok(groups);
            }
        }
    }

    /// Creates the account and answers its id (`sub`).
    async fn create(
        &self,
        executor: &NewExecutor,
        wanted: &[(String, String)],
    ) -> Result<String, PoolCallError> {
        let mut request = self
            .cognito
            .admin_create_user()
            .user_pool_id(&self.user_pool_id)
            .username(executor.email.as_str())
            .set_user_attributes(Some(
                wanted
                    .iter()
                    .map(|(name, value)| attribute(name, value))
                    .collect(),
            ));
        request = match executor.password {
            // The permanent password follows at once: no invitation.
            Some(_) => request.message_action(MessageActionType::Suppress),
            // Without it the default medium would be SMS.
            None => request.desired_delivery_mediums(DeliveryMediumType::Email),
        };
        let output = request
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("AdminCreateUser", e))?;
        let user = output.user();
        let sub = user
            .and_then(|u| u.attributes().iter().find(|a| a.name() == "sub"))
            .and_then(|a| a.value());
        Ok(sub
            .or_else(|| user.and_then(|u| u.username()))
            .unwrap_or_default()
            .to_string())
    }

    async fn set_permanent_password(
        &self,
        login: &str,
        password: &Password,
    ) -> Result<(), PoolCallError> {
        self.cognito
            .admin_set_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(login)
            .password(password.expose())
            .permanent(true)
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("AdminSetUserPassword", e))?;
        Ok(())
    }

    async fn update_attributes(
        &self,
        login: &str,
        attributes: &[(String, String)],
    ) -> Result<(), PoolCallError> {
        self.cognito
            .admin_update_user_attributes()
            .user_pool_id(&self.user_pool_id)
            .username(login)
            .set_user_attributes(Some(
                attributes
                    .iter()
                    .map(|(name, value)| attribute(name, value))
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("AdminUpdateUserAttributes", e))?;
        Ok(())
    }

    /// Creates the group of `provider`; `false` when it already exists.
    async fn create_group(
        &self,
        group: &str,
        provider: &ExecutorProvider,
    ) -> Result<bool, PoolCallError> {
        let result = self
            .cognito
            .create_group()
            .user_pool_id(&self.user_pool_id)
            .group_name(group)
            .description(format!(
                "Executors of provider {}: {}",
                provider.id, provider.name
            ))
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("CreateGroup", e));
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.is("GroupExistsException") => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn add_to_group(&self, login: &str, group: &str) -> Result<(), PoolCallError> {
        self.cognito
            .admin_add_user_to_group()
            .user_pool_id(&self.user_pool_id)
            .username(login)
            .group_name(group)
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("AdminAddUserToGroup", e))?;
        Ok(())
    }

    async fn remove_from_group(&self, login: &str, group: &str) -> Result<(), PoolCallError> {
        self.cognito
            .admin_remove_user_from_group()
            .user_pool_id(&self.user_pool_id)
            .username(login)
            .group_name(group)
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("AdminRemoveUserFromGroup", e))?;
        Ok(())
    }

    async fn sign_out(&self, login: &str) -> Result<(), PoolCallError> {
        self.cognito
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(login)
            .send()
            .await
            .map_err(|e| PoolCallError::from_sdk("AdminUserGlobalSignOut", e))?;
        Ok(())
    }
}

/// The attributes an executor's account must hold, by name.
fn wanted_attributes(executor: &NewExecutor) -> Vec<(String, String)> {
    [
        ("email", executor.email.as_str()),
        ("email_verified", "true"),
        ("given_name", executor.first_name.as_str()),
        ("family_name", executor.last_name.as_str()),
        ("phone_number", executor.phone.as_str()),
        (PROVIDER_ATTRIBUTE, executor.provider.id.as_str()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect()
}

/// The wanted attributes whose current value differs or is missing.
fn attributes_to_update(
    current: &[(String, String)],
    wanted: &[(String, String)],
) -> Vec<(String, String)> {
    wanted
        .iter()
        .filter(|(name, value)| {
            !current
                .iter()
                .any(|(have_name, have_value)| have_name == name && have_value == value)
        })
        .cloned()
        .collect()
}

/// An account that neither is an executor nor carries a provider attribute
/// was not made by an operator: a customer signed up with the address.
fn is_customer_account(attributes: &[(String, String)], groups: &[String]) -> bool {
    let has_provider = attributes
        .iter()
        .any(|(name, value)| name == PROVIDER_ATTRIBUTE && !value.is_empty());
    !has_provider && !groups.iter().any(|g| g == EXECUTORS_GROUP)
}

/// The provider groups among `groups` other than `keep`.
fn other_provider_groups(groups: &[String], keep: &str) -> Vec<String> {
    groups
        .iter()
        .filter(|g| g.starts_with(PROVIDER_GROUP_PREFIX) && g.as_str() != keep)
        .cloned()
        .collect()
}

fn attribute(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("an attribute with a name always builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = include_str!("../../data/catalog.json");

    fn catalog() -> Catalog {
        Catalog::from_json(CATALOG).expect("the product's catalog is valid")
    }

    fn request() -> ExecutorRequest<'static> {
        ExecutorRequest {
            provider_id: "chamber-moscow",
            email: "  Executor@Example.RU ",
            first_name: " Алексей ",
            last_name: "Смирнов",
            phone: "8 (900) 123-45-67",
            password: Some("Executor2026"),
        }
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_valid_request_is_normalised_and_names_the_provider() {
        let executor = NewExecutor::parse(&catalog(), &request()).unwrap();
        assert_eq!(executor.email.as_str(), "executor@example.ru");
        assert_eq!(executor.first_name.as_str(), "Алексей");
        assert_eq!(executor.phone.as_str(), "+79001234567");
        assert_eq!(executor.provider.id, "chamber-moscow");
        assert_eq!(
            executor.provider.name,
            "Московская торгово-промышленная палата"
        );
        assert!(executor.password.is_some());
        let without = ExecutorRequest {
            password: None,
            ..request()
        };
        assert!(
            NewExecutor::parse(&catalog(), &without)
                .unwrap()
                .password
                .is_none()
        );
    }

    #[test]
    fn every_refused_value_is_named_at_once() {
        let bad = ExecutorRequest {
            provider_id: "chamber-atlantis",
            email: "not-an-address",
            first_name: "R2D2",
            last_name: " ",
            phone: "8 (495) 123-45-67",
            password: Some("weak"),
        };
        let InvalidExecutor(refused) = NewExecutor::parse(&catalog(), &bad).unwrap_err();
        let named: Vec<(&str, &str)> = refused.iter().map(|v| (v.field, v.code)).collect();
        assert_eq!(
            named,
            [
                ("provider", "unknown_provider"),
                ("email", "invalid_email"),
                ("first-name", "invalid_characters"),
                ("last-name", "required"),
                ("phone", "invalid_phone"),
                ("password", "weak_password"),
            ]
        );
    }

    #[test]
    fn the_login_follows_the_customers_rules() {
        for (email, code) in [
            ("info@палата.рф", "unsupported_email"),
            (" ", "required"),
            ("a@b", "invalid_email"),
        ] {
            let bad = ExecutorRequest { email, ..request() };
            let InvalidExecutor(refused) = NewExecutor::parse(&catalog(), &bad).unwrap_err();
            assert_eq!(
                refused
                    .iter()
                    .map(|v| (v.field, v.code))
                    .collect::<Vec<_>>(),
                [("email", code)],
                "{email}"
            );
        }
        let long = format!("a@{}.ru", "b".repeat(LOGIN_MAX_CHARS));
        let bad = ExecutorRequest {
            email: &long,
            ..request()
        };
        assert_eq!(
            NewExecutor::parse(&catalog(), &bad).unwrap_err().0[0].code,
            "too_long"
        );
    }

    #[test]
    fn an_unknown_provider_alone_is_refused() {
        let unknown = ExecutorRequest {
            provider_id: "Chamber-Moscow",
            ..request()
        };
        let error = NewExecutor::parse(&catalog(), &unknown).unwrap_err();
        assert_eq!(error.0.len(), 1);
        assert_eq!(error.0[0].code, "unknown_provider");
        assert!(error.to_string().contains("Chamber-Moscow"));
    }

    #[test]
    fn the_refusal_never_prints_the_password() {
        let bad = ExecutorRequest {
            password: Some(" Secret123"),
            ..request()
        };
        let error = NewExecutor::parse(&catalog(), &bad).unwrap_err();
        assert!(!error.to_string().contains("Secret123"));
        assert!(!format!("{error:?}").contains("Secret123"));
    }

    #[test]
    fn the_phone_is_required_and_never_printed() {
        for (phone, code) in [
            ("", "required"),
            ("8 (495) 123-45-67", "invalid_phone"),
            ("+7 900 123-45-6", "invalid_phone"),
            ("8 900 123-45-67 доб. 2", "invalid_phone"),
        ] {
            let bad = ExecutorRequest { phone, ..request() };
            let error = NewExecutor::parse(&catalog(), &bad).unwrap_err();
            let named: Vec<(&str, &str)> = error.0.iter().map(|v| (v.field, v.code)).collect();
            assert_eq!(named, [("phone", code)], "{phone:?}");
            if !phone.is_empty() {
                assert!(!error.to_string().contains(phone), "{error}");
            }
        }
    }

    #[test]
    fn the_account_carries_every_attribute_the_pool_requires() {
        let executor = NewExecutor::parse(&catalog(), &request()).unwrap();
        let wanted = wanted_attributes(&executor);
        let value = |name: &str| {
            wanted
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        // The template's Schema marks these Required.
        assert_eq!(value("email"), Some("executor@example.ru"));
        assert_eq!(value("given_name"), Some("Алексей"));
        assert_eq!(value("family_name"), Some("Смирнов"));
        assert_eq!(value("phone_number"), Some("+79001234567"));
        assert_eq!(value(PROVIDER_ATTRIBUTE), Some("chamber-moscow"));
    }

    #[test]
    fn only_differing_or_missing_attributes_are_updated() {
        let wanted = pairs(&[
            ("email_verified", "true"),
            ("given_name", "Алексей"),
            ("custom:provider_id", "chamber-spb"),
        ]);
        let current = pairs(&[
            ("sub", "x"),
            ("given_name", "Алексей"),
            ("custom:provider_id", "chamber-moscow"),
        ]);
        assert_eq!(
            attributes_to_update(&current, &wanted),
            pairs(&[
                ("email_verified", "true"),
                ("custom:provider_id", "chamber-spb")
            ])
        );
        assert!(attributes_to_update(&wanted, &wanted).is_empty());
    }

    #[test]
    fn an_account_without_provider_attribute_or_executors_group_is_a_customers() {
        let customer = pairs(&[("email", "c@example.ru"), ("given_name", "Иван")]);
        assert!(is_customer_account(&customer, &[]));
        // A provider group alone does not make an executor.
        assert!(is_customer_account(
            &customer,
            &["provider:chamber-moscow".to_string()]
        ));
        assert!(!is_customer_account(&customer, &["executors".to_string()]));
        let half_made = pairs(&[("custom:provider_id", "chamber-moscow")]);
        assert!(!is_customer_account(&half_made, &[]));
        assert!(is_customer_account(
            &pairs(&[("custom:provider_id", "")]),
            &[]
        ));
    }

    #[test]
    fn other_provider_groups_are_left_and_the_rest_kept() {
        let groups: Vec<String> = [
            "executors",
            "provider:chamber-moscow",
            "provider:chamber-spb",
            "auditors",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            other_provider_groups(&groups, "provider:chamber-spb"),
            ["provider:chamber-moscow"]
        );
        assert!(other_provider_groups(&groups[..2], "provider:chamber-moscow").is_empty());
    }

    #[test]
    fn the_provider_group_follows_the_identity_prefix() {
        assert_eq!(provider_group("chamber-spb"), "provider:chamber-spb");
    }

    #[test]
    fn pool_errors_print_no_message() {
        let error = PoolCallError {
            operation: "AdminCreateUser",
            code: Some("UsernameExistsException".into()),
            kind: "service error",
        };
        assert_eq!(
            error.to_string(),
            "Cognito AdminCreateUser failed (service error, code UsernameExistsException)"
        );
        let unreached = PoolCallError {
            operation: "AdminGetUser",
            code: None,
            kind: "dispatch failure: Cognito was not reached",
        };
        assert_eq!(
            unreached.to_string(),
            "Cognito AdminGetUser failed (dispatch failure: Cognito was not reached)"
        );
    }
}
