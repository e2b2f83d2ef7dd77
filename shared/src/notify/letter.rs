//! The e-mails of the notifier (R9.1): their Russian text, and the MIME
//! message SES sends as it is.
//!
//! A letter is `multipart/alternative` with a plain-text and an HTML part,
//! both UTF-8 in base64. The subject is a run of RFC 2047 encoded words, each
//! a whole number of UTF-8 characters, folded so that no line is longer than
//! 76 characters. `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058)
//! give mail programs a one-click way to turn the kind of e-mail off. Every
//! text a customer or an executor wrote is escaped in the HTML part.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::domain::order::{Message, Order, StatusChange};
use crate::html::escape_html;

/// Longest line of the message, line break excluded (RFC 2047 asks 76 for
/// lines holding encoded words; base64 bodies use the same).
pub const MAX_LINE: usize = 76;

/// Boundary of the two parts. Neither base64 nor header text of ours can
/// contain `=_`, so it never occurs inside a part.
const BOUNDARY: &str = "=_cabinet-alternative_=";

/// Bytes of UTF-8 in one encoded word of the subject: 39 bytes are 52 base64
/// characters, and `Subject: =?UTF-8?B?…?=` is then 73 characters long.
const WORD_BYTES: usize = 39;

/// Name shown as the sender.
const SENDER_NAME: &str = "Личный кабинет ТПП РФ";

/// An e-mail ready to be put into MIME.
#[derive(Clone, PartialEq, Eq)]
pub struct Letter {
    /// The customer's address.
    pub to: String,
    /// Subject, in Russian.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part, customers' and executors' words escaped.
    pub html: String,
    /// The one-click unsubscribe address (`https://…/unsubscribe?token=…`).
    pub unsubscribe_url: String,
}

/// Never prints the address or the content.
impl std::fmt::Debug for Letter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Letter(***)")
    }
}

/// Where the links of a letter lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The portal's base address, without a trailing slash: the card is at
    /// `<portal>/orders/<number>`, the profile at `<portal>/profile`.
    pub portal: String,
    /// The one-click unsubscribe address of this letter.
    pub unsubscribe: String,
}

impl Links {
    fn card(&self, order_number: &str) -> String {
        format!("{}/orders/{order_number}", self.portal)
    }

    fn profile(&self) -> String {
        format!("{}/profile", self.portal)
    }
}

/// The letter about `change` of `order`, to `to`.
pub fn status_letter(to: &str, order: &Order, change: &StatusChange, links: &Links) -> Letter {
    let number = order.number.as_str();
    let status = change.to.title();
    let subject = format!(
        "Заявка № {number}: статус «{status}» — {}",
        order.service.title
    );
    let mut rows = vec![
        ("Номер заявки", number.to_string()),
        ("Услуга", order.service.title.clone()),
        ("Организация", order.provider.name.clone()),
        ("Тема заявки", order.form.subject.clone()),
        ("Новый статус", status.to_string()),
    ];
    if let Some(executor) = order.executor.as_ref().filter(|_| order.reveals_executor()) {
        rows.push(("Исполнитель", executor.name.clone()));
    }
    if let Some(reason) = &change.reason {
        rows.push(("Причина", reason.clone()));
    }
    let lead = format!("Статус вашей заявки № {number} изменился: «{status}».");
    compose(
        to,
        subject,
        &lead,
        &rows,
        &links.card(number),
        links,
        "статусе заявок",
    )
}

/// The letter about `message` an executor wrote on `order`, to `to`.
pub fn message_letter(to: &str, order: &Order, message: &Message, links: &Links) -> Letter {
    let number = order.number.as_str();
    let subject = format!(
        "Новое сообщение по заявке № {number} — {}",
        order.service.title
    );
    let mut rows = vec![
        ("Номер заявки", number.to_string()),
        ("Услуга", order.service.title.clone()),
        ("Организация", order.provider.name.clone()),
    ];
    if let Some(name) = &message.author.name {
        rows.push(("Исполнитель", name.clone()));
    }
    rows.push(("Тема сообщения", message.subject.clone()));
    rows.push(("Сообщение", message.text.clone()));
    let lead = format!("Исполнитель написал вам по заявке № {number}.");
    compose(
        to,
        subject,
        &lead,
        &rows,
        &links.card(number),
        links,
        "сообщениях исполнителей",
    )
}

