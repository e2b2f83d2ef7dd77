//! The classifier (R3.1, R3.2): nested categories and the services in them.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{Audience, CatalogService, Category};

/// What a listing shows of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceSummary {
    /// Id of the service.
    pub id: String,
    /// Russian title.
    pub title: String,
    /// Id of the category the service belongs to directly.
    pub category: String,
    /// Who may order it.
    pub audience: Audience,
}

impl From<&CatalogService> for ServiceSummary {
    fn from(service: &CatalogService) -> Self {
        Self {
            id: service.id.clone(),
            title: service.title.clone(),
            category: service.category.clone(),
            audience: service.audience,
        }
    }
}

/// A category named by id and title, as breadcrumbs and service pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRef {
    /// Id of the category.
    pub id: String,
    /// Russian title.
    pub title: String,
}

/// One category of the tree with what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryNode {
    /// Id of the category.
    pub id: String,
    /// Russian title.
    pub title: String,
    /// Services directly in this category (not those of subcategories), in
    /// file order.
    pub services: Vec<ServiceSummary>,
    /// Subcategories, in file order.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<CategoryNode>,
}

/// The categories and the summaries of all services: everything the
/// categories and services listings need, kept as one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classifier {
    /// Every category, in file order.
    pub categories: Vec<Category>,
    /// Every service, in file order.
    pub services: Vec<ServiceSummary>,
}

/// A category id that the classifier does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown category {0:?}")]
pub struct UnknownCategory(pub String);

