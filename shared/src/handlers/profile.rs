//! The customer's profile (R2.1, R2.2, R2.4, R2.5), behind a verified bearer
//! access token.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `GET /profile` | — | 200 [`ProfileAnswer`] |
//! | `PUT /profile` | [`ProfileForm`] | 200 [`ProfileAnswer`] |
//! | `POST /profile/email/confirm` | `{code}` | 200 [`ProfileAnswer`] |
//! | `POST /unsubscribe?token=…` | anything (mail programs send `List-Unsubscribe=One-Click`) | 200 `{unsubscribed}` |
//! | `POST /profile/photo/upload` | [`UploadForm`] | 201 [`UploadSlot`](crate::files::UploadSlot) |
//! | `PUT /profile/photo` | [`ConfirmForm`] | 200 [`ProfileAnswer`] |
//! | `DELETE /profile/photo` | — | 200 [`ProfileAnswer`] |
//!
//! `/unsubscribe` is the one public route: the one-click link (RFC 8058) of
//! the notifier's e-mails, authorised by its signed token
//! ([`crate::unsubscribe`]) instead of a bearer token. It turns one switch
//! off and nothing else; the customer turns it on again with `PUT /profile`.
//! It has no `GET`: mail scanners follow links, and must not unsubscribe
//! anyone.
//!
//! The photo (R2.3) goes from the browser straight to S3 under a slot the
//! function signs; `PUT /profile/photo` records it once HeadObject shows a
//! JPEG, PNG or WebP of at most 5 MB, and then deletes the photo it replaced.
//!
//! Sign-up keeps the names and the phone only as attributes of the user-pool
//! account, so the first access creates the profile item from `GetUser`
//! (called with the customer's own token) and later reads are one `GetItem`.
//! From then on the item is the one source of the names, patronymic, phone
//! and switches: a save does not copy them to the pool, whose account (and
//! the id token's claims) keep what sign-up gave it.
//!
//! Every write first asks the pool about the token (`GetUser`): the local
//! verification cannot know that the customer signed out everywhere
//! (`GlobalSignOut`), the pool can. Reads stay local.
//!
//! Only the e-mail address, which is the login, changes in the pool too, and
//! in this order, so that a save answered with a refusal has changed nothing
//! in the pool and nothing in the table: the table first, version-checked,
//! with the new address as `pending_email` (a concurrent save refuses this one
//! with 409 before the pool hears of it); then `UpdateUserAttributes`; if the
//! pool refuses (the address belongs to another account), the item read
//! before is put back. On AWS the pool keeps the old login until the code it
//! e-mails to the new address is entered at `POST /profile/email/confirm`
//! (the template sets `AttributesRequireVerificationBeforeUpdate: [email]`);
//! moto makes the new address the login at once, and the profile records it
//! at once.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::AttributeType;
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use time::OffsetDateTime;

use super::SetupError;
use crate::cognito::{CognitoError, Operation};
use crate::config;
use crate::domain::Email;
use crate::domain::file::{
    ConfirmForm, FileUse, Photo, UploadForm, upload_not_found, verify_upload,
};
use crate::domain::order::timestamp;
use crate::domain::profile::NotificationKind;
use crate::domain::profile::{
    AccountAttributes, EmailConfirmationForm, EmailOutcome, Profile, ProfileForm,
};
use crate::domain::registration::ConfirmationCode;
use crate::error::ApiError;
use crate::files::{DownloadLink, FileStore, UploadScope, new_upload_id, photo_key};
use crate::http::{ApiResult, Query, bearer_token, json, json_body, path_segments};
use crate::identity::{AccessToken, Identity, TokenVerifier, VerifierConfig};
use crate::runtime::Handler;
use crate::store::profile::{EmailRequestMark, ProfileTable, StoredProfile};
use crate::unsubscribe::UnsubscribeKey;

/// How many times the answer of the user pool is written again after
/// concurrent saves of the same profile won the race. Each lost race is a
/// save of the same customer that landed; a customer does not send this
/// many at one moment.
const RECORD_ATTEMPTS: usize = 20;

/// The one query parameter of `POST /unsubscribe`; every other route of
/// the profile takes none.
pub const UNSUBSCRIBE_PARAMETERS: &[&str] = &["token"];

/// The handler of the profile function.
pub struct ProfileApi {
    table: ProfileTable,
    accounts: Accounts,
    verifier: TokenVerifier,
    unsubscribe: UnsubscribeKey,
    files: FileStore,
}

