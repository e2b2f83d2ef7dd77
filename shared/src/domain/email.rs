//! E-mail addresses: the login of a customer.

use std::fmt;

/// An e-mail address, trimmed and lower-cased, so that one person has one
/// account whatever case they type (R1.5).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing but white space.
    Empty,
    /// Not of the form `local@domain.tld`.
    Malformed,
    /// Longer than 254 characters.
    TooLong,
}

impl Email {
    /// Trims, lower-cases and checks `raw`.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let normal = trimmed.to_lowercase();
        let (local, domain) = normal.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "._%+-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                // Letters, or the ASCII (Punycode) form of a national
                // domain such as .рф: xn--p1ai.
                tld.chars().count() >= 2
                    && (tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"))
            });
        if local_ok && domain_ok {
            Ok(Self(normal))
        } else {
            Err(EmailError::Malformed)
        }
    }

    /// The normal form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Masks the address so that it never reaches a log whole.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(***)")
    }
}

impl EmailError {
    /// Stable machine code of the failure.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::Malformed => "invalid_email",
            Self::TooLong => "too_long",
        }
    }

    /// Russian explanation, to follow the field's label («Электронная почта»: …).
    pub fn describe(self) -> &'static str {
        match self {
            Self::Empty => "укажите адрес.",
            Self::Malformed => "адрес указан неверно, ожидается вид name@example.ru.",
            Self::TooLong => "адрес длиннее 254 символов.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases() {
        let email = Email::parse("  Ivan.Petrov@Example.RU ").unwrap();
        assert_eq!(email.as_str(), "ivan.petrov@example.ru");
        assert_eq!(email, Email::parse("ivan.petrov@example.ru").unwrap());
    }

    #[test]
    fn accepts_cyrillic_domains() {
        assert_eq!(
            Email::parse("Info@Палата.РФ").unwrap().as_str(),
            "info@палата.рф"
        );
    }

    #[test]
    fn accepts_punycode_domains() {
        assert!(Email::parse("test@xn--80akhbyknj4f.xn--p1ai").is_ok());
    }

    #[test]
    fn refuses_malformed_addresses() {
        for raw in [
            "ivan",
            "ivan@",
            "@example.ru",
            "ivan@example",
            "iv an@example.ru",
            "ivan@@example.ru",
            "ivan@example.r",
            ".ivan@example.ru",
            "ivan..p@example.ru",
            "ivan@-example.ru",
            // Signs RFC 5322 allows but mail systems and Cognito refuse.
            "t'est@example.ru",
            "t/est@example.ru",
            "t|est@example.ru",
            "t{est}@example.ru",
        ] {
            assert_eq!(Email::parse(raw), Err(EmailError::Malformed), "{raw}");
        }
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        let long = format!("{}@example.ru", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn debug_hides_the_address() {
        let email = Email::parse("secret@example.ru").unwrap();
        assert!(!format!("{email:?}").contains("secret"));
    }
}
