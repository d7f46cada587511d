//! The authorization table: who may do what to which record.
//!
//! This is the pure half of Tessera's single decision point; `tessera-app` gathers the facts
//! (memberships, the record's organization and people, the caller's grant), calls
//! [`authorize`] for every read and write, and records the outcome. Keeping it free of IO lets
//! the whole table of roles × actions × data classes × grant states be tested exhaustively.

use std::fmt;
use std::str::FromStr;

use crate::access::DataClass;
use crate::ids::{GrantId, OrgId, ParentId, UserId};

/// A person's role in one organization. One person may hold several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Deposits datasets on the organization's behalf.
    Depositor,
    /// Checks and describes the organization's datasets: reads and edits them all.
    Curator,
    /// Decides who may use the organization's restricted data.
    Steward,
    /// Manages the organization's members, partners and retention schedules.
    OrgAdmin,
    /// Reads the organization's audit trail and compliance reports, and nothing more.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [Self::Depositor, Self::Curator, Self::Steward, Self::OrgAdmin, Self::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Depositor => "depositor",
            Self::Curator => "curator",
            Self::Steward => "steward",
            Self::OrgAdmin => "admin",
            Self::Auditor => "auditor",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a role (depositor, curator, steward, admin, auditor)"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Membership {
    pub org: OrgId,
    pub role: Role,
}

/// What an API token may be used for. A signed-in browser session has every scope the
/// person's roles allow; a token has the ones chosen when it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Read metadata and download files.
    Read,
    /// Create, edit and publish datasets.
    Deposit,
    /// Decide access requests and grants.
    Steward,
    /// Manage organizations and the platform.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Self::Read, Self::Deposit, Self::Steward, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Deposit => "deposit",
            Self::Steward => "steward",
            Self::Admin => "admin",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a scope (read, deposit, steward, admin)"))
    }
}

/// A set of scopes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scopes(u8);

impl Scopes {
    pub const ALL: Scopes = Scopes(0b1111);
    /// What a token gets when its maker names no scopes.
    pub const DEFAULT_TOKEN: Scopes = Scopes(Scope::Read.bit() | Scope::Deposit.bit());

    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Scopes(scopes.into_iter().fold(0, |bits, scope| bits | scope.bit()))
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |scope| self.contains(*scope))
    }

    /// Space-separated, as OAuth writes scopes: `read deposit`.
    pub fn to_text(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        text.split([' ', ',']).filter(|s| !s.is_empty()).map(str::parse).collect::<Result<Vec<Scope>, _>>().map(Self::of)
    }
}

/// What a secret link lets its holder do with its dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkPermission {
    /// See the full metadata, also of a metadata-only record.
    Metadata,
    /// See the metadata and download the files (never enclave files), also under embargo.
    Files,
}

impl LinkPermission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Metadata => "metadata",
            Self::Files => "files",
        }
    }
}

impl FromStr for LinkPermission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Metadata, Self::Files]
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a link permission (metadata, files)"))
    }
}

/// A secret link presented with a request: for one dataset, with one permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretLink {
    pub parent: ParentId,
    pub permission: LinkPermission,
}

/// Who is asking.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// None for an anonymous caller.
    pub user: Option<UserId>,
    pub is_admin: bool,
    pub memberships: Vec<Membership>,
    pub scopes: Scopes,
    /// A secret link sent with the request (`?token=`), signed in or not.
    pub link: Option<SecretLink>,
}

impl Subject {
    /// Scopes only narrow what a token may do; an anonymous caller is limited by the table.
    pub fn anonymous() -> Self {
        Self { scopes: Scopes::ALL, ..Self::default() }
    }

    /// A signed-in person with every scope, no memberships and no platform role.
    pub fn user(id: UserId) -> Self {
        Self { user: Some(id), scopes: Scopes::ALL, ..Self::default() }
    }

    /// Someone at the server's console (`tessera admin`): a platform administrator without
    /// an account, trusted because they hold the data folder.
    pub fn operator() -> Self {
        Self { is_admin: true, scopes: Scopes::ALL, ..Self::default() }
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.user
    }

    pub fn has_role(&self, org: &OrgId, role: Role) -> bool {
        self.memberships.iter().any(|m| &m.org == org && m.role == role)
    }

