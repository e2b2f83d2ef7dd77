//! The sign-up form and the other inputs of the identity routes (R1.1, R1.5):
//! parsed into checked types, with every field error collected at once.

use std::fmt;

use serde::Deserialize;

use super::email::EmailError;
use super::password::PasswordError;
use super::{Email, MobilePhone, Password, PersonName};
use crate::error::FieldError;

/// Longest login Cognito accepts: its `Username` is at most 128 characters,
/// shorter than an e-mail address may be.
pub const LOGIN_MAX_CHARS: usize = 128;

/// Longest confirmation code Cognito accepts.
pub const CODE_MAX_CHARS: usize = 2048;

/// Russian labels of the form fields, as the customer sees them.
pub mod labels {
    /// `email`.
    pub const EMAIL: &str = "Электронная почта";
    /// `password`.
    pub const PASSWORD: &str = "Пароль";
    /// `first_name`.
    pub const FIRST_NAME: &str = "Имя";
    /// `last_name`.
    pub const LAST_NAME: &str = "Фамилия";
    /// `patronymic`.
    pub const PATRONYMIC: &str = "Отчество";
    /// `phone`.
    pub const PHONE: &str = "Мобильный телефон";
    /// `code`.
    pub const CODE: &str = "Код подтверждения";
    /// `new_password`.
    pub const NEW_PASSWORD: &str = "Новый пароль";
    /// `old_password`.
    pub const OLD_PASSWORD: &str = "Текущий пароль";
}

/// The sign-up form as the client sends it. Every field is optional here so
/// that all missing fields are named in one answer rather than one by one.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationForm {
    /// The login.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub email: Option<String>,
    /// The password, checked against the pool's policy.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub password: Option<String>,
    /// «Имя».
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub first_name: Option<String>,
    /// «Фамилия».
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub last_name: Option<String>,
    /// «Отчество», optional.
    pub patronymic: Option<String>,
    /// «Мобильный телефон», typed the Russian way.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub phone: Option<String>,
}

/// A checked sign-up: everything Cognito needs to create the account.
#[derive(Debug)]
pub struct Registration {
    /// The login, trimmed and lower-cased.
    pub email: Email,
    /// The password, meeting the policy.
    pub password: Password,
    /// «Имя».
    pub first_name: PersonName,
    /// «Фамилия».
    pub last_name: PersonName,
    /// «Отчество», when given.
    pub patronymic: Option<PersonName>,
    /// «Мобильный телефон» in the normal form `+7XXXXXXXXXX`.
    pub phone: MobilePhone,
}

impl RegistrationForm {
    /// Checks every field and answers either the registration or the errors
    /// of all the fields that are wrong.
    pub fn parse(self) -> Result<Registration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = collect(&mut errors, parse_login("email", self.email.as_deref()));
        let password = collect(
            &mut errors,
            parse_new_password("password", labels::PASSWORD, self.password.as_deref()),
        );
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
        let phone = collect(&mut errors, parse_phone("phone", self.phone.as_deref()));
        match (email, password, first_name, last_name, patronymic, phone) {
            (
                Some(email),
                Some(password),
                Some(first_name),
                Some(last_name),
                Some(patronymic),
                Some(phone),
            ) if errors.is_empty() => Ok(Registration {
                email,
                password,
                first_name,
                last_name,
                patronymic,
                phone,
            }),
            _ => Err(errors),
        }
    }
}

fn collect<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

/// The answer to a field that was not filled in.
pub fn required(field: &str, label: &str) -> FieldError {
    FieldError::new(field, "required", format!("Заполните поле «{label}»."))
}

