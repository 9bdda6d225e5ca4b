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

/// Money as survey-based figures support it: three significant digits, never finer than a
/// thousand kronor (194 050 150 → 194 000 000; 48 213 → 48 000). Every format rounds
/// through this, so the page, the report and the workbook agree.
pub fn round_money(sek: f64) -> f64 {
    if sek == 0.0 || !sek.is_finite() {
        return 0.0;
    }
    let digits = sek.abs().log10().floor() as i32;
    let unit = 10f64.powi(digits - 2).max(1000.0);
    (sek / unit).round() * unit
}

/// `194 000 tkr` in Swedish, `194,000 kSEK` in English (thousands of kronor, rounded).
pub fn kronor(sek: f64, lang: Language) -> String {
    format!("{}\u{a0}{}", thousands(sek, lang), kronor_unit(lang))
}

/// `−99–50 tkr`: an interval of money, each end rounded.
pub fn kronor_range(low: f64, high: f64, lang: Language) -> String {
    format!(
        "{}–{}\u{a0}{}",
        thousands(low, lang),
        thousands(high, lang),
        kronor_unit(lang)
    )
}

fn thousands(sek: f64, lang: Language) -> String {
    number(round_money(sek) / 1000.0, 0, lang)
}

fn kronor_unit(lang: Language) -> &'static str {
    match lang {
        Language::Sv => "tkr",
        Language::En => "kSEK",
    }
}

/// A ratio to two significant digits: `0,84`, `5,2`, `58`.
pub fn ratio(value: f64, lang: Language) -> String {
    let decimals = if value == 0.0 || !value.is_finite() {
        0
    } else {
        (1 - value.abs().log10().floor() as i32).clamp(0, 2) as usize
    };
    number(value, decimals, lang)
}

/// `den 15 december 2026` / `15 December 2026`: a day as a letter writes it, so an email
/// and the page it links to name a date the same way.
pub fn long_date(day: chrono::NaiveDate, lang: Language) -> String {
    use chrono::Datelike;
    const SV: [&str; 12] = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = day.month0() as usize;
    match lang {
        Language::Sv => format!("den {} {} {}", day.day(), SV[month], day.year()),
        Language::En => format!("{} {} {}", day.day(), EN[month], day.year()),
    }
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

    #[test]
    fn money_is_rounded_to_what_the_answers_support() {
        assert_eq!(round_money(194_050_150.0), 194_000_000.0);
        assert_eq!(round_money(48_213.0), 48_000.0);
        assert_eq!(round_money(-1_234_567.0), -1_230_000.0);
        assert_eq!(round_money(400.0), 0.0);
        assert_eq!(kronor(194_050_150.0, Language::Sv), "194\u{a0}000\u{a0}tkr");
        assert_eq!(kronor(194_050_150.0, Language::En), "194,000\u{a0}kSEK");
        assert_eq!(
            kronor_range(-99_000.0, 49_500.0, Language::Sv),
            "−99–50\u{a0}tkr"
        );
        assert_eq!(ratio(-57.8, Language::Sv), "−58");
        assert_eq!(ratio(5.23, Language::Sv), "5,2");
        assert_eq!(ratio(0.843, Language::En), "0.84");
    }
}
