//! Request and response bodies shared by several resource groups.

use poem_openapi::{
    ApiResponse, Object,
    payload::Json,
    types::{ParseFromJSON, ToJSON},
};

use crate::domain::Page;

/// One page of a listing.
#[derive(Debug, Object)]
pub struct Paged<T: ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    /// Matching items across all pages.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
    pub per_page: u64,
}

impl<T: ParseFromJSON + ToJSON> Paged<T> {
    pub fn from_page<D>(page: Page<D>, map: impl Fn(D) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(map).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// A create: 201 with the created object.
#[derive(Debug, ApiResponse)]
pub enum Created<T: ParseFromJSON + ToJSON> {
    #[oai(status = 201)]
    Created(Json<T>),
}

/// A delete or another change with nothing to return.
#[derive(Debug, ApiResponse)]
pub enum NoContent {
    #[oai(status = 204)]
    Done,
}
