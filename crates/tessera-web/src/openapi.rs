//! The OpenAPI document, generated from the handlers' annotations and served as JSON.

use axum::Json;
use utoipa::OpenApi;

use crate::api::{
    access, audit, compliance, draft_files, drafts, export, identity, incidents, people, policies, record_files, records, retention,
    search, search_index, uploads, vocabularies, zenodo,
};
use crate::error::PROBLEM_JSON;
use crate::health;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera", description = "Research data repository API, compatible with InvenioRDM's records API. Errors are RFC 9457 problem+json."),
    paths(
        drafts::create_draft, drafts::read_draft, drafts::update_draft, drafts::delete_draft, drafts::edit_record, drafts::publish_draft, drafts::reserve_doi, drafts::create_version,
        draft_files::init_files, draft_files::list_files, draft_files::get_file, draft_files::get_content_doc, draft_files::import_files, draft_files::put_content, draft_files::commit_file, draft_files::unpack_doc, draft_files::delete_file,
        records::read_record, records::resolve_ark, export::export, zenodo::create, zenodo::read, zenodo::list, zenodo::update,
        zenodo::delete, zenodo::put_file, zenodo::post_file, zenodo::publish, zenodo::edit, zenodo::discard, zenodo::new_version, records::list_versions, records::latest_version, records::list_user_records,
        record_files::list_record_files, record_files::get_file_doc, record_files::get_record_file, record_files::download_archive,
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
    components(schemas(crate::error::ProblemBody)),
    modifiers(&BearerAuth, &Problems),
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

/// Every error of the API is a `Problem` (`ApiError`): each status an operation lists from 400
/// up says so, and its `default` answer stands for the rest, so that a client made from the
/// document knows the shape of any error it gets.
struct Problems;

impl utoipa::Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
        let default = ResponseBuilder::new().description("Any other error").content(PROBLEM_JSON, problem.clone()).build();
        for item in openapi.paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.options, &mut item.head, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                for (status, response) in &mut operation.responses.responses {
                    if let RefOr::T(response) = response
                        && status.starts_with(['4', '5'])
                        && response.content.is_empty()
                    {
                        response.content.insert(PROBLEM_JSON.into(), problem.clone());
                    }
                }
                operation.responses.responses.entry("default".into()).or_insert_with(|| default.clone().into());
            }
        }
    }
}

/// The shapes of what the API reads by hand and of what it answers, for the document. The
/// handlers build their JSON in `wire.rs`; these only describe it, and are never built (hence
/// `dead_code`; `Serialize` is derived for serde's attributes, which the document follows). The
/// end-to-end tests check real answers against them (`it/openapi.rs`).
#[allow(dead_code)]
pub(crate) mod shapes {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use tessera_app::domain::retention::Retention;
    use tessera_app::domain::{DataClass, Embargo, Metadata, OrgId, Visibility};
    use utoipa::ToSchema;

    use crate::error::FieldProblem;

    // `wire::record_input` reads it member by member, so that one answer names every problem.
    /// A draft's create and update body. The read-only members a client echoes back from what
    /// it read (`id`, `links`, `created`…) are accepted and ignored.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct RecordBody {
        metadata: Option<Metadata>,
        access: Option<tessera_app::domain::Access>,
        files: Option<FilesSetting>,
        /// The id of the member organization the record belongs to.
        organization: Option<OrgId>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct FilesSetting {
        /// False for a metadata-only record; unchanged when left out.
        #[schema(required = false)]
        enabled: bool,
    }

