//! JSON bodies rendered once and served many times. A large response whose value is
//! shared while it is current (a service's results) is turned into JSON once per value,
//! not once per request; the OpenAPI document still describes it as its type.

use poem::{IntoResponse, Response, http::header};
use poem_openapi::{
    ApiResponse,
    payload::Payload,
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::Type,
};
use std::{
    collections::HashMap,
    hash::Hash,
    marker::PhantomData,
    sync::{Arc, Mutex},
};

const JSON: &str = "application/json; charset=utf-8";

/// A JSON body of `T` already rendered: served as `Json<T>` would serve it.
pub struct RenderedJson<T> {
    body: bytes::Bytes,
    of: PhantomData<fn() -> T>,
}

impl<T: serde::Serialize> RenderedJson<T> {
    /// Renders `value` straight to JSON with serde, without the `serde_json::Value` tree
    /// that `Json<T>` builds first (most of its cost for a large body). `T`'s serde
    /// form must equal its poem-openapi form: a test of each such type says so.
    pub fn render(value: &T) -> Self {
        let body = serde_json::to_vec(value).expect("the DTOs hold nothing serde cannot write");
        Self {
            body: body.into(),
            of: PhantomData,
        }
    }
}

impl<T> Clone for RenderedJson<T> {
    fn clone(&self) -> Self {
        Self {
            body: self.body.clone(),
            of: PhantomData,
        }
    }
}

impl<T: Type> Payload for RenderedJson<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for RenderedJson<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .header(header::CONTENT_TYPE, JSON)
            .body(self.body)
    }
}

impl<T: Type + Send> ApiResponse for RenderedJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: JSON,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// A value and its rendering.
type Rendering<V, T> = (Arc<V>, RenderedJson<T>);

/// The rendering of each key's latest value, kept while a request brings the very same
/// shared value (`Arc::ptr_eq`): a value built afresh is rendered afresh.
pub struct Renderings<K, V, T> {
    kept: Mutex<HashMap<K, Rendering<V, T>>>,
    most: usize,
}

impl<K: Eq + Hash, V, T: serde::Serialize> Renderings<K, V, T> {
    /// At most `most` renderings are kept; past it they start afresh.
    pub fn new(most: usize) -> Self {
        Self {
            kept: Mutex::new(HashMap::new()),
            most,
        }
    }

    /// `value` rendered: the kept rendering if it is of this value, else `render(value)`.
    pub fn get_or_render(
        &self,
        key: K,
        value: Arc<V>,
        render: impl FnOnce(&V) -> T,
    ) -> RenderedJson<T> {
        // A panic while holding the lock leaves at worst a partial map of correct entries.
        let locked = || self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((kept, rendered)) = locked().get(&key)
            && Arc::ptr_eq(kept, &value)
        {
            return rendered.clone();
        }
        // Rendered outside the lock: two requests may both render a new value, which
        // costs a little twice and gives the same bytes.
        let rendered = RenderedJson::render(&render(&value));
        let mut kept = locked();
        if kept.len() >= self.most {
            kept.clear();
        }
        kept.insert(key, (value, rendered.clone()));
        rendered
    }
}