/// Parses the login sent as `field`: an [`Email`] that Cognito and SES can
/// take as it is. Both accept only ASCII addresses (SES would need an
/// internationalised domain in Punycode, which we do not convert), and
/// Cognito takes logins of at most 128 characters.
pub fn parse_login(field: &str, raw: Option<&str>) -> Result<Email, FieldError> {
    let label = labels::EMAIL;
    let email = Email::parse(raw.unwrap_or_default()).map_err(|error| match error {
        EmailError::Empty => required(field, label),
        other => FieldError::new(
            field,
            other.code(),
            format!("«{label}»: {}", other.describe()),
        ),
    })?;
    if !email.as_str().is_ascii() {
        return Err(FieldError::new(
            field,
            "unsupported_email",
            format!(
                "«{label}»: адреса с буквами не латинского алфавита пока не поддерживаются. Укажите адрес латиницей."
            ),
        ));
    }
    if email.as_str().chars().count() > LOGIN_MAX_CHARS {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("«{label}»: адрес длиннее {LOGIN_MAX_CHARS} символов не поддерживается."),
        ));
    }
    Ok(email)
}

/// Parses a password that is being set (`password` at sign-up, `new_password`
/// later) against the pool's policy.
pub fn parse_new_password(
    field: &str,
    label: &str,
    raw: Option<&str>,
) -> Result<Password, FieldError> {
    Password::parse(raw.unwrap_or_default()).map_err(|error| match error {
        PasswordError::Empty => required(field, label),
        other => FieldError::new(
            field,
            other.code(),
            format!("«{label}»: {}", other.describe()),
        ),
    })
}

/// Parses a name field labelled `label`.
pub fn parse_name(field: &str, label: &str, raw: Option<&str>) -> Result<PersonName, FieldError> {
    PersonName::parse(raw.unwrap_or_default())
        .map_err(|error| FieldError::new(field, error.code(), error.describe(label)))
}

/// Parses the optional «Отчество» sent as `field`: absent or blank is none.
pub fn parse_patronymic(field: &str, raw: Option<&str>) -> Result<Option<PersonName>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => parse_name(field, labels::PATRONYMIC, Some(raw)).map(Some),
    }
}

/// Parses the mobile phone sent as `field`.
pub fn parse_phone(field: &str, raw: Option<&str>) -> Result<MobilePhone, FieldError> {
    let label = labels::PHONE;
    MobilePhone::parse(raw.unwrap_or_default()).map_err(|error| {
        if error.code() == "required" {
            required(field, label)
        } else {
            FieldError::new(
                field,
                error.code(),
                format!("«{label}»: {}", error.describe()),
            )
        }
    })
}

/// A one-time code sent by e-mail: to confirm the address after sign-up or
/// to set a new password. White space the customer typed or pasted inside it
/// is dropped; Cognito's codes never contain any.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfirmationCode(String);

impl ConfirmationCode {
    /// Parses the code sent as `field`.
    pub fn parse(field: &str, raw: Option<&str>) -> Result<Self, FieldError> {
        let code: String = raw
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if code.is_empty() {
            return Err(required(field, labels::CODE));
        }
        if code.chars().count() > CODE_MAX_CHARS || code.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "invalid_code",
                format!("«{}»: введите код из письма без изменений.", labels::CODE),
            ));
        }
        Ok(Self(code))
    }

    /// The code, for the call to Cognito only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Masks the code so that it never reaches a log.
impl fmt::Debug for ConfirmationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfirmationCode(***)")
    }
}

