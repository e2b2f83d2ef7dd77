//! The catalog of services of the chamber system: categories, services,
//! providers and the FAQ.
//!
//! Operators keep the catalog in one JSON file (`data/catalog.json`).
//! [`Catalog::from_json`] reads it and checks that it holds together; the
//! views the API serves are derived from a checked catalog: the
//! [`Classifier`] (categories and service summaries), one [`ServicePage`] per
//! service with its providers' contact cards, and the FAQ grouped by section.

pub mod faq;
pub mod model;
pub mod providers;
pub mod tree;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use faq::{FaqQuestion, FaqSection};
pub use model::{
    Audience, CatalogService, Category, Document, FaqEntry, Provider, ProviderKind, UnknownValue,
};
pub use providers::{Facets, InvalidParameter, ProviderFilter, ProviderFilterParams};
pub use tree::{CategoryNode, CategoryRef, Classifier, ServiceSummary, UnknownCategory};

/// Longest id, in characters; executors carry a provider id in a Cognito
/// attribute of at most 64 characters.
pub const MAX_ID_LENGTH: usize = 64;

/// A catalog whose references all resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    categories: Vec<Category>,
    services: Vec<CatalogService>,
    providers: Vec<Provider>,
    faq: Vec<FaqEntry>,
}

/// Everything a service page shows (R3.3): the description, documents for
/// download and the contact cards of the providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServicePage {
    /// Id of the service.
    pub id: String,
    /// Russian title.
    pub title: String,
    /// Russian description.
    pub description: String,
    /// Who may order it.
    pub audience: Audience,
    /// The category the service belongs to directly.
    pub category: CategoryRef,
    /// Categories from the top level down to the service's own category, inclusive.
    pub breadcrumbs: Vec<CategoryRef>,
    /// Documents for download.
    pub documents: Vec<Document>,
    /// Providers of the service, in the order the file lists them.
    pub providers: Vec<Provider>,
}

/// The shape of the catalog file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    categories: Vec<Category>,
    services: Vec<CatalogService>,
    providers: Vec<Provider>,
    faq: Vec<FaqEntry>,
}

/// Why a catalog file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not JSON, or JSON of another shape; `path` locates the offending value.
    #[error("the catalog is not in the expected format at {path}: {message}")]
    Format {
        /// Where in the document (`providers[3].kind`).
        path: String,
        /// What the parser expected.
        message: String,
    },
    /// Well-formed, but the records do not hold together.
    #[error("the catalog does not hold together:\n{}", list(.0))]
    Integrity(Vec<IntegrityError>),
}

fn list(errors: &[IntegrityError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
    lines.join("\n")
}

/// The three kinds of records that have ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A record of `categories`.
    Category,
    /// A record of `services`.
    Service,
    /// A record of `providers`.
    Provider,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Category => "category",
            Self::Service => "service",
            Self::Provider => "provider",
        })
    }
}

/// One broken rule of a catalog file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityError {
    /// An id that is empty, too long, or not made of `a-z`, `0-9`, `-`, `_`.
    #[error("{entity} id {id:?} must be 1 to {MAX_ID_LENGTH} characters of a-z, 0-9, '-' or '_'")]
    InvalidId {
        /// Kind of record.
        entity: Entity,
        /// The id.
        id: String,
    },
    /// Two records of one kind share an id.
    #[error("{entity} id {id:?} is used more than once")]
    DuplicateId {
        /// Kind of record.
        entity: Entity,
        /// The id.
        id: String,
    },
    /// A text every record must have is blank.
    #[error("{entity} {id:?} has an empty {field}")]
    EmptyText {
        /// Kind of record.
        entity: Entity,
        /// The record's id.
        id: String,
        /// Name of the field.
        field: &'static str,
    },
    /// A FAQ entry with a blank section, question or answer.
    #[error("faq entry #{index} has an empty {field}")]
    EmptyFaqText {
        /// Position of the entry in the file, from 1.
        index: usize,
        /// Name of the field.
        field: &'static str,
    },
    /// A category whose parent does not exist.
    #[error("category {category:?} has parent {parent:?}, which is not a category")]
    UnknownParent {
        /// The category.
        category: String,
        /// The missing parent.
        parent: String,
    },
    /// Categories that are each other's ancestors.
    #[error("categories form a cycle of parents: {}", .categories.join(" -> "))]
    CategoryCycle {
        /// The categories of the cycle, in parent order.
        categories: Vec<String>,
    },
    /// A service in a category that does not exist.
    #[error("service {service:?} is in category {category:?}, which does not exist")]
    UnknownCategory {
        /// The service.
        service: String,
        /// The missing category.
        category: String,
    },
    /// A service names a provider that does not exist.
    #[error("service {service:?} names provider {provider:?}, which does not exist")]
    UnknownProvider {
        /// The service.
        service: String,
        /// The missing provider.
        provider: String,
    },
    /// A service names a provider twice.
    #[error("service {service:?} names provider {provider:?} more than once")]
    DuplicateProvider {
        /// The service.
        service: String,
        /// The repeated provider.
        provider: String,
    },
    /// A service nobody delivers cannot be ordered.
    #[error("service {service:?} has no providers")]
    NoProviders {
        /// The service.
        service: String,
    },
}

