//! Bearer-token authentication: the checker turns a token into an [`Actor`]; role
//! checks happen in the operations through the actor.

use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};

use super::error::ApiError;
use crate::{
    domain::Actor,
    usecases::{AppState, tokens},
};

/// `Authorization: Bearer np_…` — create one with `nyttopuls token create`. An unknown,
/// revoked or expired token gets 401.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "actor_from_token")]
pub struct BearerAuth(pub Actor);

async fn actor_from_token(request: &Request, bearer: Bearer) -> poem::Result<Actor> {
    let state = request
        .data::<AppState>()
        .expect("AppState is attached to every request");
    match tokens::actor_for_token(state, &bearer.token).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(ApiError::unauthorized().into()),
        Err(error) => Err(ApiError::from(error).into()),
    }
}