    pub fn is_member_of(&self, org: &OrgId) -> bool {
        self.memberships.iter().any(|m| &m.org == org)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Start a new dataset (for the resource's organization, when it names one).
    CreateDraft,
    /// List one's own drafts, records, requests and tokens.
    ListOwn,
    ReadDraft,
    /// Change a draft's metadata or files, or discard it.
    EditDraft,
    PublishDraft,
    /// Open an edit draft or a new-version draft of a published record.
    EditRecord,
    /// See a published record's full metadata; everyone may see a metadata-only stub.
    ReadMetadata,
    /// Download a published record's files.
    ReadFiles,
    /// Ask the record's stewards for access.
    RequestAccess,
    /// See the record's access requests and grant, refuse or revoke access.
    DecideAccess,
    /// Place or lift a legal hold, decide deletion requests, take a record down.
    GovernRecord,
    /// Ask the curators to delete a record's files.
    RequestDeletion,
    /// See who did what to the record: its audit trail.
    ReadAudit,
    /// Manage an organization's members, partners, trust and retention schedules.
    ManageOrganization,
    /// Create organizations and accounts, and run the platform.
    AdministerPlatform,
}

impl Action {
    /// The token scope the action needs.
    pub fn scope(self) -> Scope {
        match self {
            Action::ListOwn | Action::ReadDraft | Action::ReadMetadata | Action::ReadFiles | Action::RequestAccess => Scope::Read,
            Action::CreateDraft | Action::EditDraft | Action::PublishDraft | Action::EditRecord | Action::RequestDeletion => Scope::Deposit,
            Action::DecideAccess | Action::GovernRecord | Action::ReadAudit => Scope::Steward,
            Action::ManageOrganization | Action::AdministerPlatform => Scope::Admin,
        }
    }
}

/// The caller's grant for the record acted on, as the catalogue has it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GrantState {
    #[default]
    None,
    Active,
    Expired,
    Revoked,
    /// Current, but paused until its holder accepts the new version of its agreement.
    Suspended,
}

/// What the decision needs to know about the record (or file) acted on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceFacts {
    /// The dataset, so a secret link can be matched to it.
    pub parent: Option<ParentId>,
    /// The depositor.
    pub owner: Option<UserId>,
    pub organization: Option<OrgId>,
    /// People named on the record beside the organization's curators and stewards.
    pub curators: Vec<UserId>,
    pub stewards: Vec<UserId>,
    /// The class of the files acted on (a file's own class, else the record's).
    pub data_class: DataClass,
    pub partners: Vec<OrgId>,
    /// Only a metadata-only stub is public.
    pub metadata_stub: bool,
    pub embargoed: bool,
    pub grant: GrantState,
    /// The grant `grant` describes, for the audit trail; decisions never read it.
    pub grant_id: Option<GrantId>,
    /// Taken down pending review: only those who review it reach the record.
    pub taken_down: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Why, in a few words; shown in audit entries and refusals.
    pub reason: &'static str,
}

impl Decision {
    const fn allow(reason: &'static str) -> Self {
        Self { allowed: true, reason }
    }
    const fn deny(reason: &'static str) -> Self {
        Self { allowed: false, reason }
    }
}

/// The people who look after a record: its depositor, its curators and its stewards.
struct Relation {
    signed_in: bool,
    owner: bool,
    curator: bool,
    steward: bool,
    member: bool,
    partner: bool,
    org_admin: bool,
    auditor: bool,
    /// Holds an active grant (only a signed-in person can).
    granted: bool,
    /// Presents a secret link to this dataset.
    link: Option<LinkPermission>,
}

