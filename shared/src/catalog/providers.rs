//! The filter of the contacts tab of a service page (R3.4): by kind of
//! provider, region, federal district, city and words of the name.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Provider, ProviderKind, UnknownValue};
use crate::domain::char_count;

/// Longest value, in characters, a text parameter of the filter may have.
pub const MAX_FILTER_LENGTH: usize = 200;

/// Folds text for comparison: lower case, `ё` read as `е`, every run of
/// signs and spaces a single space (`«ТПП-Информ»` → `тпп информ`).
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !folded.is_empty() {
            folded.push(' ');
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            folded.push(if c == 'ё' { 'е' } else { c });
        }
    }
    folded
}

/// A checked filter of a service's providers; empty fields do not narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderFilter {
    /// Kinds to keep; empty keeps every kind.
    pub kinds: Vec<ProviderKind>,
    /// Region, compared folded and whole.
    pub region: Option<String>,
    /// Federal district, compared folded and whole.
    pub federal_district: Option<String>,
    /// City, compared folded and whole.
    pub city: Option<String>,
    /// Folded words that must all occur in the name.
    pub words: Vec<String>,
}

/// The raw values of the filter's query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProviderFilterParams<'a> {
    /// `kind`: one kind, or several separated by commas.
    pub kind: Option<&'a str>,
    /// `region`.
    pub region: Option<&'a str>,
    /// `federal_district`.
    pub federal_district: Option<&'a str>,
    /// `city`.
    pub city: Option<&'a str>,
    /// `q`: words of the name.
    pub q: Option<&'a str>,
}

/// A query parameter that cannot be used; the detail names it, in Russian.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid query parameter {parameter}: {code}")]
pub struct InvalidParameter {
    /// Name of the parameter as the client sent it.
    pub parameter: &'static str,
    /// Stable machine code (`invalid_value`, `too_long`).
    pub code: &'static str,
    /// Russian explanation naming the parameter.
    pub detail: String,
}

impl InvalidParameter {
    /// A parameter whose value is outside its vocabulary.
    pub fn unknown_value(parameter: &'static str, error: &UnknownValue) -> Self {
        Self {
            parameter,
            code: "invalid_value",
            detail: format!(
                "Параметр «{parameter}» должен принимать одно из значений: {}.",
                error.allowed.join(", ")
            ),
        }
    }

    fn too_long(parameter: &'static str) -> Self {
        Self {
            parameter,
            code: "too_long",
            detail: format!("Параметр «{parameter}» длиннее {MAX_FILTER_LENGTH} символов."),
        }
    }
}

impl ProviderFilter {
    /// Checks the query parameters of the filter.
    pub fn parse(params: ProviderFilterParams<'_>) -> Result<Self, InvalidParameter> {
        let kinds = match params.kind {
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(|value| {
                    ProviderKind::parse(value)
                        .map_err(|error| InvalidParameter::unknown_value("kind", &error))
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let q = text_param("q", params.q)?;
        Ok(Self {
            kinds,
            region: text_param("region", params.region)?,
            federal_district: text_param("federal_district", params.federal_district)?,
            city: text_param("city", params.city)?,
            words: q
                .map(|q| q.split(' ').map(str::to_string).collect())
                .unwrap_or_default(),
        })
    }

    /// Whether `provider` passes every part of the filter.
    pub fn matches(&self, provider: &Provider) -> bool {
        let same = |wanted: &Option<String>, actual: &str| {
            wanted
                .as_deref()
                .is_none_or(|wanted| fold(actual) == wanted)
        };
        let name = fold(&provider.name);
        (self.kinds.is_empty() || self.kinds.contains(&provider.kind))
            && same(&self.region, &provider.region)
            && same(&self.federal_district, &provider.federal_district)
            && same(&self.city, &provider.city)
            && self.words.iter().all(|word| name.contains(word.as_str()))
    }

    /// The providers that pass, in their original order.
    pub fn apply<'a>(&self, providers: &'a [Provider]) -> Vec<&'a Provider> {
        providers.iter().filter(|p| self.matches(p)).collect()
    }
}

/// A folded, non-empty parameter value, or `None`.
fn text_param(name: &'static str, raw: Option<&str>) -> Result<Option<String>, InvalidParameter> {
    let Some(raw) = raw.filter(|raw| !raw.trim().is_empty()) else {
        return Ok(None);
    };
    if char_count(raw) > MAX_FILTER_LENGTH {
        return Err(InvalidParameter::too_long(name));
    }
    let folded = fold(raw);
    if folded.is_empty() {
        // A value with no letter or digit matches nothing a name or place
        // holds; dropping it would answer as if the filter were not given.
        return Err(InvalidParameter {
            parameter: name,
            code: "invalid_value",
            detail: format!("Параметр «{name}» должен содержать буквы или цифры."),
        });
    }
    Ok(Some(folded))
}

/// One choice of the kind filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindFacet {
    /// Value for the `kind` parameter.
    pub value: ProviderKind,
    /// Russian label.
    pub title: &'static str,
}

