//! JSON bodies of the forms (`http::json_body` into the sign-up, profile,
//! order, message, rating, cancel, reject, take and upload forms, then each
//! form's `parse`): any body is either a checked value or a 4xx naming what
//! is wrong, never a panic or a 5xx; what a form accepts is in normal form.

#![no_main]

use cabinet::domain::file::{FileUse, MAX_DOCUMENTS_PER_SUBMISSION, UploadForm, UploadId};
use cabinet::domain::order_form::{
    CancelForm, MAX_COMPLETION_DAYS, MessageForm, OrderDraft, OrderForm, RatingForm, RejectForm,
    TakeForm,
};
use cabinet::domain::profile::ProfileForm;
use cabinet::domain::registration::RegistrationForm;
use cabinet::domain::{BoundedText, Email, MobilePhone, PersonName};
use cabinet::http::{json_body, optional_json_body};
use cabinet_fuzz::{assert_client_error, json_request};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use time::macros::date;

/// The order form that sends `draft`'s values as they were kept.
fn respelled(draft: &OrderDraft) -> Value {
    let mut form = json!({
        "service_id": draft.service_id,
        "provider_id": draft.provider_id,
        "subject": draft.subject.as_str(),
        "text": draft.text.as_str(),
        "documents": draft.documents.iter().map(UploadId::as_str).collect::<Vec<_>>(),
    });
    let contact = &draft.contact;
    if contact.sent {
        let mut values = Map::new();
        let mut put = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                values.insert(name.to_string(), json!(value));
            }
        };
        put(
            "first_name",
            contact.first_name.as_ref().map(PersonName::as_str),
        );
        put(
            "last_name",
            contact.last_name.as_ref().map(PersonName::as_str),
        );
        // Blank is how a form says "none".
        put(
            "patronymic",
            contact
                .patronymic
                .as_ref()
                .map(|name| name.as_ref().map_or("", PersonName::as_str)),
        );
        put("email", contact.email.as_ref().map(Email::as_str));
        put("phone", contact.phone.as_ref().map(MobilePhone::as_str));
        put(
            "organization",
            contact.organization.as_ref().map(BoundedText::as_str),
        );
        form["contact"] = Value::Object(values);
    }
    form
}

/// Reads the body as `T` and checks it with `parse`.
fn form<T, V>(
    request: &lambda_http::Request,
    parse: impl FnOnce(T) -> Result<V, cabinet::ApiError>,
) -> Option<V>
where
    T: serde::de::DeserializeOwned,
{
    match json_body::<T>(request).and_then(parse) {
        Ok(value) => Some(value),
        Err(error) => {
            assert_client_error(&error);
            None
        }
    }
}

fuzz_target!(|body: &[u8]| {
    let request = json_request(body);

    match json_body::<RegistrationForm>(&request) {
        Ok(form) => match form.parse() {
            Ok(registration) => {
                let email = registration.email.as_str();
                assert!(email.is_ascii());
                assert_eq!(Email::parse(email).ok(), Some(registration.email.clone()));
                assert_eq!(
                    MobilePhone::parse(registration.phone.as_str()).ok(),
                    Some(registration.phone.clone())
                );
                assert_eq!(
                    PersonName::parse(registration.first_name.as_str()).ok(),
                    Some(registration.first_name.clone())
                );
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "a refused sign-up names a field");
                for error in errors {
                    assert!(!error.field.is_empty() && !error.code.is_empty());
                }
            }
        },
        Err(error) => assert_client_error(&error),
    }

    if let Some(update) = form(&request, ProfileForm::parse) {
        assert_eq!(
            Email::parse(update.email.as_str()).ok(),
            Some(update.email.clone())
        );
        assert_eq!(
            MobilePhone::parse(update.phone.as_str()).ok(),
            Some(update.phone.clone())
        );
    }
    if let Some(draft) = form(&request, OrderForm::parse) {
        // The same order sent again in its normal form is the same request
        // (the idempotency check compares these texts).
        let again = json_request(respelled(&draft).to_string().as_bytes());
        let again = json_body::<OrderForm>(&again)
            .and_then(OrderForm::parse)
            .expect("an order in its normal form parses");
        assert_eq!(again.canonical(), draft.canonical());
        assert!(draft.documents.len() <= MAX_DOCUMENTS_PER_SUBMISSION);
        let mut documents = draft.documents.clone();
        documents.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        documents.dedup();
        assert_eq!(
            documents.len(),
            draft.documents.len(),
            "documents are distinct"
        );
    }
    form(&request, MessageForm::parse);
    if let Some(rating) = form(&request, RatingForm::parse) {
        assert!((1..=5).contains(&rating.score));
    }
    let _ = optional_json_body::<CancelForm>(&request)
        .and_then(CancelForm::parse)
        .map_err(|error| assert_client_error(&error));
    form(&request, RejectForm::parse);
    let today = date!(2026 - 12 - 04);
    if let Some(Some(day)) = form(&request, |form: TakeForm| form.parse(today)) {
        assert!(day >= today && (day - today).whole_days() <= MAX_COMPLETION_DAYS);
    }
    for use_ in [FileUse::Document, FileUse::Photo] {
        if let Some(declaration) = form(&request, |form: UploadForm| form.parse(use_)) {
            assert!(declaration.size > 0 && declaration.size <= use_.max_bytes());
            assert!(use_.types().contains(&declaration.content_type));
        }
    }
});