fn relation(subject: &Subject, resource: &ResourceFacts) -> Relation {
    let user = subject.user;
    let named = |people: &[UserId]| user.is_some_and(|u| people.contains(&u));
    let org_role = |role| resource.organization.as_ref().is_some_and(|org| subject.has_role(org, role));
    let member = resource.organization.as_ref().is_some_and(|org| subject.is_member_of(org));
    let owner = user.is_some() && user == resource.owner;
    Relation {
        signed_in: user.is_some(),
        owner,
        curator: named(&resource.curators) || org_role(Role::Curator),
        // A dataset without an organization has its depositor as its steward.
        steward: named(&resource.stewards) || org_role(Role::Steward) || (resource.organization.is_none() && owner),
        member,
        partner: member || resource.partners.iter().any(|org| subject.is_member_of(org)),
        org_admin: org_role(Role::OrgAdmin),
        auditor: org_role(Role::Auditor),
        granted: user.is_some() && resource.grant == GrantState::Active,
        link: subject.link.filter(|link| resource.parent == Some(link.parent)).map(|link| link.permission),
    }
}

/// The reason given when signing in could change the answer.
pub const SIGN_IN_REQUIRED: &str = "sign-in required";
/// The reason given for a record taken down pending review.
pub const TAKEN_DOWN: &str = "the record is taken down pending review";

pub fn authorize(subject: &Subject, action: Action, resource: &ResourceFacts) -> Decision {
    if !subject.scopes.contains(action.scope()) {
        return Decision::deny("the token's scopes do not cover this");
    }
    let who = relation(subject, resource);
    let sign_in = || Decision::deny(SIGN_IN_REQUIRED);
    let reviews = who.curator || who.steward || who.org_admin || subject.is_admin;
    if resource.taken_down && matches!(action, Action::ReadMetadata | Action::ReadFiles | Action::RequestAccess) && !reviews {
        return Decision::deny(TAKEN_DOWN);
    }
    match action {
        Action::CreateDraft => match &resource.organization {
            _ if !who.signed_in => sign_in(),
            None => Decision::allow("signed in"),
            Some(_) if who.member => Decision::allow("member of the organization"),
            Some(_) => Decision::deny("only members deposit for an organization"),
        },
        Action::ListOwn => {
            if who.signed_in {
                Decision::allow("signed in")
            } else {
                sign_in()
            }
        }
        Action::ReadDraft | Action::EditDraft | Action::PublishDraft | Action::EditRecord => {
            if who.owner {
                Decision::allow("depositor")
            } else if who.curator {
                Decision::allow("curator")
            } else if action == Action::ReadDraft && subject.is_admin {
                Decision::allow("platform administrator")
            } else if !who.signed_in {
                sign_in()
            } else {
                Decision::deny("only the depositor and curators may do this")
            }
        }
        Action::ReadMetadata => {
            if !resource.metadata_stub {
                Decision::allow("public metadata")
            } else if who.owner || who.curator || who.steward || who.org_admin || subject.is_admin {
                Decision::allow("looks after the record")
            } else if who.granted {
                Decision::allow("active grant")
            } else if who.link.is_some() {
                Decision::allow("secret link")
            } else {
                Decision::deny("only a metadata-only stub is public")
            }
        }
        Action::ReadFiles => read_files(resource, &who),
        Action::RequestAccess => {
            if !who.signed_in {
                sign_in()
            } else if matches!(resource.data_class, DataClass::Public | DataClass::Registered) {
                Decision::deny("the files are open to every signed-in user; there is nothing to request")
            } else if resource.data_class != DataClass::Enclave && read_files(resource, &who).allowed {
                Decision::deny("you may download the files already")
            } else if who.granted {
                Decision::deny("an active grant exists already")
            } else {
                Decision::allow("signed in")
            }
        }
        Action::DecideAccess => {
            if who.steward {
                Decision::allow("steward")
            } else if !who.signed_in {
                sign_in()
            } else {
                Decision::deny("only the record's stewards decide access")
            }
        }
        Action::GovernRecord => {
            if who.curator || who.steward || who.org_admin {
                Decision::allow("looks after the record")
            } else if subject.is_admin {
                Decision::allow("platform administrator")
            } else if !who.signed_in {
                sign_in()
            } else {
                Decision::deny("only the record's curators, stewards and administrators may do this")
            }
        }
        Action::RequestDeletion => {
            if who.owner {
                Decision::allow("depositor")
            } else if who.curator {
                Decision::allow("curator")
            } else if !who.signed_in {
                sign_in()
            } else {
                Decision::deny("only the depositor and curators may ask for deletion")
            }
        }
        Action::ReadAudit => {
            if who.steward || who.org_admin {
                Decision::allow("looks after the record")
            } else if who.auditor {
                Decision::allow("auditor")
            } else if subject.is_admin {
                Decision::allow("platform administrator")
            } else if !who.signed_in {
                sign_in()
            } else {
                Decision::deny("only the record's stewards and the organization's auditors may see its audit trail")
            }
        }
        Action::ManageOrganization => {
            if who.org_admin {
                Decision::allow("organization administrator")
            } else if subject.is_admin {
                Decision::allow("platform administrator")
            } else if !who.signed_in {
                sign_in()
            } else {
                Decision::deny("only the organization's administrators may do this")
            }
        }
        Action::AdministerPlatform => {
            if subject.is_admin {
                Decision::allow("platform administrator")
            } else if !who.signed_in {
                sign_in()
            } else {
                Decision::deny("only platform administrators may do this")
            }
        }
    }
}