/// The values a frontend offers in each filter of a service's contacts tab:
/// those that occur among all of the service's providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    /// Kinds present, in the catalog's fixed order of kinds.
    pub kinds: Vec<KindFacet>,
    /// Regions present, in alphabetical order.
    pub regions: Vec<String>,
    /// Federal districts present, in alphabetical order.
    pub federal_districts: Vec<String>,
    /// Cities present, in alphabetical order.
    pub cities: Vec<String>,
}

impl Facets {
    /// The facets of `providers`.
    pub fn of(providers: &[Provider]) -> Self {
        Self {
            kinds: ProviderKind::EVERY
                .into_iter()
                .filter(|kind| providers.iter().any(|p| p.kind == *kind))
                .map(|kind| KindFacet {
                    value: kind,
                    title: kind.title(),
                })
                .collect(),
            regions: distinct(providers.iter().map(|p| p.region.as_str())),
            federal_districts: distinct(providers.iter().map(|p| p.federal_district.as_str())),
            cities: distinct(providers.iter().map(|p| p.city.as_str())),
        }
    }
}

/// Values without repeats (compared folded, the first spelling kept), ordered
/// alphabetically with `ё` sorted as `е`.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut by_key: BTreeMap<String, &str> = BTreeMap::new();
    for value in values {
        let key = fold(value);
        if !key.is_empty() {
            by_key.entry(key).or_insert(value);
        }
    }
    by_key.into_values().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: &str, kind: ProviderKind, name: &str, region: &str, city: &str) -> Provider {
        Provider {
            id: id.to_string(),
            kind,
            name: name.to_string(),
            region: region.to_string(),
            city: city.to_string(),
            federal_district: if city == "Москва" {
                "Центральный".to_string()
            } else {
                "Северо-Западный".to_string()
            },
            email: format!("{id}@example.org"),
        }
    }

    fn providers() -> Vec<Provider> {
        vec![
            provider(
                "chamber-moscow",
                ProviderKind::Chamber,
                "Московская торгово-промышленная палата",
                "г. Москва",
                "Москва",
            ),
            provider(
                "chamber-spb",
                ProviderKind::Chamber,
                "Санкт-Петербургская торгово-промышленная палата",
                "г. Санкт-Петербург",
                "Санкт-Петербург",
            ),
            provider(
                "dep-legal",
                ProviderKind::Department,
                "Департамент правового обеспечения ТПП РФ",
                "г. Москва",
                "Москва",
            ),
            provider(
                "partner-ca",
                ProviderKind::Partner,
                "Удостоверяющий центр — партнёр ТПП РФ",
                "г. Москва",
                "Москва",
            ),
            provider(
                "tpp-inform",
                ProviderKind::Subsidiary,
                "ООО «ТПП-Информ»",
                "г. Москва",
                "Москва",
            ),
        ]
    }

    fn filtered(params: ProviderFilterParams<'_>) -> Vec<String> {
        let providers = providers();
        ProviderFilter::parse(params)
            .unwrap()
            .apply(&providers)
            .iter()
            .map(|p| p.id.clone())
            .collect()
    }

    fn by_name(q: &str) -> Vec<String> {
        filtered(ProviderFilterParams {
            q: Some(q),
            ..Default::default()
        })
    }

    #[test]
    fn folds_case_yo_and_signs() {
        assert_eq!(fold("  Партнёр ТПП-РФ «Информ» "), "партнер тпп рф информ");
        assert_eq!(fold("ЁЛКА"), "елка");
        assert_eq!(fold("—"), "");
    }

    #[test]
    fn empty_filter_keeps_everyone_in_order() {
        let all = filtered(ProviderFilterParams::default());
        assert_eq!(all.len(), 5);
        assert_eq!(all[0], "chamber-moscow");
        let blank = filtered(ProviderFilterParams {
            q: Some("  "),
            city: Some(""),
            ..Default::default()
        });
        assert_eq!(blank.len(), 5);
    }

    #[test]
    fn a_value_without_letters_or_digits_is_refused_not_dropped() {
        for (q, city) in [
            (Some("—"), None),
            (None, Some("!!!")),
            (Some("\u{fffd}"), None),
        ] {
            let error = ProviderFilter::parse(ProviderFilterParams {
                q,
                city,
                ..Default::default()
            })
            .unwrap_err();
            assert_eq!(error.code, "invalid_value");
            assert_eq!(error.parameter, if q.is_some() { "q" } else { "city" });
        }
    }

    #[test]
    fn filters_by_kind() {
        let chambers = filtered(ProviderFilterParams {
            kind: Some("chamber"),
            ..Default::default()
        });
        assert_eq!(chambers, ["chamber-moscow", "chamber-spb"]);
    }

    #[test]
    fn filters_by_several_kinds() {
        let some = filtered(ProviderFilterParams {
            kind: Some("department,subsidiary"),
            ..Default::default()
        });
        assert_eq!(some, ["dep-legal", "tpp-inform"]);
    }

    #[test]
    fn an_unknown_kind_is_an_error_naming_the_parameter() {
        let error = ProviderFilter::parse(ProviderFilterParams {
            kind: Some("chamber,bank"),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(error.parameter, "kind");
        assert_eq!(error.code, "invalid_value");
        assert!(error.detail.contains("«kind»"), "{}", error.detail);
        assert!(error.detail.contains("subsidiary"), "{}", error.detail);
    }

    #[test]
    fn filters_by_region_district_and_city_ignoring_case_and_yo() {
        let spb = filtered(ProviderFilterParams {
            region: Some("Г. САНКТ-ПЕТЕРБУРГ"),
            ..Default::default()
        });
        assert_eq!(spb, ["chamber-spb"]);
        let district = filtered(ProviderFilterParams {
            federal_district: Some("северо-западный"),
            ..Default::default()
        });
        assert_eq!(district, ["chamber-spb"]);
        let moscow = filtered(ProviderFilterParams {
            city: Some("москва"),
            kind: Some("chamber"),
            ..Default::default()
        });
        assert_eq!(moscow, ["chamber-moscow"]);
    }

    #[test]
    fn a_region_is_compared_whole_not_as_a_part() {
        let none = filtered(ProviderFilterParams {
            region: Some("Москва"),
            ..Default::default()
        });
        assert!(none.is_empty(), "the region is «г. Москва»");
    }

    #[test]
    fn name_words_ignore_case() {
        assert_eq!(by_name("тпп рф"), by_name("ТПП РФ"));
        assert_eq!(by_name("тпп рф"), ["dep-legal", "partner-ca"]);
        assert_eq!(by_name("Тпп"), ["dep-legal", "partner-ca", "tpp-inform"]);
    }

    #[test]
    fn every_word_must_occur_in_the_name() {
        assert_eq!(by_name("палата московская"), ["chamber-moscow"]);
        assert!(by_name("палата правового").is_empty());
        assert_eq!(by_name("промышленная"), ["chamber-moscow", "chamber-spb"]);
    }

    #[test]
    fn yo_and_ye_are_alike_both_ways() {
        assert_eq!(by_name("партнер"), ["partner-ca"]);
        assert_eq!(by_name("ПАРТНЁР"), ["partner-ca"]);
        assert_eq!(by_name("торгово-промышлённая").len(), 2);
    }

    #[test]
    fn punctuation_of_the_name_does_not_matter() {
        assert_eq!(by_name("тпп-информ"), ["tpp-inform"]);
        assert_eq!(by_name("«Информ»"), ["tpp-inform"]);
    }

    #[test]
    fn a_too_long_value_is_refused() {
        let long = "а".repeat(MAX_FILTER_LENGTH + 1);
        let error = ProviderFilter::parse(ProviderFilterParams {
            q: Some(&long),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!((error.parameter, error.code), ("q", "too_long"));
    }

    #[test]
    fn facets_list_what_occurs_once_and_sorted() {
        let facets = Facets::of(&providers());
        let kinds: Vec<ProviderKind> = facets.kinds.iter().map(|k| k.value).collect();
        assert_eq!(
            kinds,
            [
                ProviderKind::Chamber,
                ProviderKind::Department,
                ProviderKind::Subsidiary,
                ProviderKind::Partner
            ]
        );
        assert_eq!(facets.regions, ["г. Москва", "г. Санкт-Петербург"]);
        assert_eq!(facets.cities, ["Москва", "Санкт-Петербург"]);
        assert_eq!(facets.federal_districts, ["Северо-Западный", "Центральный"]);
    }

    #[test]
    fn facets_sort_yo_as_ye_and_omit_absent_kinds() {
        let mut list = providers();
        list.truncate(2);
        list[0].city = "Орехово-Зуево".to_string();
        list[1].city = "Орёл".to_string();
        let facets = Facets::of(&list);
        // By code point «ё» comes after every other lower-case letter.
        assert_eq!(facets.cities, ["Орёл", "Орехово-Зуево"]);
        assert_eq!(facets.kinds.len(), 1);
        assert_eq!(facets.kinds[0].title, ProviderKind::Chamber.title());
    }
}