impl Catalog {
    /// Reads a catalog file and checks that every reference resolves: ids are
    /// well-formed and unique per kind, parents exist and form no cycle, and
    /// every service's category and providers exist. All broken rules are
    /// reported at once.
    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        let format_error = |path: String, error: serde_json::Error| CatalogError::Format {
            path,
            message: error.to_string(),
        };
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let file: CatalogFile = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|error| format_error(error.path().to_string(), error.into_inner()))?;
        deserializer
            .end()
            .map_err(|error| format_error("(after the document)".to_string(), error))?;
        let catalog = Self {
            categories: file.categories,
            services: file.services,
            providers: file.providers,
            faq: file.faq,
        };
        let errors = catalog.integrity_errors();
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(CatalogError::Integrity(errors))
        }
    }

    /// Every category, in file order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// Every service, in file order.
    pub fn services(&self) -> &[CatalogService] {
        &self.services
    }

    /// Every provider, in file order.
    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    /// The classifier: categories and service summaries.
    pub fn classifier(&self) -> Classifier {
        Classifier {
            categories: self.categories.clone(),
            services: self.services.iter().map(ServiceSummary::from).collect(),
        }
    }

    /// The page of the service `id`, if there is one.
    pub fn service_page(&self, id: &str) -> Option<ServicePage> {
        let service = self.services.iter().find(|s| s.id == id)?;
        Some(self.page_of(service, &self.classifier()))
    }

    /// The pages of every service, in file order.
    pub fn service_pages(&self) -> Vec<ServicePage> {
        let classifier = self.classifier();
        self.services
            .iter()
            .map(|service| self.page_of(service, &classifier))
            .collect()
    }

    /// The FAQ grouped by section, in file order.
    pub fn faq(&self) -> Vec<FaqSection> {
        faq::group(&self.faq)
    }

    fn page_of(&self, service: &CatalogService, classifier: &Classifier) -> ServicePage {
        let providers: HashMap<&str, &Provider> =
            self.providers.iter().map(|p| (p.id.as_str(), p)).collect();
        let breadcrumbs = classifier.path(&service.category);
        let category = breadcrumbs
            .last()
            .cloned()
            .expect("a checked catalog puts every service in an existing category");
        ServicePage {
            id: service.id.clone(),
            title: service.title.clone(),
            description: service.description.clone(),
            audience: service.audience,
            category,
            breadcrumbs,
            documents: service.documents.clone(),
            providers: service
                .providers
                .iter()
                .filter_map(|id| providers.get(id.as_str()).map(|p| (*p).clone()))
                .collect(),
        }
    }

    fn integrity_errors(&self) -> Vec<IntegrityError> {
        let mut errors = Vec::new();
        let category_ids = check_ids(
            Entity::Category,
            self.categories.iter().map(|c| c.id.as_str()),
            &mut errors,
        );
        check_ids(
            Entity::Service,
            self.services.iter().map(|s| s.id.as_str()),
            &mut errors,
        );
        let provider_ids = check_ids(
            Entity::Provider,
            self.providers.iter().map(|p| p.id.as_str()),
            &mut errors,
        );
        self.check_texts(&mut errors);
        self.check_parents(&category_ids, &mut errors);
        for service in &self.services {
            check_service(service, &category_ids, &provider_ids, &mut errors);
        }
        errors
    }

    fn check_texts(&self, errors: &mut Vec<IntegrityError>) {
        let mut require = |entity, id: &str, field, value: &str| {
            if value.trim().is_empty() {
                errors.push(IntegrityError::EmptyText {
                    entity,
                    id: id.to_string(),
                    field,
                });
            }
        };
        for category in &self.categories {
            require(Entity::Category, &category.id, "title", &category.title);
        }
        for service in &self.services {
            require(Entity::Service, &service.id, "title", &service.title);
            for document in &service.documents {
                require(
                    Entity::Service,
                    &service.id,
                    "document title",
                    &document.title,
                );
                require(
                    Entity::Service,
                    &service.id,
                    "document file",
                    &document.file,
                );
            }
        }
        for provider in &self.providers {
            require(Entity::Provider, &provider.id, "name", &provider.name);
            require(Entity::Provider, &provider.id, "region", &provider.region);
            require(Entity::Provider, &provider.id, "city", &provider.city);
            require(
                Entity::Provider,
                &provider.id,
                "federal_district",
                &provider.federal_district,
            );
        }
        for (index, entry) in self.faq.iter().enumerate() {
            for (field, value) in [
                ("section", &entry.section),
                ("question", &entry.question),
                ("answer", &entry.answer),
            ] {
                if value.trim().is_empty() {
                    errors.push(IntegrityError::EmptyFaqText {
                        index: index + 1,
                        field,
                    });
                }
            }
        }
    }

    fn check_parents(&self, category_ids: &HashSet<&str>, errors: &mut Vec<IntegrityError>) {
        let parents: HashMap<&str, &str> = self
            .categories
            .iter()
            .filter_map(|c| c.parent.as_deref().map(|p| (c.id.as_str(), p)))
            .collect();
        for (category, parent) in &parents {
            if !category_ids.contains(parent) {
                errors.push(IntegrityError::UnknownParent {
                    category: category.to_string(),
                    parent: parent.to_string(),
                });
            }
        }
        let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
        for category in &self.categories {
            let mut chain: Vec<&str> = vec![&category.id];
            while let Some(parent) = chain.last().and_then(|id| parents.get(id)) {
                if let Some(start) = chain.iter().position(|id| id == parent) {
                    let mut cycle: Vec<String> =
                        chain[start..].iter().map(|s| s.to_string()).collect();
                    // The same cycle is met from each of its members; report
                    // it once, starting from its smallest id.
                    let smallest = (0..cycle.len())
                        .min_by_key(|&i| &cycle[i])
                        .expect("a cycle has at least one member");
                    cycle.rotate_left(smallest);
                    if reported.insert(cycle.clone()) {
                        errors.push(IntegrityError::CategoryCycle { categories: cycle });
                    }
                    break;
                }
                chain.push(parent);
            }
        }
    }
}

