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
//! | `notifications` | M `{ status_emails: BOOL, message_emails: BOOL }` | read by the notifier (R9.2); `message_emails` absent on older items means on |
//! | `photo` | M `{id, name, type, size, uploaded_at}`, absent when none | the photo (R2.3); its object is `profiles/<sub>/photo/<id>` in the bucket |
//! | `email_request_started_at` | S, absent when none | RFC 3339: when the user pool was asked to take `pending_email`, until its answer is recorded |
//! | `version` | N | 1 on creation, +1 on every write |
//! | `created_at`, `updated_at` | S | RFC 3339, UTC |
//!
//! Every write is conditional: creation only if no item exists (two first
//! reads at once store one profile), and a replacement only if `version` is
//! still the one read (a concurrent change is not silently overwritten).
//!
//! A new e-mail address is written here before the user pool is asked to
//! take it, marked with `email_request_started_at`; while the mark is fresh
//! no other change of the address may start, so that the pool's pending
//! address and the profile's cannot cross. A mark older than
//! [`EMAIL_REQUEST_ABANDONED_AFTER`] belongs to a request whose function
//! ended before recording the answer, and no longer holds anything back.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{PK, SK, StoreError};
use crate::domain::file::Photo;
use crate::domain::profile::{Notifications, Profile};

/// Prefix of the partition key of everything a customer owns.
pub const USER_PK_PREFIX: &str = "USER#";
/// Sort key of the profile item.
pub const PROFILE_SK: &str = "PROFILE";

/// How long after its start an e-mail request whose answer was never
/// recorded stops holding back other changes of the address. The profile
/// function's timeout (`Timeout` in infra/template.yaml) is 10 seconds, so a
/// request this old has certainly ended.
pub const EMAIL_REQUEST_ABANDONED_AFTER: Duration = Duration::seconds(60);

/// Partition key of the items of customer `user_id`.
pub fn user_pk(user_id: &str) -> String {
    format!("{USER_PK_PREFIX}{user_id}")
}

/// A profile as stored, with what its item adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProfile {
    /// The profile.
    pub profile: Profile,
    /// When the user pool was asked to take `profile.pending_email` (RFC
    /// 3339), while its answer is not yet recorded.
    pub email_request_started_at: Option<String>,
    /// The photo (R2.3), when the customer set one.
    pub photo: Option<Photo>,
    /// Number of writes so far; a replacement names the version it read.
    pub version: u64,
    /// When the profile was created (RFC 3339).
    pub created_at: String,
    /// When it was last written (RFC 3339).
    pub updated_at: String,
}

impl StoredProfile {
    /// Whether a request to the user pool for the pending address started
    /// less than [`EMAIL_REQUEST_ABANDONED_AFTER`] before `now` and its answer
    /// is not recorded yet. A mark that does not read as a time holds nothing
    /// back.
    pub fn email_request_in_flight(&self, now: OffsetDateTime) -> bool {
        self.email_request_started_at
            .as_deref()
            .and_then(|started| OffsetDateTime::parse(started, &Rfc3339).ok())
            .is_some_and(|started| now - started < EMAIL_REQUEST_ABANDONED_AFTER)
    }

    /// Whether `address` is pending and the answer of the user pool's request
    /// for it is not recorded yet.
    pub fn awaits_pool_answer_for(&self, address: &str) -> bool {
        self.email_request_started_at.is_some()
            && self.profile.pending_email.as_deref() == Some(address)
    }
}

/// What a replacement does with the mark of a request to the user pool for
/// the pending address ([`StoredProfile::email_request_started_at`]). Without
/// a pending address there is never a mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailRequestMark {
    /// Keep the mark of the item replaced.
    Keep,
    /// The pending address is being sent to the user pool now.
    Start,
    /// The user pool's answer is recorded by this write.
    Clear,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email_request_started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    photo: Option<Photo>,
    version: u64,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize, Deserialize)]
struct NotificationsItem {
    status_emails: bool,
    /// Absent on items written before the switch existed: on by default.
    #[serde(default = "switched_on")]
    message_emails: bool,
}