    /// A Zenodo deposition's body: its metadata in Zenodo's own shape (`upload_type`,
    /// `creators` with `name` and `affiliation`, `description`…), or none at all.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct DepositionBody {
        #[schema(value_type = Option<Object>)]
        metadata: Option<serde_json::Value>,
    }

    /// Bytes as they are, streamed to disk as they arrive.
    #[derive(Serialize, ToSchema)]
    #[schema(value_type = String, format = Binary)]
    pub(crate) struct Bytes(Vec<u8>);

    /// Zenodo's form upload: a `file` part, and optionally a `name` part before it.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct FileForm {
        /// A name for the file other than the file part's own.
        name: Option<String>,
        file: Bytes,
    }

    /// What a draft and a published version both say, in InvenioRDM's shape.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct RecordBase {
        /// A positive integer, written as text.
        id: String,
        /// RFC 3339.
        created: String,
        updated: String,
        parent: Parent,
        versions: VersionPlace,
        /// Whether it is, or a version of it is, published (an edit draft's is).
        is_published: bool,
        is_draft: bool,
        /// A record's is `published`; a draft's `draft`, `new_version_draft`, or `published`
        /// for an edit.
        status: String,
        #[schema(required = false)]
        organization: OrgId,
        metadata: Metadata,
        access: AccessWithStatus,
        files: FilesSummary,
        /// Persistent identifiers by scheme (`doi`, `ark`).
        pids: BTreeMap<String, Pid>,
        #[schema(value_type = Object)]
        custom_fields: serde_json::Value,
    }

    /// A published version of a dataset.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Record {
        #[serde(flatten)]
        base: RecordBase,
        /// True when only the public stub of a metadata-only record is shown.
        #[schema(required = false)]
        metadata_only: bool,
        /// Files deleted from storage: when, why and how many.
        #[schema(required = false)]
        deletions: Vec<Deletion>,
        /// Addresses: `self`, `self_html`, `files`, `archive`, `versions`, `latest`,
        /// `latest_html`, `draft`, and `request_access` for files not open to everyone.
        links: BTreeMap<String, String>,
    }

    /// A draft: a new dataset, a new version of one, or an edit of a published version.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Draft {
        #[serde(flatten)]
        base: RecordBase,
        /// Addresses: `self`, `self_html`, `files`, `publish`, `record`, `record_html`,
        /// `versions`, `latest`.
        links: BTreeMap<String, String>,
        /// What would stop it being published, each with its field.
        #[schema(required = false)]
        errors: Vec<FieldProblem>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Parent {
        /// The dataset all versions belong to.
        id: String,
        access: ParentAccess,
        #[schema(required = false)]
        communities: Communities,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct ParentAccess {
        owned_by: Option<Owner>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Owner {
        /// The depositor's user id.
        user: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Communities {
        ids: Vec<String>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct VersionPlace {
        /// 1 for the first version.
        index: i64,
        is_latest: bool,
        is_latest_draft: bool,
    }

    /// A record's access settings, with the status they give it.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct AccessWithStatus {
        record: Visibility,
        files: Visibility,
        embargo: Embargo,
        #[schema(required = false)]
        data_class: DataClass,
        #[schema(required = false)]
        partners: Vec<OrgId>,
        #[schema(required = false)]
        file_classes: BTreeMap<String, DataClass>,
        #[schema(required = false)]
        retention: Retention,
        /// `open`, `restricted`, `embargoed` or `metadata-only`.
        status: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct FilesSummary {
        enabled: bool,
        count: i64,
        total_bytes: i64,
        order: Vec<String>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Pid {
        identifier: String,
        /// `datacite` or `ark`.
        provider: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Deletion {
        /// RFC 3339.
        date: String,
        reason: String,
        /// What decided it: `record`, `schedule:{id}` or `request:{id}`.
        basis: String,
        files_count: u64,
    }

    /// A harvested record among search hits: its metadata as harvested, and where it is from.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct HarvestedRecord {
        /// Its OAI-PMH identifier at the origin.
        id: String,
        created: String,
        updated: String,
        is_published: bool,
        is_draft: bool,
        /// `harvested`.
        status: String,
        #[schema(value_type = Object)]
        metadata: serde_json::Value,
        #[schema(value_type = Object)]
        access: serde_json::Value,
        #[schema(value_type = Object)]
        origin: serde_json::Value,
        links: BTreeMap<String, String>,
    }

    /// A search hit: a record of this repository, or one harvested from elsewhere.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub(crate) enum Hit {
        Record(Box<Record>),
        Harvested(Box<HarvestedRecord>),
    }

    /// A page of search hits, in InvenioRDM's shape.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct SearchResult {
        hits: Hits<Hit>,
        /// Each facet's values on this search: resource type, subject, licence, affiliation,
        /// year, language, access status and origin.
        aggregations: BTreeMap<String, Facet>,
        #[schema(rename = "sortBy")]
        sort_by: String,
        /// `self`, and `prev` and `next` where there are such pages.
        links: BTreeMap<String, String>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Facet {
        buckets: Vec<Bucket>,
        label: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Bucket {
        key: String,
        doc_count: u64,
        label: String,
        is_selected: bool,
    }

    /// Versions of a dataset, or the caller's drafts and records (drafts first), each an object
    /// as `Record` or `Draft` describe.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct RecordList {
        hits: Hits<serde_json::Value>,
        links: BTreeMap<String, String>,
    }

    /// A published file.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct File {
        key: String,
        size: i64,
        /// `md5:` and the hex digest.
        checksum: String,
        mimetype: String,
        /// `completed`.
        status: String,
        #[schema(value_type = Option<Object>)]
        metadata: Option<serde_json::Value>,
        access: FileAccess,
        /// `self` and `content`.
        links: BTreeMap<String, String>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct FileAccess {
        data_class: DataClass,
    }

    /// A file of a draft, uploaded or not yet.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct DraftFile {
        key: String,
        created: String,
        updated: String,
        /// `pending` until its content is committed, then `completed`.
        status: String,
        size: Option<i64>,
        /// `md5:` and the hex digest, once committed.
        checksum: Option<String>,
        mimetype: String,
        #[schema(value_type = Option<Object>)]
        metadata: Option<serde_json::Value>,
        transfer: FileTransfer,
        links: DraftFileLinks,
    }

    /// How the content arrives: `L`, whole, or `M`, in parts.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct FileTransfer {
        #[schema(rename = "type")]
        kind: String,
        #[schema(required = false)]
        parts: u64,
        #[schema(required = false)]
        part_size: u64,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct DraftFileLinks {
        #[schema(rename = "self")]
        this: String,
        /// None while a multipart transfer is open: its parts each have an address.
        content: Option<String>,
        commit: String,
        #[schema(required = false)]
        parts: Vec<PartLink>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct PartLink {
        part: u64,
        url: String,
        expiration: String,
    }

    /// A record's or a draft's files, all of them or a page.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct FileList<T: ToSchema> {
        enabled: bool,
        default_preview: Option<String>,
        order: Vec<String>,
        entries: Vec<T>,
        total: i64,
        links: BTreeMap<String, String>,
    }

    /// A request for access to a dataset's files, with its purpose and, once decided, its
    /// conditions.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct AccessRequest {
        id: String,
        /// The record asked about.
        record: String,
        /// The organization whose stewards decide.
        organization: Option<OrgId>,
        /// The requester's user id.
        requester: String,
        purpose: String,
        project: Option<String>,
        intended_use: Option<String>,
        duration_days: Option<i64>,
        /// The files asked for, or null for all of them.
        files: Option<Vec<String>>,
        /// `pending`, `approved`, `accepted`, `refused`, `withdrawn` or `expired`.
        status: String,
        decided_by: Option<String>,
        decided: Option<String>,
        /// Why it was refused, or what the steward said.
        reason: Option<String>,
        conditions: Conditions,
        created: String,
        updated: String,
        /// `self` and `record`.
        links: BTreeMap<String, String>,
    }

    /// The conditions a steward approved a request on.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Conditions {
        expires: Option<String>,
        field_of_use: Option<String>,
        /// The agreement's text, which the requester accepts.
        agreement: Option<String>,
        /// The policy whose current version is the agreement.
        agreement_policy: Option<String>,
    }

    /// Access given to one person to a dataset's files, for a purpose and until a date.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Grant {
        id: String,
        /// The request it came from, if it came from one.
        request: Option<String>,
        /// The dataset: every version's files.
        dataset: String,
        /// The holder's user id.
        user: String,
        /// The files it covers, or null for all of them.
        files: Option<Vec<String>>,
        purpose: String,
        field_of_use: Option<String>,
        agreement: Option<String>,
        granted_by: Option<String>,
        created: String,
        expires: Option<String>,
        revoked: Option<String>,
        revoke_reason: Option<String>,
        /// The agreement's policy and the version accepted; `reaccept_version` when a newer
        /// one must be accepted to keep access.
        agreement_policy: Option<AgreementVersion>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct AgreementVersion {
        id: String,
        version: Option<i64>,
        reaccept_version: Option<i64>,
    }

    /// A secret link to a dataset.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct SecretLink {
        id: String,
        /// `metadata` or `files`.
        permission: String,
        created_by: Option<String>,
        created: String,
        expires: Option<String>,
        revoked: Option<String>,
        /// The secret, only in the answer that creates the link.
        #[schema(required = false)]
        token: String,
        /// `html` and `record`, with the secret, only in the answer that creates the link.
        #[schema(required = false)]
        links: BTreeMap<String, String>,
    }

    /// A list of things, as InvenioRDM lists hits.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct HitList<T: ToSchema> {
        hits: Hits<T>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Hits<T: ToSchema> {
        hits: Vec<T>,
        total: u64,
    }

    /// An API token of the caller's.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct ApiToken {
        id: String,
        name: String,
        /// What it may do: `read`, `deposit`, `steward`, `admin`…
        scopes: Vec<String>,
        created: String,
        expires: Option<String>,
        revoked: Option<String>,
        /// The secret, only in the answer that makes the token.
        #[schema(required = false)]
        token: String,
    }

    /// A member institution.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Organization {
        id: OrgId,
        name: String,
        /// Its ROR id.
        ror: Option<String>,
        created: String,
    }

    /// A person's role in an organization.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Member {
        organization: OrgId,
        user: String,
        email: String,
        #[schema(pattern = "^(depositor|curator|steward|admin|auditor)$")]
        role: String,
    }

    /// A partner whose members' requests for a data class are granted at once.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Trust {
        organization: OrgId,
        data_class: DataClass,
    }

    /// The partners an organization trusts.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Trusts {
        organization: OrgId,
        hits: Hits<Trust>,
    }

    /// A token's scopes (`read`, `deposit`, `steward`, `admin`), as a list or as words.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub(crate) enum Scopes {
        List(Vec<String>),
        Words(String),
    }

    /// A versioned policy: a data use agreement, or a licence of the platform's own.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Policy {
        id: String,
        /// `agreement` or `licence`.
        kind: String,
        /// The organization whose policy it is; null for the platform's.
        organization: Option<OrgId>,
        /// The title of the version in force.
        title: String,
        /// The number of the version in force.
        in_force: i64,
        versions: Vec<PolicyVersion>,
        /// `self` and `self_html`.
        links: BTreeMap<String, String>,
    }

    /// One version of a policy, with its text and what changed.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct PolicyVersion {
        version: i64,
        /// The day it takes effect (YYYY-MM-DD).
        effective: String,
        title: String,
        text: String,
        changes: String,
        terms: tessera_app::domain::policy::Terms,
        created: String,
    }

    /// A reported problem with a record, and what became of it.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Report {
        id: String,
        record: String,
        /// `privacy-breach`, `wrong-data`, `rights-claim` or `other`.
        kind: String,
        description: String,
        /// The reporter's user id; null for someone without an account.
        reporter: Option<String>,
        /// `open`, `investigating` or `closed`.
        status: String,
        /// Once closed: `dismissed` or `corrected`, or for a takedown `restored` or `deleted`.
        outcome: Option<String>,
        note: Option<String>,
        created: String,
        updated: String,
        /// `self` and `record`.
        links: BTreeMap<String, String>,
    }

    /// A dataset taken down while a report is reviewed.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Takedown {
        id: String,
        reason: String,
        /// The report that led to it, if one did.
        report: Option<String>,
        placed: String,
    }
}