/// Checks the ids of one kind of record and returns the set of them.
fn check_ids<'a>(
    entity: Entity,
    ids: impl Iterator<Item = &'a str>,
    errors: &mut Vec<IntegrityError>,
) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    for id in ids {
        if !is_valid_id(id) {
            errors.push(IntegrityError::InvalidId {
                entity,
                id: id.to_string(),
            });
        }
        if !seen.insert(id) {
            errors.push(IntegrityError::DuplicateId {
                entity,
                id: id.to_string(),
            });
        }
    }
    seen
}

fn check_service(
    service: &CatalogService,
    category_ids: &HashSet<&str>,
    provider_ids: &HashSet<&str>,
    errors: &mut Vec<IntegrityError>,
) {
    if !category_ids.contains(service.category.as_str()) {
        errors.push(IntegrityError::UnknownCategory {
            service: service.id.clone(),
            category: service.category.clone(),
        });
    }
    if service.providers.is_empty() {
        errors.push(IntegrityError::NoProviders {
            service: service.id.clone(),
        });
    }
    let mut named = HashSet::new();
    for provider in &service.providers {
        if !provider_ids.contains(provider.as_str()) {
            errors.push(IntegrityError::UnknownProvider {
                service: service.id.clone(),
                provider: provider.clone(),
            });
        } else if !named.insert(provider.as_str()) {
            errors.push(IntegrityError::DuplicateProvider {
                service: service.id.clone(),
                provider: provider.clone(),
            });
        }
    }
}

