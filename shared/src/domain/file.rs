//! Files of the cabinet: documents attached to an order (R5.1, R7.3) and the
//! profile photo (R2.3). The bytes go from the browser straight to S3 and
//! back; the API only declares, checks and records them.
//!
//! Everything a file may be is stated here once: the types each use takes,
//! the size limits, the number of files an order holds, how long an upload
//! slot and a download link live, and the rules of the name the customer
//! gave the file, which is kept as typed and never becomes part of a key.

use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::order::{Actor, OrderStatus};
use super::text::{BoundedText, TextError, is_invisible};
use crate::error::{ApiError, FieldError};

/// Largest document of an order, in bytes: 20 MiB.
pub const DOCUMENT_MAX_BYTES: u64 = 20 * 1024 * 1024;
/// Largest profile photo, in bytes: 5 MiB.
pub const PHOTO_MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Files an order holds at most, documents of the submission included.
pub const MAX_FILES_PER_ORDER: usize = 20;
/// Documents sent with a new order at most; more are attached on its card.
pub const MAX_DOCUMENTS_PER_SUBMISSION: usize = 10;
/// Longest file name kept, in characters.
pub const NAME_MAX_CHARS: usize = 300;
/// How long an upload slot accepts its upload, in seconds.
pub const UPLOAD_SLOT_SECONDS: u64 = 15 * 60;
/// How long a download link works, in seconds.
pub const DOWNLOAD_LINK_SECONDS: u64 = 5 * 60;

/// Documents: PDF, images, office formats (Microsoft and OpenDocument),
/// plain text and archives.
pub const DOCUMENT_TYPES: &[&str] = &[
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/tiff",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/rtf",
    "text/plain",
    "application/zip",
    "application/x-7z-compressed",
    "application/vnd.rar",
];
/// Photos: JPEG, PNG, WebP.
pub const PHOTO_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp"];

/// What a file is for; each use has its own types and size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileUse {
    /// A document of an order.
    Document,
    /// The profile photo.
    Photo,
}

impl FileUse {
    /// The media types this use takes.
    pub fn types(self) -> &'static [&'static str] {
        match self {
            Self::Document => DOCUMENT_TYPES,
            Self::Photo => PHOTO_TYPES,
        }
    }

    /// The largest file this use takes, in bytes.
    pub fn max_bytes(self) -> u64 {
        match self {
            Self::Document => DOCUMENT_MAX_BYTES,
            Self::Photo => PHOTO_MAX_BYTES,
        }
    }

    /// The media type `raw` names, lower-cased, if this use takes it.
    pub fn media_type(self, raw: &str) -> Option<&'static str> {
        let wanted = raw.trim().to_ascii_lowercase();
        self.types().iter().copied().find(|t| *t == wanted)
    }

    fn type_detail(self) -> String {
        match self {
            Self::Document => "«Тип файла»: можно приложить PDF, изображения (JPEG, PNG, WebP, TIFF), документы Word, Excel, PowerPoint, OpenDocument, RTF, текст и архивы ZIP, 7z, RAR.".to_string(),
            Self::Photo => "«Тип файла»: фотография должна быть в формате JPEG, PNG или WebP.".to_string(),
        }
    }

    fn size_detail(self) -> String {
        let mib = self.max_bytes() / (1024 * 1024);
        match self {
            Self::Document => {
                format!("«Размер файла»: документ должен быть не пустым и не больше {mib} МБ.")
            }
            Self::Photo => {
                format!("«Размер файла»: фотография должна быть не пустой и не больше {mib} МБ.")
            }
        }
    }
}

/// The name a customer gave a file, as typed (NFC), one line of 1 to 300
/// characters without control, bidi or invisible characters. It is shown back and offered when the file
/// is saved; it never names an object in the bucket.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileName(String);

impl FileName {
    /// The name `raw`, trimmed, or why it cannot be one.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        use unicode_normalization::UnicodeNormalization;
        let name: String = raw.trim().nfc().collect();
        // One line without control or bidi characters, as every other
        // single-line text; a reversed extension (`invoice\u{202e}fdp.exe`)
        // could pass off a program as a document.
        let name =
            BoundedText::parse_line(&name, 1, NAME_MAX_CHARS).map_err(|error| match error {
                TextError::Empty | TextError::TooShort { .. } => {
                    FieldError::new("name", "required", "«Имя файла»: укажите имя файла.")
                }
                TextError::TooLong { .. } => FieldError::new(
                    "name",
                    "too_long",
                    format!("«Имя файла»: не больше {NAME_MAX_CHARS} символов."),
                ),
                TextError::ControlCharacters => invalid_name_characters(),
            })?;
        // Invisible characters are refused rather than kept or dropped: the
        // name is kept exactly as typed, and a name that differs from what
        // the customer sees could pass for another.
        if name.as_str().chars().any(is_invisible) {
            return Err(invalid_name_characters());
        }
        let name = name.into_inner();
        Ok(Self(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `Content-Disposition` of a download under this name (RFC 6266):
    /// `attachment`, an ASCII `filename` for old clients and the exact name
    /// as `filename*` in UTF-8 (RFC 5987).
    pub fn content_disposition(&self) -> String {
        format!(
            "attachment; filename=\"{}\"; filename*=UTF-8''{}",
            ascii_fallback(&self.0),
            rfc5987(&self.0)
        )
    }
}

fn invalid_name_characters() -> FieldError {
    FieldError::new(
        "name",
        "invalid_characters",
        "«Имя файла»: уберите из имени управляющие и невидимые символы.",
    )
}

/// File names are personal data: never printed.
impl fmt::Debug for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileName(***)")
    }
}

