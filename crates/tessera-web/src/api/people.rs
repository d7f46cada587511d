//! The people named on a dataset: its depositor, curators and stewards.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_app::{DatasetPeople, PeopleInput, UserRow};

use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller, record_id};
use crate::state::AppState;

fn person_json(user: &UserRow) -> Value {
    json!({"user": user.id.to_string(), "email": user.email, "name": user.name})
}

fn people_json(people: &DatasetPeople) -> Value {
    json!({
        "depositor": people.depositor.as_ref().map(person_json),
        "curators": people.curators.iter().map(person_json).collect::<Vec<_>>(),
        "stewards": people.stewards.iter().map(person_json).collect::<Vec<_>>(),
    })
}

/// Who looks after a dataset by name (for the people who look after it).
#[utoipa::path(get, path = "/api/records/{id}/people", tag = "access", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "`depositor`, `curators` and `stewards`", body = crate::openapi::shapes::People), (status = 403, description = "Does not look after the dataset")))]
pub(crate) async fn read_people(State(state): State<AppState>, Caller(subject): Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(people_json(&state.tessera.dataset_people(&subject, record_id(&id)?).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeopleBody {
    #[serde(default)]
    curators: Option<Vec<String>>,
    #[serde(default)]
    stewards: Option<Vec<String>>,
}

/// Name a dataset's curators (the depositor and curators may) or stewards (stewards and the
/// organization's administrators may), by email; each list sent replaces the one before.
#[utoipa::path(put, path = "/api/records/{id}/people", request_body = PeopleBody, tag = "access", params(("id" = String, Path, pattern = "^[1-9][0-9]*$", description = "Record id")),
    responses((status = 200, description = "The people now named", body = crate::openapi::shapes::People), (status = 400, description = "An email with no account"),
        (status = 403, description = "May not name them")))]
pub(crate) async fn name_people(
    State(state): State<AppState>,
    Caller(subject): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PeopleBody>,
) -> ApiResult<Json<Value>> {
    let input = PeopleInput { curators: body.curators, stewards: body.stewards };
    Ok(Json(people_json(&state.tessera.name_people(&subject, record_id(&id)?, input).await?)))
}