fn read_files(resource: &ResourceFacts, who: &Relation) -> Decision {
    if resource.data_class == DataClass::Enclave {
        return Decision::deny("enclave data never leaves the enclave");
    }
    // The people who look after a record keep access through an embargo and any class.
    if who.owner {
        return Decision::allow("depositor");
    }
    if who.curator || who.steward {
        return Decision::allow("looks after the record");
    }
    // A reviewer's link opens the files, also under embargo, which is what it is for.
    if who.link == Some(LinkPermission::Files) {
        return Decision::allow("secret link");
    }
    if resource.embargoed {
        return Decision::deny("the files are under embargo");
    }
    match resource.data_class {
        DataClass::Public => Decision::allow("public files"),
        DataClass::Registered if who.signed_in => Decision::allow("signed in"),
        DataClass::Partner if who.partner => Decision::allow("member of a partner organization"),
        DataClass::Partner | DataClass::Restricted if who.granted => Decision::allow("active grant"),
        _ if !who.signed_in => Decision::deny(SIGN_IN_REQUIRED),
        DataClass::Partner => Decision::deny("only members of partner organizations, or holders of a grant"),
        _ => Decision::deny(match resource.grant {
            GrantState::Expired => "the grant has expired",
            GrantState::Revoked => "the grant was revoked",
            GrantState::Suspended => "the data use agreement has a new version; accept it to continue",
            _ => "an active grant is needed",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: UserId = UserId(1);
    const NAMED_STEWARD: UserId = UserId(2);
    const OTHER: UserId = UserId(3);

    fn org(slug: &str) -> OrgId {
        OrgId(slug.into())
    }

    fn member(role: Role, of: &str) -> Subject {
        Subject { memberships: vec![Membership { org: org(of), role }], ..Subject::user(OTHER) }
    }

    fn resource(class: DataClass, stub: bool, embargoed: bool, grant: GrantState) -> ResourceFacts {
        ResourceFacts {
            parent: Some(ParentId(7)),
            owner: Some(OWNER),
            organization: Some(org("home")),
            curators: vec![],
            stewards: vec![NAMED_STEWARD],
            data_class: class,
            partners: vec![org("partner")],
            metadata_stub: stub,
            embargoed,
            grant,
            grant_id: None,
            taken_down: false,
        }
    }

    fn link(parent: i64, permission: LinkPermission) -> Subject {
        Subject { link: Some(SecretLink { parent: ParentId(parent), permission }), ..Subject::anonymous() }
    }

    /// The subjects of the table, by the name its rows use.
    fn subjects() -> Vec<(&'static str, Subject)> {
        vec![
            ("anonymous", Subject::anonymous()),
            ("stranger", Subject::user(OTHER)),
            ("owner", Subject::user(OWNER)),
            ("named steward", Subject::user(NAMED_STEWARD)),
            ("depositor", member(Role::Depositor, "home")),
            ("curator", member(Role::Curator, "home")),
            ("steward", member(Role::Steward, "home")),
            ("org admin", member(Role::OrgAdmin, "home")),
            ("auditor", member(Role::Auditor, "home")),
            ("partner", member(Role::Depositor, "partner")),
            ("other org", member(Role::Steward, "elsewhere")),
            ("platform admin", Subject { is_admin: true, ..Subject::user(OTHER) }),
            ("files link", link(7, LinkPermission::Files)),
            ("metadata link", link(7, LinkPermission::Metadata)),
            ("other dataset's link", link(8, LinkPermission::Files)),
        ]
    }

    /// The resources of the table, one column each: the five classes with no grant, then
    /// `restricted` with each grant state, then an embargo and a metadata-only stub.
    fn columns() -> Vec<ResourceFacts> {
        use DataClass::*;
        use GrantState as G;
        vec![
            resource(Public, false, false, G::None),
            resource(Registered, false, false, G::None),
            resource(Partner, false, false, G::None),
            resource(Restricted, false, false, G::None),
            resource(Enclave, false, false, G::None),
            resource(Restricted, false, false, G::Active),
            resource(Restricted, false, false, G::Expired),
            resource(Restricted, false, false, G::Revoked),
            resource(Partner, false, false, G::Active),
            resource(Public, false, true, G::None),
            resource(Restricted, true, false, G::None),
            resource(Restricted, true, false, G::Active),
        ]
    }

    /// Columns as in `columns()`: pub reg par res enc | res+active res+expired res+revoked
    /// par+active | embargoed stub stub+active. `y` allowed, `.` refused.
    #[rustfmt::skip]
    const TABLE: &[(&str, Action, &str)] = &[
        ("anonymous",      Action::ReadMetadata, "yyyyy yyyy y.."),
        ("stranger",       Action::ReadMetadata, "yyyyy yyyy y.y"),
        ("owner",          Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("named steward",  Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("depositor",      Action::ReadMetadata, "yyyyy yyyy y.y"),
        ("curator",        Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("steward",        Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("org admin",      Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("auditor",        Action::ReadMetadata, "yyyyy yyyy y.y"),
        ("partner",        Action::ReadMetadata, "yyyyy yyyy y.y"),
        ("other org",      Action::ReadMetadata, "yyyyy yyyy y.y"),
        ("platform admin", Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("files link",     Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("metadata link",  Action::ReadMetadata, "yyyyy yyyy yyy"),
        ("other dataset's link", Action::ReadMetadata, "yyyyy yyyy y.."),

        ("anonymous",      Action::ReadFiles,    "y.... .... ..."),
        ("stranger",       Action::ReadFiles,    "yy... y..y ..y"),
        ("owner",          Action::ReadFiles,    "yyyy. yyyy yyy"),
        ("named steward",  Action::ReadFiles,    "yyyy. yyyy yyy"),
        ("depositor",      Action::ReadFiles,    "yyy.. y..y ..y"),
        ("curator",        Action::ReadFiles,    "yyyy. yyyy yyy"),
        ("steward",        Action::ReadFiles,    "yyyy. yyyy yyy"),
        ("org admin",      Action::ReadFiles,    "yyy.. y..y ..y"),
        ("auditor",        Action::ReadFiles,    "yyy.. y..y ..y"),
        ("partner",        Action::ReadFiles,    "yyy.. y..y ..y"),
        ("other org",      Action::ReadFiles,    "yy... y..y ..y"),
        ("platform admin", Action::ReadFiles,    "yy... y..y ..y"),
        ("files link",     Action::ReadFiles,    "yyyy. yyyy yyy"),
        ("metadata link",  Action::ReadFiles,    "y.... .... ..."),
        ("other dataset's link", Action::ReadFiles, "y.... .... ..."),
        ("files link",     Action::EditRecord,   "..... .... ..."),
        ("files link",     Action::RequestAccess, "..... .... ..."),

        ("anonymous",      Action::RequestAccess, "..... .... ..."),
        ("stranger",       Action::RequestAccess, "..yyy .yy. .y."),
        ("partner",        Action::RequestAccess, "...yy .yy. .y."),
        ("owner",          Action::RequestAccess, "....y .... ..."),

        ("anonymous",      Action::DecideAccess, "..... .... ..."),
        ("stranger",       Action::DecideAccess, "..... .... ..."),
        ("owner",          Action::DecideAccess, "..... .... ..."),
        ("named steward",  Action::DecideAccess, "yyyyy yyyy yyy"),
        ("curator",        Action::DecideAccess, "..... .... ..."),
        ("steward",        Action::DecideAccess, "yyyyy yyyy yyy"),
        ("org admin",      Action::DecideAccess, "..... .... ..."),
        ("other org",      Action::DecideAccess, "..... .... ..."),
        ("platform admin", Action::DecideAccess, "..... .... ..."),

        ("anonymous",      Action::EditRecord,   "..... .... ..."),
        ("stranger",       Action::EditRecord,   "..... .... ..."),
        ("owner",          Action::EditRecord,   "yyyyy yyyy yyy"),
        ("depositor",      Action::EditRecord,   "..... .... ..."),
        ("curator",        Action::EditRecord,   "yyyyy yyyy yyy"),
        ("steward",        Action::EditRecord,   "..... .... ..."),
        ("platform admin", Action::EditRecord,   "..... .... ..."),

        ("stranger",       Action::ReadDraft,    "..... .... ..."),
        ("owner",          Action::ReadDraft,    "yyyyy yyyy yyy"),
        ("curator",        Action::ReadDraft,    "yyyyy yyyy yyy"),
        ("platform admin", Action::ReadDraft,    "yyyyy yyyy yyy"),
        ("platform admin", Action::PublishDraft, "..... .... ..."),

        ("anonymous",      Action::CreateDraft,  "..... .... ..."),
        ("stranger",       Action::CreateDraft,  "..... .... ..."),
        ("depositor",      Action::CreateDraft,  "yyyyy yyyy yyy"),
        ("partner",        Action::CreateDraft,  "..... .... ..."),

        ("anonymous",      Action::GovernRecord, "..... .... ..."),
        ("stranger",       Action::GovernRecord, "..... .... ..."),
        ("owner",          Action::GovernRecord, "..... .... ..."),
        ("named steward",  Action::GovernRecord, "yyyyy yyyy yyy"),
        ("curator",        Action::GovernRecord, "yyyyy yyyy yyy"),
        ("steward",        Action::GovernRecord, "yyyyy yyyy yyy"),
        ("org admin",      Action::GovernRecord, "yyyyy yyyy yyy"),
        ("auditor",        Action::GovernRecord, "..... .... ..."),
        ("other org",      Action::GovernRecord, "..... .... ..."),
        ("platform admin", Action::GovernRecord, "yyyyy yyyy yyy"),
        ("files link",     Action::GovernRecord, "..... .... ..."),

        ("anonymous",      Action::RequestDeletion, "..... .... ..."),
        ("stranger",       Action::RequestDeletion, "..... .... ..."),
        ("owner",          Action::RequestDeletion, "yyyyy yyyy yyy"),
        ("depositor",      Action::RequestDeletion, "..... .... ..."),
        ("curator",        Action::RequestDeletion, "yyyyy yyyy yyy"),
        ("steward",        Action::RequestDeletion, "..... .... ..."),
        ("platform admin", Action::RequestDeletion, "..... .... ..."),

        ("anonymous",      Action::ReadAudit,    "..... .... ..."),
        ("stranger",       Action::ReadAudit,    "..... .... ..."),
        ("owner",          Action::ReadAudit,    "..... .... ..."),
        ("named steward",  Action::ReadAudit,    "yyyyy yyyy yyy"),
        ("curator",        Action::ReadAudit,    "..... .... ..."),
        ("steward",        Action::ReadAudit,    "yyyyy yyyy yyy"),
        ("org admin",      Action::ReadAudit,    "yyyyy yyyy yyy"),
        ("auditor",        Action::ReadAudit,    "yyyyy yyyy yyy"),
        ("other org",      Action::ReadAudit,    "..... .... ..."),
        ("platform admin", Action::ReadAudit,    "yyyyy yyyy yyy"),
        ("files link",     Action::ReadAudit,    "..... .... ..."),

        ("anonymous",      Action::ManageOrganization, "..... .... ..."),
        ("steward",        Action::ManageOrganization, "..... .... ..."),
        ("org admin",      Action::ManageOrganization, "yyyyy yyyy yyy"),
        ("other org",      Action::ManageOrganization, "..... .... ..."),
        ("platform admin", Action::ManageOrganization, "yyyyy yyyy yyy"),
        ("org admin",      Action::AdministerPlatform, "..... .... ..."),
        ("platform admin", Action::AdministerPlatform, "yyyyy yyyy yyy"),
    ];

    #[test]
    fn table() {
        let subjects = subjects();
        let columns = columns();
        for (name, action, expected) in TABLE {
            let subject = &subjects.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no subject {name}")).1;
            let expected: Vec<char> = expected.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(expected.len(), columns.len(), "{name} {action:?}");
            for (column, (resource, want)) in columns.iter().zip(expected).enumerate() {
                let decision = authorize(subject, *action, resource);
                assert_eq!(decision.allowed, want == 'y', "{name} {action:?} column {column} {resource:?}: {}", decision.reason);
            }
        }
    }

    #[test]
    fn every_subject_and_action_has_a_row_for_reads() {
        // The read rows cover every subject, so a new kind of subject needs a decision there.
        for (name, _) in subjects() {
            for action in [Action::ReadMetadata, Action::ReadFiles] {
                assert!(TABLE.iter().any(|(n, a, _)| *n == name && *a == action), "no row for {name} {action:?}");
            }
        }
    }

    #[test]
    fn without_an_organization_the_depositor_decides_access() {
        let personal = ResourceFacts { organization: None, ..resource(DataClass::Restricted, false, false, GrantState::None) };
        assert!(authorize(&Subject::user(OWNER), Action::DecideAccess, &personal).allowed);
        assert!(!authorize(&Subject::user(OTHER), Action::DecideAccess, &personal).allowed);
        let owned = resource(DataClass::Restricted, false, false, GrantState::None);
        assert!(!authorize(&Subject::user(OWNER), Action::DecideAccess, &owned).allowed, "an organization's stewards decide");
    }

    #[test]
    fn scopes_limit_tokens() {
        let reader = Subject { scopes: Scopes::of([Scope::Read]), ..Subject::user(OWNER) };
        let open = resource(DataClass::Public, false, false, GrantState::None);
        assert!(authorize(&reader, Action::ReadFiles, &open).allowed);
        let refused = authorize(&reader, Action::EditRecord, &open);
        assert_eq!((refused.allowed, refused.reason), (false, "the token's scopes do not cover this"));
        let steward_without_scope = Subject { scopes: Scopes::DEFAULT_TOKEN, ..member(Role::Steward, "home") };
        assert!(!authorize(&steward_without_scope, Action::DecideAccess, &open).allowed);
        assert_eq!(Scopes::parse("read, steward").map(Scopes::to_text), Ok("read steward".to_string()));
        assert!(Scopes::parse("read write").is_err());
    }

    #[test]
    fn a_suspended_grant_opens_nothing_until_the_agreement_is_accepted_again() {
        let suspended = resource(DataClass::Restricted, false, false, GrantState::Suspended);
        let decision = authorize(&Subject::user(OTHER), Action::ReadFiles, &suspended);
        assert_eq!((decision.allowed, decision.reason), (false, "the data use agreement has a new version; accept it to continue"));
        assert!(authorize(&Subject::user(OWNER), Action::ReadFiles, &suspended).allowed, "the depositor is not held by a grant");
        let partner = resource(DataClass::Partner, false, false, GrantState::Suspended);
        assert!(!authorize(&Subject::user(OTHER), Action::ReadFiles, &partner).allowed);
    }

    #[test]
    fn a_record_taken_down_is_reached_only_by_those_who_review_it() {
        let down = ResourceFacts { taken_down: true, ..resource(DataClass::Public, false, false, GrantState::Active) };
        for (name, subject) in subjects() {
            let reviews = ["named steward", "curator", "steward", "org admin", "platform admin"].contains(&name);
            let read = authorize(&subject, Action::ReadMetadata, &down);
            assert_eq!(read.allowed, reviews, "{name}: {}", read.reason);
            if !reviews {
                assert_eq!(read.reason, TAKEN_DOWN);
                assert!(!authorize(&subject, Action::ReadFiles, &down).allowed, "{name}");
            }
        }
        assert!(authorize(&member(Role::Curator, "home"), Action::EditRecord, &down).allowed, "curators can still correct it");
    }
}