/// `name` in printable ASCII for the `filename` parameter: Cyrillic
/// transliterated, path separators, quotes, backslashes and anything else
/// outside printable ASCII replaced by `_`.
pub fn ascii_fallback(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '/' | '%') => out.push(c),
            _ => match transliterate(c) {
                Some(latin) => out.push_str(latin),
                None => out.push('_'),
            },
        }
    }
    out
}

/// Latin letters for a Russian one (the passport rules of 2014), `None`
/// for any other character.
fn transliterate(c: char) -> Option<&'static str> {
    const LOWER: [&str; 33] = [
        "a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
        "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia", "e",
    ];
    const UPPER: [&str; 33] = [
        "A", "B", "V", "G", "D", "E", "Zh", "Z", "I", "I", "K", "L", "M", "N", "O", "P", "R", "S",
        "T", "U", "F", "Kh", "Ts", "Ch", "Sh", "Shch", "Ie", "Y", "", "E", "Iu", "Ia", "E",
    ];
    match c {
        'а'..='я' => Some(LOWER[c as usize - 'а' as usize]),
        'А'..='Я' => Some(UPPER[c as usize - 'А' as usize]),
        'ё' => Some(LOWER[32]),
        'Ё' => Some(UPPER[32]),
        '№' => Some("N"),
        _ => None,
    }
}

/// `name` as an RFC 5987 `ext-value` body: UTF-8, every byte outside
/// `attr-char` percent-encoded. `/` and `\` become `_` first, so no client
/// reads a path out of it.
pub fn rfc5987(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for c in name.chars() {
        let c = if matches!(c, '/' | '\\') { '_' } else { c };
        let mut buffer = [0u8; 4];
        for &byte in c.encode_utf8(&mut buffer).as_bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                out.push(byte as char);
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// The body of a request for an upload slot.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UploadForm {
    /// «Имя файла», as on the customer's disk.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub name: Option<String>,
    /// «Тип файла», its media type (`application/pdf`).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub content_type: Option<String>,
    /// «Размер файла» in bytes.
    #[cfg_attr(feature = "openapi", schema(value_type = u64, required = true))]
    pub size: Option<u64>,
}

/// A checked declaration of a file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadDeclaration {
    /// The name to keep.
    pub name: FileName,
    /// The media type, one of the use's.
    pub content_type: &'static str,
    /// The declared size in bytes, 1 to the use's limit.
    pub size: u64,
}