fn compose(
    to: &str,
    subject: String,
    lead: &str,
    rows: &[(&str, String)],
    card: &str,
    links: &Links,
    kind: &str,
) -> Letter {
    let mut text = format!("Здравствуйте!\n\n{lead}\n\n");
    for (label, value) in rows {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str(&format!(
        "\nКарточка заявки: {card}\n\n\
         Письмо отправлено автоматически, отвечать на него не нужно.\n\
         Отказаться от писем о {kind} можно в профиле: {}\n",
        links.profile()
    ));

    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body>\n<p>Здравствуйте!</p>\n<p>{}</p>\n<table>\n",
        escape_html(&subject),
        escape_html(lead)
    );
    for (label, value) in rows {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>\n",
            escape_html(label),
            escape_html(value).replace('\n', "<br>\n")
        ));
    }
    html.push_str(&format!(
        "</table>\n<p><a href=\"{}\">Открыть карточку заявки</a></p>\n\
         <p>Письмо отправлено автоматически, отвечать на него не нужно. \
         Отказаться от писем о {kind} можно <a href=\"{}\">в профиле</a>.</p>\n</body></html>\n",
        escape_html(card),
        escape_html(&links.profile())
    ));

    Letter {
        to: to.to_string(),
        subject,
        text,
        html,
        unsubscribe_url: links.unsubscribe.clone(),
    }
}

/// `Name: value` as a header of RFC 2047 encoded words (UTF-8, base64),
/// each holding whole characters, folded onto continuation lines; every line
/// at most [`MAX_LINE`] characters. Ends without a line break.
pub fn encoded_header(name: &str, value: &str) -> String {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in value.chars() {
        if chunk.len() + c.len_utf8() > WORD_BYTES {
            words.push(encoded_word(&chunk));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(encoded_word(&chunk));
    }
    format!("{name}: {}", words.join("\r\n "))
}

fn encoded_word(text: &str) -> String {
    format!("=?UTF-8?B?{}?=", STANDARD.encode(text.as_bytes()))
}

/// `bytes` in base64, in lines of [`MAX_LINE`] characters, each ending in CRLF.
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / MAX_LINE * 2 + 2);
    for line in encoded.as_bytes().chunks(MAX_LINE) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