/// The document's schemas by name, as JSON, made once.
pub(crate) fn schemas() -> &'static serde_json::Value {
    static SCHEMAS: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let components = ApiDoc::openapi().components.map(|components| components.schemas).unwrap_or_default();
        serde_json::to_value(components).unwrap_or_default()
    })
}

pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;
    use serde_json::Value;
    use tessera_app::domain::Problem;

    use super::*;
    use crate::error::ApiError;

    /// A client made from the document knows the shape of every error: each operation's listed
    /// errors and its default answer are `Problem`s, whose members are those of an error's body.
    #[tokio::test]
    async fn every_error_is_documented_as_a_problem() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap().iter().filter(|(_, op)| op.get("responses").is_some()) {
                operations += 1;
                let responses = operation["responses"].as_object().unwrap();
                assert!(responses.contains_key("default"), "{method} {path} has no default answer");
                for (status, response) in responses.iter().filter(|(status, _)| !status.starts_with(['1', '2', '3'])) {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} answers {status} with {response}");
                }
            }
        }
        assert!(operations > 100, "{operations} operations");

        let problem = Problem::new("metadata.title", "a title is required");
        let error = ApiError::BadRequest { detail: "the input has 1 problem".into(), problems: vec![problem] };
        let bytes = axum::body::to_bytes(error.into_response().into_body(), usize::MAX).await.unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let members = |value: &Value| value.as_object().unwrap().keys().cloned().collect::<std::collections::BTreeSet<_>>();
        let schema = &doc["components"]["schemas"]["Problem"];
        assert_eq!(members(&body), members(&schema["properties"]), "the body has the members the document names: {body}");
        let mut required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|name| name.as_str().unwrap()).collect();
        required.sort_unstable();
        assert_eq!(required, ["detail", "message", "status", "title", "type"], "`errors` comes only with a checked input");
        assert_eq!(body["errors"][0]["field"], "metadata.title");
    }

    /// A client made from the document can send every body the API reads: each operation that
    /// takes one says so, and those that do not are exactly these.
    #[test]
    fn every_body_is_described() {
        const BODILESS: [&str; 13] = [
            "POST /api/admin/search-index/rebuild",
            "POST /api/deposit/depositions/{id}/actions/discard",
            "POST /api/deposit/depositions/{id}/actions/edit",
            "POST /api/deposit/depositions/{id}/actions/newversion",
            "POST /api/deposit/depositions/{id}/actions/publish",
            "POST /api/policies/{policy}/require-reacceptance",
            "POST /api/records/{id}/draft",
            "POST /api/records/{id}/draft/actions/files-import",
            "POST /api/records/{id}/draft/actions/publish",
            "POST /api/records/{id}/draft/files/{key}/commit",
            "POST /api/records/{id}/draft/files/{key}/unpack",
            "POST /api/records/{id}/draft/pids/doi",
            "POST /api/records/{id}/versions",
        ];
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut bodiless = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in
                item.as_object().unwrap().iter().filter(|(method, _)| ["post", "put", "patch"].contains(&method.as_str()))
            {
                match operation.get("requestBody") {
                    None => bodiless.push(format!("{} {path}", method.to_uppercase())),
                    Some(body) => {
                        let schemas = body["content"].as_object().unwrap().values().map(|content| &content["schema"]);
                        assert!(schemas.clone().count() > 0 && schemas.into_iter().all(|s| s.is_object()), "{method} {path}: {body}");
                    }
                }
            }
        }
        bodiless.sort();
        assert_eq!(bodiless, BODILESS);
    }

    /// The record body the document describes has the members `record_input` reads, and its
    /// metadata says that unknown members are refused, as they are.
    #[test]
    fn the_record_body_is_what_drafts_read() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let members: Vec<&str> = schemas["RecordBody"]["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = crate::wire::RECORD_MEMBERS;
        expected.sort_unstable();
        assert_eq!(members, expected);
        assert_eq!(schemas["Metadata"]["additionalProperties"], false, "unknown members are refused, and so described");
    }
}