impl UploadForm {
    /// Checks every field for `use_`, naming each wrong one.
    pub fn parse(self, use_: FileUse) -> Result<UploadDeclaration, ApiError> {
        let mut errors = Vec::new();
        let name = match self.name.as_deref().map(FileName::parse) {
            Some(Ok(name)) => Some(name),
            Some(Err(error)) => {
                errors.push(error);
                None
            }
            None => {
                errors.push(FieldError::new(
                    "name",
                    "required",
                    "«Имя файла»: укажите имя файла.",
                ));
                None
            }
        };
        let content_type = self
            .content_type
            .as_deref()
            .and_then(|t| use_.media_type(t));
        if content_type.is_none() {
            errors.push(FieldError::new(
                "type",
                "unsupported_type",
                use_.type_detail(),
            ));
        }
        let size = self.size.filter(|&s| s > 0 && s <= use_.max_bytes());
        if size.is_none() {
            errors.push(FieldError::new("size", "invalid_size", use_.size_detail()));
        }
        match (name, content_type, size) {
            (Some(name), Some(content_type), Some(size)) => Ok(UploadDeclaration {
                name,
                content_type,
                size,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// The id of an upload slot and of the file it becomes: 32 lower-case hex
/// digits drawn by the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct UploadId(String);

impl UploadId {
    /// The id made of `random`.
    pub fn new(random: u128) -> Self {
        Self(format!("{random:032x}"))
    }

    /// The id written as `raw`, or `None` when it cannot be one.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (raw.len() == 32 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(raw.to_string()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UploadId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("{value:?} is not an upload id"))
    }
}

impl From<UploadId> for String {
    fn from(id: UploadId) -> Self {
        id.0
    }
}

/// A file attached to an order, as the order item keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedFile {
    /// Its id (that of its upload slot).
    pub id: UploadId,
    /// The name the customer gave it.
    pub name: FileName,
    /// Its media type, as S3 holds it.
    #[serde(rename = "type")]
    pub content_type: String,
    /// Its size in bytes, as S3 holds it.
    pub size: u64,
    /// When it was attached (see [`super::order::timestamp`]).
    pub uploaded_at: String,
    /// Who attached it.
    pub author: Actor,
}

impl fmt::Debug for AttachedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachedFile")
            .field("id", &self.id)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// The profile photo, as the profile item keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// Its id (that of its upload slot).
    pub id: UploadId,
    /// The name the customer gave it.
    pub name: FileName,
    /// Its media type.
    #[serde(rename = "type")]
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was set.
    pub uploaded_at: String,
}

impl fmt::Debug for Photo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Photo")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What S3 says about an uploaded object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Its size in bytes.
    pub size: u64,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// The declared name it carries (decoded from its metadata).
    pub name: Option<String>,
}

/// Checks an uploaded object against `use_`: not empty, within the limit,
/// of a type the use takes; the name it carries must be a valid name.
pub fn verify_upload(
    use_: FileUse,
    object: &StoredObject,
) -> Result<(FileName, &'static str), ApiError> {
    let mut errors = Vec::new();
    if object.size == 0 || object.size > use_.max_bytes() {
        errors.push(FieldError::new("size", "invalid_size", use_.size_detail()));
    }
    let content_type = object
        .content_type
        .as_deref()
        .and_then(|t| use_.media_type(t));
    if content_type.is_none() {
        errors.push(FieldError::new(
            "type",
            "unsupported_type",
            use_.type_detail(),
        ));
    }
    let name = match object.name.as_deref().map(FileName::parse) {
        Some(Ok(name)) => Some(name),
        Some(Err(error)) => {
            errors.push(error);
            None
        }
        None => {
            errors.push(FieldError::new(
                "name",
                "required",
                "«Имя файла»: загруженный файл пришёл без имени; запросите загрузку заново.",
            ));
            None
        }
    };
    match (name, content_type) {
        (Some(name), Some(content_type)) if errors.is_empty() => Ok((name, content_type)),
        _ => Err(ApiError::validation(errors)),
    }
}

/// 404: no upload under this id for this caller: never issued, not
/// uploaded yet, already confirmed, or its slot expired.
pub fn upload_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "upload_not_found",
        "Загруженный файл не найден: загрузите его заново (ссылка для загрузки действует 15 минут).",
    )
}

/// 409: the order no longer takes files: cancelled or rejected.
pub fn files_closed(status: OrderStatus) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "order_closed",
        format!(
            "Заявка в статусе «{}»: файлы к ней больше не прикладываются.",
            status.title()
        ),
    )
}

/// The body of a confirmation: `{upload_id}`.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = UploadConfirmForm))]
#[serde(deny_unknown_fields)]
pub struct ConfirmForm {
    /// The `upload_id` of the slot the file was uploaded with.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub upload_id: Option<String>,
}

impl ConfirmForm {
    /// The upload id, or a 422 naming `upload_id`.
    pub fn parse(self) -> Result<UploadId, ApiError> {
        match self.upload_id.as_deref().map(UploadId::parse) {
            Some(Some(id)) => Ok(id),
            Some(None) => Err(ApiError::validation(vec![FieldError::new(
                "upload_id",
                "invalid_upload_id",
                "«Номер загрузки»: это не номер, выданный при запросе загрузки.",
            )])),
            None => Err(ApiError::validation(vec![FieldError::new(
                "upload_id",
                "required",
                "«Номер загрузки»: укажите upload_id, выданный при запросе загрузки.",
            )])),
        }
    }
}

/// 404: the order has no file with this id.
pub fn file_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "file_not_found",
        "Такого файла в заявке нет.",
    )
}

