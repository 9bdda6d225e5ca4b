//! The service catalogue over HTTP: departments, owners and services.

use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, param::Query, payload::Json};

use super::{
    ApiTags,
    auth::BearerAuth,
    dto::{Created, NoContent, Paged},
    error::ApiResult,
    paging::{PageNumber, PageSize, page_request},
    text::{Code, EmailText, LongText, Name},
};
use crate::{
    domain::{
        Department, Email, Error, NewService, Owner, Service, ServiceFilter,
        catalogue::required_name,
    },
    usecases::{AppState, catalogue},
};

#[derive(Debug, Object)]
pub struct DepartmentDto {
    pub id: i32,
    /// e.g. "Barn- och ungdomsförvaltningen".
    pub name: String,
}

#[derive(Debug, Object)]
pub struct DepartmentInput {
    pub name: Name,
}

#[derive(Debug, Object)]
pub struct OwnerDto {
    pub id: i32,
    pub name: String,
    pub email: String,
    #[oai(nullable)]
    pub department_id: Option<i32>,
}

#[derive(Debug, Object)]
pub struct OwnerInput {
    pub name: Name,
    pub email: EmailText,
    #[oai(nullable)]
    pub department_id: Option<i32>,
}

#[derive(Debug, Object)]
pub struct ServiceDto {
    pub id: i32,
    pub name: String,
    /// Stable short key used in imports and URLs.
    pub slug: String,
    pub description: String,
    /// The objektägare.
    #[oai(nullable)]
    pub owner_id: Option<i32>,
    /// The förvaltning the service belongs to.
    #[oai(nullable)]
    pub department_id: Option<i32>,
    /// Number of users, for extrapolating time saved.
    pub users_count: i32,
    /// Annual cost in SEK, for the nyttokalkyl.
    pub annual_cost_sek: i64,
    /// Inactive services keep their history but get no new rounds.
    pub active: bool,
}

#[derive(Debug, Object)]
pub struct ServiceInput {
    pub name: Name,
    /// 1–64 lower-case letters a–z, digits and single hyphens.
    #[oai(validator(max_length = 64, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub slug: Code,
    #[oai(nullable)]
    pub description: Option<LongText>,
    #[oai(nullable)]
    pub owner_id: Option<i32>,
    #[oai(nullable)]
    pub department_id: Option<i32>,
    /// Number of users, for extrapolating time saved; defaults to 0.
    #[oai(
        nullable,
        validator(minimum(value = "0"), maximum(value = "2147483647"))
    )]
    pub users_count: Option<i64>,
    /// SEK per year; defaults to 0.
    #[oai(nullable, validator(minimum(value = "0")))]
    pub annual_cost_sek: Option<i64>,
    /// Defaults to true.
    #[oai(nullable)]
    pub active: Option<bool>,
}

impl From<Department> for DepartmentDto {
    fn from(d: Department) -> Self {
        Self {
            id: d.id,
            name: d.name,
        }
    }
}

impl From<Owner> for OwnerDto {
    fn from(o: Owner) -> Self {
        Self {
            id: o.id,
            name: o.name,
            email: o.email.to_string(),
            department_id: o.department_id,
        }
    }
}

impl From<Service> for ServiceDto {
    fn from(s: Service) -> Self {
        Self {
            id: s.id,
            name: s.details.name,
            slug: s.details.slug.to_string(),
            description: s.details.description,
            owner_id: s.details.owner_id,
            department_id: s.details.department_id,
            users_count: s.details.users_count,
            annual_cost_sek: s.details.annual_cost_sek,
            active: s.details.active,
        }
    }
}

impl OwnerInput {
    fn parse(&self) -> Result<(String, Email), Error> {
        Ok((
            required_name("name", self.name.checked("name")?)?,
            Email::parse_field("email", self.email.checked("email")?)?,
        ))
    }
}

impl ServiceInput {
    fn parse(self) -> Result<NewService, Error> {
        NewService::parse(
            self.name.checked("name")?,
            self.slug.checked("slug")?,
            self.description
                .map(|d| d.into_checked("description"))
                .transpose()?,
            self.owner_id,
            self.department_id,
            self.users_count,
            self.annual_cost_sek,
            self.active,
        )
    }
}