impl Classifier {
    /// The category with `id`.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|category| category.id == id)
    }

    /// The categories from the top level down to `id`, inclusive; empty when
    /// `id` is unknown.
    pub fn path(&self, id: &str) -> Vec<CategoryRef> {
        let mut path = Vec::new();
        let mut seen = HashSet::new();
        let mut next = self.category(id);
        while let Some(category) = next {
            // A validated catalog has no cycles; the guard keeps a damaged
            // item from looping forever.
            if !seen.insert(category.id.as_str()) {
                break;
            }
            path.push(CategoryRef {
                id: category.id.clone(),
                title: category.title.clone(),
            });
            next = category
                .parent
                .as_deref()
                .and_then(|parent| self.category(parent));
        }
        path.reverse();
        path
    }

    /// The nested tree of categories, each with its own services.
    pub fn tree(&self) -> Vec<CategoryNode> {
        let mut children: HashMap<Option<&str>, Vec<&Category>> = HashMap::new();
        for category in &self.categories {
            let parent = category
                .parent
                .as_deref()
                .filter(|parent| self.category(parent).is_some());
            children.entry(parent).or_default().push(category);
        }
        let mut seen = HashSet::new();
        self.nodes(&children, None, &mut seen)
    }

    fn nodes<'a>(
        &'a self,
        children: &HashMap<Option<&'a str>, Vec<&'a Category>>,
        parent: Option<&'a str>,
        seen: &mut HashSet<&'a str>,
    ) -> Vec<CategoryNode> {
        let mut nodes = Vec::new();
        for category in children.get(&parent).into_iter().flatten() {
            if !seen.insert(category.id.as_str()) {
                continue;
            }
            nodes.push(CategoryNode {
                id: category.id.clone(),
                title: category.title.clone(),
                services: self
                    .services
                    .iter()
                    .filter(|service| service.category == category.id)
                    .cloned()
                    .collect(),
                children: self.nodes(children, Some(category.id.as_str()), seen),
            });
        }
        nodes
    }

    /// `id` and every category nested in it, at any depth.
    pub fn with_descendants<'a>(&'a self, id: &'a str) -> HashSet<&'a str> {
        let mut found = HashSet::from([id]);
        let mut frontier = vec![id];
        while let Some(current) = frontier.pop() {
            for category in &self.categories {
                if category.parent.as_deref() == Some(current) && found.insert(&category.id) {
                    frontier.push(&category.id);
                }
            }
        }
        found
    }

    /// Services in file order, narrowed to a category and an audience.
    ///
    /// A category's services include those of all its subcategories, so
    /// `category=ved` lists the services of `ved-origin` and `ved-docs` too.
    /// `audience` matches the service's audience exactly: `all` lists the
    /// general services, not every service. `None` does not narrow.
    pub fn services(
        &self,
        category: Option<&str>,
        audience: Option<Audience>,
    ) -> Result<Vec<&ServiceSummary>, UnknownCategory> {
        let categories = match category {
            Some(id) if self.category(id).is_none() => {
                return Err(UnknownCategory(id.to_string()));
            }
            Some(id) => Some(self.with_descendants(id)),
            None => None,
        };
        Ok(self
            .services
            .iter()
            .filter(|service| {
                categories
                    .as_ref()
                    .is_none_or(|ids| ids.contains(service.category.as_str()))
            })
            .filter(|service| audience.is_none_or(|audience| service.audience == audience))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: &str, parent: Option<&str>) -> Category {
        Category {
            id: id.to_string(),
            title: format!("Категория {id}"),
            parent: parent.map(str::to_string),
        }
    }

    fn service(id: &str, category: &str, audience: Audience) -> ServiceSummary {
        ServiceSummary {
            id: id.to_string(),
            title: format!("Услуга {id}"),
            category: category.to_string(),
            audience,
        }
    }

    fn classifier() -> Classifier {
        Classifier {
            categories: vec![
                category("ved", None),
                category("ved-origin", Some("ved")),
                category("ved-origin-cis", Some("ved-origin")),
                category("legal", None),
                category("members", None),
            ],
            services: vec![
                service("st1", "ved-origin-cis", Audience::All),
                service("general", "ved-origin", Audience::All),
                service("carnet", "ved", Audience::All),
                service("arbitration", "legal", Audience::All),
                service("membership", "members", Audience::Members),
            ],
        }
    }

    fn ids(services: Vec<&ServiceSummary>) -> Vec<&str> {
        services.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn nests_categories_in_file_order_with_their_own_services() {
        let tree = classifier().tree();
        let top: Vec<&str> = tree.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(top, ["ved", "legal", "members"]);

        let ved = &tree[0];
        assert_eq!(ved.services.len(), 1, "only the service directly in ved");
        assert_eq!(ved.services[0].id, "carnet");
        assert_eq!(ved.children[0].id, "ved-origin");
        assert_eq!(ved.children[0].children[0].id, "ved-origin-cis");
        assert_eq!(ved.children[0].children[0].services[0].id, "st1");
    }

    #[test]
    fn a_category_lists_the_services_of_its_subcategories() {
        let classifier = classifier();
        let ved = classifier.services(Some("ved"), None).unwrap();
        assert_eq!(ids(ved), ["st1", "general", "carnet"]);
        let origin = classifier.services(Some("ved-origin"), None).unwrap();
        assert_eq!(ids(origin), ["st1", "general"]);
        let leaf = classifier.services(Some("ved-origin-cis"), None).unwrap();
        assert_eq!(ids(leaf), ["st1"]);
    }

    #[test]
    fn no_filter_lists_every_service() {
        assert_eq!(classifier().services(None, None).unwrap().len(), 5);
    }

    #[test]
    fn audience_matches_exactly() {
        let classifier = classifier();
        let members = classifier.services(None, Some(Audience::Members)).unwrap();
        assert_eq!(ids(members), ["membership"]);
        let general = classifier.services(None, Some(Audience::All)).unwrap();
        assert_eq!(general.len(), 4);
        let partners = classifier.services(None, Some(Audience::Partners)).unwrap();
        assert!(partners.is_empty());
        let both = classifier
            .services(Some("members"), Some(Audience::All))
            .unwrap();
        assert!(both.is_empty());
    }

    #[test]
    fn an_unknown_category_is_an_error() {
        assert_eq!(
            classifier().services(Some("nothing"), None),
            Err(UnknownCategory("nothing".to_string()))
        );
    }

    #[test]
    fn path_runs_from_the_top_down() {
        let path = classifier().path("ved-origin-cis");
        let ids: Vec<&str> = path.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["ved", "ved-origin", "ved-origin-cis"]);
        assert!(classifier().path("nothing").is_empty());
    }

    #[test]
    fn a_damaged_cycle_does_not_hang() {
        let looped = Classifier {
            categories: vec![category("a", Some("b")), category("b", Some("a"))],
            services: vec![service("s", "a", Audience::All)],
        };
        assert!(looped.tree().is_empty());
        assert_eq!(looped.path("a").len(), 2);
        assert_eq!(looped.services(Some("a"), None).unwrap().len(), 1);
    }
}