/// The profile as the client sees it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileAnswer<'a> {
    /// «Имя».
    pub first_name: &'a str,
    /// «Фамилия».
    pub last_name: &'a str,
    /// «Отчество», `null` when none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub patronymic: Option<&'a str>,
    /// The confirmed address: the login, and where status e-mails go.
    pub email: &'a str,
    /// A new address waiting for its code, `null` when none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub pending_email: Option<&'a str>,
    /// `+7XXXXXXXXXX`.
    pub phone: &'a str,
    /// The e-mail switches.
    pub notifications: NotificationsAnswer,
    /// The photo, `null` when none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub photo: Option<PhotoAnswer<'a>>,
    /// When the profile was last written (RFC 3339).
    pub updated_at: &'a str,
}

/// The `photo` object of the profile answer.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoAnswer<'a> {
    /// The name the customer gave the file.
    pub name: &'a str,
    /// Its media type.
    #[serde(rename = "type")]
    pub content_type: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// When it was set.
    pub uploaded_at: &'a str,
    /// A short-lived link to the image.
    pub url: String,
    /// When the link stops working.
    pub url_expires_at: String,
}

/// The `notifications` object of the profile answer.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationsAnswer {
    /// Whether status e-mails are sent (R2.4).
    pub status_emails: bool,
    /// Whether executors' new messages are e-mailed.
    pub message_emails: bool,
}

/// The answer of `POST /unsubscribe`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnsubscribeAnswer {
    /// The switch that is now off (`status_emails`, `message_emails`).
    pub unsubscribed: &'static str,
}

impl<'a> ProfileAnswer<'a> {
    /// The answer showing `stored`, its photo behind `photo_link`.
    pub fn of(stored: &'a StoredProfile, photo_link: Option<DownloadLink>) -> Self {
        let profile = &stored.profile;
        let photo = stored
            .photo
            .as_ref()
            .zip(photo_link)
            .map(|(photo, link)| PhotoAnswer {
                name: photo.name.as_str(),
                content_type: &photo.content_type,
                size: photo.size,
                uploaded_at: &photo.uploaded_at,
                url: link.url,
                url_expires_at: link.expires_at,
            });
        Self {
            first_name: &profile.first_name,
            last_name: &profile.last_name,
            patronymic: profile.patronymic.as_deref(),
            email: &profile.email,
            pending_email: profile.pending_email.as_deref(),
            phone: &profile.phone,
            notifications: NotificationsAnswer {
                status_emails: profile.notifications.status_emails,
                message_emails: profile.notifications.message_emails,
            },
            photo,
            updated_at: &stored.updated_at,
        }
    }
}

enum Route {
    Profile,
    ConfirmEmail,
    Unsubscribe,
    PhotoUpload,
    Photo,
}

impl ProfileApi {
    /// The handler keeping profiles in `table` through `db`, acting in the
    /// user pool through `cognito` with each customer's own token, and
    /// accepting the tokens `verifier` accepts and the unsubscribe links
    /// `unsubscribe` signed; photos live in `files`.
    pub fn new(
        db: aws_sdk_dynamodb::Client,
        table: String,
        cognito: aws_sdk_cognitoidentityprovider::Client,
        verifier: TokenVerifier,
        unsubscribe: UnsubscribeKey,
        files: FileStore,
    ) -> Self {
        Self {
            table: ProfileTable::new(db, table),
            accounts: Accounts { cognito },
            verifier,
            unsubscribe,
            files,
        }
    }

