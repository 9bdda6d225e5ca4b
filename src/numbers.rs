//! Numbers as people read them: `82,5` and `12 345` in Swedish, `82.5` and `12,345` in
//! English, with a real minus sign. Pages, reports and emails share these.

use crate::domain::Language;

/// `82,5` in Swedish, `82.5` in English, with a real minus sign.
pub fn number(value: f64, decimals: usize, lang: Language) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let text = if lang == Language::Sv {
        text.replace('.', ",")
    } else {
        text
    };
    let text = if decimals == 0 {
        group_thousands(&text, lang)
    } else {
        text
    };
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{text}")
    } else {
        text
    }
}

/// `12 345` (Swedish, with a no-break space) or `12,345`.
fn group_thousands(digits: &str, lang: Language) -> String {
    let separator = if lang == Language::Sv { '\u{a0}' } else { ',' };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(c);
    }
    grouped
}

pub fn percent(share: f64, lang: Language) -> String {
    format!("{}\u{a0}%", number(100.0 * share, 0, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_swedish_or_the_english_way() {
        assert_eq!(number(77.0833, 1, Language::Sv), "77,1");
        assert_eq!(number(77.0833, 1, Language::En), "77.1");
        assert_eq!(number(-12.26, 1, Language::Sv), "−12,3");
        assert_eq!(number(-0.01, 1, Language::Sv), "0,0", "no minus on a zero");
        assert_eq!(number(1_234_567.4, 0, Language::Sv), "1\u{a0}234\u{a0}567");
        assert_eq!(number(1_234_567.4, 0, Language::En), "1,234,567");
        assert_eq!(number(999.0, 0, Language::Sv), "999");
        assert_eq!(percent(0.75, Language::Sv), "75\u{a0}%");
    }
}
