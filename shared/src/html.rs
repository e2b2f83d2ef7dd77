//! Text made safe for HTML: the e-mails' HTML part and the contract's page.

/// `text` safe inside HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x" title='y'>Рога & копыта</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Рога &amp; копыта&lt;/a&gt;"
        );
    }
}
