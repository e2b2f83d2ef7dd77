//! Profile items: one per customer, `pk = "USER#<sub>"`, `sk = "PROFILE"`.
//! The profile function may touch only items whose partition key starts with
//! `USER#` (IAM `dynamodb:LeadingKeys`).
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `user_id` | S | the customer's `sub` |
//! | `first_name`, `last_name` | S | «Имя», «Фамилия» |
//! | `patronymic` | S, absent when none | «Отчество» |
//! | `email` | S | confirmed address: the login, and where status e-mails go |
//! | `pending_email` | S, absent when none | new address waiting for its code |
//! | `phone` | S | `+7XXXXXXXXXX` |
//! | `notifications` | M `{ status_emails: BOOL }` | read by the notifier (R9.2) |
//! | `version` | N | 1 on creation, +1 on every write |
//! | `created_at`, `updated_at` | S | RFC 3339, UTC |
//!
//! Every write is conditional: creation only if no item exists (two first
//! reads at once store one profile), and a replacement only if `version` is
//! still the one read (a concurrent change is not silently overwritten).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{PK, SK, StoreError};
use crate::domain::profile::{Notifications, Profile};

/// Prefix of the partition key of everything a customer owns.
pub const USER_PK_PREFIX: &str = "USER#";
/// Sort key of the profile item.
pub const PROFILE_SK: &str = "PROFILE";

/// Partition key of the items of customer `user_id`.
pub fn user_pk(user_id: &str) -> String {
    format!("{USER_PK_PREFIX}{user_id}")
}

/// A profile as stored, with what its item adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProfile {
    /// The profile.
    pub profile: Profile,
    /// Number of writes so far; a replacement names the version it read.
    pub version: u64,
    /// When the profile was created (RFC 3339).
    pub created_at: String,
    /// When it was last written (RFC 3339).
    pub updated_at: String,
}

/// The item as DynamoDB holds it.
#[derive(Serialize, Deserialize)]
struct ProfileItem {
    pk: String,
    sk: String,
    user_id: String,
    first_name: String,
    last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    patronymic: Option<String>,
    email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending_email: Option<String>,
    phone: String,
    notifications: NotificationsItem,
    version: u64,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize, Deserialize)]
struct NotificationsItem {
    status_emails: bool,
}

impl ProfileItem {
    fn new(stored: &StoredProfile) -> Self {
        let profile = &stored.profile;
        Self {
            pk: user_pk(&profile.user_id),
            sk: PROFILE_SK.to_string(),
            user_id: profile.user_id.clone(),
            first_name: profile.first_name.clone(),
            last_name: profile.last_name.clone(),
            patronymic: profile.patronymic.clone(),
            email: profile.email.clone(),
            pending_email: profile.pending_email.clone(),
            phone: profile.phone.clone(),
            notifications: NotificationsItem {
                status_emails: profile.notifications.status_emails,
            },
            version: stored.version,
            created_at: stored.created_at.clone(),
            updated_at: stored.updated_at.clone(),
        }
    }

    fn into_stored(self) -> StoredProfile {
        StoredProfile {
            profile: Profile {
                user_id: self.user_id,
                first_name: self.first_name,
                last_name: self.last_name,
                patronymic: self.patronymic,
                email: self.email,
                pending_email: self.pending_email,
                phone: self.phone,
                notifications: Notifications {
                    status_emails: self.notifications.status_emails,
                },
            },
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The profile items of one table.
#[derive(Debug, Clone)]
pub struct ProfileTable {
    client: Client,
    table: String,
}

impl ProfileTable {
    /// Profile items of `table`, read and written through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The profile of `user_id`, or `None` when it has not been created yet.
    pub async fn get(&self, user_id: &str) -> Result<Option<StoredProfile>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(user_pk(user_id)))
            .key(SK, AttributeValue::S(PROFILE_SK.to_string()))
            .consistent_read(true)
            .send()
            .await?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let item: ProfileItem =
            serde_dynamo::from_item(item).map_err(|e| StoreError::Malformed(e.to_string()))?;
        Ok(Some(item.into_stored()))
    }

    /// Stores `profile` as a new item at version 1, or answers `None` when
    /// the customer has one already.
    pub async fn create(&self, profile: &Profile) -> Result<Option<StoredProfile>, StoreError> {
        let now = timestamp();
        let stored = StoredProfile {
            profile: profile.clone(),
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        let written = self
            .put(&stored, "attribute_not_exists(#pk)", HashMap::new())
            .await?;
        Ok(written.then_some(stored))
    }

    /// Replaces `current` by `next`, or answers `None` when the item is no
    /// longer at the version `current` was read at.
    pub async fn replace(
        &self,
        current: &StoredProfile,
        next: &Profile,
    ) -> Result<Option<StoredProfile>, StoreError> {
        let stored = StoredProfile {
            profile: next.clone(),
            version: current.version + 1,
            created_at: current.created_at.clone(),
            updated_at: timestamp(),
        };
        let values = HashMap::from([(
            ":read".to_string(),
            AttributeValue::N(current.version.to_string()),
        )]);
        let written = self
            .put(&stored, "attribute_exists(#pk) AND version = :read", values)
            .await?;
        Ok(written.then_some(stored))
    }

    /// Puts the item of `stored` if `condition` holds; `false` when it did not.
    async fn put(
        &self,
        stored: &StoredProfile,
        condition: &str,
        values: HashMap<String, AttributeValue>,
    ) -> Result<bool, StoreError> {
        let item = serde_dynamo::to_item(ProfileItem::new(stored))
            .map_err(|e| StoreError::Malformed(e.to_string()))?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .expression_attribute_names("#pk", PK)
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Now, in RFC 3339 to the second, UTC.
fn timestamp() -> String {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .expect("a UTC time of this era formats as RFC 3339")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> StoredProfile {
        StoredProfile {
            profile: Profile {
                user_id: "sub-1".into(),
                first_name: "Иван".into(),
                last_name: "Петров".into(),
                patronymic: None,
                email: "ivan@example.ru".into(),
                pending_email: Some("new@example.ru".into()),
                phone: "+79001234567".into(),
                notifications: Notifications {
                    status_emails: false,
                },
            },
            version: 3,
            created_at: "2025-01-01T00:00:00Z".into(),
            updated_at: "2025-01-02T00:00:00Z".into(),
        }
    }

    #[test]
    fn the_item_is_keyed_by_user_and_reads_back_the_same() {
        let item = serde_dynamo::to_item::<_, HashMap<String, AttributeValue>>(ProfileItem::new(
            &stored(),
        ))
        .unwrap();
        assert_eq!(item[PK], AttributeValue::S("USER#sub-1".into()));
        assert_eq!(item[SK], AttributeValue::S("PROFILE".into()));
        assert_eq!(item["version"], AttributeValue::N("3".into()));
        assert!(!item.contains_key("patronymic"), "absent, not null");
        let AttributeValue::M(notifications) = &item["notifications"] else {
            panic!("notifications is a map");
        };
        assert_eq!(notifications["status_emails"], AttributeValue::Bool(false));
        let back: ProfileItem = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back.into_stored(), stored());
    }

    #[test]
    fn timestamps_are_rfc3339_utc_seconds() {
        let now = timestamp();
        assert!(now.ends_with('Z'), "{now}");
        assert!(!now.contains('.'), "{now}");
        assert!(OffsetDateTime::parse(&now, &Rfc3339).is_ok());
    }
}