/// 409: the order already holds as many files as it may.
pub fn too_many_files() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "too_many_files",
        format!("К заявке можно приложить не больше {MAX_FILES_PER_ORDER} файлов."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_russian_name_downloads_under_itself_with_a_transliterated_fallback() {
        let name = FileName::parse("Договор №5 (копия).pdf").unwrap();
        assert_eq!(
            name.content_disposition(),
            "attachment; filename=\"Dogovor N5 (kopiia).pdf\"; \
             filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20%E2%84%965%20%28%D0%BA%D0%BE%D0%BF%D0%B8%D1%8F%29.pdf"
        );
    }

    #[test]
    fn the_fallback_never_holds_quotes_backslashes_slashes_or_controls() {
        let fallback = ascii_fallback("a\"b\\c/d%2Fe 日本.txt");
        assert_eq!(fallback, "a_b_c_d_2Fe __.txt");
        assert!(fallback.chars().all(|c| (' '..='~').contains(&c)));
        assert_eq!(rfc5987("../x"), ".._x");
        assert_eq!(rfc5987("%2F"), "%252F");
        assert_eq!(rfc5987("ёЁ"), "%D1%91%D0%81");
        assert_eq!(ascii_fallback("Щука ёж"), "Shchuka ezh");
    }

    #[test]
    fn names_are_kept_up_to_300_characters_without_controls() {
        let long = "я".repeat(NAME_MAX_CHARS);
        assert_eq!(FileName::parse(&long).unwrap().as_str(), long);
        assert_eq!(
            FileName::parse(&format!("{long}я")).unwrap_err().code,
            "too_long"
        );
        assert_eq!(FileName::parse("  ").unwrap_err().code, "required");
        assert_eq!(
            FileName::parse("a\u{0}b").unwrap_err().code,
            "invalid_characters"
        );
        assert_eq!(
            FileName::parse(" ../%2F отчёт.pdf ").unwrap().as_str(),
            "../%2F отчёт.pdf"
        );
        // Decomposed «й» is stored composed.
        assert_eq!(FileName::parse("и\u{306}").unwrap().as_str(), "й");
    }

    #[test]
    fn names_refuse_bidi_controls_line_breaks_and_invisible_characters() {
        for raw in [
            "invoice\u{202e}fdp.exe",
            "a\u{2066}b.pdf",
            "\u{feff}a.pdf",
            "a\u{200b}.pdf",
            "отчёт\r\n.pdf",
            "отчёт\t.pdf",
        ] {
            assert_eq!(
                FileName::parse(raw).unwrap_err().code,
                "invalid_characters",
                "{raw:?}"
            );
        }
        assert_eq!(FileName::parse("\u{200b}").unwrap_err().code, "required");
        assert_eq!(
            FileName::parse("\u{feff} \u{2060}").unwrap_err().code,
            "required"
        );
    }

    #[test]
    fn a_declaration_is_checked_against_its_use() {
        let form = |name: &str, t: &str, size: u64| UploadForm {
            name: Some(name.into()),
            content_type: Some(t.into()),
            size: Some(size),
        };
        let ok = form("скан.PDF", "Application/PDF", 10)
            .parse(FileUse::Document)
            .unwrap();
        assert_eq!(ok.content_type, "application/pdf");
        assert_eq!(ok.size, 10);
        let error = form("a.pdf", "application/pdf", 10)
            .parse(FileUse::Photo)
            .unwrap_err();
        assert_eq!(error.errors[0].field, "type");
        let error = form("a.jpg", "image/jpeg", PHOTO_MAX_BYTES + 1)
            .parse(FileUse::Photo)
            .unwrap_err();
        assert_eq!(error.errors[0].field, "size");
        assert!(
            form("a.jpg", "image/jpeg", PHOTO_MAX_BYTES)
                .parse(FileUse::Photo)
                .is_ok()
        );
        let error = form("", "text/html", 0)
            .parse(FileUse::Document)
            .unwrap_err();
        let fields: Vec<&str> = error.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "type", "size"]);
    }

    #[test]
    fn an_upload_is_verified_by_what_s3_holds() {
        let object = |size: u64, t: &str| StoredObject {
            size,
            content_type: Some(t.into()),
            name: Some("фото.png".into()),
        };
        assert!(verify_upload(FileUse::Photo, &object(1, "image/png")).is_ok());
        assert_eq!(
            verify_upload(FileUse::Photo, &object(0, "image/png"))
                .unwrap_err()
                .errors[0]
                .field,
            "size"
        );
        assert_eq!(
            verify_upload(FileUse::Photo, &object(PHOTO_MAX_BYTES + 1, "image/png"))
                .unwrap_err()
                .errors[0]
                .field,
            "size"
        );
        assert_eq!(
            verify_upload(FileUse::Photo, &object(5, "application/pdf"))
                .unwrap_err()
                .errors[0]
                .field,
            "type"
        );
    }

    #[test]
    fn upload_ids_are_32_hex_digits() {
        let id = UploadId::new(0xabc);
        assert_eq!(id.as_str().len(), 32);
        assert_eq!(UploadId::parse(id.as_str()), Some(id));
        assert_eq!(UploadId::parse("../etc"), None);
        assert_eq!(UploadId::parse(&"G".repeat(32)), None);
    }
}
