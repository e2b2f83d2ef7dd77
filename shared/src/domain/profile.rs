//! The customer's profile («Профиль»): what is kept about a customer and the
//! rules of changing it (R2.1, R2.2, R2.4, R2.5).

use std::fmt;

use serde::Deserialize;

use super::registration::{
    ConfirmationCode, labels, parse_login, parse_name, parse_patronymic, parse_phone, required,
};
use super::{Email, MobilePhone, PersonName};
use crate::error::{ApiError, FieldError};

/// Russian label of `notifications.status_emails`; the other fields carry
/// the labels of the sign-up form ([`labels`]).
pub const STATUS_EMAILS_LABEL: &str = "Письма о статусе заявок";

/// The profile of one customer as it is stored and shown.
///
/// Every value a customer sends is checked by the form's parse first.
/// The values of a profile created on first access are imported from the
/// user pool as sign-up wrote them there (see [`Profile::from_account`]).
/// From then on the profile is the one place of the names, the phone and the
/// switches: saving it does not copy them to the user pool, whose account
/// keeps what sign-up gave it. Only the e-mail address, which is the login,
/// changes in the pool too.
#[derive(Clone, PartialEq, Eq)]
pub struct Profile {
    /// The customer's id: `sub` of the user pool.
    pub user_id: String,
    /// «Имя».
    pub first_name: String,
    /// «Фамилия».
    pub last_name: String,
    /// «Отчество», when the customer has one.
    pub patronymic: Option<String>,
    /// «Электронная почта»: the confirmed address, which is also the login
    /// and where status e-mails go.
    pub email: String,
    /// A new address the customer asked for and has not yet confirmed with
    /// the code sent to it; until then `email` stays the login.
    pub pending_email: Option<String>,
    /// «Мобильный телефон» in the normal form `+7XXXXXXXXXX`.
    pub phone: String,
    /// Which e-mails the customer wants (R2.4).
    pub notifications: Notifications,
}

/// The customer's choice of e-mails (R2.4); read by the notifier (R9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notifications {
    /// Whether a change of an order's status is e-mailed to the customer.
    pub status_emails: bool,
    /// Whether a new message of an executor is e-mailed to the customer.
    pub message_emails: bool,
}

impl Default for Notifications {
    /// A new customer gets every e-mail until they turn it off.
    fn default() -> Self {
        Self {
            status_emails: true,
            message_emails: true,
        }
    }
}

/// The kinds of e-mail a customer can turn off, each with its own switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// A change of an order's status (`notifications.status_emails`).
    Status,
    /// A new message of an executor (`notifications.message_emails`).
    Message,
}

impl NotificationKind {
    /// The machine name, as in unsubscribe tokens and answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status_emails",
            Self::Message => "message_emails",
        }
    }

    /// The kind named `raw`.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Status, Self::Message]
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }
}

impl Notifications {
    /// Whether the customer wants e-mails of `kind`.
    pub fn allows(self, kind: NotificationKind) -> bool {
        match kind {
            NotificationKind::Status => self.status_emails,
            NotificationKind::Message => self.message_emails,
        }
    }

    /// The same choice with e-mails of `kind` turned off.
    pub fn without(self, kind: NotificationKind) -> Self {
        match kind {
            NotificationKind::Status => Self {
                status_emails: false,
                ..self
            },
            NotificationKind::Message => Self {
                message_emails: false,
                ..self
            },
        }
    }
}

/// The attributes of a user-pool account that a profile is built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountAttributes {
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// `middle_name`.
    pub middle_name: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `phone_number`.
    pub phone_number: Option<String>,
}

impl Profile {
    /// The profile of a customer who has none yet, from the attributes sign-up
    /// stored in the user pool. Values are trimmed; a phone number is brought
    /// into the normal form when it parses and kept as the pool holds it
    /// otherwise, so that the customer sees it and can correct it.
    pub fn from_account(user_id: &str, account: AccountAttributes) -> Self {
        let text = |value: Option<String>| value.map(|v| v.trim().to_string()).unwrap_or_default();
        let phone = text(account.phone_number);
        let email = text(account.email);
        Self {
            user_id: user_id.to_string(),
            first_name: text(account.given_name),
            last_name: text(account.family_name),
            patronymic: account
                .middle_name
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            email: Email::parse(&email).map_or(email, |e| e.as_str().to_string()),
            pending_email: None,
            phone: MobilePhone::parse(&phone).map_or(phone, |p| p.as_str().to_string()),
            notifications: Notifications::default(),
        }
    }