#[derive(Default)]
pub struct CatalogueApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Catalogue")]
impl CatalogueApi {
    /// List departments (förvaltningar)
    #[oai(path = "/departments", method = "get")]
    async fn list_departments(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<DepartmentDto>>> {
        let page = page_request(page.0, per_page.0);
        let found = catalogue::list_departments(&state, &auth.0, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Create a department (admin)
    #[oai(path = "/departments", method = "post")]
    async fn create_department(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<DepartmentInput>,
    ) -> ApiResult<Created<DepartmentDto>> {
        let name = required_name("name", input.name.checked("name")?)?;
        let saved = catalogue::save_department(&state, &auth.0, None, name).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Get a department
    #[oai(path = "/departments/:id", method = "get")]
    async fn get_department(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<DepartmentDto>> {
        let department = catalogue::get_department(&state, &auth.0, id.0).await?;
        Ok(Json(department.into()))
    }

    /// Rename a department (admin)
    #[oai(path = "/departments/:id", method = "put")]
    async fn update_department(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<DepartmentInput>,
    ) -> ApiResult<Json<DepartmentDto>> {
        let name = required_name("name", input.name.checked("name")?)?;
        let saved = catalogue::save_department(&state, &auth.0, Some(id.0), name).await?;
        Ok(Json(saved.into()))
    }

    /// Delete a department that no owner or service refers to (admin)
    #[oai(path = "/departments/:id", method = "delete")]
    async fn delete_department(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<NoContent> {
        catalogue::delete_department(&state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// List owners (objektägare); an owner sees only their own record
    #[oai(path = "/owners", method = "get")]
    async fn list_owners(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<OwnerDto>>> {
        let page = page_request(page.0, per_page.0);
        let found = catalogue::list_owners(&state, &auth.0, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Create an owner (admin)
    #[oai(path = "/owners", method = "post")]
    async fn create_owner(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<OwnerInput>,
    ) -> ApiResult<Created<OwnerDto>> {
        let (name, email) = input.parse()?;
        let saved =
            catalogue::save_owner(&state, &auth.0, None, name, email, input.department_id).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Get an owner; an owner may read only their own record
    #[oai(path = "/owners/:id", method = "get")]
    async fn get_owner(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<OwnerDto>> {
        let owner = catalogue::get_owner(&state, &auth.0, id.0).await?;
        Ok(Json(owner.into()))
    }

    /// Replace an owner (admin)
    #[oai(path = "/owners/:id", method = "put")]
    async fn update_owner(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<OwnerInput>,
    ) -> ApiResult<Json<OwnerDto>> {
        let (name, email) = input.parse()?;
        let saved = catalogue::save_owner(
            &state,
            &auth.0,
            Some(id.0),
            name,
            email,
            input.department_id,
        )
        .await?;
        Ok(Json(saved.into()))
    }

    /// Delete an owner who owns no services (admin)
    #[oai(path = "/owners/:id", method = "delete")]
    async fn delete_owner(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<NoContent> {
        catalogue::delete_owner(&state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// List IT services, filtered by owner, department and active flag; an owner sees
    /// only their own services
    #[oai(path = "/services", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list_services(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        owner_id: Query<Option<i32>>,
        department_id: Query<Option<i32>>,
        active: Query<Option<bool>>,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<ServiceDto>>> {
        let page = page_request(page.0, per_page.0);
        let filter = ServiceFilter {
            owner_id: owner_id.0,
            department_id: department_id.0,
            active: active.0,
        };
        let found = catalogue::list_services(&state, &auth.0, filter, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Create an IT service (admin)
    #[oai(path = "/services", method = "post")]
    async fn create_service(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<ServiceInput>,
    ) -> ApiResult<Created<ServiceDto>> {
        let saved = catalogue::save_service(&state, &auth.0, None, input.0.parse()?).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Get an IT service; an owner may read only their own
    #[oai(path = "/services/:id", method = "get")]
    async fn get_service(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<ServiceDto>> {
        let service = catalogue::get_service(&state, &auth.0, id.0).await?;
        Ok(Json(service.into()))
    }

    /// Replace an IT service (admin)
    #[oai(path = "/services/:id", method = "put")]
    async fn update_service(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<ServiceInput>,
    ) -> ApiResult<Json<ServiceDto>> {
        let saved = catalogue::save_service(&state, &auth.0, Some(id.0), input.0.parse()?).await?;
        Ok(Json(saved.into()))
    }

    /// Deactivate an IT service (admin). The service and its history stay; it gets no
    /// new survey rounds.
    #[oai(path = "/services/:id", method = "delete")]
    async fn deactivate_service(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<ServiceDto>> {
        let saved = catalogue::deactivate_service(&state, &auth.0, id.0).await?;
        Ok(Json(saved.into()))
    }
}
