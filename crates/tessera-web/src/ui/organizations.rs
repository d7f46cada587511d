//! Organizations in the browser: each one's dashboard for its administrators, auditors and
//! stewards, and its members and trusted partners for its administrators. Its audit trail
//! is in `ui/audit.rs`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use tessera_app::domain::authz::Role;
use tessera_app::domain::{DataClass, OrgId, UserId};
use tessera_app::{Dashboard, Error as AppError, OrgRow, WAITING_AGES};

use super::charts::{self, Chart, Figure};
use super::i18n::{Lang, Tr};
use super::pages::{HtmlError, human_size, render};
use super::session::SignedIn;
use super::{field, here, notice};
use crate::error::ApiError;
use crate::extract::org_id;
use crate::state::AppState;

/// Classes a partner can be trusted with: those that need a grant or membership.
const TRUSTABLE: [DataClass; 3] = [DataClass::Partner, DataClass::Restricted, DataClass::Enclave];

/// The reader's roles in an organization, from their memberships: they choose what the page
/// shows, while the decision point decides what may be read.
struct Standing {
    roles: Vec<Role>,
    is_admin: bool,
}

impl Standing {
    fn of(user: &SignedIn, org: &OrgId) -> Self {
        let roles = user.subject.memberships.iter().filter(|m| &m.org == org).map(|m| m.role).collect();
        Standing { roles, is_admin: user.subject.is_admin }
    }

    fn manages(&self) -> bool {
        self.is_admin || self.roles.contains(&Role::OrgAdmin)
    }
}

struct OrgLine {
    id: String,
    name: String,
    roles: String,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    t: Tr,
    here: String,
    organizations: Vec<OrgLine>,
}

fn role_names(t: &Tr, roles: &[Role]) -> String {
    roles.iter().map(|r| t.t(&format!("role-{r}"))).collect::<Vec<_>>().join(", ")
}

/// The organizations the reader has a role in; all of them for platform administrators.
pub(crate) async fn organizations(State(state): State<AppState>, user: SignedIn, lang: Lang, uri: Uri) -> Result<Response, HtmlError> {
    let t = lang.tr();
    let organizations = state
        .tessera
        .organizations()
        .await?
        .into_iter()
        .filter_map(|org| {
            let standing = Standing::of(&user, &org.id);
            (standing.is_admin || !standing.roles.is_empty()).then(|| OrgLine {
                roles: role_names(&t, &standing.roles),
                id: org.id.to_string(),
                name: org.name,
            })
        })
        .collect();
    Ok(render(StatusCode::OK, &OrganizationsPage { here: here(&uri), organizations, t }))
}

struct MemberLine {
    user: UserId,
    email: String,
    role: Role,
    role_name: String,
}

struct PartnerLine {
    id: String,
    name: String,
    class: DataClass,
    class_name: String,
}

/// What an administrator manages: members and trusted partners, and the choices of the forms.
struct Management {
    members: Vec<MemberLine>,
    partners: Vec<PartnerLine>,
    /// Other organizations, for the partner form.
    others: Vec<(String, String)>,
    roles: Vec<(Role, String)>,
    classes: Vec<(DataClass, String)>,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    t: Tr,
    here: String,
    csrf: String,
    notice: String,
    org: OrgRow,
    roles: String,
    charts: Vec<Chart>,
    oldest_waiting: Option<i64>,
    management: Option<Management>,
    /// A form sent back with a problem: the field and what is wrong.
    problem: Option<(&'static str, String)>,
}

impl OrganizationPage {
    fn error(&self, field: &str) -> Option<String> {
        self.problem.as_ref().filter(|(f, _)| *f == field).map(|(_, message)| message.clone())
    }
}

fn dashboard_charts(t: &Tr, dashboard: &Dashboard, organizations: &[OrgRow]) -> Vec<Chart> {
    let monthly = |counts: &[(String, i64)]| -> Vec<Figure> {
        counts.iter().map(|(month, n)| Figure::count(month.get(5..).unwrap_or(month), month.clone(), *n)).collect()
    };
    let name_of = |org: &Option<OrgId>| match org {
        Some(id) => organizations.iter().find(|o| &o.id == id).map_or_else(|| id.to_string(), |o| o.name.clone()),
        None => t.t("dashboard-no-organization"),
    };
    let storage = dashboard
        .storage
        .iter()
        .map(|(org, bytes, files)| Figure {
            label: name_of(org),
            name: format!("{} ({})", name_of(org), t.n("dashboard-files", *files)),
            value: *bytes,
            shown: human_size(*bytes),
            marked: org.as_ref() == Some(&dashboard.organization.id),
        })
        .collect();
    let mut bounds = vec![0];
    bounds.extend(WAITING_AGES);
    let waiting = dashboard
        .waiting
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let label = match WAITING_AGES.get(i) {
                Some(upper) => format!("{}–{}", bounds[i], upper - 1),
                None => format!("{}+", bounds[i]),
            };
            Figure::count(label.clone(), t.v("dashboard-age-days", label), *n as i64)
        })
        .collect();
    vec![
        charts::columns(
            "deposits",
            t.t("dashboard-deposits"),
            charts::headings(t, "dashboard-month", "dashboard-versions"),
            monthly(&dashboard.deposits),
        ),
        charts::columns(
            "downloads",
            t.t("dashboard-downloads"),
            charts::headings(t, "dashboard-month", "dashboard-download-count"),
            monthly(&dashboard.downloads),
        ),
        charts::rows("storage", t.t("dashboard-storage"), charts::headings(t, "dashboard-organization", "dashboard-bytes"), storage),
        charts::columns("waiting", t.t("dashboard-waiting"), charts::headings(t, "dashboard-age", "dashboard-requests"), waiting),
    ]
}