    /// Whether `requested` differs from the confirmed address, so that saving
    /// it starts a change of the login.
    pub fn changes_email(&self, requested: &Email) -> bool {
        self.email != requested.as_str()
    }

    /// The profile after `update`. The confirmed address stays the login: a
    /// new one becomes `pending_email` until the user pool has taken it (see
    /// [`Profile::with_email_applied`], [`Profile::with_email_confirmed`]);
    /// the confirmed one again keeps whatever change is pending.
    pub fn updated(&self, update: &ProfileUpdate) -> Self {
        let pending_email = if self.changes_email(&update.email) {
            Some(update.email.as_str().to_string())
        } else {
            self.pending_email.clone()
        };
        Self {
            user_id: self.user_id.clone(),
            first_name: update.first_name.as_str().to_string(),
            last_name: update.last_name.as_str().to_string(),
            patronymic: update.patronymic.as_ref().map(|p| p.as_str().to_string()),
            email: self.email.clone(),
            pending_email,
            phone: update.phone.as_str().to_string(),
            notifications: update.notifications.map_or(self.notifications, |change| {
                change.apply(self.notifications)
            }),
        }
    }

    /// The profile once the user pool made `address` the login without a
    /// code (moto does; AWS with our pool's settings never does). `None` when
    /// `address` is no longer the pending one: nothing of it to record.
    pub fn with_email_applied(&self, address: &str) -> Option<Self> {
        if self.pending_email.as_deref() != Some(address) {
            return None;
        }
        Some(Self {
            email: address.to_string(),
            pending_email: None,
            ..self.clone()
        })
    }

    /// The profile once the code sent to `address` was confirmed in the user
    /// pool, which made it the login: it is the confirmed address, and no
    /// longer pending. `None` when the profile already says so.
    pub fn with_email_confirmed(&self, address: &str) -> Option<Self> {
        let pending_email = self
            .pending_email
            .clone()
            .filter(|pending| pending != address);
        if self.email == address && pending_email == self.pending_email {
            return None;
        }
        Some(Self {
            email: address.to_string(),
            pending_email,
            ..self.clone()
        })
    }

    /// The profile once the user pool refused the pending `address`: the
    /// change pending before, `previous`, is pending again. `None` when
    /// `address` is no longer the pending one.
    pub fn with_email_withdrawn(&self, address: &str, previous: Option<&str>) -> Option<Self> {
        if self.pending_email.as_deref() != Some(address) {
            return None;
        }
        Some(Self {
            pending_email: previous.map(str::to_string),
            ..self.clone()
        })
    }
}

/// Masks personal data so that a profile never reaches a log.
impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("user_id", &self.user_id)
            .field("notifications", &self.notifications)
            .finish_non_exhaustive()
    }
}

/// What the user pool made of a new e-mail address it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailOutcome {
    /// It made the new address the login at once (moto).
    Applied,
    /// It sent a code to the new address; the login changes when the
    /// customer enters it (AWS).
    AwaitingCode,
}

/// The body of `PUT /profile` as the client sent it. Every field is optional
/// here so that parsing can name every missing one at once.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileForm {
    /// «Имя», mandatory.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub first_name: Option<String>,
    /// «Фамилия», mandatory.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub last_name: Option<String>,
    /// «Отчество»: absent, `null` or blank means the customer has none.
    pub patronymic: Option<String>,
    /// «Электронная почта», mandatory.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub email: Option<String>,
    /// «Мобильный телефон», mandatory, typed any Russian way.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub phone: Option<String>,
    /// The e-mail switches; absent keeps the current choice.
    pub notifications: Option<NotificationsForm>,
}

/// The `notifications` object of the profile form.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationsForm {
    /// Whether status e-mails are wanted; required inside `notifications`.
    #[cfg_attr(feature = "openapi", schema(value_type = bool, required = true))]
    pub status_emails: Option<bool>,
    /// Whether e-mails about executors' messages are wanted; absent keeps
    /// the current choice, so clients that know only `status_emails` keep
    /// working.
    pub message_emails: Option<bool>,
}

/// A valid change of the e-mail switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationsUpdate {
    /// Whether status e-mails are wanted.
    pub status_emails: bool,
    /// Whether message e-mails are wanted, `None` to keep the current choice.
    pub message_emails: Option<bool>,
}

