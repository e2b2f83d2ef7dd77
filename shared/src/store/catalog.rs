//! Catalog items: the checked catalog, denormalised so that every read of
//! the public API is one `GetItem`.
//!
//! All items share the partition key `pk = "CATALOG"`, which is all the
//! catalog function may read (IAM `dynamodb:LeadingKeys`):
//!
//! | `sk` | `content` | read by |
//! |---|---|---|
//! | `TREE` | [`Classifier`]: categories and service summaries | categories tree, services listing |
//! | `FAQ` | [`FaqSection`]s in file order | FAQ |
//! | `SERVICE#<id>` | [`ServicePage`] with its providers' contact cards | service page, providers filter |
//!
//! The import compares each item with what is stored and writes only the
//! ones that differ, then deletes catalog items the file no longer has, so
//! loading the same file twice changes nothing (R3.6).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Serialize, de::DeserializeOwned};

use super::{PK, SK, StoreError};
use crate::catalog::{Catalog, Classifier, FaqSection, ServicePage};

/// Partition key of every catalog item.
pub const CATALOG_PK: &str = "CATALOG";
/// Sort key of the classifier item.
pub const TREE_SK: &str = "TREE";
/// Sort key of the FAQ item.
pub const FAQ_SK: &str = "FAQ";
/// Prefix of the sort key of a service page item.
pub const SERVICE_SK_PREFIX: &str = "SERVICE#";
/// Attribute holding an item's content as a map.
pub const CONTENT: &str = "content";

type Item = HashMap<String, AttributeValue>;

/// Sort key of the page of service `id`.
pub fn service_sk(id: &str) -> String {
    format!("{SERVICE_SK_PREFIX}{id}")
}

/// What an import did, by sort key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Items that were new or differed, and were written.
    pub written: Vec<String>,
    /// Number of items that were already as in the file.
    pub unchanged: usize,
    /// Items the file no longer has, deleted.
    pub removed: Vec<String>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "written: {}, unchanged: {}, removed: {}",
            self.written.len(),
            self.unchanged,
            self.removed.len()
        )
    }
}

/// The catalog items of one table.
#[derive(Debug, Clone)]
pub struct CatalogTable {
    client: Client,
    table: String,
}

