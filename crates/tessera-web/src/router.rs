//! The router: every route Tessera serves, and the layers around them.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{delete, get, head, post, put};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::api::{
    access, audit, communities, compliance, draft_files, drafts, export, identity, incidents, people, policies, record_files, records,
    retention, search, search_index, tasks, uploads, vocabularies, zenodo,
};
use crate::state::AppState;
use crate::{health, oai, openapi, ui};

/// Headers every answer carries: pages load nothing from elsewhere and run no inline script,
/// no site may frame them, browsers do not guess content types, and links leak no paths.
/// Answers depend on who asks, so no cache keeps one unless its handler says otherwise.
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CACHE_CONTROL, "no-store"),
];

pub fn router(state: AppState) -> Router {
    let json_limit = state.config.max_json_bytes;
    // Pages whose errors are pages too, in the reader's language.
    let pages = Router::new()
        .route("/", get(ui::home_page))
        .route("/search", get(ui::search_page))
        .route("/records/{id}", get(ui::landing_page))
        .route("/records/{id}/report", post(ui::report_form))
        .route("/records/{id}/change", get(ui::change_form))
        .route("/records/{id}/audit", get(ui::dataset_audit))
        .route("/records/{id}/change/{change}", post(ui::open_change))
        .route("/policies/{policy}", get(ui::policy_page))
        .route("/records/{id}/request-access", get(ui::request_form).post(ui::send_request))
        .route("/access", get(ui::my_access))
        .route("/access/requests/{id}/accept", post(ui::accept))
        .route("/access/requests/{id}/{decision}", post(ui::decide))
        .route("/stewarding", get(ui::steward_queue))
        .route("/access/grants/{id}/revoke", post(ui::revoke))
        .route("/organizations", get(ui::organizations))
        .route("/organizations/{org}", get(ui::organization))
        .route("/organizations/{org}/audit", get(ui::organization_audit))
        .route("/organizations/{org}/{change}", post(ui::change))
        .route("/account", get(ui::account))
        .route("/account/activity", get(ui::own_activity))
        .route("/account/tokens", post(ui::create_token))
        .route("/account/tokens/{id}/revoke", post(ui::revoke_token))
        .route("/uploads", get(ui::my_uploads))
        .route("/uploads/new", get(ui::new_upload_form).post(ui::create_upload))
        .route("/uploads/{id}", get(ui::upload_form).post(ui::save_upload))
        // Files stream to disk as they arrive, whatever their size, as the API's uploads do.
        .route("/uploads/{id}/files", post(ui::add_files).layer(DefaultBodyLimit::disable()))
        .route("/uploads/{id}/files/remove", post(ui::remove_file))
        .route_layer(axum::middleware::from_fn(ui::localized_errors));
    // Uploads stream to disk with their own size limit, so the JSON limit does not apply.
    let uploads = Router::new()
        .route(
            "/api/records/{id}/draft/files/{*rest}",
            get(draft_files::get_file)
                .put(draft_files::put_content)
                .post(draft_files::commit_file)
                .delete(draft_files::delete_file)
                .fallback(draft_files::other_method),
        )
        .route("/api/files/{bucket}/{*key}", put(zenodo::put_file))
        .route("/api/deposit/depositions/{id}/files", post(zenodo::post_file))
        .merge(
            Router::new()
                .route("/api/uploads", post(uploads::create).options(uploads::options))
                .route("/api/uploads/", post(uploads::create).options(uploads::options))
                .route(
                    "/api/uploads/{id}",
                    head(uploads::status).patch(uploads::append).delete(uploads::terminate).options(uploads::options),
                )
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("tus-resumable"),
                    HeaderValue::from_static(uploads::TUS_VERSION),
                )),
        )
        .layer(DefaultBodyLimit::disable());
    let router = Router::new()
        .route("/oai", get(oai::get).post(oai::post))
        .route("/api/deposit/depositions", post(zenodo::create).get(zenodo::list))
        .route("/api/deposit/depositions/{id}", get(zenodo::read).put(zenodo::update).delete(zenodo::delete))
        .route("/api/deposit/depositions/{id}/actions/publish", post(zenodo::publish))
        .route("/api/deposit/depositions/{id}/actions/edit", post(zenodo::edit))
        .route("/api/deposit/depositions/{id}/actions/discard", post(zenodo::discard))
        .route("/api/deposit/depositions/{id}/actions/newversion", post(zenodo::new_version))
        .route("/api/records", post(drafts::create_draft).get(search::search_records))
        .route("/api/user/records", get(records::list_user_records))
        .route("/api/tasks/{id}", get(tasks::read_task))
        .route("/api/user/tokens", get(identity::list_tokens).post(identity::create_token))
        .route("/api/user/tokens/{id}", delete(identity::revoke_token))
        .route("/api/user/access-requests", get(access::my_requests))
        .route("/api/user/access-queue", get(access::steward_queue))
        .route("/api/user/grants", get(access::my_grants))
        .route("/api/records/{id}/access", get(access::record_access))
        .route("/api/records/{id}/access/requests", post(access::create_request))
        .route("/api/records/{id}/access/links", get(access::list_links).post(access::create_link))
        .route("/api/records/{id}/access/links/{link}", delete(access::revoke_link))
        .route("/api/records/{id}/people", get(people::read_people).put(people::name_people))
        .route("/api/records/{id}/holds", get(retention::list_holds).post(retention::place_hold))
        .route("/api/records/{id}/holds/{hold}", delete(retention::release_hold))
        .route("/api/records/{id}/deletion-requests", post(retention::request_deletion))
        .route("/api/records/{id}/deleted-files", get(retention::deleted_files))
        .route("/api/user/deletion-queue", get(retention::deletion_queue))
        .route("/api/deletion-requests/{request}/approve", post(retention::approve_deletion))
        .route("/api/deletion-requests/{request}/refuse", post(retention::refuse_deletion))
        .route("/api/retention/schedules", get(retention::list_schedules).post(retention::add_schedule))
        .route("/api/retention/schedules/{schedule}", delete(retention::remove_schedule))
        .route("/api/retention/upcoming", get(retention::upcoming))
        .route("/api/records/{id}/audit", get(audit::dataset_audit))
        .route("/api/records/{id}/reports", post(incidents::create_report))
        .route("/api/user/report-queue", get(incidents::report_queue))
        .route("/api/reports/{report}", get(incidents::read_report))
        .route("/api/reports/{report}/triage", post(incidents::triage_report))
        .route("/api/records/{id}/takedown", post(incidents::take_down))
        .route("/api/records/{id}/takedown/restore", post(incidents::restore))
        .route("/api/records/{id}/takedown/delete", post(incidents::delete))
        .route("/api/user/audit", get(audit::own_audit))
        .route("/api/organizations/{org}/audit", get(audit::organization_audit))
        .route("/api/organizations/{org}/compliance", get(compliance::report))
        .route("/api/organizations/{org}/compliance/sample", get(compliance::sample))
        .route("/api/organizations/{org}/compliance/checks", post(compliance::check))
        .route("/api/organizations/{org}/figures", get(compliance::figures))
        .route("/api/access/requests/{request}", get(access::read_request))
        .route("/api/access/requests/{request}/approve", post(access::approve_request))
        .route("/api/access/requests/{request}/refuse", post(access::refuse_request))
        .route("/api/access/requests/{request}/accept", post(access::accept_request))
        .route("/api/access/grants/{grant}/revoke", post(access::revoke_grant))
        .route("/api/access/grants/{grant}/reaccept", post(access::reaccept_grant))
        .route("/api/policies", get(policies::list_policies).post(policies::create_policy))
        .route("/api/vocabularies/{vocabulary}", get(vocabularies::list_terms))
        .route("/api/vocabularies/{vocabulary}/{id}", get(vocabularies::read_term))
        .route("/api/policies/{policy}", get(policies::read_policy))
        .route("/api/policies/{policy}/versions", post(policies::add_version))
        .route("/api/policies/{policy}/require-reacceptance", post(policies::require_reacceptance))
        .route("/api/communities", get(communities::list).post(communities::create))
        .route("/api/communities/{id}", get(communities::read))
        .route("/api/communities/{id}/records", get(communities::records))
        .route("/api/records/{id}/communities", post(communities::include).delete(communities::remove))
        .route("/api/organizations", get(identity::list_organizations).post(identity::create_organization))
        .route("/api/organizations/{org}", get(identity::read_organization))
        .route("/api/organizations/{org}/members", get(identity::list_members).post(identity::add_member))
        .route("/api/organizations/{org}/members/{user}", delete(identity::remove_member))
        .route("/api/organizations/{org}/trust", get(identity::list_trust).post(identity::add_trust))
        .route("/api/organizations/{org}/trust/{partner}", delete(identity::remove_trust))
        .route("/api/records/{id}", get(records::read_record))
        .route("/api/records/{id}/export/{format}", get(export::export))
        .route(
            "/api/records/{id}/draft",
            get(drafts::read_draft).put(drafts::update_draft).delete(drafts::delete_draft).post(drafts::edit_record),
        )
        .route("/api/records/{id}/draft/actions/publish", post(drafts::publish_draft))
        .route("/api/records/{id}/draft/actions/files-import", post(draft_files::import_files))
        .route("/api/records/{id}/draft/pids/doi", post(drafts::reserve_doi))
        .route("/api/records/{id}/draft/files", get(draft_files::list_files).post(draft_files::init_files))
        .route("/api/records/{id}/versions", get(records::list_versions).post(drafts::create_version))
        .route("/api/records/{id}/versions/latest", get(records::latest_version))
        .route("/api/records/{id}/files", get(record_files::list_record_files))
        .route("/api/records/{id}/files/{*rest}", get(record_files::get_record_file))
        .route("/api/records/{id}/files-archive", get(record_files::download_archive))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api/admin/search-index", get(search_index::read))
        .route("/api/admin/search-index/rebuild", post(search_index::rebuild))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/ark:/{naan}/{name}", get(records::resolve_ark))
        .route("/assets/tessera.css", get(ui::style_sheet))
        .route("/assets/tessera.js", get(ui::script))
        .route("/language/{lang}", get(ui::switch_language))
        .route("/login", get(ui::login_form).post(ui::login))
        .route("/logout", post(ui::logout))
        .route("/login/sso/{provider}", get(ui::sso_login))
        .route("/auth/callback", get(ui::sso_callback))
        .route("/api/user/session", get(ui::current_session))
        .layer(DefaultBodyLimit::max(json_limit))
        .merge(pages)
        .merge(uploads)
        .fallback(ui::no_such_address);
    SECURITY_HEADERS
        .into_iter()
        .fold(router, |router, (name, value)| router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))))
        .layer(axum::middleware::from_fn(crate::error::explained_errors))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