/// Where a code was sent, shown to the customer without giving the address
/// away to someone looking over their shoulder: `i***@e***.ru`.
pub fn masked_destination(email: &Email) -> String {
    let (local, domain) = email
        .as_str()
        .rsplit_once('@')
        .expect("a parsed e-mail address has an @ sign");
    let first = |part: &str| part.chars().next().map(String::from).unwrap_or_default();
    let top_level = domain
        .rsplit_once('.')
        .map(|(_, tld)| tld)
        .unwrap_or_default();
    format!("{}***@{}***.{top_level}", first(local), first(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_form() -> RegistrationForm {
        RegistrationForm {
            email: Some("  Ivan.Petrov@Example.RU ".into()),
            password: Some("Secret123".into()),
            first_name: Some(" Иван ".into()),
            last_name: Some("Петров".into()),
            patronymic: Some("Сергеевич".into()),
            phone: Some("8 (900) 123-45-67".into()),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_full_form_becomes_normal_values() {
        let registration = full_form().parse().unwrap();
        assert_eq!(registration.email.as_str(), "ivan.petrov@example.ru");
        assert_eq!(registration.first_name.as_str(), "Иван");
        assert_eq!(registration.phone.as_str(), "+79001234567");
        assert_eq!(
            registration.patronymic.as_ref().map(PersonName::as_str),
            Some("Сергеевич")
        );
    }

    #[test]
    fn patronymic_is_optional_and_blank_means_absent() {
        for patronymic in [None, Some(String::new()), Some("   ".into())] {
            let form = RegistrationForm {
                patronymic,
                ..full_form()
            };
            assert!(form.parse().unwrap().patronymic.is_none());
        }
    }

    #[test]
    fn every_missing_field_is_named_at_once() {
        let errors = RegistrationForm::default().parse().unwrap_err();
        assert_eq!(
            fields(&errors),
            ["email", "password", "first_name", "last_name", "phone"]
        );
        assert!(errors.iter().all(|e| e.code == "required"));
        assert_eq!(errors[0].detail, "Заполните поле «Электронная почта».");
        assert_eq!(errors[4].detail, "Заполните поле «Мобильный телефон».");
    }

    #[test]
    fn every_wrong_field_is_named_with_its_label() {
        let form = RegistrationForm {
            email: Some("ivan@".into()),
            password: Some("secret".into()),
            first_name: Some("Иван2".into()),
            last_name: Some(" ".into()),
            patronymic: Some("С.9".into()),
            phone: Some("8 (495) 123-45-67".into()),
        };
        let errors = form.parse().unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "email",
                "password",
                "first_name",
                "last_name",
                "patronymic",
                "phone"
            ]
        );
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                "invalid_email",
                "weak_password",
                "invalid_characters",
                "required",
                "invalid_characters",
                "invalid_phone"
            ]
        );
        for (error, label) in errors.iter().zip([
            "Электронная почта",
            "Пароль",
            "Имя",
            "Фамилия",
            "Отчество",
            "Мобильный телефон",
        ]) {
            assert!(
                error.detail.contains(&format!("«{label}»")),
                "{}",
                error.detail
            );
        }
    }

    #[test]
    fn logins_cognito_cannot_take_are_refused() {
        let error = parse_login("email", Some("info@палата.рф")).unwrap_err();
        assert_eq!(error.code, "unsupported_email");
        let login = |second_label: usize| {
            format!("ivan@{}.{}.ru", "a".repeat(60), "b".repeat(second_label))
        };
        assert_eq!(login(59).len(), LOGIN_MAX_CHARS);
        assert!(parse_login("email", Some(&login(59))).is_ok());
        assert_eq!(
            parse_login("email", Some(&login(60))).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn codes_lose_inner_spaces_and_must_be_given() {
        let code = ConfirmationCode::parse("code", Some(" 123 456 ")).unwrap();
        assert_eq!(code.expose(), "123456");
        assert_eq!(
            ConfirmationCode::parse("code", Some("  "))
                .unwrap_err()
                .code,
            "required"
        );
        assert_eq!(
            ConfirmationCode::parse("code", None).unwrap_err().field,
            "code"
        );
        assert_eq!(
            ConfirmationCode::parse("code", Some(&"1".repeat(2049)))
                .unwrap_err()
                .code,
            "invalid_code"
        );
        assert!(!format!("{code:?}").contains("123"));
    }

    #[test]
    fn destinations_are_masked() {
        let email = Email::parse("ivan.petrov@example.ru").unwrap();
        assert_eq!(masked_destination(&email), "i***@e***.ru");
    }
}
