//! The built-in questionnaire templates. The SUS wording follows the standard Swedish
//! translation of Brooke's ten statements, alternating positive (odd) and negative (even).
//! Item keys are part of the API contract and never change.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Questionnaires {
    Table,
    Name,
    Version,
    TemplateKey,
    Items,
    CreatedAt,
}

const SUS: &str = r#"[
 {"key":"sus1","kind":"likert5","scale":"sus","text_sv":"Jag tror att jag skulle vilja använda den här tjänsten ofta.","text_en":"I think that I would like to use this system frequently."},
 {"key":"sus2","kind":"likert5","scale":"sus","text_sv":"Jag tycker att tjänsten är onödigt komplicerad.","text_en":"I found the system unnecessarily complex."},
 {"key":"sus3","kind":"likert5","scale":"sus","text_sv":"Jag tycker att tjänsten är lätt att använda.","text_en":"I thought the system was easy to use."},
 {"key":"sus4","kind":"likert5","scale":"sus","text_sv":"Jag tror att jag skulle behöva stöd av en tekniskt kunnig person för att kunna använda tjänsten.","text_en":"I think that I would need the support of a technical person to be able to use this system."},
 {"key":"sus5","kind":"likert5","scale":"sus","text_sv":"Jag tycker att de olika funktionerna i tjänsten hänger väl ihop.","text_en":"I found the various functions in this system were well integrated."},
 {"key":"sus6","kind":"likert5","scale":"sus","text_sv":"Jag tycker att det finns för mycket inkonsekvens i tjänsten.","text_en":"I thought there was too much inconsistency in this system."},
 {"key":"sus7","kind":"likert5","scale":"sus","text_sv":"Jag tror att de flesta skulle lära sig att använda tjänsten mycket snabbt.","text_en":"I would imagine that most people would learn to use this system very quickly."},
 {"key":"sus8","kind":"likert5","scale":"sus","text_sv":"Jag tycker att tjänsten är mycket krånglig att använda.","text_en":"I found the system very cumbersome to use."},
 {"key":"sus9","kind":"likert5","scale":"sus","text_sv":"Jag känner mig mycket säker när jag använder tjänsten.","text_en":"I felt very confident using the system."},
 {"key":"sus10","kind":"likert5","scale":"sus","text_sv":"Jag behövde lära mig många saker innan jag kunde komma igång med tjänsten.","text_en":"I needed to learn a lot of things before I could get going with this system."}
]"#;

const UMUX_LITE: &str = r#"[
 {"key":"umux1","kind":"likert7","scale":"umux_lite","text_sv":"Tjänstens funktioner motsvarar mina behov.","text_en":"This system's capabilities meet my requirements."},
 {"key":"umux2","kind":"likert7","scale":"umux_lite","text_sv":"Tjänsten är lätt att använda.","text_en":"This system is easy to use."}
]"#;

const NYTTA: &str = r#"[
 {"key":"nytta1","kind":"likert7","scale":"benefit","text_sv":"Tjänsten är användbar i mitt arbete.","text_en":"The service is useful in my work."},
 {"key":"nytta2","kind":"likert7","scale":"benefit","text_sv":"Tjänsten stödjer hur jag arbetar, steg för steg i min arbetsprocess.","text_en":"The service supports my work process, step by step."},
 {"key":"nytta3","kind":"likert7","scale":"benefit","text_sv":"Tjänsten hjälper mig att få ett bättre resultat i mitt arbete.","text_en":"The service helps me achieve a better outcome in my work."}
]"#;

const NPS: &str = r#"[
 {"key":"nps","kind":"nps","scale":"nps","text_sv":"Hur troligt är det att du skulle rekommendera tjänsten till en kollega?","text_en":"How likely is it that you would recommend the service to a colleague?"}
]"#;

const TIDSVINST: &str = r#"[
 {"key":"tid","kind":"minutes_per_week","scale":"time","text_sv":"Ungefär hur många minuter per vecka sparar tjänsten dig, jämfört med att arbeta utan den? Skriv ett negativt tal om den i stället kostar dig tid.","text_en":"About how many minutes a week does the service save you, compared with working without it? Enter a negative number if it costs you time instead."}
]"#;

const KOMMENTAR: &str = r#"[
 {"key":"kommentar","kind":"text","scale":"comment","required":false,"text_sv":"Vill du berätta något mer om tjänsten? (frivilligt)","text_en":"Is there anything else you would like to tell us about the service? (optional)"}
]"#;

fn concat(parts: &[&str]) -> String {
    let items: Vec<&str> = parts
        .iter()
        .map(|part| {
            part.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
        })
        .collect();
    format!("[{}]", items.join(","))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let templates = [
            (
                "standard",
                "Nyttopuls standard",
                concat(&[SUS, NYTTA, TIDSVINST, KOMMENTAR]),
            ),
            ("sus", "SUS", SUS.to_owned()),
            ("umux_lite", "UMUX-Lite", UMUX_LITE.to_owned()),
            ("nytta", "Nytta", NYTTA.to_owned()),
            ("nps", "NPS", NPS.to_owned()),
            ("tidsvinst", "Tidsvinst", TIDSVINST.to_owned()),
            ("kommentar", "Kommentar", KOMMENTAR.to_owned()),
        ];
        let mut insert = Query::insert();
        insert.into_table(Questionnaires::Table).columns([
            Questionnaires::Name,
            Questionnaires::Version,
            Questionnaires::TemplateKey,
            Questionnaires::Items,
            Questionnaires::CreatedAt,
        ]);
        for (key, name, items) in templates {
            insert.values_panic([
                name.into(),
                1.into(),
                key.into(),
                items.into(),
                Expr::current_timestamp(),
            ]);
        }
        manager.exec_stmt(insert.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Questionnaires::Table)
                    .and_where(Expr::col(Questionnaires::TemplateKey).is_not_null())
                    .to_owned(),
            )
            .await
    }
}