    /// The handler configured from the environment: `TABLE_NAME`,
    /// `BUCKET_NAME`, `USER_POOL_ID`, `USER_POOL_CLIENT_ID`, `UNSUBSCRIBE_KEY`,
    /// `AWS_REGION`,
    /// and on the local stack `COGNITO_JWKS_URL`.
    pub async fn from_env() -> Result<Self, SetupError> {
        let table = config::required("TABLE_NAME")?;
        let verifier = TokenVerifier::new(VerifierConfig::from_env()?)?;
        let unsubscribe = UnsubscribeKey::from_env()?;
        let sdk = verifier.prefetch_while(config::aws()).await;
        let files = FileStore::from_env(&sdk)?;
        Ok(Self::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            table,
            aws_sdk_cognitoidentityprovider::Client::new(&sdk),
            verifier,
            unsubscribe,
            files,
        ))
    }

    async fn answer(&self, request: &Request) -> ApiResult {
        let segments = path_segments(request);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let route = match segments.as_slice() {
            ["profile"] => Route::Profile,
            ["profile", "email", "confirm"] => Route::ConfirmEmail,
            ["unsubscribe"] => Route::Unsubscribe,
            ["profile", "photo", "upload"] => Route::PhotoUpload,
            ["profile", "photo"] => Route::Photo,
            _ => {
                return Err(ApiError::not_found(
                    "Такого адреса нет в разделе «Профиль».",
                ));
            }
        };
        let parameters = match (&route, request.method()) {
            (Route::Unsubscribe, &Method::POST) => UNSUBSCRIBE_PARAMETERS,
            _ => &[],
        };
        let query = Query::parse(request, parameters)?;
        match (route, request.method()) {
            (Route::Profile, &Method::GET) => self.read(request).await,
            (Route::Profile, &Method::PUT) => self.update(request).await,
            (Route::ConfirmEmail, &Method::POST) => self.confirm_email(request).await,
            (Route::Unsubscribe, &Method::POST) => self.unsubscribe(&query).await,
            (Route::PhotoUpload, &Method::POST) => self.photo_upload(request).await,
            (Route::Photo, &Method::PUT) => self.set_photo(request).await,
            (Route::Photo, &Method::DELETE) => self.remove_photo(request).await,
            _ => Err(ApiError::method_not_allowed()),
        }
    }

    /// `POST /unsubscribe?token=…`: turns off the switch the token names.
    /// The body is not read: RFC 8058 lets mail programs send
    /// `List-Unsubscribe=One-Click` form-encoded or as `multipart/form-data`,
    /// and only the signed token decides. A token that fails its check is a
    /// 400 and changes nothing.
    async fn unsubscribe(&self, query: &Query) -> ApiResult {
        let token = query.get("token").ok_or_else(missing_token)?;
        let asked = self.unsubscribe.verify(&token)?;

        self.switch_off(&asked.customer_id, asked.kind).await?;

        tracing::info!(
            switch = asked.kind.as_str(),
            "e-mails turned off by a one-click link"
        );
        json(
            StatusCode::OK,
            &UnsubscribeAnswer {
                unsubscribed: asked.kind.as_str(),
            },
        )
    }

    /// Turns e-mails of `kind` off in the profile of `user_id`, re-reading
    /// it after each concurrent save that landed first. A customer without a
    /// profile item gets no e-mails (see the notifier), so there is nothing
    /// to turn off.
    async fn switch_off(&self, user_id: &str, kind: NotificationKind) -> Result<(), ApiError> {
        for _ in 0..RECORD_ATTEMPTS {
            let Some(current) = self.table.get(user_id).await? else {
                return Ok(());
            };
            let notifications = current.profile.notifications;
            if !notifications.allows(kind) {
                return Ok(());
            }
            let next = Profile {
                notifications: notifications.without(kind),
                ..current.profile.clone()
            };
            if self
                .table
                .replace(&current, &next, EmailRequestMark::Keep)
                .await?
                .is_some()
            {
                return Ok(());
            }
        }
        Err(ApiError::unavailable(
            "the profile kept changing while a switch was turned off",
        ))
    }

    /// 200 with `stored`, its photo behind a fresh short-lived link.
    async fn answer_profile(&self, stored: &StoredProfile) -> ApiResult {
        let link = match &stored.photo {
            Some(photo) => Some(
                self.files
                    .download_link(
                        &photo_key(&stored.profile.user_id, &photo.id),
                        &photo.name,
                        &photo.content_type,
                    )
                    .await?,
            ),
            None => None,
        };
        json(StatusCode::OK, &ProfileAnswer::of(stored, link))
    }

    /// `POST /profile/photo/upload` (R2.3): a slot for a new photo.
    async fn photo_upload(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let form: UploadForm = json_body(request)?;
        let declaration = form.parse(FileUse::Photo)?;

        let id = new_upload_id();
        let key = UploadScope::Profile(&identity.user_id).pending_key(&id);
        let slot = self
            .files
            .upload_slot(id, &key, &declaration, FileUse::Photo)
            .await?;
        tracing::info!(upload = %slot.upload_id, "photo upload slot issued");
        json(StatusCode::CREATED, &slot)
    }

    /// `PUT /profile/photo` (R2.3): the uploaded photo becomes the
    /// profile's once S3 confirms its size and type; the photo it replaces
    /// is deleted after the new one is recorded.
    async fn set_photo(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let form: ConfirmForm = json_body(request)?;
        let id = form.parse()?;
        let account = self.live_account(&identity).await?;

        let current = self.load(&identity, Some(account)).await?;
        if current.photo.as_ref().is_some_and(|photo| photo.id == id) {
            return self.answer_profile(&current).await;
        }
        let pending = UploadScope::Profile(&identity.user_id).pending_key(&id);
        let object = self
            .files
            .head(&pending)
            .await?
            .ok_or_else(upload_not_found)?;
        let (name, content_type) = match verify_upload(FileUse::Photo, &object) {
            Ok(checked) => checked,
            Err(error) => {
                tracing::info!(
                    code = error.code,
                    "a photo failed its checks and is deleted"
                );
                self.files.delete_quietly(&pending).await;
                return Err(error);
            }
        };
        let key = photo_key(&identity.user_id, &id);
        self.files.copy(&pending, &key, content_type).await?;
        let photo = Photo {
            id,
            name,
            content_type: content_type.to_string(),
            size: object.size,
            uploaded_at: timestamp(OffsetDateTime::now_utc()),
        };
        let Some(stored) = self.table.set_photo(&current, Some(photo)).await? else {
            self.files.delete_quietly(&key).await;
            return Err(changed_meanwhile());
        };
        self.files.delete_quietly(&pending).await;
        if let Some(old) = &current.photo {
            self.files
                .delete_quietly(&photo_key(&identity.user_id, &old.id))
                .await;
        }

        tracing::info!(version = stored.version, "profile photo set");
        self.answer_profile(&stored).await
    }

    /// `DELETE /profile/photo` (R2.3): the photo leaves the profile and the
    /// bucket. Without a photo, the profile as it is.
    async fn remove_photo(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let account = self.live_account(&identity).await?;

        let current = self.load(&identity, Some(account)).await?;
        let Some(old) = &current.photo else {
            return self.answer_profile(&current).await;
        };
        let stored = self
            .table
            .set_photo(&current, None)
            .await?
            .ok_or_else(changed_meanwhile)?;
        self.files
            .delete_quietly(&photo_key(&identity.user_id, &old.id))
            .await;

        tracing::info!(version = stored.version, "profile photo removed");
        self.answer_profile(&stored).await
    }

    /// `GET /profile`.
    async fn read(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;

        let stored = self.load(&identity, None).await?;

        self.answer_profile(&stored).await
    }

    /// `PUT /profile`: the whole form, accepted only as a whole (R2.2).
    async fn update(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let form: ProfileForm = json_body(request)?;
        let update = form.parse()?;
        let account = self.live_account(&identity).await?;

        let current = self.load(&identity, Some(account)).await?;
        let next = current.profile.updated(&update);
        if !current.profile.changes_email(&update.email) {
            let stored = self
                .table
                .replace(&current, &next, EmailRequestMark::Keep)
                .await?
                .ok_or_else(changed_meanwhile)?;
            tracing::info!(version = stored.version, "profile updated");
            return self.answer_profile(&stored).await;
        }

        if current.email_request_in_flight(OffsetDateTime::now_utc()) {
            return Err(email_change_in_progress());
        }
        let written = self
            .table
            .replace(&current, &next, EmailRequestMark::Start)
            .await?
            .ok_or_else(changed_meanwhile)?;
        let stored = self
            .request_email(&identity.access_token, &update.email, &current, written)
            .await?;

        tracing::info!(
            version = stored.version,
            "profile updated with a new e-mail address"
        );
        self.answer_profile(&stored).await
    }

    /// Asks the user pool to take `address`, which `written` (the save that
    /// replaced `previous`) holds as pending, and records its answer: the
    /// profile as it then stands, or the pool's refusal once `previous` is
    /// back.
    async fn request_email(
        &self,
        token: &AccessToken,
        address: &Email,
        previous: &StoredProfile,
        written: StoredProfile,
    ) -> Result<StoredProfile, ApiError> {
        let address = address.as_str();
        let outcome = match self.accounts.change_email(token, address).await {
            Ok(outcome) => outcome,
            Err(refusal) => {
                self.withdraw_email(address, previous, &written).await?;
                return Err(refusal);
            }
        };
        tracing::info!(?outcome, "the user pool took the new e-mail address");
        self.record(written, |stored| {
            if !stored.awaits_pool_answer_for(address) {
                return None;
            }
            match outcome {
                EmailOutcome::Applied => stored.profile.with_email_applied(address),
                EmailOutcome::AwaitingCode => Some(stored.profile.clone()),
            }
            .map(|next| (next, EmailRequestMark::Clear))
        })
        .await
    }

    /// Undoes `written` after the user pool refused `address`: `previous` is
    /// put back as it was; if another save has landed on top meanwhile, only
    /// the refused address leaves it. Should this fail, the refused address
    /// stays shown as pending, and its mark holds back other changes of the
    /// address until it is abandoned.
    async fn withdraw_email(
        &self,
        address: &str,
        previous: &StoredProfile,
        written: &StoredProfile,
    ) -> Result<(), ApiError> {
        if self.table.restore(written, previous).await? {
            return Ok(());
        }
        let pending_before = previous.profile.pending_email.as_deref();
        self.record(written.clone(), |stored| {
            if !stored.awaits_pool_answer_for(address) {
                return None;
            }
            stored
                .profile
                .with_email_withdrawn(address, pending_before)
                .map(|next| (next, EmailRequestMark::Clear))
        })
        .await?;
        Ok(())
    }

    /// Writes what `change` makes of the profile, starting from `stored` and
    /// reading the item again after each save that landed first, until the
    /// write lands or `change` finds nothing left to write (`None`). Used
    /// only for what the user pool has already done, which a concurrent save
    /// must not make us forget.
    async fn record(
        &self,
        mut stored: StoredProfile,
        change: impl Fn(&StoredProfile) -> Option<(Profile, EmailRequestMark)>,
    ) -> Result<StoredProfile, ApiError> {
        for _ in 0..RECORD_ATTEMPTS {
            let Some((next, mark)) = change(&stored) else {
                return Ok(stored);
            };
            if let Some(written) = self.table.replace(&stored, &next, mark).await? {
                return Ok(written);
            }
            stored = self
                .table
                .get(&stored.profile.user_id)
                .await?
                .ok_or_else(|| ApiError::internal("the profile item vanished while recording"))?;
        }
        Err(ApiError::unavailable(
            "the profile kept changing while the user pool's answer was recorded",
        ))
    }

    /// `POST /profile/email/confirm`: the code that makes the pending address
    /// the login.
    async fn confirm_email(&self, request: &Request) -> ApiResult {
        let identity = self.identify(request).await?;
        let form: EmailConfirmationForm = json_body(request)?;
        let code = form.parse()?;
        let account = self.live_account(&identity).await?;

        let current = self.load(&identity, Some(account)).await?;
        let address = current
            .profile
            .pending_email
            .clone()
            .ok_or_else(no_pending_email)?;
        // Until the pool has answered for the pending address, its code may
        // still be the one of the address pending before.
        if current.email_request_in_flight(OffsetDateTime::now_utc()) {
            return Err(email_change_in_progress());
        }
        self.accounts
            .verify_email(&identity.access_token, &code)
            .await?;
        let stored = self
            .record(current, |stored| {
                stored
                    .profile
                    .with_email_confirmed(&address)
                    .map(|next| (next, EmailRequestMark::Keep))
            })
            .await?;

        tracing::info!(version = stored.version, "new e-mail address confirmed");
        self.answer_profile(&stored).await
    }

    async fn identify(&self, request: &Request) -> Result<Identity, ApiError> {
        let token = bearer_token(request).ok_or_else(ApiError::unauthorized)?;
        self.verifier.verify(token).await
    }

    /// The caller's account as the user pool has it, asked with their token:
    /// 401 when the pool no longer honours it (signed out everywhere, or the
    /// account is gone or disabled). Every write asks first.
    async fn live_account(&self, identity: &Identity) -> Result<AccountAttributes, ApiError> {
        self.accounts
            .attributes(&identity.access_token, &identity.user_id)
            .await
    }

    /// The caller's profile, created on first access from their account:
    /// `account` when the caller has already asked the pool for it.
    async fn load(
        &self,
        identity: &Identity,
        account: Option<AccountAttributes>,
    ) -> Result<StoredProfile, ApiError> {
        if let Some(stored) = self.table.get(&identity.user_id).await? {
            return Ok(stored);
        }
        let account = match account {
            Some(account) => account,
            None => self.live_account(identity).await?,
        };
        let profile = Profile::from_account(&identity.user_id, account);
        if let Some(stored) = self.table.create(&profile).await? {
            tracing::info!("profile created from the user-pool account");
            return Ok(stored);
        }
        // A concurrent first access created it between the read and the write.
        self.table
            .get(&identity.user_id)
            .await?
            .ok_or_else(|| ApiError::internal("the profile item vanished after its creation"))
    }
}

