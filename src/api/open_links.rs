//! A round's open link over HTTP: `POST /api/v1/rounds/{id}/open-link` makes it (or
//! returns the one the round has) with the addresses of its QR codes.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, auth::BearerAuth, error::ApiResult};
use crate::usecases::{
    AppState,
    open_links::{self, OpenLinkAddresses},
};

/// A round's open link, for people on no list (citizens and businesses using an
/// e-service): print it, or its QR code, on receipts, web pages and notices. Anyone with
/// the link can answer, once per browser: it cannot promise one answer per person.
#[derive(Debug, Object)]
pub struct OpenLinkDto {
    pub round_id: i32,
    /// 22 URL-safe characters (128 random bits).
    pub code: String,
    /// The answer page, `{server.public_url}/o/{code}`.
    pub url: String,
    /// The link as a QR code, SVG (public, like the link).
    pub qr_svg_url: String,
    /// The link as a QR code, PNG.
    pub qr_png_url: String,
    pub created_at: DateTime<Utc>,
}

impl From<OpenLinkAddresses> for OpenLinkDto {
    fn from(made: OpenLinkAddresses) -> Self {
        Self {
            round_id: made.link.round_id,
            code: made.link.code.as_str().to_owned(),
            url: made.url,
            qr_svg_url: made.qr_svg_url,
            qr_png_url: made.qr_png_url,
            created_at: made.link.created_at,
        }
    }
}

#[derive(Debug, ApiResponse)]
pub enum OpenLinkMade {
    /// The round's new open link.
    #[oai(status = 201)]
    Created(Json<OpenLinkDto>),
    /// The round had its open link already: the same one, so whatever was printed stays valid.
    #[oai(status = 200)]
    Existing(Json<OpenLinkDto>),
}

#[derive(Default)]
pub struct OpenLinksApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Surveys")]
impl OpenLinksApi {
    /// Give an open round an open link (admin, or the objektägare of its service).
    /// A round has one: calling again returns the same link (200). Answers through it
    /// are kind `external`, sealed and released with the round, and a segment
    /// `open_link` of their own in the results. 409 when the round is closed.
    #[oai(path = "/rounds/:id/open-link", method = "post")]
    async fn create_open_link(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<OpenLinkMade> {
        let made = open_links::create_open_link(&state, &auth.0, id.0).await?;
        Ok(if made.created {
            OpenLinkMade::Created(Json(made.into()))
        } else {
            OpenLinkMade::Existing(Json(made.into()))
        })
    }
}
