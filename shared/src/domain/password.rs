//! Passwords: checked against the user pool's policy before Cognito sees them,
//! so that every broken rule is named in Russian at once.

use std::fmt;

/// Minimum length; the same number as `MinimumLength` in `infra/template.yaml`.
pub const PASSWORD_MIN_CHARS: usize = 8;

/// Longest password Cognito accepts.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// A password that meets the policy: at least 8 characters with a lower-case
/// and an upper-case Latin letter and a digit, as Cognito counts them (it
/// counts only A–Z and a–z as letters). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// Why a password is weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    /// Not given.
    Empty,
    /// Fails one or more rules of the policy.
    Weak,
    /// Longer than Cognito accepts.
    TooLong,
}

impl Password {
    /// Checks `raw` as it is: spaces inside a password are the customer's own.
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        if raw.is_empty() {
            return Err(PasswordError::Empty);
        }
        let count = raw.chars().count();
        if count > PASSWORD_MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let strong = count >= PASSWORD_MIN_CHARS
            && raw.chars().any(|c| c.is_ascii_lowercase())
            && raw.chars().any(|c| c.is_ascii_uppercase())
            && raw.chars().any(|c| c.is_ascii_digit())
            && raw.trim() == raw;
        if strong {
            Ok(Self(raw.to_string()))
        } else {
            Err(PasswordError::Weak)
        }
    }

    /// The password, for the call to Cognito only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl PasswordError {
    /// Stable machine code of the failure.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::Weak => "weak_password",
            Self::TooLong => "too_long",
        }
    }

    /// Russian explanation, to follow the field's label («Пароль»: …).
    pub fn describe(self) -> &'static str {
        match self {
            Self::Empty => "укажите пароль.",
            Self::Weak => {
                "слишком простой пароль: нужно не менее 8 символов, строчная и заглавная латинские буквы и цифра, без пробелов в начале и в конце."
            }
            Self::TooLong => "пароль длиннее 256 символов.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rules() {
        assert!(Password::parse("Secret123").is_ok());
        assert!(Password::parse("Пароль2026Ok").is_ok());
        for weak in [
            "short1A",
            "alllower123",
            "ALLUPPER123",
            "NoDigitsHere",
            " Secret123",
            // Cyrillic capitals do not count for Cognito's policy.
            "Пароль2026",
        ] {
            assert_eq!(Password::parse(weak), Err(PasswordError::Weak), "{weak}");
        }
        assert_eq!(Password::parse(""), Err(PasswordError::Empty));
    }

    #[test]
    fn debug_hides_the_password() {
        assert_eq!(
            format!("{:?}", Password::parse("Secret123").unwrap()),
            "Password(***)"
        );
    }
}