impl Handler for ProfileApi {
    async fn handle(&self, request: Request) -> Response<Body> {
        self.answer(&request)
            .await
            .unwrap_or_else(ApiError::into_response)
    }
}

/// The user-pool calls a customer authorises with their own access token;
/// they need no IAM permissions.
struct Accounts {
    cognito: aws_sdk_cognitoidentityprovider::Client,
}

impl Accounts {
    /// The attributes of the token's account (`GetUser`), checked to be the
    /// account of `user_id`.
    async fn attributes(
        &self,
        token: &AccessToken,
        user_id: &str,
    ) -> Result<AccountAttributes, ApiError> {
        let output = self
            .cognito
            .get_user()
            .access_token(token.expose())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::CheckToken, e))?;
        let mut values: HashMap<&str, String> = output
            .user_attributes()
            .iter()
            .filter_map(|a| Some((a.name(), a.value()?.to_string())))
            .collect();
        if values.get("sub").map(String::as_str) != Some(user_id) {
            tracing::warn!("GetUser answered for another account than the token's subject");
            return Err(ApiError::unauthorized());
        }
        Ok(AccountAttributes {
            given_name: values.remove("given_name"),
            family_name: values.remove("family_name"),
            middle_name: values.remove("middle_name"),
            email: values.remove("email"),
            phone_number: values.remove("phone_number"),
        })
    }

    /// Asks the pool to make `address` the login (`UpdateUserAttributes`
    /// with `email` alone) and says what it did: AWS e-mails a code to it and
    /// keeps the old login until the code is entered; moto replaces the login
    /// at once and sends no code.
    async fn change_email(
        &self,
        token: &AccessToken,
        address: &str,
    ) -> Result<EmailOutcome, ApiError> {
        let email = AttributeType::builder()
            .name("email")
            .value(address)
            .build()
            .expect("an attribute with a name always builds");
        let output = self
            .cognito
            .update_user_attributes()
            .access_token(token.expose())
            .user_attributes(email)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::UpdateEmail, e))?;
        let code_sent = output
            .code_delivery_details_list()
            .iter()
            .any(|d| d.attribute_name() == Some("email"));
        Ok(if code_sent {
            EmailOutcome::AwaitingCode
        } else {
            EmailOutcome::Applied
        })
    }

    /// Confirms the pending address with `code` (`VerifyUserAttribute`).
    async fn verify_email(
        &self,
        token: &AccessToken,
        code: &ConfirmationCode,
    ) -> Result<(), ApiError> {
        self.cognito
            .verify_user_attribute()
            .access_token(token.expose())
            .attribute_name("email")
            .code(code.expose())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(Operation::VerifyEmail, e))?;
        Ok(())
    }
}

