//! The OpenAPI document, generated from the handlers' annotations and served as JSON.

use axum::Json;
use utoipa::OpenApi;

use crate::api::{
    access, audit, compliance, draft_files, drafts, export, identity, incidents, people, policies, record_files, records, retention,
    search, search_index, uploads, vocabularies, zenodo,
};
use crate::health;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera", description = "Research data repository API, compatible with InvenioRDM's records API. Errors are RFC 9457 problem+json."),
    paths(
        drafts::create_draft, drafts::read_draft, drafts::update_draft, drafts::delete_draft, drafts::edit_record, drafts::publish_draft, drafts::reserve_doi, drafts::create_version,
        draft_files::init_files, draft_files::list_files, draft_files::get_file, draft_files::get_content_doc, draft_files::import_files, draft_files::put_content, draft_files::commit_file, draft_files::unpack_doc, draft_files::delete_file,
        records::read_record, records::resolve_ark, export::export, zenodo::create, zenodo::read, zenodo::list, zenodo::update,
        zenodo::delete, zenodo::put_file, zenodo::post_file, zenodo::publish, zenodo::edit, zenodo::discard, zenodo::new_version, records::list_versions, records::latest_version, records::list_user_records,
        record_files::list_record_files, record_files::get_record_file, record_files::download_archive,
        search::search_records, health::health, health::ready,
        crate::ui::session::current_session, identity::list_tokens, identity::create_token, identity::revoke_token,
        identity::list_organizations, identity::create_organization, identity::read_organization,
        crate::api::communities::list, crate::api::communities::read, crate::api::communities::records, crate::api::communities::create, crate::api::communities::include, crate::api::communities::remove,
        identity::list_members, identity::add_member, identity::remove_member, identity::list_trust, identity::add_trust, identity::remove_trust,
        access::create_request, access::record_access, access::read_request, access::approve_request, access::refuse_request,
        access::accept_request, access::revoke_grant, access::my_requests, access::steward_queue, access::my_grants,
        access::create_link, access::list_links, access::revoke_link, people::read_people, people::name_people,
        retention::list_schedules, retention::add_schedule, retention::remove_schedule, retention::upcoming, retention::list_holds,
        retention::place_hold, retention::release_hold, retention::request_deletion, retention::deleted_files, retention::deletion_queue,
        retention::approve_deletion, retention::refuse_deletion, audit::dataset_audit, audit::own_audit, audit::organization_audit,
        access::reaccept_grant, policies::list_policies, policies::create_policy, policies::read_policy, policies::add_version,
        policies::require_reacceptance, vocabularies::list_terms, vocabularies::read_term, incidents::create_report, incidents::report_queue, incidents::read_report,
        incidents::triage_report, incidents::take_down, incidents::restore, incidents::delete, compliance::report, compliance::sample,
        compliance::check, compliance::figures, uploads::options, uploads::create, uploads::status, uploads::append, uploads::terminate,
        search_index::read, search_index::rebuild,
    ),
    modifiers(&BearerAuth),
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