impl CatalogTable {
    /// Catalog items of `table`, read and written through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Catalog items of `table`, with a client built from `sdk`.
    pub fn from_config(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), table)
    }

    /// The classifier, or `None` when no catalog has been imported.
    pub async fn classifier(&self) -> Result<Option<Classifier>, StoreError> {
        self.content(TREE_SK).await
    }

    /// The FAQ by section, or `None` when no catalog has been imported.
    pub async fn faq(&self) -> Result<Option<Vec<FaqSection>>, StoreError> {
        self.content(FAQ_SK).await
    }

    /// The page of service `id`, or `None` when there is no such service.
    pub async fn service(&self, id: &str) -> Result<Option<ServicePage>, StoreError> {
        self.content(&service_sk(id)).await
    }

    async fn content<T: DeserializeOwned>(&self, sk: &str) -> Result<Option<T>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(CATALOG_PK.to_string()))
            .key(SK, AttributeValue::S(sk.to_string()))
            .projection_expression("#content")
            .expression_attribute_names("#content", CONTENT)
            .send()
            .await?;
        let Some(mut item) = output.item else {
            return Ok(None);
        };
        let content = item
            .remove(CONTENT)
            .ok_or_else(|| StoreError::Malformed(format!("{sk}: no {CONTENT} attribute")))?;
        serde_dynamo::from_attribute_value(content)
            .map(Some)
            .map_err(|error| StoreError::Malformed(format!("{sk}: {error}")))
    }

    /// Makes the stored catalog equal to `catalog`, writing only what
    /// changed and deleting items the catalog no longer has.
    ///
    /// Service pages are written before the tree that lists them, and stale
    /// pages are deleted after it, so a reader never finds a listed service
    /// without its page. The items are not written in one transaction: a
    /// reader may see the old tree with new pages for a moment.
    pub async fn import(&self, catalog: &Catalog) -> Result<ImportReport, StoreError> {
        let wanted = items_of(catalog)?;
        let mut stored = self.stored_items().await?;
        let mut report = ImportReport::default();

        for (sk, item) in wanted {
            if stored.remove(&sk).as_ref() == Some(&item) {
                report.unchanged += 1;
                continue;
            }
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send()
                .await?;
            report.written.push(sk);
        }

        for sk in stored.into_keys() {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key(PK, AttributeValue::S(CATALOG_PK.to_string()))
                .key(SK, AttributeValue::S(sk.clone()))
                .send()
                .await?;
            report.removed.push(sk);
        }
        Ok(report)
    }

    /// Every stored catalog item by sort key, read with a paginated `Query`
    /// on the catalog partition (never a `Scan`).
    async fn stored_items(&self) -> Result<BTreeMap<String, Item>, StoreError> {
        let mut items = BTreeMap::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", AttributeValue::S(CATALOG_PK.to_string()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await?;
            for item in output.items.unwrap_or_default() {
                if let Some(AttributeValue::S(sk)) = item.get(SK) {
                    items.insert(sk.clone(), item);
                }
            }
            start = output.last_evaluated_key.filter(|key| !key.is_empty());
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

/// Imports `catalog` into `table`; see [`CatalogTable::import`].
pub async fn import(
    client: &Client,
    table: &str,
    catalog: &Catalog,
) -> Result<ImportReport, StoreError> {
    CatalogTable::new(client.clone(), table)
        .import(catalog)
        .await
}

/// The items of `catalog` in the order they are written: service pages,
/// then the tree, then the FAQ.
fn items_of(catalog: &Catalog) -> Result<Vec<(String, Item)>, StoreError> {
    let mut items = Vec::new();
    for page in catalog.service_pages() {
        let sk = service_sk(&page.id);
        items.push((sk.clone(), item(sk, &page)?));
    }
    items.push((
        TREE_SK.to_string(),
        item(TREE_SK.to_string(), &catalog.classifier())?,
    ));
    items.push((
        FAQ_SK.to_string(),
        item(FAQ_SK.to_string(), &catalog.faq())?,
    ));
    Ok(items)
}

fn item<T: Serialize>(sk: String, content: &T) -> Result<Item, StoreError> {
    let content = serde_dynamo::to_attribute_value(content)
        .map_err(|error| StoreError::Malformed(format!("{sk}: {error}")))?;
    Ok(HashMap::from([
        (PK.to_string(), AttributeValue::S(CATALOG_PK.to_string())),
        (SK.to_string(), AttributeValue::S(sk)),
        (CONTENT.to_string(), content),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG_FILE: &str = include_str!("../../../data/catalog.json");

    #[test]
    fn one_item_per_service_then_tree_then_faq() {
        let catalog = Catalog::from_json(CATALOG_FILE).expect("the product's catalog is valid");
        let items = items_of(&catalog).unwrap();
        let keys: Vec<&str> = items.iter().map(|(sk, _)| sk.as_str()).collect();
        assert_eq!(keys.len(), catalog.services().len() + 2);
        assert_eq!(keys[0], "SERVICE#origin-st1");
        assert_eq!(&keys[keys.len() - 2..], ["TREE", "FAQ"]);
        for (sk, item) in &items {
            assert_eq!(item[PK], AttributeValue::S("CATALOG".into()));
            assert_eq!(item[SK], AttributeValue::S(sk.clone()));
        }
    }

    #[test]
    fn a_service_item_reads_back_as_its_page() {
        let catalog = Catalog::from_json(CATALOG_FILE).unwrap();
        let page = catalog.service_page("ata-carnet").unwrap();
        let mut stored = item(service_sk("ata-carnet"), &page).unwrap();
        let back: ServicePage =
            serde_dynamo::from_attribute_value(stored.remove(CONTENT).unwrap()).unwrap();
        assert_eq!(back, page);
    }

    #[test]
    fn the_largest_service_item_stays_far_below_the_item_limit() {
        let catalog = Catalog::from_json(CATALOG_FILE).unwrap();
        let largest = catalog
            .service_pages()
            .iter()
            .map(|page| serde_json::to_string(page).unwrap().len())
            .max()
            .unwrap();
        // DynamoDB refuses items over 400 KB.
        assert!(largest < 100_000, "{largest} bytes");
    }

    #[test]
    fn the_report_counts_each_outcome() {
        let report = ImportReport {
            written: vec!["TREE".into()],
            unchanged: 33,
            removed: vec!["SERVICE#old".into(), "SERVICE#older".into()],
        };
        assert_eq!(report.to_string(), "written: 1, unchanged: 33, removed: 2");
    }
}