impl NotificationsUpdate {
    /// The switches `current` become.
    pub fn apply(self, current: Notifications) -> Notifications {
        Notifications {
            status_emails: self.status_emails,
            message_emails: self.message_emails.unwrap_or(current.message_emails),
        }
    }
}

/// A valid change of the profile: every mandatory field present and correct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// «Имя».
    pub first_name: PersonName,
    /// «Фамилия».
    pub last_name: PersonName,
    /// «Отчество», `None` to have none.
    pub patronymic: Option<PersonName>,
    /// «Электронная почта», normalised.
    pub email: Email,
    /// «Мобильный телефон», normalised.
    pub phone: MobilePhone,
    /// New e-mail switches, `None` to keep the current ones.
    pub notifications: Option<NotificationsUpdate>,
}

impl ProfileForm {
    /// Checks every field and accepts the change only as a whole (R2.2): if
    /// any field is missing or invalid, the answer is one 422 listing every
    /// such field, and nothing may be saved. The address must also be a valid
    /// login, as it becomes one.
    pub fn parse(self) -> Result<ProfileUpdate, ApiError> {
        let mut errors = Vec::new();
        let first_name = collect(
            &mut errors,
            parse_name("first_name", labels::FIRST_NAME, self.first_name.as_deref()),
        );
        let last_name = collect(
            &mut errors,
            parse_name("last_name", labels::LAST_NAME, self.last_name.as_deref()),
        );
        let patronymic = collect(
            &mut errors,
            parse_patronymic("patronymic", self.patronymic.as_deref()),
        );
        let email = collect(&mut errors, parse_login("email", self.email.as_deref()));
        let phone = collect(&mut errors, parse_phone("phone", self.phone.as_deref()));
        let notifications = match self.notifications {
            None => Some(None),
            Some(form) => collect(&mut errors, form.parse().map(Some)),
        };
        match (
            first_name,
            last_name,
            patronymic,
            email,
            phone,
            notifications,
        ) {
            (
                Some(first_name),
                Some(last_name),
                Some(patronymic),
                Some(email),
                Some(phone),
                Some(notifications),
            ) if errors.is_empty() => Ok(ProfileUpdate {
                first_name,
                last_name,
                patronymic,
                email,
                phone,
                notifications,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

impl NotificationsForm {
    fn parse(self) -> Result<NotificationsUpdate, FieldError> {
        let status_emails = self
            .status_emails
            .ok_or_else(|| required("notifications.status_emails", STATUS_EMAILS_LABEL))?;
        Ok(NotificationsUpdate {
            status_emails,
            message_emails: self.message_emails,
        })
    }
}

fn collect<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

/// The body of `POST /profile/email/confirm`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailConfirmationForm {
    /// The code the user pool sent to the new address.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub code: Option<String>,
}

impl EmailConfirmationForm {
    /// Checks the code's form; whether it is the right one only the user pool
    /// knows.
    pub fn parse(self) -> Result<ConfirmationCode, ApiError> {
        ConfirmationCode::parse("code", self.code.as_deref())
            .map_err(|error| ApiError::validation(vec![error]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(first: &str, last: &str, email: &str, phone: &str) -> ProfileForm {
        ProfileForm {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            patronymic: None,
            email: Some(email.into()),
            phone: Some(phone.into()),
            notifications: None,
        }
    }

    fn stored() -> Profile {
        Profile {
            user_id: "sub-1".into(),
            first_name: "Иван".into(),
            last_name: "Петров".into(),
            patronymic: Some("Иванович".into()),
            email: "ivan@example.ru".into(),
            pending_email: None,
            phone: "+79001234567".into(),
            notifications: Notifications {
                status_emails: false,
                message_emails: true,
            },
        }
    }

    fn fields(error: &ApiError) -> Vec<(&str, &str)> {
        error
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect()
    }

    #[test]
    fn a_complete_form_is_normalised() {
        let update = form(
            " Пётр ",
            "Сидоров",
            " Petr@Example.RU ",
            "8 (900) 765-43-21",
        )
        .parse()
        .unwrap();
        assert_eq!(update.first_name.as_str(), "Пётр");
        assert_eq!(update.email.as_str(), "petr@example.ru");
        assert_eq!(update.phone.as_str(), "+79007654321");
        assert_eq!(update.patronymic, None);
        assert_eq!(update.notifications, None);
    }

    #[test]
    fn every_missing_mandatory_field_is_named_at_once() {
        let error = ProfileForm::default().parse().unwrap_err();
        assert_eq!(error.code, "validation_failed");
        assert_eq!(error.status, http::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&error),
            [
                ("first_name", "required"),
                ("last_name", "required"),
                ("email", "required"),
                ("phone", "required"),
            ]
        );
        let details: Vec<&str> = error.errors.iter().map(|e| e.detail.as_str()).collect();
        for label in [
            labels::FIRST_NAME,
            labels::LAST_NAME,
            labels::EMAIL,
            labels::PHONE,
        ] {
            assert!(details.iter().any(|d| d.contains(label)), "{label}");
        }
    }

    #[test]
    fn blank_counts_as_missing_and_invalid_fields_are_listed_with_missing_ones() {
        let mut input = form("   ", "Петров2", "ivan@", "");
        input.patronymic = Some("Иван0вич".into());
        let error = input.parse().unwrap_err();
        assert_eq!(
            fields(&error),
            [
                ("first_name", "required"),
                ("last_name", "invalid_characters"),
                ("patronymic", "invalid_characters"),
                ("email", "invalid_email"),
                ("phone", "required"),
            ]
        );
        assert!(error.errors[2].detail.contains(labels::PATRONYMIC));
    }

    #[test]
    fn one_invalid_field_refuses_the_whole_change() {
        let error = form(
            "Иван",
            "Петров",
            "ivan@example.ru",
            "8 (900) 123-45-67 доб. 12",
        )
        .parse()
        .unwrap_err();
        assert_eq!(fields(&error), [("phone", "invalid_phone")]);
        assert!(error.errors[0].detail.contains("добавочного"));
        let error = form("Иван", "Петров", "ivan@example.ru", "123-45")
            .parse()
            .unwrap_err();
        assert_eq!(fields(&error), [("phone", "invalid_phone")]);
    }

    #[test]
    fn blank_patronymic_means_none() {
        let mut input = form("Иван", "Петров", "ivan@example.ru", "+7 900 123-45-67");
        input.patronymic = Some("  ".into());
        assert_eq!(input.parse().unwrap().patronymic, None);
    }

    #[test]
    fn notifications_need_their_switch() {
        let mut input = form("Иван", "Петров", "ivan@example.ru", "9001234567");
        input.notifications = Some(NotificationsForm::default());
        let error = input.parse().unwrap_err();
        assert_eq!(
            fields(&error),
            [("notifications.status_emails", "required")]
        );

        let mut input = form("Иван", "Петров", "ivan@example.ru", "9001234567");
        input.notifications = Some(NotificationsForm {
            status_emails: Some(false),
            message_emails: None,
        });
        assert_eq!(
            input.parse().unwrap().notifications,
            Some(NotificationsUpdate {
                status_emails: false,
                message_emails: None,
            })
        );
    }

    #[test]
    fn the_message_switch_is_optional_and_an_absent_one_is_kept() {
        let current = stored();
        let mut input = form("Иван", "Петров", "ivan@example.ru", "9001234567");
        input.notifications = Some(NotificationsForm {
            status_emails: Some(true),
            message_emails: None,
        });
        let next = current.updated(&input.parse().unwrap());
        assert_eq!(
            next.notifications,
            Notifications {
                status_emails: true,
                message_emails: true,
            }
        );

        let mut input = form("Иван", "Петров", "ivan@example.ru", "9001234567");
        input.notifications = Some(NotificationsForm {
            status_emails: Some(false),
            message_emails: Some(false),
        });
        let next = current.updated(&input.parse().unwrap());
        assert!(!next.notifications.allows(NotificationKind::Status));
        assert!(!next.notifications.allows(NotificationKind::Message));
    }

    #[test]
    fn turning_one_kind_off_keeps_the_other() {
        let all = Notifications::default();
        assert_eq!(
            all.without(NotificationKind::Message),
            Notifications {
                status_emails: true,
                message_emails: false,
            }
        );
        assert_eq!(
            all.without(NotificationKind::Status),
            Notifications {
                status_emails: false,
                message_emails: true,
            }
        );
        for kind in [NotificationKind::Status, NotificationKind::Message] {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NotificationKind::parse("everything"), None);
    }

    #[test]
    fn an_update_replaces_the_fields_and_keeps_absent_switches() {
        let update = form("Пётр", "Сидоров", "ivan@example.ru", "+7 900 000-00-01")
            .parse()
            .unwrap();
        let current = stored();
        assert!(!current.changes_email(&update.email));
        let next = current.updated(&update);
        assert_eq!(next.first_name, "Пётр");
        assert_eq!(next.last_name, "Сидоров");
        assert_eq!(next.patronymic, None);
        assert_eq!(next.phone, "+79000000001");
        assert_eq!(next.notifications, current.notifications);
        assert_eq!(next.user_id, current.user_id);
        assert_eq!(next.email, current.email);
        assert_eq!(next.pending_email, None);
    }

    #[test]
    fn a_new_address_is_pending_until_the_pool_takes_it() {
        let update = form("Иван", "Петров", "New@Example.ru", "9001234567")
            .parse()
            .unwrap();
        let current = stored();
        assert!(current.changes_email(&update.email));

        let requested = current.updated(&update);
        assert_eq!(requested.email, "ivan@example.ru", "still the login");
        assert_eq!(requested.pending_email.as_deref(), Some("new@example.ru"));

        let applied = requested.with_email_applied("new@example.ru").unwrap();
        assert_eq!(applied.email, "new@example.ru");
        assert_eq!(applied.pending_email, None);
        assert!(applied.with_email_applied("new@example.ru").is_none());
        assert!(requested.with_email_applied("other@example.ru").is_none());
    }

    #[test]
    fn saving_the_confirmed_address_keeps_the_pending_one() {
        let mut current = stored();
        current.pending_email = Some("new@example.ru".into());
        let update = form("Пётр", "Петров", "ivan@example.ru", "9001234567")
            .parse()
            .unwrap();
        let next = current.updated(&update);
        assert_eq!(next.email, "ivan@example.ru");
        assert_eq!(next.pending_email.as_deref(), Some("new@example.ru"));
    }

    #[test]
    fn a_confirmed_code_makes_its_address_the_login() {
        let mut waiting = stored();
        waiting.pending_email = Some("new@example.ru".into());
        let confirmed = waiting.with_email_confirmed("new@example.ru").unwrap();
        assert_eq!(confirmed.email, "new@example.ru");
        assert_eq!(confirmed.pending_email, None);
        assert!(confirmed.with_email_confirmed("new@example.ru").is_none());

        // Another change started meanwhile stays pending.
        let mut started = waiting.clone();
        started.pending_email = Some("third@example.ru".into());
        let confirmed = started.with_email_confirmed("new@example.ru").unwrap();
        assert_eq!(confirmed.email, "new@example.ru");
        assert_eq!(confirmed.pending_email.as_deref(), Some("third@example.ru"));
    }

    #[test]
    fn a_refused_address_gives_way_to_the_change_pending_before() {
        let mut requested = stored();
        requested.pending_email = Some("taken@example.ru".into());
        let withdrawn = requested
            .with_email_withdrawn("taken@example.ru", Some("earlier@example.ru"))
            .unwrap();
        assert_eq!(
            withdrawn.pending_email.as_deref(),
            Some("earlier@example.ru")
        );
        assert_eq!(withdrawn.email, "ivan@example.ru");
        let withdrawn = requested
            .with_email_withdrawn("taken@example.ru", None)
            .unwrap();
        assert_eq!(withdrawn.pending_email, None);
        assert!(
            requested
                .with_email_withdrawn("other@example.ru", None)
                .is_none()
        );
    }

    #[test]
    fn a_profile_is_imported_from_the_account() {
        let profile = Profile::from_account(
            "sub-1",
            AccountAttributes {
                given_name: Some("Иван ".into()),
                family_name: Some("Петров".into()),
                middle_name: Some(String::new()),
                email: Some("Ivan@Example.ru".into()),
                phone_number: Some("+79001234567".into()),
            },
        );
        assert_eq!(profile.first_name, "Иван");
        assert_eq!(profile.patronymic, None);
        assert_eq!(profile.email, "ivan@example.ru");
        assert_eq!(profile.phone, "+79001234567");
        assert_eq!(profile.notifications, Notifications::default());
        assert!(profile.notifications.status_emails);
    }

    #[test]
    fn debug_hides_personal_data() {
        let text = format!("{:?}", stored());
        for secret in ["Иван", "Петров", "ivan@", "+7900"] {
            assert!(!text.contains(secret), "{secret}");
        }
    }

    #[test]
    fn a_confirmation_needs_its_code() {
        let parse = |code: Option<&str>| {
            EmailConfirmationForm {
                code: code.map(str::to_string),
            }
            .parse()
        };
        assert_eq!(parse(Some(" 123 456 ")).unwrap().expose(), "123456");
        let error = parse(None).unwrap_err();
        assert_eq!(error.status, http::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&error), [("code", "required")]);
    }
}
