//! Questions and answers (R4.1), grouped by section.

use serde::{Deserialize, Serialize};

use super::model::FaqEntry;

/// One question with its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaqQuestion {
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
}

/// A section of the FAQ with its questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaqSection {
    /// Russian title of the section.
    pub section: String,
    /// Questions of the section, in file order.
    pub questions: Vec<FaqQuestion>,
}

/// Groups `entries` by section. Sections come in the order of their first
/// question in the file, and questions keep file order, even when the
/// questions of one section are not listed together.
pub fn group(entries: &[FaqEntry]) -> Vec<FaqSection> {
    let mut sections: Vec<FaqSection> = Vec::new();
    for entry in entries {
        let question = FaqQuestion {
            question: entry.question.clone(),
            answer: entry.answer.clone(),
        };
        match sections.iter_mut().find(|s| s.section == entry.section) {
            Some(section) => section.questions.push(question),
            None => sections.push(FaqSection {
                section: entry.section.clone(),
                questions: vec![question],
            }),
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(section: &str, question: &str) -> FaqEntry {
        FaqEntry {
            section: section.to_string(),
            question: question.to_string(),
            answer: format!("Ответ на «{question}»"),
        }
    }

    #[test]
    fn groups_by_section_in_file_order() {
        let sections = group(&[
            entry("Заявки", "Как заказать?"),
            entry("Профиль", "Как сменить фото?"),
            entry("Заявки", "Как отменить?"),
        ]);
        let titles: Vec<&str> = sections.iter().map(|s| s.section.as_str()).collect();
        assert_eq!(titles, ["Заявки", "Профиль"]);
        let orders: Vec<&str> = sections[0]
            .questions
            .iter()
            .map(|q| q.question.as_str())
            .collect();
        assert_eq!(orders, ["Как заказать?", "Как отменить?"]);
        assert_eq!(sections[0].questions[1].answer, "Ответ на «Как отменить?»");
    }

    #[test]
    fn no_entries_no_sections() {
        assert!(group(&[]).is_empty());
    }
}
