//! The records of the catalog file and the closed vocabularies they use.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who may order a service (R3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// Anyone: the general classifier.
    All,
    /// Members of ТПП РФ only.
    Members,
    /// Services of the chamber's partners.
    Partners,
}

impl Audience {
    /// Every audience, in the order the portal shows them.
    pub const EVERY: [Audience; 3] = [Self::All, Self::Members, Self::Partners];

    /// The value used in the file and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Members => "members",
            Self::Partners => "partners",
        }
    }

    /// Parses an API value (`all`, `members`, `partners`; ASCII case ignored).
    pub fn parse(raw: &str) -> Result<Self, UnknownValue> {
        Self::EVERY
            .into_iter()
            .find(|audience| audience.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| UnknownValue::new(raw, Self::EVERY.map(Self::as_str).to_vec()))
    }
}

/// What kind of organisation a provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// A territorial chamber of commerce («Территориальная ТПП»).
    Chamber,
    /// A department of ТПП РФ («Департамент ТПП РФ»).
    Department,
    /// A subsidiary of ТПП РФ («Дочерняя организация»).
    Subsidiary,
    /// A partner of ТПП РФ offering partners' services.
    Partner,
}

impl ProviderKind {
    /// Every kind, in the order the filter lists them.
    pub const EVERY: [ProviderKind; 4] = [
        Self::Chamber,
        Self::Department,
        Self::Subsidiary,
        Self::Partner,
    ];

    /// The value used in the file and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chamber => "chamber",
            Self::Department => "department",
            Self::Subsidiary => "subsidiary",
            Self::Partner => "partner",
        }
    }

    /// Russian label of the kind for the filter of the contacts tab.
    pub fn title(self) -> &'static str {
        match self {
            Self::Chamber => "Территориальные торгово-промышленные палаты",
            Self::Department => "Департаменты ТПП РФ",
            Self::Subsidiary => "Дочерние организации ТПП РФ",
            Self::Partner => "Партнёры ТПП РФ",
        }
    }

    /// Parses an API value (`chamber`, `department`, …; ASCII case ignored).
    pub fn parse(raw: &str) -> Result<Self, UnknownValue> {
        Self::EVERY
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| UnknownValue::new(raw, Self::EVERY.map(Self::as_str).to_vec()))
    }
}

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// What was given.
    pub value: String,
    /// What would have been accepted.
    pub allowed: Vec<&'static str>,
}

impl UnknownValue {
    fn new(value: &str, allowed: Vec<&'static str>) -> Self {
        Self {
            value: value.to_string(),
            allowed,
        }
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown value {:?}, expected one of: {}",
            self.value,
            self.allowed.join(", ")
        )
    }
}

impl std::error::Error for UnknownValue {}

/// A node of the classifier; `parent` is `None` at the top level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable id (`ved-origin`).
    pub id: String,
    /// Russian title.
    pub title: String,
    /// Id of the enclosing category.
    pub parent: Option<String>,
}

/// A document offered for download on a service page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Russian title of the document.
    pub title: String,
    /// File name of the document (`st1-application.docx`).
    pub file: String,
}

/// A service of the classifier as the catalog file describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogService {
    /// Stable id (`origin-st1`).
    pub id: String,
    /// Id of the category the service belongs to.
    pub category: String,
    /// Russian title.
    pub title: String,
    /// Russian description for the service page.
    pub description: String,
    /// Who may order it.
    pub audience: Audience,
    /// Documents for download.
    pub documents: Vec<Document>,
    /// Ids of the providers that deliver it, in the order they are listed.
    pub providers: Vec<String>,
}

/// An organisation that delivers services: its public contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Stable id (`chamber-moscow`); executors are bound to it.
    pub id: String,
    /// Kind of organisation.
    pub kind: ProviderKind,
    /// Russian name.
    pub name: String,
    /// Region of the Russian Federation (`Московская область`).
    pub region: String,
    /// City of the office.
    pub city: String,
    /// Federal district (`Центральный`).
    pub federal_district: String,
    /// Public contact address of the organisation (not a person's).
    pub email: String,
}

/// One question of the FAQ as the catalog file lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    /// Russian title of the section the question belongs to.
    pub section: String,
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_audiences_ignoring_ascii_case() {
        assert_eq!(Audience::parse("members"), Ok(Audience::Members));
        assert_eq!(Audience::parse(" Partners "), Ok(Audience::Partners));
        assert_eq!(Audience::parse("all"), Ok(Audience::All));
    }

    #[test]
    fn refuses_an_unknown_audience_and_lists_the_allowed_ones() {
        let error = Audience::parse("everyone").unwrap_err();
        assert_eq!(error.value, "everyone");
        assert_eq!(error.allowed, ["all", "members", "partners"]);
    }

    #[test]
    fn parses_every_kind_and_refuses_unknown_ones() {
        for kind in ProviderKind::EVERY {
            assert_eq!(ProviderKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(ProviderKind::parse("CHAMBER"), Ok(ProviderKind::Chamber));
        let error = ProviderKind::parse("палата").unwrap_err();
        assert_eq!(
            error.allowed,
            ["chamber", "department", "subsidiary", "partner"]
        );
    }

    #[test]
    fn serialises_vocabularies_as_their_api_values() {
        for kind in ProviderKind::EVERY {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        for audience in Audience::EVERY {
            assert_eq!(
                serde_json::to_value(audience).unwrap(),
                serde_json::json!(audience.as_str())
            );
        }
    }
}
