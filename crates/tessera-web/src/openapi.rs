//! The OpenAPI document, generated from the handlers' annotations and served as JSON.

use utoipa::OpenApi;

use crate::api::{
    access, audit, compliance, draft_files, drafts, export, identity, incidents, people, policies, record_files, records, retention,
    search, search_index, tasks, uploads, vocabularies, zenodo,
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
        search_index::read, search_index::rebuild, tasks::read_task,
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
    use tessera_app::domain::audit::AuditEntry;
    use tessera_app::domain::retention::{Anchor, EndAction, Retention};
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

    /// What a download of a file's content reads besides its address.
    #[derive(utoipa::IntoParams)]
    #[into_params(parameter_in = Header)]
    pub(crate) struct ContentConditions {
        /// One range of bytes: `bytes=START-END`, `bytes=START-` or `bytes=-LAST`.
        #[param(rename = "Range")]
        range: Option<String>,
        /// The ETag the range is of: the whole file comes if it has changed.
        #[param(rename = "If-Range")]
        if_range: Option<String>,
        /// ETags the caller holds: 304 if the file's is one of them.
        #[param(rename = "If-None-Match")]
        if_none_match: Option<String>,
    }

    /// How long a request may take before it is answered (RFC 7240).
    #[derive(utoipa::IntoParams)]
    #[into_params(parameter_in = Header)]
    pub(crate) struct PreferAsync {
        /// `respond-async`: answer 202 with the task doing the work (`Location` names it) as
        /// soon as the request is checked, and go on in the background. `wait=N` beside it
        /// waits up to N seconds first, answering as without the preference if the work is
        /// done by then; alone, on a task, it waits up to N seconds (at most 60) for it to end.
        #[param(rename = "Prefer")]
        prefer: Option<String>,
    }

    /// A long request going on in the background (`Prefer: respond-async`).
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Task {
        id: String,
        /// `publish` or `unpack`.
        kind: String,
        /// `running`, `done` or `failed`; while running, `Retry-After` says when to ask again.
        status: String,
        created: String,
        updated: String,
        /// Once done, what the request would have answered: the published record as it now
        /// reads, or what the unpack added.
        result: Option<serde_json::Value>,
        /// Once failed, the problem the request would have answered with.
        error: Option<crate::error::ProblemBody>,
        /// `self`, `draft`, and `record` once a publish is done.
        links: BTreeMap<String, String>,
    }

    /// What a publish answers: the record, or with `Prefer: respond-async` the task
    /// publishing it.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub(crate) enum Publishing {
        Record(Box<Record>),
        Task(Box<Task>),
    }

    /// A file's content, whole or a range, and what it is.
    #[derive(utoipa::IntoResponses)]
    pub(crate) enum ContentAnswers {
        #[response(status = 200, description = "The bytes", content_type = "application/octet-stream", headers(
            ("ETag" = String, description = "The MD5, quoted"), ("Accept-Ranges" = String, description = "bytes"),
            ("Content-Disposition" = String, description = "attachment, with the file's name"),
            ("Cache-Control" = String, description = "public, no-cache for a file anyone may read; else private, no-store"),
            ("Repr-Digest" = String, description = "The whole file's SHA-512 and MD5, in base64 (RFC 9530)"),
            ("Digest" = String, description = "The MD5 in base64 (RFC 3230)")))]
        Whole(Bytes),
        #[response(status = 206, description = "The range asked for, with the whole answer's headers and Content-Range", content_type = "application/octet-stream",
            headers(("Content-Range" = String, description = "bytes START-END/SIZE")))]
        Range(Bytes),
        #[response(status = 304, description = "Unchanged: the caller's ETag is the file's (If-None-Match)")]
        Unchanged,
    }

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
        #[schema(schema_with = is_false)]
        is_draft: bool,
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
        #[schema(schema_with = is_true)]
        is_draft: bool,
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

    /// One of the caller's drafts or published records: `is_draft` tells which.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub(crate) enum Own {
        Draft(Box<Draft>),
        Record(Box<Record>),
    }

    /// `is_draft` of a draft, which tells it from a published version.
    fn is_true() -> utoipa::openapi::Object {
        only(true)
    }

    /// `is_draft` of a published version.
    fn is_false() -> utoipa::openapi::Object {
        only(false)
    }

    fn only(value: bool) -> utoipa::openapi::Object {
        use utoipa::openapi::{ObjectBuilder, Type};
        ObjectBuilder::new().schema_type(Type::Boolean).enum_values(Some([value])).build()
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

    /// How long files of a data class, of an organization, or both, are kept.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Schedule {
        id: String,
        /// Null for a schedule of the whole platform.
        organization: Option<OrgId>,
        /// Null for files of every class.
        data_class: Option<DataClass>,
        years: i64,
        after: Anchor,
        action: EndAction,
        note: String,
        created: String,
    }

    /// A record's files due for deletion, or for review, and on what grounds.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct DueFiles {
        record: String,
        title: String,
        organization: Option<OrgId>,
        /// YYYY-MM-DD.
        due: String,
        action: EndAction,
        /// `record` or `schedule:{id}`.
        basis: String,
        files: Vec<String>,
        /// A legal hold on the dataset stops the deletion.
        held: bool,
    }

    /// A legal hold on a dataset: none of its files is deleted while it stands.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Hold {
        id: String,
        reason: String,
        placed_by: Option<String>,
        placed: String,
        released_by: Option<String>,
        released: Option<String>,
        active: bool,
    }

    /// A request that a record's files be deleted, and what was decided.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct DeletionRequest {
        id: String,
        record: String,
        requested_by: Option<String>,
        reason: String,
        /// `pending`, `approved` or `refused`.
        status: String,
        decided_by: Option<String>,
        decided: Option<String>,
        note: Option<String>,
        created: String,
    }

    /// A file deleted from storage: what it was, and when and why it went.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct DeletedFile {
        key: String,
        size: i64,
        /// `md5:` and the hex digest.
        checksum: String,
        sha512: String,
        deleted: String,
        reason: String,
        /// What decided it: `record`, `schedule:{id}` or `request:{id}`.
        basis: String,
    }

    /// A numbered page of a list, with the addresses of the pages beside it.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Page<T: ToSchema> {
        hits: Hits<T>,
        /// `self`, and `prev` and `next` where there are such pages.
        links: BTreeMap<String, String>,
    }

    /// A page of the audit trail, oldest first.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct AuditPage {
        hits: Hits<AuditEntry>,
        links: NextPage,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct NextPage {
        /// The next page, when this one is full.
        next: Option<String>,
    }

    /// A community: records curated together by an organization.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Community {
        id: String,
        slug: String,
        metadata: CommunityMetadata,
        created: String,
        /// `self`.
        links: BTreeMap<String, String>,
        /// The OAI-PMH set of its records.
        oai_pmh_set: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct CommunityMetadata {
        title: String,
        /// The organization whose administrators curate it.
        organization: OrgId,
    }

    /// The search index as an operator sees it.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct IndexState {
        /// One more with each rebuild.
        generation: u64,
        /// Documents searches see: each version of the repository's records, and harvested ones.
        documents: u64,
        /// While a rebuild runs: the documents it has written so far.
        rebuilding: Option<u64>,
        /// A rebuild is waiting for the server's next pass over its jobs, or running.
        queued: bool,
    }

    /// A deposition as Zenodo's deposit API shows it.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Deposition {
        id: i64,
        record_id: i64,
        /// The dataset all versions belong to.
        conceptrecid: String,
        created: String,
        modified: String,
        owner: Option<i64>,
        /// `unsubmitted`, `inprogress` (an edit of a published deposition) or `done`.
        state: String,
        submitted: bool,
        title: String,
        /// A published deposition's DOI, if it has one.
        #[schema(required = false)]
        doi: Option<String>,
        metadata: ZenodoMetadata,
        /// `self`, `html`, `bucket`, `files`, `publish`, `edit`, `discard`, `newversion`,
        /// `latest_draft`, `latest_draft_html` and `latest`.
        links: BTreeMap<String, String>,
    }

    /// A deposition's metadata in Zenodo's shape.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct ZenodoMetadata {
        title: Option<String>,
        upload_type: String,
        #[schema(required = false)]
        publication_type: Option<String>,
        #[schema(required = false)]
        image_type: Option<String>,
        description: Option<String>,
        publication_date: Option<String>,
        version: Option<String>,
        creators: Vec<ZenodoCreator>,
        keywords: Vec<String>,
        license: Option<String>,
        /// `open`, `embargoed`, `restricted` or `closed`.
        access_right: String,
        embargo_date: Option<String>,
        prereserve_doi: PrereservedDoi,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct ZenodoCreator {
        name: Option<String>,
        affiliation: Option<String>,
        orcid: Option<String>,
    }

    /// The identifier publishing gives: the DOI when DataCite is configured, else the ARK.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct PrereservedDoi {
        doi: Option<String>,
        recid: i64,
    }

    /// A file stored in a deposition's bucket.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct BucketFile {
        key: String,
        size: Option<i64>,
        /// `md5:` and the hex digest.
        checksum: Option<String>,
        created: String,
        updated: String,
        mimetype: String,
        /// `self`: where a PUT replaces it.
        links: BTreeMap<String, String>,
    }

    /// A file uploaded through a deposition's form, as Zenodo's older API shows it.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct FormFile {
        id: String,
        filename: String,
        filesize: Option<i64>,
        /// The hex MD5.
        checksum: Option<String>,
        links: BTreeMap<String, String>,
    }

    /// An organization's compliance report.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct ComplianceReport {
        organization: OrgId,
        grants: GrantsByState,
        /// Reads and refusals per restricted dataset in the period.
        accesses: Vec<DatasetAccesses>,
        /// Files whose deletion date has passed but which are still stored.
        overdue_deletions: Vec<OverdueDeletion>,
        /// Records lacking a steward, a licence or a retention period.
        missing_governance: Vec<MissingGovernance>,
        download_checks: DownloadChecks,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct GrantsByState {
        active: Vec<Grant>,
        /// Active, ending within 30 days.
        expiring: Vec<Grant>,
        expired: Vec<Grant>,
        revoked: Vec<Grant>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct DatasetAccesses {
        record: String,
        title: String,
        data_class: DataClass,
        downloads: u64,
        refusals: u64,
        /// Different people who downloaded.
        people: u64,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct OverdueDeletion {
        record: String,
        due: String,
        /// How many files.
        files: u64,
        basis: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct MissingGovernance {
        record: String,
        title: String,
        /// `steward`, `licence`, `retention`.
        missing: Vec<String>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct DownloadChecks {
        total: u64,
        concerns: u64,
        checks: Vec<DownloadCheck>,
    }

    /// What a steward found checking one sampled download.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct DownloadCheck {
        /// The audit entry of the download.
        seq: i64,
        checked_by: Option<String>,
        checked: String,
        /// `fine` or `concern`.
        verdict: String,
        finding: String,
    }

    /// Figures about an organization fit to publish: nobody is named.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Figures {
        organization: OrgId,
        period: Period,
        datasets: u64,
        datasets_by_class: BTreeMap<String, u64>,
        access_requests: RequestCounts,
        grants_active: u64,
        restricted_downloads: u64,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Period {
        from: String,
        until: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct RequestCounts {
        received: u64,
        approved: u64,
        refused: u64,
    }

    /// The grants whose holders must accept a policy's version in force.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Reacceptance {
        grants: Vec<String>,
    }

    /// Every request and grant for a dataset.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct RecordAccess {
        requests: Vec<AccessRequest>,
        grants: Vec<Grant>,
    }

    /// The people who look after a dataset.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct People {
        depositor: Option<Person>,
        curators: Vec<Person>,
        stewards: Vec<Person>,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Person {
        user: String,
        email: String,
        name: Option<String>,
    }

    /// A term of a vocabulary, in InvenioRDM's shape.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Term {
        id: String,
        /// By language: `en`.
        title: BTreeMap<String, String>,
        /// What the vocabulary says besides: a licence's `scheme` and `url`, a language's
        /// `alpha_2`, a DataCite term's own spelling under `datacite`.
        props: BTreeMap<String, String>,
        /// The vocabulary.
        #[schema(rename = "type")]
        kind: String,
        /// `self`.
        links: BTreeMap<String, String>,
        /// A licence of the platform's own: the number of its version in force.
        #[schema(required = false)]
        version: i64,
        /// A licence of the platform's own: its terms.
        #[schema(required = false)]
        terms: tessera_app::domain::policy::Terms,
    }

    /// What unpacking an archive added to a draft.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Unpacked {
        files: u64,
        bytes: u64,
        archive_kept: bool,
        /// `files`: the draft's files.
        links: BTreeMap<String, String>,
    }

    /// The signed-in person of a browser session.
    #[derive(Serialize, ToSchema)]
    pub(crate) struct Session {
        user: Option<String>,
        email: String,
        /// Sent back in `X-CSRF-Token` with each change made through the session.
        csrf_token: String,
    }

    #[derive(Serialize, ToSchema)]
    pub(crate) struct Status {
        /// `ok`; `ready` or `unavailable`.
        status: String,
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

/// The document as JSON, made once: made for each request, it took 20–90 ms and about 18 MB
/// of allocations for its 170 KB.
pub(crate) async fn openapi_json() -> impl axum::response::IntoResponse {
    static DOCUMENT: std::sync::OnceLock<bytes::Bytes> = std::sync::OnceLock::new();
    let document = DOCUMENT.get_or_init(|| serde_json::to_vec(&ApiDoc::openapi()).unwrap_or_default().into());
    ([(axum::http::header::CONTENT_TYPE, "application/json")], document.clone())
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
    /// The readiness probe alone says "unavailable" in its own shape, as it says "ready".
    #[tokio::test]
    async fn every_error_is_documented_as_a_problem() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap().iter().filter(|(_, op)| op.get("responses").is_some()) {
                operations += 1;
                let responses = operation["responses"].as_object().unwrap();
                assert!(responses.contains_key("default"), "{method} {path} has no default answer");
                let errors = responses.iter().filter(|(status, _)| !status.starts_with(['1', '2', '3']));
                for (status, response) in errors.filter(|(status, _)| (path.as_str(), status.as_str()) != ("/ready", "503")) {
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

    /// A client made from the document knows the shape of every answer it reads: each success
    /// with a body says what the body is, and those whose body is not described are exactly
    /// these: tus's answers, whose news is in their headers, and the audit trail's JSON Lines.
    #[test]
    fn every_answer_is_described() {
        const UNDESCRIBED: [&str; 3] = ["GET /api/organizations/{org}/audit 200", "HEAD /api/uploads/{id} 200", "POST /api/uploads/ 201"];
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut undescribed = Vec::new();
        let mut described = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap().iter().filter(|(_, op)| op.get("responses").is_some()) {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if !status.starts_with('2') || status == "204" {
                        continue;
                    }
                    let contents = response.get("content").and_then(Value::as_object).cloned().unwrap_or_default();
                    // Any JSON at all (`{}`, as an export's CSL-JSON) is a schema too.
                    if contents.is_empty() || contents.values().any(|content| content.get("schema").is_none()) {
                        undescribed.push(format!("{} {path} {status}", method.to_uppercase()));
                    } else {
                        described += 1;
                    }
                }
            }
        }
        undescribed.sort();
        assert_eq!(undescribed, UNDESCRIBED);
        assert!(described > 100, "{described} answers described");
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