/// Whether `id` can serve as a catalog id: 1 to [`MAX_ID_LENGTH`] characters
/// of `a-z`, `0-9`, `-` and `_`. Ids become parts of keys and URLs.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LENGTH
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The product's own catalog file.
    const CATALOG_FILE: &str = include_str!("../../../data/catalog.json");

    fn small() -> Value {
        json!({
            "categories": [
                {"id": "ved", "title": "ВЭД", "parent": null},
                {"id": "ved-origin", "title": "Происхождение", "parent": "ved"},
                {"id": "members", "title": "Для членов", "parent": null}
            ],
            "services": [
                {"id": "st1", "category": "ved-origin", "title": "СТ-1",
                 "description": "Сертификат", "audience": "all",
                 "documents": [{"title": "Образец", "file": "st1.pdf"}],
                 "providers": ["chamber-moscow", "dep-foreign"]},
                {"id": "membership", "category": "members", "title": "Членство",
                 "description": "Вступление", "audience": "members",
                 "documents": [], "providers": ["dep-foreign"]}
            ],
            "providers": [
                {"id": "chamber-moscow", "kind": "chamber", "name": "Московская ТПП",
                 "region": "г. Москва", "city": "Москва", "federal_district": "Центральный",
                 "email": "mtpp@example.org"},
                {"id": "dep-foreign", "kind": "department", "name": "Департамент ВЭД ТПП РФ",
                 "region": "г. Москва", "city": "Москва", "federal_district": "Центральный",
                 "email": "dep@example.org"}
            ],
            "faq": [
                {"section": "Заявки", "question": "Как?", "answer": "Так."}
            ]
        })
    }

    fn integrity_errors(file: Value) -> Vec<IntegrityError> {
        match Catalog::from_json(&file.to_string()) {
            Err(CatalogError::Integrity(errors)) => errors,
            other => panic!("expected integrity errors, got {other:?}"),
        }
    }

    #[test]
    fn reads_the_products_catalog_file() {
        let catalog = Catalog::from_json(CATALOG_FILE).expect("data/catalog.json is valid");
        assert_eq!(catalog.services().len(), 32);
        assert_eq!(catalog.providers().len(), 82);
        assert_eq!(catalog.service_pages().len(), 32);
        assert!(catalog.faq().len() > 1);
    }

    #[test]
    fn builds_a_service_page_with_category_documents_and_providers() {
        let catalog = Catalog::from_json(&small().to_string()).unwrap();
        let page = catalog.service_page("st1").unwrap();
        assert_eq!(page.category.id, "ved-origin");
        let crumbs: Vec<&str> = page.breadcrumbs.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(crumbs, ["ved", "ved-origin"]);
        assert_eq!(page.documents[0].file, "st1.pdf");
        let providers: Vec<&str> = page.providers.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(providers, ["chamber-moscow", "dep-foreign"]);
        assert_eq!(page.providers[1].kind, ProviderKind::Department);
        assert!(catalog.service_page("nothing").is_none());
    }

    #[test]
    fn the_classifier_holds_every_category_and_service() {
        let classifier = Catalog::from_json(&small().to_string())
            .unwrap()
            .classifier();
        assert_eq!(classifier.categories.len(), 3);
        let members = classifier.services(None, Some(Audience::Members)).unwrap();
        assert_eq!(members[0].id, "membership");
    }

    #[test]
    fn reports_a_service_in_an_unknown_category() {
        let mut file = small();
        file["services"][0]["category"] = json!("nowhere");
        assert_eq!(
            integrity_errors(file),
            [IntegrityError::UnknownCategory {
                service: "st1".into(),
                category: "nowhere".into()
            }]
        );
    }

    #[test]
    fn reports_unknown_and_repeated_providers() {
        let mut file = small();
        file["services"][0]["providers"] = json!(["chamber-moscow", "ghost", "chamber-moscow"]);
        assert_eq!(
            integrity_errors(file),
            [
                IntegrityError::UnknownProvider {
                    service: "st1".into(),
                    provider: "ghost".into()
                },
                IntegrityError::DuplicateProvider {
                    service: "st1".into(),
                    provider: "chamber-moscow".into()
                }
            ]
        );
    }

    #[test]
    fn reports_a_service_without_providers() {
        let mut file = small();
        file["services"][1]["providers"] = json!([]);
        assert_eq!(
            integrity_errors(file),
            [IntegrityError::NoProviders {
                service: "membership".into()
            }]
        );
    }

    #[test]
    fn reports_duplicate_ids_of_each_kind() {
        let mut file = small();
        let provider = file["providers"][0].clone();
        file["providers"].as_array_mut().unwrap().push(provider);
        let category = file["categories"][2].clone();
        file["categories"].as_array_mut().unwrap().push(category);
        let errors = integrity_errors(file);
        assert!(errors.contains(&IntegrityError::DuplicateId {
            entity: Entity::Provider,
            id: "chamber-moscow".into()
        }));
        assert!(errors.contains(&IntegrityError::DuplicateId {
            entity: Entity::Category,
            id: "members".into()
        }));
    }

    #[test]
    fn reports_ids_that_cannot_be_keys() {
        let mut file = small();
        file["services"][1]["id"] = json!("SERVICE#1");
        assert_eq!(
            integrity_errors(file),
            [IntegrityError::InvalidId {
                entity: Entity::Service,
                id: "SERVICE#1".into()
            }]
        );
        assert!(is_valid_id("chamber-altai-krai"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id(&"a".repeat(MAX_ID_LENGTH + 1)));
    }

    #[test]
    fn reports_an_unknown_parent() {
        let mut file = small();
        file["categories"][1]["parent"] = json!("vanished");
        assert_eq!(
            integrity_errors(file),
            [IntegrityError::UnknownParent {
                category: "ved-origin".into(),
                parent: "vanished".into()
            }]
        );
    }

    #[test]
    fn reports_a_cycle_of_parents_once() {
        let mut file = small();
        file["categories"][0]["parent"] = json!("ved-origin");
        assert_eq!(
            integrity_errors(file),
            [IntegrityError::CategoryCycle {
                categories: vec!["ved".into(), "ved-origin".into()]
            }]
        );
        let mut file = small();
        file["categories"][2]["parent"] = json!("members");
        assert_eq!(
            integrity_errors(file),
            [IntegrityError::CategoryCycle {
                categories: vec!["members".into()]
            }]
        );
    }

    #[test]
    fn reports_blank_texts() {
        let mut file = small();
        file["providers"][1]["name"] = json!("  ");
        file["faq"][0]["answer"] = json!("");
        assert_eq!(
            integrity_errors(file),
            [
                IntegrityError::EmptyText {
                    entity: Entity::Provider,
                    id: "dep-foreign".into(),
                    field: "name"
                },
                IntegrityError::EmptyFaqText {
                    index: 1,
                    field: "answer"
                }
            ]
        );
    }

    #[test]
    fn reports_every_broken_rule_at_once_in_the_message() {
        let mut file = small();
        file["services"][0]["category"] = json!("nowhere");
        file["services"][1]["providers"] = json!(["ghost"]);
        let error = Catalog::from_json(&file.to_string()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"nowhere\""), "{message}");
        assert!(message.contains("\"ghost\""), "{message}");
    }

    #[test]
    fn a_wrong_shape_names_the_place() {
        let mut file = small();
        file["providers"][1]["kind"] = json!("bank");
        match Catalog::from_json(&file.to_string()) {
            Err(CatalogError::Format { path, message }) => {
                assert_eq!(path, "providers[1].kind");
                assert!(message.contains("bank"), "{message}");
            }
            other => panic!("expected a format error, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_field_or_trailing_text_is_refused() {
        let mut file = small();
        file["services"][0]["price"] = json!(100);
        assert!(matches!(
            Catalog::from_json(&file.to_string()),
            Err(CatalogError::Format { path, .. }) if path == "services[0].price"
        ));
        let trailing = format!("{} x", small());
        assert!(matches!(
            Catalog::from_json(&trailing),
            Err(CatalogError::Format { .. })
        ));
        assert!(matches!(
            Catalog::from_json("not json"),
            Err(CatalogError::Format { .. })
        ));
    }
}