impl Letter {
    /// The whole message from `from`, dated `date`, with CRLF line breaks.
    /// SES adds `Message-ID`.
    pub fn to_mime(&self, from: &str, date: OffsetDateTime) -> String {
        let date = date
            .format(&Rfc2822)
            .expect("a time of this era formats as RFC 2822");
        let mut headers = vec![
            format!("From: {}\r\n <{from}>", encoded_word(SENDER_NAME)),
            format!("To: {}", self.to),
            encoded_header("Subject", &self.subject),
            format!("Date: {date}"),
            "MIME-Version: 1.0".into(),
            format!("List-Unsubscribe: <{}>", self.unsubscribe_url),
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click".into(),
            format!("Content-Type: multipart/alternative; boundary=\"{BOUNDARY}\""),
        ];
        headers.push(String::new());
        let mut mime = headers.join("\r\n");
        mime.push_str("\r\n");
        for (kind, body) in [("plain", &self.text), ("html", &self.html)] {
            mime.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Type: text/{kind}; charset=UTF-8\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n"
            ));
            mime.push_str(&base64_lines(body.replace('\n', "\r\n").as_bytes()));
        }
        mime.push_str(&format!("--{BOUNDARY}--\r\n"));
        mime
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::samples::sample_order;
    use crate::domain::order::{Actor, Executor, OrderContent, OrderStatus, Role, ServiceRef};

    /// An order whose service title is long enough to fold the subject,
    /// whose subject holds HTML, and whose executor is always set.
    fn order(status: OrderStatus) -> Order {
        let sample = sample_order(status);
        Order {
            service: ServiceRef {
                id: "force-majeure-domestic".into(),
                title:
                    "Заключение об обстоятельствах непреодолимой силы по договорам внутри страны"
                        .into(),
            },
            form: OrderContent {
                subject: "<b>Срочно</b> & \"важно\"".into(),
                ..sample.form
            },
            executor: Some(Executor {
                id: "sub-9".into(),
                name: "Пётр Сидоров".into(),
                email: "petr@chamber.ru".into(),
            }),
            ..sample
        }
    }

    fn links() -> Links {
        Links {
            portal: "https://portal.example.ru".into(),
            unsubscribe: "https://api.example.ru/unsubscribe?token=abc.def".into(),
        }
    }

    fn change(to: OrderStatus, reason: Option<&str>) -> StatusChange {
        StatusChange {
            at: "2026-12-04T11:00:00.000Z".into(),
            actor: Actor {
                role: Role::Executor,
                id: "sub-9".into(),
                name: None,
            },
            from: Some(OrderStatus::Submitted),
            to,
            reason: reason.map(str::to_string),
        }
    }

    /// The subject back from its encoded words, as a mail program reads it.
    fn decode_subject(mime: &str) -> String {
        let start = mime.find("Subject: ").unwrap() + "Subject: ".len();
        let mut header = String::new();
        for (i, line) in mime[start..].split("\r\n").enumerate() {
            if i > 0 && !line.starts_with(' ') {
                break;
            }
            header.push_str(line.trim_start());
            header.push(' ');
        }
        let mut bytes = Vec::new();
        for word in header.split_whitespace() {
            let payload = word
                .strip_prefix("=?UTF-8?B?")
                .and_then(|w| w.strip_suffix("?="))
                .unwrap();
            bytes.extend(STANDARD.decode(payload).unwrap());
            assert!(std::str::from_utf8(&STANDARD.decode(payload).unwrap()).is_ok());
        }
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_long_cyrillic_subject_is_folded_into_whole_characters_and_reads_back() {
        let letter = status_letter(
            "ivan@example.ru",
            &order(OrderStatus::InProgress),
            &change(OrderStatus::InProgress, None),
            &links(),
        );
        assert!(letter.subject.chars().count() > 100);
        let mime = letter.to_mime("noreply@cabinet.example.ru", OffsetDateTime::UNIX_EPOCH);
        for line in mime.split("\r\n") {
            assert!(
                line.len() <= MAX_LINE || line.starts_with("List-Unsubscribe:"),
                "{line}"
            );
            assert!(line.is_ascii(), "{line}");
        }
        assert_eq!(decode_subject(&mime), letter.subject);
    }

    #[test]
    fn the_message_has_one_click_unsubscribe_and_two_utf8_parts() {
        let letter = status_letter(
            "ivan@example.ru",
            &order(OrderStatus::Rejected),
            &change(OrderStatus::Rejected, Some("Нет <документов>")),
            &links(),
        );
        let mime = letter.to_mime("noreply@cabinet.example.ru", OffsetDateTime::UNIX_EPOCH);
        assert!(mime.contains(
            "\r\nList-Unsubscribe: <https://api.example.ru/unsubscribe?token=abc.def>\r\n"
        ));
        assert!(mime.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(mime.contains("\r\nTo: ivan@example.ru\r\n"));
        assert_eq!(mime.matches("charset=UTF-8").count(), 2);
        assert!(mime.contains("Content-Type: text/plain; charset=UTF-8"));
        assert!(mime.contains("Content-Type: text/html; charset=UTF-8"));
        assert!(mime.ends_with(&format!("--{BOUNDARY}--\r\n")));
    }

    #[test]
    fn what_people_wrote_is_escaped_in_html_and_kept_in_text() {
        let letter = status_letter(
            "ivan@example.ru",
            &order(OrderStatus::Rejected),
            &change(OrderStatus::Rejected, Some("<script>alert(1)</script>")),
            &links(),
        );
        assert!(!letter.html.contains("<script>"));
        assert!(!letter.html.contains("<b>"));
        assert!(
            letter
                .html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        );
        assert!(
            letter
                .html
                .contains("&lt;b&gt;Срочно&lt;/b&gt; &amp; &quot;важно&quot;")
        );
        assert!(letter.text.contains("<b>Срочно</b>"));
        for expected in [
            "261204-7KQ2MX",
            "Московская ТПП",
            "«Отклонена»",
            "Пётр Сидоров",
            "https://portal.example.ru/orders/261204-7KQ2MX",
        ] {
            assert!(letter.text.contains(expected), "{expected}");
            assert!(letter.html.contains(expected), "{expected}");
        }
    }

    #[test]
    fn the_executor_is_named_only_once_the_order_is_taken() {
        let submitted = order(OrderStatus::Submitted);
        let letter = status_letter(
            "ivan@example.ru",
            &submitted,
            &change(OrderStatus::Submitted, None),
            &links(),
        );
        assert!(!letter.text.contains("Исполнитель"));
    }

    #[test]
    fn a_message_letter_escapes_the_executors_words() {
        let message = Message {
            at: "2026-12-04T12:00:00.000Z".into(),
            author: Actor {
                role: Role::Executor,
                id: "sub-9".into(),
                name: Some("Пётр Сидоров".into()),
            },
            subject: "Ответ <i>о сроках</i>".into(),
            text: "Строка 1\n<img src=x>".into(),
        };
        let letter = message_letter(
            "ivan@example.ru",
            &order(OrderStatus::InProgress),
            &message,
            &links(),
        );
        assert!(letter.html.contains("&lt;img src=x&gt;"));
        assert!(letter.html.contains("Строка 1<br>"));
        assert!(!letter.html.contains("<i>"));
        assert!(letter.text.contains("Ответ <i>о сроках</i>"));
    }

    #[test]
    fn short_and_empty_values_make_one_word() {
        assert_eq!(encoded_header("Subject", ""), "Subject: =?UTF-8?B??=");
        assert_eq!(
            encoded_header("Subject", "Да"),
            format!("Subject: =?UTF-8?B?{}?=", STANDARD.encode("Да"))
        );
        // 20 two-byte letters make 40 bytes: two words, none splitting one.
        let folded = encoded_header("Subject", &"Ж".repeat(20));
        assert_eq!(folded.matches("=?UTF-8?B?").count(), 2);
    }
}
