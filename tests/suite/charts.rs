//! Charts as their readers get them over the API: every word in the asked language
//! (`?lang=en`), numbers written that language's way in the `<desc>`, and the response
//! rate's 20 % flag line.

use reqwest::StatusCode;

use crate::results::closed_round;
use crate::survey_loop::{COMPLETE_ANSWER, spawn_with_sink};

/// The chart's `<title>`, `<desc>` and every text drawn in it.
fn words(svg: &str) -> (String, String, String) {
    let document = roxmltree::Document::parse(svg).expect("the SVG parses");
    let text_of = |tag: &str| {
        document
            .descendants()
            .filter(|n| n.has_tag_name(tag))
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    (text_of("title"), text_of("desc"), text_of("text"))
}

#[tokio::test]
async fn charts_speak_the_asked_language_and_write_its_numbers() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let forms = [COMPLETE_ANSWER; 5];
    let (service, _, _) = closed_round(&app, &sink, "sprak", 5, &forms, true).await;
    let chart = |file: &str, lang: &str| {
        let path = format!("/api/v1/services/{service}/charts/{file}{lang}");
        let app = &app;
        async move {
            let response = app.get(&path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            words(&response.text().await.unwrap())
        }
    };

    // Every answer scores SUS 82.5.
    let (title, desc, text) = chart("sus.svg", "?lang=en").await;
    assert_eq!(title, "Usability (SUS) – Tjänst sprak");
    assert!(
        desc.starts_with("SUS (0–100) per round: ") && desc.contains(" 82.5 "),
        "{desc}"
    );
    assert!(text.contains("SUS average: 68"), "{text}");
    assert!(
        !text.contains("Genomsnitt") && !desc.contains("omgång"),
        "{text} {desc}"
    );

    let (title, desc, text) = chart("sus.svg", "").await;
    assert_eq!(title, "Användbarhet (SUS) – Tjänst sprak");
    assert!(
        desc.starts_with("SUS (0–100) per omgång: ") && desc.contains(" 82,5 "),
        "{desc}"
    );
    assert!(!desc.contains("82.5"), "a decimal comma in Swedish: {desc}");
    assert!(text.contains("Genomsnitt för SUS: 68"), "{text}");

    // 5 of 5 answered; the line where the nyttoanalys flags a service is drawn and named.
    let (_, desc, text) = chart("response_rate.svg", "?lang=en").await;
    assert!(
        desc.starts_with("Response rate (%) per round: ") && desc.contains("100\u{a0}%"),
        "{desc}"
    );
    assert!(text.contains("Flagged below 20\u{a0}%"), "{text}");
    let (_, _, text) = chart("response_rate.svg", "?lang=sv").await;
    assert!(text.contains("Flaggas under 20\u{a0}%"), "{text}");

    let overview = app.get("/api/v1/charts/overview.svg?lang=en").await;
    assert_eq!(overview.status(), StatusCode::OK);
    let (title, desc, text) = words(&overview.text().await.unwrap());
    assert!(
        title.starts_with("IT services: usability and benefit, 20"),
        "{title}"
    );
    assert!(
        desc.contains("Tjänst sprak: SUS 82.5, benefit index"),
        "{desc}"
    );
    assert!(text.contains("Benefit index (0–100)"), "{text}");

    let unknown = app
        .get(&format!(
            "/api/v1/services/{service}/charts/sus.svg?lang=fr"
        ))
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}
