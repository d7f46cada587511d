//! The authorization table: who may do what to which record.
//!
//! This is the pure half of Tessera's single decision point; `tessera-app` calls it for every
//! read and write and records the outcome. Keeping it free of IO lets the whole table of
//! subjects × actions × access settings be tested exhaustively.

use crate::access::{Access, Visibility};
use crate::ids::UserId;

/// Who is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Anonymous,
    User { id: UserId, is_admin: bool },
}

impl Subject {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Subject::Anonymous => None,
            Subject::User { id, .. } => Some(*id),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Start a new dataset.
    CreateDraft,
    /// List one's own drafts and records.
    ListOwn,
    ReadDraft,
    /// Change a draft's metadata or files, or discard it.
    EditDraft,
    PublishDraft,
    /// Open an edit draft or a new-version draft of a published record.
    EditRecord,
    /// See a published record's metadata (landing page, API, search hit).
    ReadMetadata,
    /// Download a published record's files.
    ReadFiles,
}

/// What the decision needs to know about the record acted on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceFacts {
    pub owner: Option<UserId>,
    pub access: Access,
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

pub fn authorize(subject: Subject, action: Action, resource: &ResourceFacts) -> Decision {
    let (user, is_admin) = match subject {
        Subject::Anonymous => (None, false),
        Subject::User { id, is_admin } => (Some(id), is_admin),
    };
    if is_admin {
        return Decision::allow("platform administrator");
    }
    let is_owner = user.is_some() && user == resource.owner;
    match action {
        Action::CreateDraft | Action::ListOwn => match user {
            Some(_) => Decision::allow("signed in"),
            None => Decision::deny("sign-in required"),
        },
        Action::ReadDraft | Action::EditDraft | Action::PublishDraft | Action::EditRecord => {
            if is_owner {
                Decision::allow("owner")
            } else if user.is_none() {
                Decision::deny("sign-in required")
            } else {
                Decision::deny("only the owner may do this")
            }
        }
        Action::ReadMetadata => match resource.access.record {
            Visibility::Public => Decision::allow("public record"),
            Visibility::Restricted if is_owner => Decision::allow("owner"),
            Visibility::Restricted => Decision::deny("restricted record"),
        },
        Action::ReadFiles => {
            let access = &resource.access;
            let open = access.record == Visibility::Public && access.files == Visibility::Public && !access.embargo.active;
            if open {
                Decision::allow("open files")
            } else if is_owner {
                Decision::allow("owner")
            } else if access.embargo.active {
                Decision::deny("files are under embargo")
            } else {
                Decision::deny("restricted files")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Embargo;

    const OWNER: UserId = UserId(1);
    const OTHER: UserId = UserId(2);

    fn facts(record: Visibility, files: Visibility, embargoed: bool) -> ResourceFacts {
        let embargo = Embargo { active: embargoed, ..Embargo::default() };
        ResourceFacts { owner: Some(OWNER), access: Access { record, files, embargo } }
    }

    /// Rows: subject, then for each action the expected outcome on (open, restricted files,
    /// restricted record, embargoed files). `y` allowed, `n` refused.
    #[test]
    fn table() {
        use Action::*;
        use Visibility::{Public as Pu, Restricted as Re};
        let resources = [facts(Pu, Pu, false), facts(Pu, Re, false), facts(Re, Re, false), facts(Pu, Pu, true)];
        let anonymous = Subject::Anonymous;
        let owner = Subject::User { id: OWNER, is_admin: false };
        let other = Subject::User { id: OTHER, is_admin: false };
        let admin = Subject::User { id: OTHER, is_admin: true };
        #[rustfmt::skip]
        let table: &[(Subject, Action, &str)] = &[
            (anonymous, CreateDraft,  "nnnn"), (owner, CreateDraft,  "yyyy"), (other, CreateDraft,  "yyyy"), (admin, CreateDraft,  "yyyy"),
            (anonymous, ListOwn,      "nnnn"), (owner, ListOwn,      "yyyy"), (other, ListOwn,      "yyyy"), (admin, ListOwn,      "yyyy"),
            (anonymous, ReadDraft,    "nnnn"), (owner, ReadDraft,    "yyyy"), (other, ReadDraft,    "nnnn"), (admin, ReadDraft,    "yyyy"),
            (anonymous, EditDraft,    "nnnn"), (owner, EditDraft,    "yyyy"), (other, EditDraft,    "nnnn"), (admin, EditDraft,    "yyyy"),
            (anonymous, PublishDraft, "nnnn"), (owner, PublishDraft, "yyyy"), (other, PublishDraft, "nnnn"), (admin, PublishDraft, "yyyy"),
            (anonymous, EditRecord,   "nnnn"), (owner, EditRecord,   "yyyy"), (other, EditRecord,   "nnnn"), (admin, EditRecord,   "yyyy"),
            (anonymous, ReadMetadata, "yyny"), (owner, ReadMetadata, "yyyy"), (other, ReadMetadata, "yyny"), (admin, ReadMetadata, "yyyy"),
            (anonymous, ReadFiles,    "ynnn"), (owner, ReadFiles,    "yyyy"), (other, ReadFiles,    "ynnn"), (admin, ReadFiles,    "yyyy"),
        ];
        for (subject, action, expected) in table {
            for (resource, want) in resources.iter().zip(expected.chars()) {
                let decision = authorize(*subject, *action, resource);
                assert_eq!(decision.allowed, want == 'y', "{subject:?} {action:?} {:?}: {}", resource.access, decision.reason);
            }
        }
    }
}