fn switched_on() -> bool {
    true
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
                message_emails: profile.notifications.message_emails,
            },
            email_request_started_at: stored.email_request_started_at.clone(),
            photo: stored.photo.clone(),
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
                    message_emails: self.notifications.message_emails,
                },
            },
            email_request_started_at: self.email_request_started_at,
            photo: self.photo,
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
            email_request_started_at: None,
            photo: None,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        let written = self
            .put(&stored, "attribute_not_exists(#pk)", HashMap::new())
            .await?;
        Ok(written.then_some(stored))
    }

    /// Replaces `current` by `next`, doing `mark` to the mark of an e-mail
    /// request, or answers `None` when the item is no longer at the version
    /// `current` was read at.
    pub async fn replace(
        &self,
        current: &StoredProfile,
        next: &Profile,
        mark: EmailRequestMark,
    ) -> Result<Option<StoredProfile>, StoreError> {
        let updated_at = timestamp();
        let email_request_started_at = match mark {
            _ if next.pending_email.is_none() => None,
            EmailRequestMark::Keep => current.email_request_started_at.clone(),
            EmailRequestMark::Start => Some(updated_at.clone()),
            EmailRequestMark::Clear => None,
        };
        let stored = StoredProfile {
            profile: next.clone(),
            email_request_started_at,
            photo: current.photo.clone(),
            version: current.version + 1,
            created_at: current.created_at.clone(),
            updated_at,
        };
        let written = self.put_over(&stored, current.version).await?;
        Ok(written.then_some(stored))
    }

    /// Replaces the photo of `current` by `photo` (`None` removes it), or
    /// answers `None` when the item is no longer at the version `current`
    /// was read at.
    pub async fn set_photo(
        &self,
        current: &StoredProfile,
        photo: Option<Photo>,
    ) -> Result<Option<StoredProfile>, StoreError> {
        let stored = StoredProfile {
            photo,
            version: current.version + 1,
            updated_at: timestamp(),
            ..current.clone()
        };
        let written = self.put_over(&stored, current.version).await?;
        Ok(written.then_some(stored))
    }

    /// Puts `previous` back, exactly as it was read, version included, in
    /// place of `written`, which replaced it; `false` when the item is no
    /// longer at `written`'s version. A save that ends refused undoes its
    /// write this way: any save that read `previous` may still land, and any
    /// that read `written` finds it gone.
    pub async fn restore(
        &self,
        written: &StoredProfile,
        previous: &StoredProfile,
    ) -> Result<bool, StoreError> {
        self.put_over(previous, written.version).await
    }

    /// Puts `stored` if the item is at version `read`.
    async fn put_over(&self, stored: &StoredProfile, read: u64) -> Result<bool, StoreError> {
        let values = HashMap::from([(":read".to_string(), AttributeValue::N(read.to_string()))]);
        self.put(stored, "attribute_exists(#pk) AND version = :read", values)
            .await
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
                    message_emails: true,
                },
            },
            email_request_started_at: Some("2025-01-02T00:00:00Z".into()),
            photo: None,
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
        assert_eq!(notifications["message_emails"], AttributeValue::Bool(true));
        let back: ProfileItem = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back.into_stored(), stored());
    }

    #[test]
    fn a_photo_is_kept_on_the_item_and_absent_without_one() {
        use crate::domain::file::{FileName, UploadId};
        assert!(
            !serde_dynamo::to_item::<_, HashMap<String, AttributeValue>>(ProfileItem::new(
                &stored()
            ))
            .unwrap()
            .contains_key("photo")
        );
        let mut with_photo = stored();
        with_photo.photo = Some(Photo {
            id: UploadId::new(9),
            name: FileName::parse("Я на пропуск.png").unwrap(),
            content_type: "image/png".into(),
            size: 2048,
            uploaded_at: "2025-01-03T00:00:00.000Z".into(),
        });
        let item = serde_dynamo::to_item::<_, HashMap<String, AttributeValue>>(ProfileItem::new(
            &with_photo,
        ))
        .unwrap();
        let AttributeValue::M(photo) = &item["photo"] else {
            panic!("the photo is a map");
        };
        assert_eq!(photo["type"], AttributeValue::S("image/png".into()));
        let back: ProfileItem = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back.into_stored(), with_photo);
    }

    #[test]
    fn an_item_without_the_mark_reads_as_no_request_in_flight() {
        let mut plain = stored();
        plain.email_request_started_at = None;
        let item =
            serde_dynamo::to_item::<_, HashMap<String, AttributeValue>>(ProfileItem::new(&plain))
                .unwrap();
        assert!(!item.contains_key("email_request_started_at"));
        let back: ProfileItem = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back.into_stored(), plain);
    }

    #[test]
    fn an_item_written_before_the_message_switch_has_it_on() {
        let mut item = serde_dynamo::to_item::<_, HashMap<String, AttributeValue>>(
            ProfileItem::new(&stored()),
        )
        .unwrap();
        item.insert(
            "notifications".into(),
            AttributeValue::M(HashMap::from([(
                "status_emails".to_string(),
                AttributeValue::Bool(false),
            )])),
        );
        let back: ProfileItem = serde_dynamo::from_item(item).unwrap();
        let notifications = back.into_stored().profile.notifications;
        assert!(!notifications.status_emails);
        assert!(notifications.message_emails);
    }

    #[test]
    fn a_request_is_in_flight_for_a_minute_after_its_start() {
        let started = OffsetDateTime::parse("2025-01-02T00:00:00Z", &Rfc3339).unwrap();
        let request = stored();
        assert!(request.email_request_in_flight(started));
        assert!(request.email_request_in_flight(started + Duration::seconds(59)));
        assert!(!request.email_request_in_flight(started + Duration::seconds(60)));

        let mut unreadable = stored();
        unreadable.email_request_started_at = Some("yesterday".into());
        assert!(!unreadable.email_request_in_flight(started));
        let mut none = stored();
        none.email_request_started_at = None;
        assert!(!none.email_request_in_flight(started));
    }

    #[test]
    fn only_the_marked_pending_address_awaits_the_pools_answer() {
        let request = stored();
        assert!(request.awaits_pool_answer_for("new@example.ru"));
        assert!(!request.awaits_pool_answer_for("other@example.ru"));
        let mut answered = stored();
        answered.email_request_started_at = None;
        assert!(!answered.awaits_pool_answer_for("new@example.ru"));
    }

    #[test]
    fn timestamps_are_rfc3339_utc_seconds() {
        let now = timestamp();
        assert!(now.ends_with('Z'), "{now}");
        assert!(!now.contains('.'), "{now}");
        assert!(OffsetDateTime::parse(&now, &Rfc3339).is_ok());
    }
}
