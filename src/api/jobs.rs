//! Running scheduled jobs on demand (admin).

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, auth::BearerAuth, error::ApiResult};
use crate::{
    jobs::{self, JobName},
    usecases::AppState,
};

#[derive(Debug, Object)]
pub struct JobReportDto {
    pub job: String,
    /// False when another run held the job's lease, so this one did nothing.
    pub ran: bool,
    /// What the run did, e.g. `{"sent": 120}`.
    pub counts: BTreeMap<String, u64>,
}

#[derive(Default)]
pub struct JobsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Jobs")]
impl JobsApi {
    /// Run a job now: `open_rounds`, `dispatch_outbox`, `send_reminders`, `close_rounds`
    /// or `purge` (admin). Every job is idempotent.
    #[oai(path = "/jobs/:name/run", method = "post")]
    async fn run(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        name: Path<String>,
    ) -> ApiResult<Json<JobReportDto>> {
        auth.0.require_admin()?;
        let job: JobName = name.0.parse()?;
        let report = jobs::run(&state, job).await?;
        Ok(Json(JobReportDto {
            job: report.job,
            ran: report.ran,
            counts: report
                .counts
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }))
    }
}