async fn organization_page(
    state: &AppState,
    user: &SignedIn,
    t: Tr,
    uri: &Uri,
    org: &OrgId,
    problem: Option<(&'static str, String)>,
    notice: String,
) -> Result<OrganizationPage, HtmlError> {
    let row = state.tessera.organization(org).await?;
    let standing = Standing::of(user, org);
    let all = state.tessera.organizations().await?;
    // Everyone who may manage the organization may read its figures too. The decision point
    // refuses the rest, and records the refusal.
    let dashboard = state.tessera.dashboard(&user.subject, org).await?;
    let (charts, oldest_waiting) = (dashboard_charts(&t, &dashboard, &all), dashboard.oldest_waiting);
    let management = if standing.manages() {
        let members = state.tessera.members(&user.subject, org).await?;
        let partners = state.tessera.trusts(org).await?;
        let name_of = |id: &OrgId| all.iter().find(|o| &o.id == id).map_or_else(|| id.to_string(), |o| o.name.clone());
        Some(Management {
            members: members
                .into_iter()
                .map(|m| MemberLine { user: m.user, email: m.email, role: m.role, role_name: t.t(&format!("role-{}", m.role)) })
                .collect(),
            partners: partners
                .into_iter()
                .map(|(id, class)| PartnerLine {
                    name: name_of(&id),
                    id: id.to_string(),
                    class,
                    class_name: t.t(&format!("data-class-{class}")),
                })
                .collect(),
            others: all.iter().filter(|o| &o.id != org).map(|o| (o.id.to_string(), o.name.clone())).collect(),
            roles: Role::ALL.iter().map(|r| (*r, t.t(&format!("role-{r}")))).collect(),
            classes: TRUSTABLE.iter().map(|c| (*c, t.t(&format!("data-class-{c}")))).collect(),
        })
    } else {
        None
    };
    Ok(OrganizationPage {
        here: here(uri),
        csrf: user.csrf.clone(),
        notice,
        roles: role_names(&t, &standing.roles),
        org: row,
        charts,
        oldest_waiting,
        management,
        problem,
        t,
    })
}

pub(crate) async fn organization(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path(org): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let org = org_id(&org)?;
    let t = lang.tr();
    let done = [
        ("member-added", "org-member-added"),
        ("member-removed", "org-member-removed"),
        ("partner-added", "org-partner-added"),
        ("partner-removed", "org-partner-removed"),
    ];
    let notice = notice(&t, &query, &done);
    Ok(render(StatusCode::OK, &organization_page(&state, &user, t, &uri, &org, None, notice).await?))
}

/// Gives someone a role or takes it away, or trusts a partner or stops; a mistake the reader
/// can mend (an unknown email) comes back on the page beside its field.
pub(crate) async fn change(
    State(state): State<AppState>,
    user: SignedIn,
    lang: Lang,
    uri: Uri,
    Path((org, what)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    user.check(field(&fields, "csrf_token"))?;
    let org = org_id(&org)?;
    let t = lang.tr();
    let text = |name: &str| field(&fields, name).unwrap_or_default().trim().to_string();
    let role = || text("role").parse::<Role>().map_err(ApiError::bad_request);
    let class = || text("data_class").parse::<DataClass>().map_err(ApiError::bad_request);
    let partner = || org_id(&text("partner"));
    let (result, done) = match what.as_str() {
        "members" => match text("email") {
            email if email.is_empty() => return mend(&state, &user, t, &uri, &org, "problem-email").await,
            email => (state.tessera.add_member(&user.subject, &org, &email, role()?).await.map(drop), "member-added"),
        },
        "members-remove" => {
            let user_id = text("user").parse().map(UserId).map_err(|_| ApiError::bad_request("which member?"))?;
            (state.tessera.remove_member(&user.subject, &org, user_id, role()?).await, "member-removed")
        }
        "partners" => (state.tessera.add_trust(&user.subject, &org, &partner()?, class()?).await, "partner-added"),
        "partners-remove" => (state.tessera.remove_trust(&user.subject, &org, &partner()?, class()?).await, "partner-removed"),
        _ => return Err(ApiError::NotFound(format!("'{what}' of organization {org}")).into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/organizations/{org}?done={done}")).into_response()),
        // The only user a form names by hand is a new member, by email.
        Err(AppError::NotFound { what }) if what.starts_with("user") => mend(&state, &user, t, &uri, &org, "problem-no-such-user").await,
        Err(err) => Err(err.into()),
    }
}

/// The page again, with a problem beside the new member's email.
async fn mend(state: &AppState, user: &SignedIn, t: Tr, uri: &Uri, org: &OrgId, problem: &str) -> Result<Response, HtmlError> {
    let page = organization_page(state, user, t, uri, org, Some(("email", t.t(problem))), String::new()).await?;
    Ok(render(StatusCode::BAD_REQUEST, &page))
}