pub(crate) fn missing_token() -> ApiError {
    let mut problem = ApiError::bad_request(
        "invalid_unsubscribe_token",
        "В ссылке для отказа от писем нет параметра «token».",
    );
    problem.errors.push(crate::FieldError::new(
        "token",
        "required",
        "В ссылке для отказа от писем нет параметра «token».",
    ));
    problem
}

pub(crate) fn email_change_in_progress() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "email_change_in_progress",
        "Предыдущая смена адреса электронной почты ещё выполняется. Повторите попытку через минуту.",
    )
}

pub(crate) fn changed_meanwhile() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "profile_changed",
        "Профиль только что изменили в другом окне или на другом устройстве. Обновите страницу и повторите изменение.",
    )
}

pub(crate) fn no_pending_email() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "no_pending_email",
        "Нет нового адреса электронной почты, ожидающего подтверждения. Сначала укажите новый адрес в профиле.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cognito::problem_for;
    use crate::domain::profile::Notifications;
    use crate::http::json_body;

    fn profile() -> Profile {
        Profile {
            user_id: "sub-1".into(),
            first_name: "Иван".into(),
            last_name: "Петров".into(),
            patronymic: Some("Иванович".into()),
            email: "ivan@example.ru".into(),
            pending_email: None,
            phone: "+79001234567".into(),
            notifications: Notifications::default(),
        }
    }

    #[test]
    fn pool_failures_become_answers_the_customer_can_act_on() {
        let answer = |operation, code: Option<&str>, status| {
            let problem = problem_for(&CognitoError {
                code: code.map(str::to_string),
                ..CognitoError::service(operation, "", status)
            });
            (problem.status.as_u16(), problem.code, fields_of(&problem))
        };
        let update = Operation::UpdateEmail;
        let verify = Operation::VerifyEmail;
        assert_eq!(
            answer(update, Some("AliasExistsException"), 400),
            (409, "email_taken", vec!["email".to_string()])
        );
        assert_eq!(answer(update, Some("NotAuthorizedException"), 400).0, 401);
        assert_eq!(
            answer(Operation::CheckToken, Some("UserNotFoundException"), 400).0,
            401
        );
        assert_eq!(
            answer(verify, Some("CodeMismatchException"), 400),
            (422, "wrong_code", vec!["code".to_string()])
        );
        assert_eq!(
            answer(verify, Some("ExpiredCodeException"), 400).1,
            "expired_code"
        );
        assert_eq!(answer(verify, Some("LimitExceededException"), 400).0, 429);
        // moto answers operations it lacks with a bare 500 page.
        assert_eq!(
            answer(verify, None, 500),
            (503, "service_unavailable", vec![])
        );
    }

    fn fields_of(problem: &ApiError) -> Vec<String> {
        problem.errors.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn the_answer_shows_the_profile_with_nulls_for_absent_values() {
        let mut without = profile();
        without.patronymic = None;
        let stored = StoredProfile {
            profile: without,
            email_request_started_at: None,
            photo: None,
            version: 2,
            created_at: "2025-01-01T00:00:00Z".into(),
            updated_at: "2025-01-02T00:00:00Z".into(),
        };
        let value = serde_json::to_value(ProfileAnswer::of(&stored, None)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "first_name": "Иван",
                "last_name": "Петров",
                "patronymic": null,
                "email": "ivan@example.ru",
                "pending_email": null,
                "phone": "+79001234567",
                "notifications": {"status_emails": true, "message_emails": true},
                "photo": null,
                "updated_at": "2025-01-02T00:00:00Z",
            })
        );
    }

    #[test]
    fn the_photo_event_fixtures_are_requests_of_the_photo_routes() {
        let event = |text: &str| {
            lambda_http::request::from_str(text)
                .expect("an events/profile-photo-*.json is an HTTP API v2 event")
        };
        let upload = event(include_str!("../../../events/profile-photo-upload.json"));
        assert_eq!(upload.method(), Method::POST);
        assert_eq!(path_segments(&upload), ["profile", "photo", "upload"]);
        let form: UploadForm = json_body(&upload).expect("an upload form");
        assert!(form.parse(FileUse::Photo).is_ok());
        let set = event(include_str!("../../../events/profile-photo-set.json"));
        assert_eq!(set.method(), Method::PUT);
        assert_eq!(path_segments(&set), ["profile", "photo"]);
        let form: ConfirmForm = json_body(&set).expect("a confirmation");
        assert!(form.parse().is_ok());
        let remove = event(include_str!("../../../events/profile-photo-remove.json"));
        assert_eq!(remove.method(), Method::DELETE);
        assert_eq!(path_segments(&remove), ["profile", "photo"]);
        assert!(bearer_token(&remove).is_some());
    }

    #[test]
    fn the_event_fixtures_are_api_gateway_requests_of_the_routes() {
        let get = lambda_http::request::from_str(include_str!("../../../events/profile-get.json"))
            .expect("events/profile-get.json is an HTTP API v2 event");
        assert_eq!(get.method(), Method::GET);
        assert_eq!(path_segments(&get), ["profile"]);
        assert!(bearer_token(&get).is_some());

        let put = lambda_http::request::from_str(include_str!("../../../events/profile-put.json"))
            .expect("events/profile-put.json is an HTTP API v2 event");
        assert_eq!(put.method(), Method::PUT);
        assert_eq!(path_segments(&put), ["profile"]);
        assert!(bearer_token(&put).is_some());
        let form: ProfileForm = json_body(&put).expect("the fixture's body is a profile form");
        let update = form.parse().expect("the fixture's form is valid");
        assert_eq!(update.phone.as_str(), "+79001234567");
        let notifications = update.notifications.expect("the fixture sets a switch");
        assert!(!notifications.status_emails);
    }
}
