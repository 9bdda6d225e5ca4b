//! A 405 answer carries `Allow` (RFC 9110 §15.5.6). poem's router knows the path's
//! methods but does not say them, so the list is read once from the OpenAPI document.

use std::sync::Arc;

use poem::{
    Endpoint, EndpointExt, IntoResponse, Response,
    http::{HeaderValue, StatusCode, header},
};

/// The methods of each documented path, as `Allow` values.
#[derive(Debug, Default)]
pub struct AllowedMethods {
    /// Path templates split at `/` (`{id}` matches any segment) with their methods.
    paths: Vec<(Vec<String>, String)>,
}

impl AllowedMethods {
    /// Reads `paths` of an OpenAPI document.
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let mut paths = Vec::new();
        if let Some(documented) = spec["paths"].as_object() {
            for (template, operations) in documented {
                let mut methods: Vec<String> = operations
                    .as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys())
                    .map(|method| method.to_ascii_uppercase())
                    .collect();
                // poem answers HEAD wherever it answers GET.
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                paths.push((segments(template), methods.join(", ")));
            }
        }
        Self { paths }
    }

    /// The `Allow` value for a request path, if it is a documented path.
    pub fn for_path(&self, path: &str) -> Option<&str> {
        let wanted = segments(path);
        self.paths
            .iter()
            .find(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t == w || (t.starts_with('{') && t.ends_with('}')))
            })
            .map(|(_, allow)| allow.as_str())
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// Adds `Allow` to every 405 that `endpoint` answers.
pub fn with_allow_header<E>(
    endpoint: E,
    allowed: AllowedMethods,
) -> impl Endpoint<Output = Response>
where
    E: Endpoint<Output = Response> + 'static,
{
    let allowed = Arc::new(allowed);
    endpoint.around(move |inner, request| {
        let allowed = allowed.clone();
        async move {
            let path = request.uri().path().to_owned();
            let mut response = inner.call(request).await?.into_response();
            if response.status() == StatusCode::METHOD_NOT_ALLOWED
                && let Some(value) = allowed
                    .for_path(&path)
                    .and_then(|allow| HeaderValue::from_str(allow).ok())
            {
                response.headers_mut().insert(header::ALLOW, value);
            }
            Ok(response)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_gets_the_methods_documented_for_its_template() {
        let spec = serde_json::json!({"paths": {
            "/api/v1/services": {"get": {}, "post": {}},
            "/api/v1/services/{id}": {"get": {}, "put": {}, "delete": {}},
            "/api/v1/jobs/{name}/run": {"post": {}},
        }});
        let allowed = AllowedMethods::from_spec(&spec);
        assert_eq!(
            allowed.for_path("/api/v1/services"),
            Some("GET, POST, HEAD")
        );
        assert_eq!(
            allowed.for_path("/api/v1/services/7"),
            Some("DELETE, GET, PUT, HEAD")
        );
        assert_eq!(allowed.for_path("/api/v1/jobs/purge/run"), Some("POST"));
        assert_eq!(allowed.for_path("/api/v1/nothing"), None);
    }
}
