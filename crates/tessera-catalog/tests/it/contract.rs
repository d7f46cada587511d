//! Every catalogue operation, checked the same way on each engine.

use std::sync::Arc;

use tessera_catalog::{
    AccessRequestRow, Catalog, CheckRow, CommunityRow, DeletedFileRow, DraftFileRow, DraftRow, Engine, Error, FileRow, GrantRow,
    HarvestProgress, HarvestSourceRow, IdentityUser, OaiRange, OrgRow, Placements, PolicyVersionRow, Present, Published, RecordFiles,
    RecordRow, RecordStats, ReportRow, ScheduleRow, SecretLinkRow, SessionRow, TaskEnd, TaskRow, TokenRow, UploadRow,
};
use tessera_domain::audit::{AuditEntry, ChainWalk, GENESIS};
use tessera_domain::{DataClass, GrantId, OrgId, ParentId, RecordId, Role, Scope, Scopes, TokenId, UserId};

const NOW: &str = "2026-01-01T00:00:00Z";
const LATER: &str = "2026-01-02T00:00:00Z";

fn sets(specs: &[&str]) -> Vec<String> {
    specs.iter().map(|s| s.to_string()).collect()
}

/// A draft's totals, kept by triggers, agree with its files as listed.
async fn totals_agree(catalog: &Catalog, draft: RecordId) {
    let files = catalog.draft_files(draft, 0, None).await.unwrap();
    let bytes: i64 = files.iter().filter_map(|f| f.size).sum();
    assert_eq!(catalog.draft_files_summary(draft).await.unwrap(), (files.len() as i64, bytes));
}

async fn contract(catalog: Catalog) {
    // Ids come from one sequence and can be moved past what a rebuild finds.
    let first = catalog.next_id().await.unwrap();
    assert_eq!(catalog.next_id().await.unwrap(), first + 1);
    catalog.reserve_ids_through(100).await.unwrap();
    assert_eq!(catalog.next_id().await.unwrap(), 101);
    catalog.reserve_ids_through(5).await.unwrap();
    assert_eq!(catalog.next_id().await.unwrap(), 102);

    // A change that governs access is written with its audit entry, or neither is.
    let entry = |action: &str| AuditEntry {
        at: NOW.into(),
        action: action.into(),
        target: "grant".into(),
        outcome: "done".into(),
        detail: "{}".into(),
        ..AuditEntry::default()
    };
    let audited = async |catalog: &Catalog| catalog.audit_head().await.unwrap().0;

    // Users and tokens; an account is made with its entry, and a conflict appends none.
    let made = |user: &tessera_catalog::UserRow| vec![entry(&format!("account-created {}", user.id))];
    let user = catalog.create_user("ada@example.org", Some("Ada Lovelace"), false, NOW, made).await.unwrap();
    let before = audited(&catalog).await;
    assert_eq!(catalog.audit_entry(before).await.unwrap().unwrap().action, format!("account-created {}", user.id));
    assert!(matches!(catalog.create_user("ada@example.org", None, true, NOW, made).await, Err(Error::Conflict { .. })));
    assert_eq!(audited(&catalog).await, before);
    assert_eq!(catalog.user_by_email("ada@example.org").await.unwrap(), Some(user.clone()));
    assert_eq!(catalog.user(user.id).await.unwrap(), Some(user.clone()));

    // Identities at OpenID providers: a new person is created with their identity, a known
    // one linked; a subject or an email taken twice is a conflict and leaves nothing behind.
    let linked = |user: &tessera_catalog::UserRow| vec![entry(&format!("identity-linked {}", user.id))];
    let grace =
        catalog.link_identity("uni", "g-1", IdentityUser::New { email: "grace@uni.test", name: Some("Grace") }, NOW, linked).await.unwrap();
    let before = audited(&catalog).await;
    assert_eq!(catalog.audit_entry(before).await.unwrap().unwrap().action, format!("identity-linked {}", grace.id));
    assert_eq!(catalog.user_by_identity("uni", "g-1").await.unwrap(), Some(grace.clone()));
    assert_eq!(catalog.user_by_identity("other", "g-1").await.unwrap(), None);
    assert!(matches!(
        catalog.link_identity("uni", "g-2", IdentityUser::New { email: "ada@example.org", name: None }, NOW, linked).await,
        Err(Error::Conflict { .. })
    ));
    let twice = catalog.link_identity("uni", "g-1", IdentityUser::Existing(user.id), NOW, linked).await;
    assert!(matches!(twice, Err(Error::Conflict { .. })), "{twice:?}");
    assert_eq!(audited(&catalog).await, before, "a refused link appends nothing");
    assert_eq!(catalog.link_identity("orcid", "0000-1", IdentityUser::Existing(user.id), NOW, linked).await.unwrap(), user);
    assert_eq!(audited(&catalog).await, before + 1);
    assert_eq!(catalog.user_by_identity("orcid", "0000-1").await.unwrap(), Some(user.clone()));
    catalog.update_profile(grace.id, "grace@new.test", Some("Grace H.")).await.unwrap();
    assert_eq!(catalog.user(grace.id).await.unwrap().unwrap().email, "grace@new.test");
    assert!(matches!(catalog.update_profile(grace.id, "ada@example.org", None).await, Err(Error::Conflict { .. })));

    // People named on a dataset: each role's list is replaced whole.
    let dataset = ParentId(500);
    let before = audited(&catalog).await;
    catalog.set_dataset_people(dataset, Role::Curator, &[grace.id, user.id, grace.id], NOW, vec![entry("people-named")]).await.unwrap();
    assert_eq!(audited(&catalog).await, before + 1);
    catalog.set_dataset_people(dataset, Role::Steward, &[user.id], NOW, vec![]).await.unwrap();
    let named = |people: Vec<(Role, tessera_catalog::UserRow)>| people.into_iter().map(|(r, u)| (r, u.id)).collect::<Vec<_>>();
    assert_eq!(
        named(catalog.dataset_people(dataset).await.unwrap()),
        [(Role::Curator, user.id), (Role::Curator, grace.id), (Role::Steward, user.id)]
    );
    catalog.set_dataset_people(dataset, Role::Curator, &[], NOW, vec![]).await.unwrap();
    assert_eq!(named(catalog.dataset_people(dataset).await.unwrap()), [(Role::Steward, user.id)]);
    assert!(catalog.dataset_people(ParentId(501)).await.unwrap().is_empty());
    let token = TokenRow {
        id: TokenId(0),
        user_id: user.id,
        name: "laptop".into(),
        scopes: Scopes::of([Scope::Read]),
        created: NOW.into(),
        expires: Some("2030-01-01T00:00:00Z".into()),
        revoked: None,
    };
    let token_id = catalog.create_token(&token, "hash-1", |id| vec![entry(&format!("token-created {id}"))]).await.unwrap();
    assert_eq!(catalog.audit_entry(audited(&catalog).await).await.unwrap().unwrap().action, format!("token-created {}", token_id.0));
    let (found, owner, memberships) = catalog.token_by_hash("hash-1").await.unwrap().unwrap();
    assert_eq!((found.clone(), owner, memberships), (TokenRow { id: token_id, ..token.clone() }, user.clone(), vec![]));
    assert_eq!(catalog.token_by_hash("hash-2").await.unwrap(), None);
    assert_eq!(catalog.tokens_of(user.id).await.unwrap(), [found]);
    let before = audited(&catalog).await;
    assert!(!catalog.revoke_token(UserId(999), token_id, NOW, vec![entry("never")]).await.unwrap(), "only the owner revokes");
    assert!(catalog.revoke_token(user.id, token_id, "2026-02-02T00:00:00Z", vec![entry("token-revoked")]).await.unwrap());
    assert_eq!(audited(&catalog).await, before + 1);
    assert!(catalog.revoke_token(user.id, token_id, "2026-03-03T00:00:00Z", vec![]).await.unwrap());
    assert_eq!(catalog.tokens_of(user.id).await.unwrap()[0].revoked.as_deref(), Some("2026-02-02T00:00:00Z"), "the first revocation stays");

    // Passwords and sessions; a new password ends every session.
    assert_eq!(catalog.user_with_password("ada@example.org").await.unwrap().map(|(_, hash)| hash), Some(None));
    let session = SessionRow { user_id: user.id, csrf: "c".into(), created: NOW.into(), expires: "2030-01-01T00:00:00Z".into() };
    catalog.create_session("s-hash", &session).await.unwrap();
    assert_eq!(catalog.session("s-hash").await.unwrap(), Some((session.clone(), user.clone())));
    let before = audited(&catalog).await;
    catalog.set_password_hash(user.id, Some("$argon2id$x"), vec![entry("password-set")]).await.unwrap();
    assert_eq!(audited(&catalog).await, before + 1);
    assert_eq!(catalog.session("s-hash").await.unwrap(), None);
    assert_eq!(catalog.user_with_password("ada@example.org").await.unwrap().and_then(|(_, hash)| hash).as_deref(), Some("$argon2id$x"));
    catalog.create_session("s-2", &session).await.unwrap();
    catalog.delete_session("s-2").await.unwrap();
    assert_eq!(catalog.session("s-2").await.unwrap(), None);
    assert_eq!(catalog.user_with_password("nobody@example.org").await.unwrap(), None);

    // Organizations and memberships.
    let org = OrgRow {
        id: OrgId::parse("cardiff-uni").unwrap(),
        name: "Cardiff University".into(),
        ror: Some("https://ror.org/03kk7td41".into()),
        created: NOW.into(),
    };
    let before = audited(&catalog).await;
    catalog.create_organization(&org, vec![entry("organization-created")]).await.unwrap();
    assert!(matches!(catalog.create_organization(&org, vec![entry("never")]).await, Err(Error::Conflict { .. })));
    let community =
        CommunityRow { id: "welsh-rivers".into(), title: "Welsh rivers".into(), organization: org.id.clone(), created: NOW.into() };
    catalog.create_community(&community, vec![entry("community-created")]).await.unwrap();
    assert!(matches!(catalog.create_community(&community, vec![entry("never")]).await, Err(Error::Conflict { .. })));
    assert_eq!(audited(&catalog).await, before + 2);
    assert_eq!(catalog.audit_entry(before + 2).await.unwrap().unwrap().action, "community-created");
    assert_eq!(catalog.communities().await.unwrap(), [community]);
    assert_eq!(catalog.organization(&org.id).await.unwrap(), Some(org.clone()));
    assert_eq!(catalog.organizations().await.unwrap(), std::slice::from_ref(&org));
    let before = audited(&catalog).await;
    assert!(catalog.add_membership(&org.id, user.id, Role::Steward, NOW, vec![entry("role-given")]).await.unwrap());
    assert!(!catalog.add_membership(&org.id, user.id, Role::Steward, NOW, vec![entry("never")]).await.unwrap(), "held already");
    assert_eq!(audited(&catalog).await, before + 1);
    assert!(catalog.add_membership(&org.id, user.id, Role::Curator, NOW, vec![]).await.unwrap());
    let roles: Vec<Role> = catalog.memberships_of(user.id).await.unwrap().iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::Curator, Role::Steward]);
    // A token's holder comes with the same memberships, once each.
    let (_, _, memberships) = catalog.token_by_hash("hash-1").await.unwrap().unwrap();
    assert_eq!(memberships, catalog.memberships_of(user.id).await.unwrap());
    assert_eq!(catalog.members_of(&org.id).await.unwrap()[0].email, "ada@example.org");
    assert!(catalog.remove_membership(&org.id, user.id, Role::Curator, vec![]).await.unwrap());
    assert!(!catalog.remove_membership(&org.id, user.id, Role::Curator, vec![]).await.unwrap());
    assert_eq!(catalog.memberships_of(user.id).await.unwrap().len(), 1);

    // Trust between organizations.
    let partner = OrgRow { id: OrgId::parse("partner-uni").unwrap(), name: "Partner".into(), ror: None, created: NOW.into() };
    catalog.create_organization(&partner, vec![]).await.unwrap();
    assert!(catalog.add_trust(&org.id, &partner.id, DataClass::Restricted, NOW, vec![]).await.unwrap());
    assert!(!catalog.add_trust(&org.id, &partner.id, DataClass::Restricted, NOW, vec![]).await.unwrap(), "trusted already");
    assert_eq!(catalog.trusts_of(&org.id).await.unwrap(), [(partner.id.clone(), DataClass::Restricted)]);
    assert!(catalog.trusts_of(&partner.id).await.unwrap().is_empty(), "trust goes one way");
    let before = audited(&catalog).await;
    assert!(catalog.remove_trust(&org.id, &partner.id, DataClass::Restricted, vec![entry("partner-trust-ended")]).await.unwrap());
    assert!(!catalog.remove_trust(&org.id, &partner.id, DataClass::Restricted, vec![entry("never")]).await.unwrap());
    assert_eq!(audited(&catalog).await, before + 1);

    // Access requests, decisions and grants.
    let request = AccessRequestRow {
        id: 0,
        parent_id: ParentId(500),
        record_id: RecordId(501),
        org_id: Some(org.id.clone()),
        requester_id: user.id,
        purpose: "a study".into(),
        project: "P1".into(),
        intended_use: "statistics".into(),
        requested_days: Some(30),
        files: None,
        status: "pending".into(),
        decided_by: None,
        decided: None,
        reason: None,
        expires: None,
        field_of_use: None,
        agreement: None,
        policy_id: None,
        created: NOW.into(),
        updated: NOW.into(),
    };
    let request_id = catalog.insert_access_request(&request, |id| vec![entry(&format!("access-requested {id}"))]).await.unwrap();
    let last = audited(&catalog).await;
    assert_eq!(catalog.audit_entry(last).await.unwrap().unwrap().action, format!("access-requested {request_id}"));
    let stored = catalog.access_request(request_id).await.unwrap().unwrap();
    assert_eq!(stored, AccessRequestRow { id: request_id, ..request.clone() });
    assert_eq!(catalog.pending_access_requests_of_org(&org.id).await.unwrap().len(), 1);
    let approved =
        AccessRequestRow { status: "approved".into(), decided_by: Some(user.id), expires: Some("2030-01-01T00:00:00Z".into()), ..stored };
    assert!(catalog.decide_access_request(&approved, "pending", Vec::new()).await.unwrap());
    assert!(!catalog.decide_access_request(&approved, "pending", Vec::new()).await.unwrap(), "a decided request is not decided again");
    assert!(catalog.pending_access_requests_of_org(&org.id).await.unwrap().is_empty());
    let grant = GrantRow {
        id: GrantId(0),
        request_id: Some(request_id),
        parent_id: ParentId(500),
        user_id: user.id,
        files: Some("[\"a.csv\"]".into()),
        purpose: "a study".into(),
        field_of_use: Some("health research".into()),
        agreement: None,
        granted_by: Some(user.id),
        created: NOW.into(),
        expires: "2030-01-01T00:00:00Z".into(),
        revoked: None,
        revoked_by: None,
        revoke_reason: None,
        policy_id: None,
        policy_version: None,
        reaccept_version: None,
    };
    let grant_id = catalog.accept_access_request(request_id, &grant, |_| Vec::new()).await.unwrap().unwrap();
    assert_eq!(catalog.accept_access_request(request_id, &grant, |_| Vec::new()).await.unwrap(), None, "accepted once only");
    assert_eq!(catalog.access_request(request_id).await.unwrap().unwrap().status, "accepted");
    assert_eq!(catalog.grant(grant_id).await.unwrap(), Some(GrantRow { id: grant_id, ..grant.clone() }));
    // A grant under version 1 of an agreement, asked to accept version 2.
    let under_policy = GrantRow { request_id: None, policy_id: Some("dua".into()), policy_version: Some(1), ..grant.clone() };
    let second = catalog.insert_grant(&under_policy).await.unwrap();
    let v1 = PolicyVersionRow {
        policy_id: "dua".into(),
        kind: "agreement".into(),
        org_id: Some(org.id.clone()),
        version: 1,
        effective: "2026-01-01".into(),
        doc: "{\"v\":1}".into(),
        created: NOW.into(),
    };
    let v2 = PolicyVersionRow { version: 2, effective: "2026-02-01".into(), doc: "{\"v\":2}".into(), ..v1.clone() };
    let before = audited(&catalog).await;
    for version in [&v1, &v2, &v2] {
        catalog.put_policy_version(version, vec![entry("policy-version-published")]).await.unwrap();
    }
    assert_eq!(audited(&catalog).await, before + 3);
    assert_eq!(catalog.policy_ids().await.unwrap(), ["dua"]);
    assert_eq!(catalog.policy_versions("dua").await.unwrap(), ["{\"v\":1}", "{\"v\":2}"], "storing a version twice keeps one");
    let paused = |grants: &[GrantId]| vec![entry(&format!("reacceptance-required {grants:?}"))];
    assert_eq!(catalog.require_reacceptance("dua", 2, NOW, paused).await.unwrap(), [second]);
    let last = audited(&catalog).await;
    assert_eq!(catalog.audit_entry(last).await.unwrap().unwrap().action, format!("reacceptance-required {:?}", [second]));
    assert_eq!(catalog.grant(second).await.unwrap().unwrap().reaccept_version, Some(2));
    assert!(!catalog.reaccept_grant(second, 3, vec![entry("never")]).await.unwrap(), "only the version asked for");
    assert!(catalog.reaccept_grant(second, 2, vec![entry("agreement-reaccepted")]).await.unwrap());
    assert_eq!(audited(&catalog).await, last + 1);
    let reaccepted = catalog.grant(second).await.unwrap().unwrap();
    assert_eq!((reaccepted.policy_version, reaccepted.reaccept_version), (Some(2), None));
    let newest_first: Vec<GrantId> = catalog.grants_for(user.id, ParentId(500)).await.unwrap().iter().map(|g| g.id).collect();
    assert_eq!(newest_first, [second, grant_id]);
    assert_eq!(catalog.grants_of_user(user.id).await.unwrap().len(), 2);
    assert_eq!(catalog.grants_of_parent(ParentId(500)).await.unwrap().len(), 2);
    assert_eq!(catalog.access_requests_of_parent(ParentId(500)).await.unwrap().len(), 1);
    assert_eq!(catalog.access_requests_of_requester(user.id).await.unwrap().len(), 1);
    // A change and its audit entry are written together, or neither is.
    let (before, _) = catalog.audit_head().await.unwrap();
    assert!(catalog.revoke_grant(grant_id, user.id, "misuse", NOW, vec![entry("grant-revoked")]).await.unwrap());
    assert!(!catalog.revoke_grant(grant_id, user.id, "again", NOW, vec![entry("grant-revoked-again")]).await.unwrap());
    let (after, _) = catalog.audit_head().await.unwrap();
    assert_eq!(after, before + 1, "the refused change appended nothing");
    assert_eq!(catalog.audit_entry(after).await.unwrap().unwrap().action, "grant-revoked");
    assert_eq!(catalog.grant(grant_id).await.unwrap().unwrap().revoke_reason.as_deref(), Some("misuse"));

    // Secret links.
    let link = SecretLinkRow {
        id: 0,
        parent_id: ParentId(500),
        permission: "files".into(),
        created_by: Some(user.id),
        created: NOW.into(),
        expires: Some("2030-01-01T00:00:00Z".into()),
        revoked: None,
    };
    let before = audited(&catalog).await;
    let link_id = catalog.create_secret_link(&link, "link-hash", |id| vec![entry(&format!("secret-link-made {id}"))]).await.unwrap();
    assert_eq!(catalog.audit_entry(before + 1).await.unwrap().unwrap().action, format!("secret-link-made {link_id}"));
    assert_eq!(catalog.secret_link_by_hash("link-hash").await.unwrap(), Some(SecretLinkRow { id: link_id, ..link.clone() }));
    assert!(!catalog.revoke_secret_link(ParentId(501), link_id, NOW, vec![entry("never")]).await.unwrap(), "only through its own dataset");
    assert!(catalog.revoke_secret_link(ParentId(500), link_id, NOW, vec![entry("secret-link-revoked")]).await.unwrap());
    assert_eq!(audited(&catalog).await, before + 2);
    assert_eq!(catalog.secret_links_of_parent(ParentId(500)).await.unwrap()[0].revoked.as_deref(), Some(NOW));

    // Jobs: one per kind and key, due by time, retried after a failure.
    catalog.schedule_job("lift-embargo", "7", "2026-05-01T00:00:00Z", None, NOW).await.unwrap();
    catalog.schedule_job("lift-embargo", "7", "2026-03-01T00:00:00Z", Some("{\"n\":1}"), NOW).await.unwrap();
    catalog.schedule_job("lift-embargo", "8", "2027-01-01T00:00:00Z", None, NOW).await.unwrap();
    let due = catalog.due_jobs("2026-04-01T00:00:00Z", 10).await.unwrap();
    assert_eq!(due.iter().map(|j| (j.key.as_str(), j.run_at.as_str())).collect::<Vec<_>>(), [("7", "2026-03-01T00:00:00Z")]);
    catalog.fail_job(due[0].id, "disk full", "2026-04-02T00:00:00Z").await.unwrap();
    assert!(catalog.due_jobs("2026-04-01T00:00:00Z", 10).await.unwrap().is_empty());
    let retried = catalog.due_jobs("2026-04-03T00:00:00Z", 10).await.unwrap();
    assert_eq!((retried[0].attempts, retried[0].last_error.as_deref()), (1, Some("disk full")));
    assert_eq!(retried[0].payload.as_deref(), Some("{\"n\":1}"));
    catalog.finish_job(&due[0]).await.unwrap();
    assert_eq!(catalog.due_jobs("2026-04-03T00:00:00Z", 10).await.unwrap().len(), 1, "a job moved since it was read stays");
    catalog.finish_job(&retried[0]).await.unwrap();
    catalog.cancel_job("lift-embargo", "8").await.unwrap();
    assert!(catalog.due_jobs("2099-01-01T00:00:00Z", 10).await.unwrap().is_empty());

    // Drafts and their files.
    let draft = DraftRow {
        id: RecordId(102),
        parent_id: ParentId(101),
        owner_id: user.id,
        kind: "new".into(),
        doc: "{}".into(),
        created: NOW.into(),
        updated: NOW.into(),
    };
    let before = audited(&catalog).await;
    catalog.insert_draft(&draft, None, vec![entry("draft-created")]).await.unwrap();
    assert!(matches!(catalog.insert_draft(&draft, None, vec![entry("never")]).await, Err(Error::Conflict { .. })));
    assert!(catalog.update_draft_doc(draft.id, "{\"a\":1}", "2026-01-02T00:00:00Z", vec![entry("draft-updated")]).await.unwrap());
    assert!(!catalog.update_draft_doc(RecordId(9999), "{}", NOW, vec![entry("never")]).await.unwrap(), "no such draft");
    assert_eq!(audited(&catalog).await, before + 2);
    let stored = catalog.draft(draft.id).await.unwrap().unwrap();
    assert_eq!((stored.doc.as_str(), stored.updated.as_str()), ("{\"a\":1}", "2026-01-02T00:00:00Z"));
    // With the people named on its dataset: none at first, then each person in each role once.
    assert_eq!(catalog.draft_with_people(draft.id).await.unwrap(), Some((stored.clone(), vec![])));
    assert_eq!(catalog.draft_with_people(RecordId(9999)).await.unwrap(), None);
    catalog.set_dataset_people(draft.parent_id, Role::Curator, &[grace.id], NOW, vec![]).await.unwrap();
    catalog.set_dataset_people(draft.parent_id, Role::Steward, &[user.id, grace.id], NOW, vec![]).await.unwrap();
    let (with_people, people) = catalog.draft_with_people(draft.id).await.unwrap().unwrap();
    assert_eq!(with_people, stored);
    assert_eq!(people.len(), 3, "{people:?}");
    for named in [(Role::Curator, grace.id), (Role::Steward, user.id), (Role::Steward, grace.id)] {
        assert!(people.contains(&named), "{named:?} in {people:?}");
    }
    for role in [Role::Curator, Role::Steward] {
        catalog.set_dataset_people(draft.parent_id, role, &[], NOW, vec![]).await.unwrap();
    }
    assert_eq!(catalog.draft_of_parent(ParentId(101)).await.unwrap().map(|d| d.id), Some(draft.id));
    assert_eq!(catalog.drafts_of_owner(user.id).await.unwrap().len(), 1);

    let files: Vec<DraftFileRow> = (0..2500)
        .map(|i| DraftFileRow {
            draft_id: draft.id,
            key: format!("f{i:05}.txt"),
            status: "pending".into(),
            size: None,
            md5: None,
            sha512: None,
            staged: true,
            created: NOW.into(),
            updated: NOW.into(),
        })
        .collect();
    catalog.insert_draft_files(&files, &[]).await.unwrap();
    assert!(matches!(catalog.insert_draft_files(&files[..1], &[]).await, Err(Error::Conflict { .. })));
    // A file for a draft that went meanwhile (published or discarded) is told apart from a
    // failure of the catalogue.
    let orphan = DraftFileRow { draft_id: RecordId(999_999), ..files[0].clone() };
    let refused = catalog.insert_draft_files(std::slice::from_ref(&orphan), &[]).await;
    assert!(matches!(refused, Err(Error::Vanished(_))), "{refused:?}");
    totals_agree(&catalog, draft.id).await;
    // An archive's entries join its draft as the archive leaves it, with the trail's entry; a
    // key the draft has already refuses the whole change and the archive stays.
    let archive = DraftFileRow { key: "bundle.zip".into(), ..files[0].clone() };
    catalog.insert_draft_files(std::slice::from_ref(&archive), &[]).await.unwrap();
    let before = audited(&catalog).await;
    let entries = [DraftFileRow { key: "bundle/a.txt".into(), ..files[0].clone() }, files[0].clone()];
    let refused =
        catalog.unpack_into_draft(draft.id, Some("bundle.zip"), entries.iter().cloned().map(Ok), vec![entry("never")], None).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    assert!(catalog.draft_file(draft.id, "bundle.zip").await.unwrap().is_some(), "the archive stays");
    assert_eq!(catalog.draft_file(draft.id, "bundle/a.txt").await.unwrap(), None);
    catalog
        .unpack_into_draft(draft.id, Some("bundle.zip"), entries[..1].iter().cloned().map(Ok), vec![entry("draft-archive-unpacked")], None)
        .await
        .unwrap();
    assert_eq!(catalog.draft_file(draft.id, "bundle.zip").await.unwrap(), None);
    assert_eq!(catalog.draft_file(draft.id, "bundle/a.txt").await.unwrap(), Some(entries[0].clone()));
    totals_agree(&catalog, draft.id).await;
    assert_eq!(audited(&catalog).await, before + 1);
    catalog.delete_draft_file(draft.id, "bundle/a.txt", vec![]).await.unwrap();
    let page = catalog.draft_files(draft.id, 10, Some(5)).await.unwrap();
    assert_eq!(
        page.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
        ["f00010.txt", "f00011.txt", "f00012.txt", "f00013.txt", "f00014.txt"]
    );
    assert_eq!(catalog.draft_files_after(draft.id, "f00009.txt", 5).await.unwrap(), page, "after a key, as from a place");
    assert_eq!(catalog.draft_files_after(draft.id, "f00009.u", 5).await.unwrap(), page, "after a key it no longer has");
    assert_eq!(catalog.draft_files_after(draft.id, "", 1).await.unwrap()[0].key, "f00000.txt");
    assert!(catalog.draft_files_after(draft.id, "f02499.txt", 5).await.unwrap().is_empty());
    let mut done = files[0].clone();
    done.status = "completed".into();
    done.size = Some(3);
    done.md5 = Some("m".into());
    done.sha512 = Some("s".into());
    // A committed or deleted file is written with its audit entry; a file that is gone, neither.
    let (before, _) = catalog.audit_head().await.unwrap();
    assert!(catalog.update_draft_file(&done, vec![entry("draft-file-committed")]).await.unwrap());
    assert_eq!(catalog.draft_file(draft.id, "f00000.txt").await.unwrap(), Some(done.clone()));
    assert!(catalog.delete_draft_file(draft.id, "f00001.txt", vec![entry("draft-file-deleted")]).await.unwrap());
    let gone = DraftFileRow { key: "f00001.txt".into(), ..done.clone() };
    assert!(!catalog.update_draft_file(&gone, vec![entry("never")]).await.unwrap());
    assert!(!catalog.update_draft_file(&gone, vec![]).await.unwrap());
    assert!(!catalog.delete_draft_file(draft.id, "f00001.txt", vec![entry("never")]).await.unwrap());
    let (after, _) = catalog.audit_head().await.unwrap();
    assert_eq!(after, before + 2, "changes to a file that is gone appended nothing");
    assert_eq!(catalog.audit_entry(after - 1).await.unwrap().unwrap().action, "draft-file-committed");
    assert_eq!(catalog.audit_entry(after).await.unwrap().unwrap().action, "draft-file-deleted");
    assert_eq!(catalog.draft_file(draft.id, "f00001.txt").await.unwrap(), None);
    assert_eq!(catalog.draft_files(draft.id, 0, None).await.unwrap().len(), 2499);
    assert_eq!(catalog.draft_files_summary(draft.id).await.unwrap(), (2499, 3), "pending files count, without bytes yet");
    let asked = ["f00000.txt", "f00001.txt", "nothing.txt", "f02499.txt"];
    assert_eq!(catalog.draft_keys_among(draft.id, &asked).await.unwrap(), ["f00000.txt", "f02499.txt"]);
    let every: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(catalog.draft_keys_among(draft.id, &every).await.unwrap().len(), 2499, "asked in several batches");
    // Files carried from storage whose content a purge erased leave the dataset's drafts,
    // asked a thousand digests at a time; a staged copy of the same bytes stays.
    let carried: Vec<DraftFileRow> = (0..1500)
        .map(|i| DraftFileRow {
            key: format!("carried/{i:04}"),
            status: "completed".into(),
            sha512: Some(format!("c{i}")),
            staged: false,
            ..files[0].clone()
        })
        .collect();
    let staged_copy = DraftFileRow { key: "staged-copy".into(), staged: true, ..carried[0].clone() };
    catalog.insert_draft_files(&[carried.as_slice(), std::slice::from_ref(&staged_copy)].concat(), &[]).await.unwrap();
    let erased: Vec<String> = (0..1200).map(|i| format!("c{i}")).collect();
    assert_eq!(catalog.drop_carried_draft_files(ParentId(9999), &erased).await.unwrap(), 0, "another dataset's drafts");
    assert_eq!(catalog.drop_carried_draft_files(draft.parent_id, &erased).await.unwrap(), 1200);
    totals_agree(&catalog, draft.id).await;
    let left = catalog.draft_keys_among(draft.id, &["carried/1199", "carried/1200", "staged-copy"]).await.unwrap();
    assert_eq!(left, ["carried/1200", "staged-copy"]);
    // The staging area keeps what staged files name, not what carried ones do; content is
    // named while any staged file has it.
    let staged = catalog.staged_digests(draft.id).await.unwrap();
    assert!(staged.contains("c0") && !staged.contains("c1200"), "{staged:?}");
    let staged_twice = DraftFileRow { key: "staged-twice".into(), ..staged_copy.clone() };
    catalog.insert_draft_files(std::slice::from_ref(&staged_twice), &[]).await.unwrap();
    assert!(catalog.delete_draft_file(draft.id, "staged-copy", vec![]).await.unwrap());
    assert!(catalog.staged_digests(draft.id).await.unwrap().contains("c0"));
    assert!(catalog.delete_draft_file(draft.id, "staged-twice", vec![]).await.unwrap());
    assert!(!catalog.staged_digests(draft.id).await.unwrap().contains("c0"));
    let rest: Vec<String> = (1200..1500).map(|i| format!("c{i}")).collect();
    assert_eq!(catalog.drop_carried_draft_files(draft.parent_id, &rest).await.unwrap(), 300);

    // Resumable uploads: acknowledged bytes, then the file joins the draft in one step.
    let upload = UploadRow {
        id: "u1".into(),
        owner_id: user.id,
        draft_id: draft.id,
        key: "f00002.txt".into(),
        length: 10,
        received: 0,
        metadata: "filename ZjAwMDAyLnR4dA==".into(),
        created: NOW.into(),
        expires: "2026-01-02T00:00:00Z".into(),
        completed: None,
        part_size: None,
    };
    catalog.insert_upload(&upload).await.unwrap();
    catalog.insert_upload(&UploadRow { id: "u2".into(), key: "new/file.bin".into(), ..upload.clone() }).await.unwrap();
    catalog.insert_upload(&UploadRow { id: "u3".into(), key: "f00000.txt".into(), ..upload.clone() }).await.unwrap();
    catalog.set_upload_received("u1", 4, "2026-01-03T00:00:00Z").await.unwrap();
    let found = catalog.upload("u1").await.unwrap().unwrap();
    assert_eq!((found.received, found.expires.as_str()), (4, "2026-01-03T00:00:00Z"));
    let finished = |key: &str| DraftFileRow {
        key: key.into(),
        status: "completed".into(),
        size: Some(10),
        md5: Some("m".into()),
        sha512: Some("s".into()),
        updated: "2026-01-02T12:00:00Z".into(),
        ..files[2].clone()
    };
    catalog.complete_upload(&found, &finished("f00002.txt"), vec![]).await.unwrap();
    let found = catalog.upload("u1").await.unwrap().unwrap();
    assert_eq!((found.received, found.completed.as_deref()), (10, Some("2026-01-02T12:00:00Z")));
    assert_eq!(catalog.draft_file(draft.id, "f00002.txt").await.unwrap(), Some(finished("f00002.txt")));
    totals_agree(&catalog, draft.id).await;
    // A key the draft did not declare is declared by its upload; a committed one is kept.
    let u2 = UploadRow { expires: "2026-01-09T00:00:00Z".into(), ..catalog.upload("u2").await.unwrap().unwrap() };
    // The file's audit entry is written with it, and not at all when it is refused.
    let (before, _) = catalog.audit_head().await.unwrap();
    catalog.complete_upload(&u2, &finished("new/file.bin"), vec![entry("draft-file-committed")]).await.unwrap();
    assert_eq!(catalog.draft_file(draft.id, "new/file.bin").await.unwrap().map(|f| f.status), Some("completed".into()));
    totals_agree(&catalog, draft.id).await;
    let u3 = catalog.upload("u3").await.unwrap().unwrap();
    let refused = catalog.complete_upload(&u3, &finished("f00000.txt"), vec![entry("never")]).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    assert_eq!(catalog.audit_head().await.unwrap().0, before + 1);
    assert_eq!(catalog.draft_file(draft.id, "f00000.txt").await.unwrap(), Some(done.clone()));
    assert_eq!(catalog.upload("u3").await.unwrap().unwrap().completed, None);
    let expired = catalog.expired_uploads("2026-01-02T06:00:00Z", 10).await.unwrap();
    assert_eq!(expired.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["u3"]);
    catalog.delete_upload("u3").await.unwrap();
    catalog.delete_draft_file(draft.id, "new/file.bin", vec![]).await.unwrap();
    let mut ids = catalog.upload_ids().await.unwrap();
    ids.sort();
    assert_eq!(ids, ["u1", "u2"]);
    // A multipart transfer is declared with its file; its parts are recorded as they arrive.
    let parted = DraftFileRow { key: "parted.bin".into(), ..files[3].clone() };
    let multipart = UploadRow { id: "m1".into(), key: "parted.bin".into(), length: 25, part_size: Some(10), ..upload.clone() };
    catalog.insert_draft_files(std::slice::from_ref(&parted), std::slice::from_ref(&multipart)).await.unwrap();
    let refused = catalog.insert_draft_files(std::slice::from_ref(&parted), &[UploadRow { id: "m2".into(), ..multipart.clone() }]).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    assert_eq!(catalog.upload("m2").await.unwrap(), None, "a refused declaration starts no transfer");
    assert_eq!(catalog.multipart_upload(draft.id, "parted.bin").await.unwrap(), Some(multipart.clone()));
    assert_eq!(catalog.multipart_upload(draft.id, "f00002.txt").await.unwrap(), None, "a tus upload is not a multipart transfer");
    assert_eq!(catalog.multipart_uploads(draft.id).await.unwrap(), std::slice::from_ref(&multipart));
    let stored = catalog.draft_file(draft.id, "parted.bin").await.unwrap().unwrap();
    assert_eq!(catalog.draft_file_and_transfer(draft.id, "parted.bin").await.unwrap(), Some((stored, Some("m1".into()))));
    let tus = catalog.draft_file_and_transfer(draft.id, "f00002.txt").await.unwrap();
    assert_eq!(
        tus.map(|(file, transfer)| (file.key, transfer)),
        Some(("f00002.txt".into(), None)),
        "a tus upload is not a multipart transfer"
    );
    assert_eq!(catalog.draft_file_and_transfer(draft.id, "no-such-file").await.unwrap(), None);
    catalog.record_part("m1", 3, 5, "2026-01-04T00:00:00Z").await.unwrap();
    catalog.record_part("m1", 1, 10, "2026-01-04T00:00:00Z").await.unwrap();
    catalog.record_part("m1", 1, 10, "2026-01-05T00:00:00Z").await.unwrap();
    assert_eq!(catalog.upload_parts("m1").await.unwrap(), [1, 3]);
    assert_eq!(catalog.upload("m1").await.unwrap().unwrap().expires, "2026-01-05T00:00:00Z");
    catalog.delete_upload("m1").await.unwrap();
    assert!(catalog.upload_parts("m1").await.unwrap().is_empty(), "parts go with their upload");
    assert_eq!(catalog.draft_file_and_transfer(draft.id, "parted.bin").await.unwrap().and_then(|(_, transfer)| transfer), None);
    catalog.delete_draft_file(draft.id, "parted.bin", vec![]).await.unwrap();
    totals_agree(&catalog, draft.id).await;

    // Publishing replaces the draft with a record in one transaction and clears the journal.
    catalog.begin_commit(ParentId(101), NOW).await.unwrap();
    catalog.begin_commit(ParentId(101), NOW).await.unwrap();
    assert_eq!(catalog.pending_commits().await.unwrap(), [ParentId(101)]);
    let record = RecordRow {
        id: draft.id,
        parent_id: ParentId(101),
        version_index: 1,
        owner_id: Some(user.id),
        org_id: Some(org.id.clone()),
        ocfl_version: 1,
        doc: "{\"r\":1}".into(),
        created: NOW.into(),
        updated: NOW.into(),
    };
    // Given out of order, with keys that collations sort differently (case, accents).
    let record_files: Vec<FileRow> = (0..1500)
        .rev()
        .map(|i| FileRow {
            key: format!("{}{i:04}", ["K", "k", "é"][i as usize % 3]),
            size: i,
            md5: "m".into(),
            sha512: "s".into(),
            content_key: format!("o/v1/content/{i}"),
        })
        .collect();
    catalog
        .apply_published(&record, Some(RecordFiles::present(&record_files)), Some(draft.id), &sets(&["org", "org:x"]), Vec::new())
        .await
        .unwrap();
    assert_eq!(catalog.draft(draft.id).await.unwrap(), None);
    assert!(catalog.draft_files(draft.id, 0, None).await.unwrap().is_empty());
    assert!(catalog.upload_ids().await.unwrap().is_empty(), "a published draft's uploads go with it");
    assert!(catalog.pending_commits().await.unwrap().is_empty());
    assert_eq!(catalog.record(record.id).await.unwrap(), Some(record.clone()));
    let (page, total) = catalog.record_files(record.id, 1498, Some(10)).await.unwrap();
    assert_eq!((page.len(), total), (2, 1500));
    // Page by page, the list is in byte order of the keys, on every engine.
    let mut listed = Vec::new();
    for offset in (0..1500).step_by(100) {
        listed.extend(catalog.record_files(record.id, offset, Some(100)).await.unwrap().0.into_iter().map(|f| f.key));
    }
    let mut expected: Vec<String> = record_files.iter().map(|f| f.key.clone()).collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(catalog.record_files_summary(record.id).await.unwrap(), (1500, (0..1500).sum::<i64>()));
    assert_eq!(catalog.record_file(record.id, "k0007").await.unwrap().map(|f| f.size), Some(7));
    let asked: Vec<String> = expected.iter().cloned().chain(["absent".to_string()]).collect();
    let asked: Vec<&str> = asked.iter().map(String::as_str).rev().collect();
    let among = catalog.record_files_among(record.id, &asked).await.unwrap();
    assert_eq!(among.len(), asked.len() - 1, "several batches, and no row for a key the record lacks");
    assert!(among.iter().all(|(ordinal, file)| expected[*ordinal as usize] == file.key), "each with its position in key order");
    assert!(among.windows(2).all(|pair| pair[0].0 < pair[1].0));

    // A metadata edit replaces the row and keeps the files.
    let edited = RecordRow { ocfl_version: 2, doc: "{\"r\":2}".into(), ..record.clone() };
    catalog.apply_published(&edited, None, None, &sets(&["org", "org:x", "type"]), Vec::new()).await.unwrap();
    assert_eq!(catalog.record(record.id).await.unwrap(), Some(edited));
    assert_eq!(catalog.record_files_summary(record.id).await.unwrap().0, 1500);

    // A new version's draft starts with the published files, carried by reference.
    let next = DraftRow { id: RecordId(104), kind: "version".into(), created: "2026-01-03T00:00:00Z".into(), ..draft.clone() };
    catalog.insert_draft(&next, Some(record.id), vec![]).await.unwrap();
    assert_eq!(catalog.draft_files_summary(next.id).await.unwrap(), (1500, (0..1500).sum::<i64>()));
    let carried = catalog.draft_file(next.id, "k0007").await.unwrap().unwrap();
    assert_eq!(
        (carried.status.as_str(), carried.size, carried.sha512.as_deref(), carried.staged, carried.updated.as_str()),
        ("completed", Some(7), Some("s"), false, "2026-01-03T00:00:00Z")
    );
    let before = audited(&catalog).await;
    catalog.delete_draft(next.id, vec![entry("draft-discarded")]).await.unwrap();
    assert_eq!(catalog.draft_files_summary(next.id).await.unwrap(), (0, 0));
    assert_eq!(audited(&catalog).await, before + 1);
    // Its totals went with it: a draft of the same id starts afresh.
    catalog.insert_draft(&next, Some(record.id), vec![]).await.unwrap();
    totals_agree(&catalog, next.id).await;
    assert!(catalog.delete_draft_file(next.id, "k0007", vec![]).await.unwrap());
    assert_eq!(catalog.draft_files_summary(next.id).await.unwrap(), (1499, (0..1500).sum::<i64>() - 7));
    // Importing the record's files brings back only the one the draft lost, with its entry.
    let before = audited(&catalog).await;
    let imported = catalog.import_draft_files(next.id, record.id, NOW, |n| vec![entry(&format!("imported {n}"))]).await.unwrap();
    assert_eq!(imported, 1);
    assert_eq!(catalog.audit_entry(before + 1).await.unwrap().unwrap().action, "imported 1");
    assert_eq!(catalog.draft_file(next.id, "k0007").await.unwrap().map(|f| (f.staged, f.size)), Some((false, Some(7))));
    assert_eq!(catalog.import_draft_files(next.id, record.id, NOW, |_| vec![]).await.unwrap(), 0, "nothing more to bring");
    totals_agree(&catalog, next.id).await;
    // A carried file's content is found among its dataset's published files by digest.
    let stored = catalog.stored_content_key(ParentId(101), "s").await.unwrap();
    assert!(stored.as_deref().is_some_and(|key| key.starts_with("o/v1/content/")), "{stored:?}");
    assert_eq!(catalog.stored_content_key(ParentId(101), "t").await.unwrap(), None);
    assert_eq!(catalog.stored_content_key(ParentId(9999), "s").await.unwrap(), None, "another dataset's");
    catalog.delete_draft(next.id, vec![]).await.unwrap();
    assert_eq!(catalog.draft_files_summary(next.id).await.unwrap(), (0, 0));

    let second = RecordRow { id: RecordId(103), version_index: 2, ..record.clone() };
    catalog.apply_published(&second, Some(RecordFiles::present(&[])), None, &sets(&["type", "type:image"]), Vec::new()).await.unwrap();
    let versions: Vec<i64> = catalog.records_of_parent(ParentId(101)).await.unwrap().iter().map(|r| r.version_index).collect();
    assert_eq!(versions, [1, 2]);
    let of_org: Vec<RecordId> = catalog.records_of_org(&org.id).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(of_org, [record.id, second.id]);
    assert!(catalog.records_of_org(&OrgId("elsewhere".into())).await.unwrap().is_empty());
    let files = catalog.files_of_records(&[second.id, record.id]).await.unwrap();
    assert_eq!((files.len(), files[0].0, files[0].1.key.as_str()), (1500, record.id, "K0000"));
    let by_ids: Vec<RecordId> =
        catalog.records_by_ids(&[RecordId(103), RecordId(999), RecordId(102)]).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(by_ids, [RecordId(103), RecordId(102)]);

    // Dashboards' counts: versions published by month, downloads by month, bytes stored.
    assert_eq!(catalog.monthly_deposits(&org.id, "2025-02").await.unwrap(), [("2026-01".to_string(), 2)]);
    assert!(catalog.monthly_deposits(&org.id, "2026-02").await.unwrap().is_empty());
    let month = "2026-01".to_string();
    let counts = [(ParentId(101), month.clone(), 2), (ParentId(101), month.clone(), 3), (ParentId(9999), month.clone(), 7)];
    catalog.add_downloads(&counts).await.unwrap();
    catalog.add_downloads(&[(ParentId(101), "2025-12".into(), 1)]).await.unwrap();
    assert_eq!(catalog.monthly_downloads(&org.id, "2025-12").await.unwrap(), [("2025-12".to_string(), 1), (month.clone(), 5)]);
    assert_eq!(catalog.monthly_downloads(&org.id, "2026-01").await.unwrap(), [(month, 5)]);
    let stored = catalog.storage_by_org().await.unwrap();
    assert!(stored.contains(&(Some(org.id.clone()), (0..1500).sum::<i64>(), 1500)), "{stored:?}");
    // Grants to the organization's datasets, and to those a person stewards by name.
    let to_org = catalog.insert_grant(&GrantRow { parent_id: ParentId(101), ..grant.clone() }).await.unwrap();
    assert_eq!(catalog.grants_of_org(&org.id).await.unwrap().iter().map(|g| g.id).collect::<Vec<_>>(), [to_org]);
    let stewarded: Vec<GrantId> = catalog.grants_for_steward(user.id).await.unwrap().iter().map(|g| g.id).collect();
    assert!(stewarded.len() == 2 && stewarded[0] == grant_id, "the grants to dataset 500, which Ada stewards: {stewarded:?}");
    assert!(catalog.grants_for_steward(grace.id).await.unwrap().is_empty());
    let owned: Vec<RecordId> = catalog.records_of_owner(user.id, None, 0, 10).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(owned.len(), 2);
    assert!(owned[0] > owned[1], "newest first");
    let older = catalog.records_of_owner(user.id, Some(owned[0]), 0, 10).await.unwrap();
    assert_eq!(older.iter().map(|r| r.id).collect::<Vec<_>>(), [owned[1]]);
    assert_eq!(catalog.records_of_owner(user.id, None, 0, 1).await.unwrap().len(), 1);
    let skipped = catalog.records_of_owner(user.id, None, 1, 10).await.unwrap();
    assert_eq!(skipped.iter().map(|r| r.id).collect::<Vec<_>>(), [owned[1]], "a numbered page skips the newer ones");
    assert_eq!(catalog.count_records_of_owner(user.id).await.unwrap(), 2);
    assert_eq!(catalog.records_of_owner(UserId(999), None, 0, 10).await.unwrap().len(), 0);
    assert_eq!(catalog.count_records_of_owner(UserId(999)).await.unwrap(), 0);
    assert_eq!(catalog.record_ids_after(102, 10).await.unwrap(), [RecordId(103)]);
    let mut stats = catalog.record_stats(&[RecordId(103), RecordId(999), RecordId(102)]).await.unwrap();
    stats.sort_by_key(|s| s.id);
    let files_bytes = (0..1500).sum::<i64>();
    assert_eq!(
        stats,
        [
            RecordStats {
                id: RecordId(102),
                latest_id: RecordId(103),
                versions_count: 2,
                files_count: 1500,
                files_bytes,
                taken_down: false
            },
            RecordStats {
                id: RecordId(103),
                latest_id: RecordId(103),
                versions_count: 2,
                files_count: 0,
                files_bytes: 0,
                taken_down: false
            },
        ]
    );
    // A search page's hits: rows and the same figures in one query, in the order asked for.
    let hits = catalog.records_with_stats(&[RecordId(103), RecordId(999), RecordId(102)]).await.unwrap();
    assert_eq!(hits.iter().map(|(row, _)| row.id).collect::<Vec<_>>(), [RecordId(103), RecordId(102)]);
    assert_eq!(hits[0].0, catalog.record(RecordId(103)).await.unwrap().unwrap());
    assert_eq!([hits[1].1, hits[0].1], [stats[0], stats[1]]);

    // The OAI-PMH feed: in the order of the last change, resumable after any item's place,
    // by set, and told of takedowns in the same transaction.
    let feed = |range: OaiRange, after: Option<i64>| {
        let catalog = catalog.clone();
        async move {
            let items = catalog.oai_items(&range, after, 10).await.unwrap();
            items.into_iter().map(|i| (i.record_id.0, i.datestamp, i.deleted, i.sets, i.seq)).collect::<Vec<_>>()
        }
    };
    let all = feed(OaiRange::default(), None).await;
    let ids: Vec<i64> = all.iter().map(|i| i.0).collect();
    assert_eq!(ids, [102, 103], "the edit moved 102 behind its first publication");
    assert_eq!((all[0].1.as_str(), all[0].2, all[0].3.clone()), (NOW, false, sets(&["org", "org:x", "type"])));
    let after_first = Some(all[0].4);
    assert_eq!(feed(OaiRange::default(), after_first).await.iter().map(|i| i.0).collect::<Vec<_>>(), [103]);
    let images = OaiRange { set: Some("type:image".into()), ..OaiRange::default() };
    assert_eq!(feed(images.clone(), None).await.iter().map(|i| i.0).collect::<Vec<_>>(), [103]);
    assert_eq!(catalog.oai_count(&OaiRange { set: Some("type".into()), ..OaiRange::default() }).await.unwrap(), 2);
    assert_eq!(catalog.oai_count(&OaiRange { until: Some("2025-12-31T23:59:59Z".into()), ..OaiRange::default() }).await.unwrap(), 0);
    assert_eq!(catalog.oai_sets().await.unwrap(), sets(&["org", "org:x", "type", "type:image"]));
    assert_eq!(catalog.oai_earliest().await.unwrap().as_deref(), Some(NOW));
    let ids_of = |items: Vec<(i64, String, bool, Vec<String>, i64)>| items.iter().map(|i| i.0).collect::<Vec<_>>();
    assert_eq!(ids_of(feed(OaiRange { until: Some(NOW.into()), ..OaiRange::default() }, None).await), [102, 103]);
    assert!(feed(OaiRange { from: Some("2026-01-01T00:00:01Z".into()), ..OaiRange::default() }, None).await.is_empty());
    let later = "2026-01-02T10:00:00.5Z";
    let found = catalog.record_for_download(RecordId(102), "k0007").await.unwrap().unwrap();
    assert_eq!(
        (found.record.id, found.file.as_ref().map(|f| (f.size, f.content_key.as_str())), found.taken_down),
        (RecordId(102), Some((7, "o/v1/content/7")), false)
    );
    catalog.place_takedown(ParentId(101), None, "court order", None, later, |_| Vec::new()).await.unwrap();
    assert!(catalog.record_for_download(RecordId(102), "k0007").await.unwrap().unwrap().taken_down, "a download sees the takedown");
    assert!(catalog.records_with_stats(&[RecordId(102)]).await.unwrap()[0].1.taken_down, "so does a search");
    assert!(catalog.record_stats(&[RecordId(103)]).await.unwrap()[0].taken_down, "and a view");
    assert!(catalog.record_for_download(RecordId(102), "no such file").await.unwrap().unwrap().file.is_none());
    assert!(catalog.record_for_download(RecordId(999), "k0007").await.unwrap().is_none());
    assert_eq!(catalog.taken_down_parents().await.unwrap(), [ParentId(101)]);
    let taken = feed(OaiRange::default(), after_first).await;
    assert_eq!(
        taken.iter().map(|i| (i.0, i.1.as_str(), i.2)).collect::<Vec<_>>(),
        [(102, "2026-01-02T10:00:00Z", true), (103, "2026-01-02T10:00:00Z", true)]
    );
    assert!(feed(images, None).await[0].2, "sets keep their items through a takedown");
    let since = OaiRange { from: Some("2026-01-02T10:00:00Z".into()), set: Some("type:image".into()), ..OaiRange::default() };
    assert_eq!(ids_of(feed(since, None).await), [103]);
    assert!(feed(OaiRange { until: Some(NOW.into()), ..OaiRange::default() }, None).await.is_empty(), "the takedown moved both");
    // A clock that went back does not move datestamps backwards.
    catalog.lift_takedown(ParentId(101), "restored", None, NOW, Vec::new()).await.unwrap();
    assert!(!catalog.record_for_download(RecordId(102), "k0007").await.unwrap().unwrap().taken_down, "nor once it is lifted");
    assert!(catalog.taken_down_parents().await.unwrap().is_empty(), "a lifted takedown is no longer in force");
    let restored = catalog.oai_item(RecordId(102)).await.unwrap().unwrap();
    assert_eq!((restored.datestamp.as_str(), restored.deleted, restored.doc.as_str()), ("2026-01-02T10:00:00Z", false, "{\"r\":2}"));
    assert!(catalog.records_missing_from_oai(10).await.unwrap().is_empty());

    // The audit trail: numbered and chained on append, also when many append at once.
    // The first entry, written above with the change it records, is chained from the start.
    assert_eq!(catalog.audit_entry(1).await.unwrap().unwrap().prev, GENESIS);
    let (earlier, _) = catalog.audit_head().await.unwrap();
    let read = |n: usize| AuditEntry {
        at: NOW.into(),
        action: "read-files".into(),
        target: format!("t{n}"),
        outcome: "allowed".into(),
        detail: "{}".into(),
        ..AuditEntry::default()
    };
    let first = catalog.append_audit(vec![read(1), read(2)]).await.unwrap();
    assert_eq!((first[0].seq, first[1].seq, first[1].prev.as_str()), (earlier + 1, earlier + 2, first[0].hash.as_str()));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let catalog = catalog.clone();
            tokio::spawn(async move {
                for n in 0..5 {
                    catalog.append_audit(vec![read(w * 10 + n)]).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let (mut walk, mut seen) = (ChainWalk::default(), 0);
    loop {
        let page = catalog.audit_entries(walk.seq, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        for entry in &page {
            walk.next(entry).unwrap();
            seen += 1;
        }
    }
    assert_eq!(seen, earlier + 42);
    assert_eq!(catalog.audit_head().await.unwrap(), (walk.seq, walk.hash.clone()));
    assert_eq!(catalog.audit_entry(earlier + 2).await.unwrap(), Some(first[1].clone()));
    assert_eq!(catalog.audit_entry(earlier + 43).await.unwrap(), None);
    // An organization's trail: entries about its datasets, and those naming it as their target.
    let of_dataset = AuditEntry { dataset: Some(101), ..read(100) };
    let of_other = AuditEntry { dataset: Some(7), ..read(101) };
    let about_org = AuditEntry { target: "organization x".into(), ..read(102) };
    catalog.append_audit(vec![of_dataset, of_other, about_org]).await.unwrap();
    let day = ("2026-01-01", "2026-01-02");
    let trail = catalog.audit_of_org(&org.id, "organization x", day, None, 10).await.unwrap();
    assert_eq!(trail.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(), ["t100", "organization x"], "{trail:?}");
    let rest = catalog.audit_of_org(&org.id, "organization x", day, Some((&trail[0].at, trail[0].seq)), 1).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.seq).collect::<Vec<_>>(), [trail[1].seq], "paged by time and number");
    assert!(catalog.audit_of_org(&org.id, "organization x", ("2026-01-02", "2026-01-03"), None, 10).await.unwrap().is_empty());

    harvesting(&catalog).await;

    // Storage totals: a new version keeps one file and adds one, and each content counts once;
    // a dataset moved to no organization by a metadata edit takes its bytes along.
    let museum = OrgId("museum".into());
    let first_version = RecordRow { id: RecordId(900), parent_id: ParentId(900), org_id: Some(museum.clone()), ..record.clone() };
    let file =
        |key: &str, size: i64| FileRow { key: key.into(), size, md5: "m".into(), sha512: "s".into(), content_key: format!("m/{key}") };
    catalog
        .apply_published(&first_version, Some(RecordFiles::present(&[file("a", 10), file("b", 20)])), None, &[], Vec::new())
        .await
        .unwrap();
    let next_version = RecordRow { id: RecordId(901), version_index: 2, ..first_version.clone() };
    catalog
        .apply_published(&next_version, Some(RecordFiles::present(&[file("a", 10), file("c", 5)])), None, &[], Vec::new())
        .await
        .unwrap();
    let of = |stored: &[(Option<OrgId>, i64, i64)], org: Option<&OrgId>| {
        stored.iter().find(|(o, _, _)| o.as_ref() == org).map(|(_, bytes, files)| (*bytes, *files))
    };
    let stored = catalog.storage_by_org().await.unwrap();
    assert_eq!(of(&stored, Some(&museum)), Some((35, 3)), "{stored:?}");
    let unowned = of(&stored, None).unwrap_or_default();
    let moved = RecordRow { org_id: None, ocfl_version: 2, ..next_version.clone() };
    catalog.apply_published(&moved, None, None, &[], Vec::new()).await.unwrap();
    let stored = catalog.storage_by_org().await.unwrap();
    assert_eq!(of(&stored, Some(&museum)), Some((0, 0)), "{stored:?}");
    assert_eq!(of(&stored, None), Some((unowned.0 + 35, unowned.1 + 3)), "{stored:?}");

    // Tombstones: a record's deleted files are kept apart from its document, listed by
    // deletion and then key a page at a time, and replaced with its files; an edit keeps them.
    let tombstone = |key: &str, deletion: i64| DeletedFileRow { key: key.into(), deletion, size: 1, md5: "m".into(), sha512: "s".into() };
    let many: Vec<DeletedFileRow> = (0..1500).map(|i| tombstone(&format!("f{i:04}"), 1)).chain([tombstone("z", 0)]).collect();
    let kept = [file("a", 10), file("b", 20)];
    catalog
        .apply_published(&first_version, Some(RecordFiles { present: Present::Rows(&kept), deleted: &many }), None, &[], Vec::new())
        .await
        .unwrap();
    let keys = |page: Vec<DeletedFileRow>| page.into_iter().map(|t| (t.key, t.deletion)).collect::<Vec<_>>();
    let first_page = catalog.deleted_files(first_version.id, 0, 2).await.unwrap();
    assert_eq!(keys(first_page), [("z".to_string(), 0), ("f0000".to_string(), 1)], "by deletion, then key");
    let last_page = catalog.deleted_files(first_version.id, 1500, 10).await.unwrap();
    assert_eq!(keys(last_page), [("f1499".to_string(), 1)], "a late page, after two batches");
    assert_eq!(catalog.deleted_file(first_version.id, "f0700").await.unwrap(), Some(tombstone("f0700", 1)));
    assert_eq!(catalog.deleted_file(first_version.id, "a").await.unwrap(), None, "a file it has");
    assert_eq!(catalog.deleted_file(next_version.id, "z").await.unwrap(), None, "another version's");
    catalog.apply_published(&RecordRow { ocfl_version: 3, ..first_version.clone() }, None, None, &[], Vec::new()).await.unwrap();
    assert!(catalog.deleted_file(first_version.id, "z").await.unwrap().is_some(), "an edit keeps them");
    let fewer = [tombstone("y", 0)];
    catalog
        .apply_published(&first_version, Some(RecordFiles { present: Present::Rows(&kept), deleted: &fewer }), None, &[], Vec::new())
        .await
        .unwrap();
    assert_eq!(catalog.deleted_files(first_version.id, 0, 10).await.unwrap(), fewer, "replaced");

    // A retention schedule is added and removed with its audit entries; removing it again
    // appends nothing.
    let before = audited(&catalog).await;
    let schedule = ScheduleRow {
        id: 0,
        org_id: Some(org.id.clone()),
        data_class: Some("restricted".into()),
        years: 10,
        anchor: "publication".into(),
        action: "review".into(),
        note: "a test".into(),
        created_by: Some(user.id),
        created: NOW.into(),
    };
    let schedule_id = catalog.insert_schedule(&schedule, |id| vec![entry(&format!("retention-schedule-added {id}"))]).await.unwrap();
    assert_eq!(catalog.schedule(schedule_id).await.unwrap(), Some(ScheduleRow { id: schedule_id, ..schedule }));
    assert!(catalog.delete_schedule(schedule_id, vec![entry("retention-schedule-removed")]).await.unwrap());
    assert!(!catalog.delete_schedule(schedule_id, vec![entry("never")]).await.unwrap());
    assert_eq!(audited(&catalog).await, before + 2);
    assert_eq!(catalog.audit_entry(before + 1).await.unwrap().unwrap().action, format!("retention-schedule-added {schedule_id}"));

    // An incident report is filed and moved with its audit entries; a closed one moves no more.
    let before = audited(&catalog).await;
    let report = ReportRow {
        id: 0,
        record_id: RecordId(501),
        parent_id: ParentId(500),
        kind: "other".into(),
        description: "a test".into(),
        reporter_id: Some(user.id),
        reporter_email: None,
        status: "open".into(),
        outcome: None,
        note: None,
        created: NOW.into(),
        updated: NOW.into(),
    };
    let report_id = catalog.insert_report(&report, |id| vec![entry(&format!("problem-reported {id}"))]).await.unwrap();
    assert_eq!(catalog.audit_entry(before + 1).await.unwrap().unwrap().action, format!("problem-reported {report_id}"));
    assert!(catalog.update_report(report_id, ("closed", Some("dismissed"), None), NOW, vec![entry("report-triaged")]).await.unwrap());
    assert!(!catalog.update_report(report_id, ("open", None, None), NOW, vec![entry("never")]).await.unwrap(), "closed already");
    // A download is checked once, with its entry.
    let check = CheckRow {
        seq: 1,
        org_id: org.id.clone(),
        checked_by: Some(user.id),
        checked: NOW.into(),
        verdict: "fine".into(),
        finding: String::new(),
    };
    assert!(catalog.insert_check(&check, vec![entry("download-checked")]).await.unwrap());
    assert!(!catalog.insert_check(&check, vec![entry("never")]).await.unwrap(), "checked already");
    assert_eq!(audited(&catalog).await, before + 3);

    // Records that set their own date for deleting their files, which a sweep with no schedule
    // reads alone; a JSON null or a retention block without the date does not count.
    assert!(catalog.records_with_own_deletion_after(0, 10).await.unwrap().is_empty(), "no record so far sets one");
    let retention = [
        (950, r#"{"access":{"retention":{"delete_files_on":"2030-01-01"}}}"#),
        (951, r#"{"access":{"retention":{"reason":"audit"}}}"#),
        (952, r#"{"access":{"retention":{"delete_files_on":"2031-01-01","reason":"audit"}}}"#),
        (953, r#"{"access":{"retention":{"delete_files_on":null}}}"#),
    ];
    for (id, doc) in retention {
        let dated = RecordRow { id: RecordId(id), parent_id: ParentId(id), doc: doc.into(), ..record.clone() };
        catalog.apply_published(&dated, Some(RecordFiles::present(&[])), None, &[], Vec::new()).await.unwrap();
    }
    assert_eq!(catalog.records_with_own_deletion_after(0, 10).await.unwrap(), [RecordId(950), RecordId(952)]);
    assert_eq!(catalog.records_with_own_deletion_after(950, 1).await.unwrap(), [RecordId(952)]);
    assert!(catalog.records_with_own_deletion_after(952, 10).await.unwrap().is_empty());

    catalog.clear_records().await.unwrap();
    assert!(catalog.storage_by_org().await.unwrap().is_empty(), "storage totals are derived, and rebuilt with the records");
    assert!(catalog.monthly_deposits(&org.id, "2025-01").await.unwrap().is_empty(), "versions are counted again by the rebuild");
    assert_eq!(catalog.monthly_downloads(&org.id, "2025-01").await.unwrap().len(), 2, "downloads are not in storage, so they are kept");
    assert_eq!(catalog.record(record.id).await.unwrap(), None);
    assert!(catalog.deleted_files(first_version.id, 0, 10).await.unwrap().is_empty(), "tombstones are rebuilt with the records");
    assert_eq!(catalog.remote_record_counts().await.unwrap().len(), 1, "harvested records are not rebuilt from storage; they stay");
    assert_eq!(catalog.user_by_email("ada@example.org").await.unwrap().map(|u| u.id), Some(user.id), "users survive a rebuild");
    catalog.ping().await.unwrap();
}

/// Harvest sources, pages of harvested records with the harvest's place, and their removal.
async fn harvesting(catalog: &Catalog) {
    let source = HarvestSourceRow {
        id: 0,
        name: "partner".into(),
        base_url: "https://p.example/oai".into(),
        set_spec: String::new(),
        metadata_prefix: "oai_dc".into(),
        repository_name: "Partner Archive".into(),
        seconds: true,
        created: NOW.into(),
        harvested_from: None,
        resume_token: None,
        list_started: None,
        last_finished: None,
        deleted_record: "no".into(),
        list_full: false,
        last_full: None,
    };
    let id = catalog.add_harvest_source(&source).await.unwrap();
    assert!(matches!(catalog.add_harvest_source(&source).await, Err(Error::Conflict { .. })));
    let other =
        catalog.add_harvest_source(&HarvestSourceRow { name: "other".into(), set_spec: "type".into(), ..source.clone() }).await.unwrap();
    let doc = |title: &str| format!(r#"{{"metadata":{{"title":"{title}"}}}}"#);
    let changed: Vec<(String, String, String)> = (1..=3).map(|n| (format!("oai:p:{n}"), NOW.to_string(), doc(&format!("R{n}")))).collect();
    let midway = HarvestProgress { resume_token: Some("t1".into()), list_started: Some(NOW.into()), list_full: true };
    let (stored, removed) = catalog.save_harvest_page(id, (&changed, NOW), &[], &midway).await.unwrap();
    assert_eq!((stored.len(), removed.len()), (3, 0));
    let found = catalog.harvest_source(id).await.unwrap().unwrap();
    assert_eq!((found.resume_token.as_deref(), found.list_started.as_deref(), found.list_full), (Some("t1"), Some(NOW), true));
    assert_eq!(found.deleted_record, "no");
    // A record seen again is updated in place; a deleted one goes, and an unknown deletion is no error.
    let again = vec![("oai:p:2".to_string(), "2026-02-01T00:00:00Z".to_string(), doc("R2 again"))];
    let deleted = vec!["oai:p:3".to_string(), "oai:p:9".to_string()];
    let done = HarvestProgress::default();
    let (restored, removed) = catalog.save_harvest_page(id, (&again, NOW), &deleted, &done).await.unwrap();
    assert_eq!((restored, removed), (vec![stored[1]], vec![stored[2]]));
    let rows = catalog.remote_records_by_ids(&[stored[1], stored[0], stored[2]]).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| (r.identifier.as_str(), r.doc.contains("again"))).collect::<Vec<_>>(),
        [("oai:p:2", true), ("oai:p:1", false)]
    );
    catalog.save_harvest_page(other, (&changed[..1], NOW), &[], &done).await.unwrap();
    assert_eq!(catalog.remote_ids_after(0, 10).await.unwrap().len(), 3);
    assert_eq!(catalog.remote_ids_after(stored[0], 1).await.unwrap(), [stored[1]]);
    let mut counts = catalog.remote_record_counts().await.unwrap();
    counts.sort();
    assert_eq!(counts, [(id, 2), (other, 1)]);
    assert_eq!(catalog.finish_harvest(id, NOW, "2026-01-01T00:05:00Z", false).await.unwrap(), Vec::<i64>::new());
    let found = catalog.harvest_source(id).await.unwrap().unwrap();
    assert_eq!((found.harvested_from.as_deref(), found.last_finished.as_deref()), (Some(NOW), Some("2026-01-01T00:05:00Z")));
    assert_eq!(found.last_full, None, "that list asked only for changes");
    // A later list of every record names only oai:p:1: oai:p:2 is gone from the origin.
    let later = "2026-03-01T00:00:00Z";
    catalog.save_harvest_page(id, (&changed[..1], later), &[], &done).await.unwrap();
    assert_eq!(catalog.finish_harvest(id, later, later, true).await.unwrap(), [stored[1]]);
    assert_eq!(catalog.harvest_source(id).await.unwrap().unwrap().last_full.as_deref(), Some(later));
    catalog.require_full_harvest(id).await.unwrap();
    assert_eq!(catalog.harvest_source(id).await.unwrap().unwrap().last_full, None);
    catalog.save_harvest_page(id, (&[], NOW), &[], &midway).await.unwrap();
    catalog.restart_harvest(id).await.unwrap();
    assert_eq!(catalog.harvest_source(id).await.unwrap().unwrap().resume_token, None);
    let mut gone = catalog.remove_harvest_source(id).await.unwrap();
    gone.sort();
    assert_eq!(gone, [stored[0]]);
    assert_eq!(catalog.harvest_sources().await.unwrap().iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["other"]);
    catalog.schedule_job("harvest", &other.to_string(), NOW, None, NOW).await.unwrap();
    assert_eq!(catalog.job("harvest", &other.to_string()).await.unwrap().map(|j| j.run_at), Some(NOW.to_string()));
    catalog.cancel_job("harvest", &other.to_string()).await.unwrap();
}

/// Downloads are decided on rows that may come from the catalogue's memo: every change this
/// catalogue commits shows at once, and another process's change (a second catalogue on the
/// same database) within `MEMO_AGE`.
async fn downloads_follow_every_change(url: &str) {
    let catalog = Catalog::connect(url).await.unwrap();
    let other = Catalog::connect(url).await.unwrap();
    let file = |size: i64| FileRow { key: "a.csv".into(), size, md5: "m".into(), sha512: "s".into(), content_key: format!("o/{size}") };
    let record = RecordRow {
        id: RecordId(7),
        parent_id: ParentId(6),
        version_index: 1,
        owner_id: None,
        org_id: None,
        ocfl_version: 1,
        doc: "{\"v\":1}".into(),
        created: NOW.into(),
        updated: NOW.into(),
    };
    let download = || async { catalog.record_for_download(RecordId(7), "a.csv").await.unwrap() };
    assert_eq!(download().await, None);
    catalog.apply_published(&record, Some(RecordFiles::present(&[file(10)])), None, &[], Vec::new()).await.unwrap();
    assert_eq!(download().await.unwrap().file.as_ref().map(|f| f.size), Some(10));
    catalog.apply_published(&record, Some(RecordFiles::present(&[file(20)])), None, &[], Vec::new()).await.unwrap();
    assert_eq!(download().await.unwrap().file.as_ref().map(|f| f.size), Some(20), "replaced files");
    let edited = RecordRow { doc: "{\"v\":2}".into(), ocfl_version: 2, ..record.clone() };
    catalog.apply_published(&edited, None, None, &[], Vec::new()).await.unwrap();
    assert_eq!(download().await.unwrap().record.doc, edited.doc, "an edit");
    catalog.place_takedown(ParentId(6), None, "court order", None, NOW, |_| Vec::new()).await.unwrap();
    assert!(download().await.unwrap().taken_down);
    catalog.lift_takedown(ParentId(6), "restored", None, NOW, Vec::new()).await.unwrap();
    assert!(!download().await.unwrap().taken_down);

    other.place_takedown(ParentId(6), None, "court order", None, NOW, |_| Vec::new()).await.unwrap();
    tokio::time::sleep(tessera_catalog::MEMO_AGE + std::time::Duration::from_millis(100)).await;
    assert!(download().await.unwrap().taken_down, "another process's takedown");
    other.lift_takedown(ParentId(6), "restored", None, NOW, Vec::new()).await.unwrap();
    catalog.clear_records().await.unwrap();
    assert_eq!(download().await, None, "a rebuild's clearing");
    catalog.close().await;
    other.close().await;
}

/// Who a caller is and may be on a dataset (a token's or a session's holder with their roles,
/// the people named on a dataset, a person's grants for it) may come from the catalogue's memo: every
/// change this catalogue commits shows at once, and another process's within `MEMO_AGE`.
async fn access_answers_follow_every_change(url: &str) {
    let catalog = Catalog::connect(url).await.unwrap();
    let other = Catalog::connect(url).await.unwrap();
    let ada = catalog.create_user("ada@example.org", None, false, NOW, |_| Vec::new()).await.unwrap();
    let org = OrgRow { id: OrgId("trust".into()), name: "Trust".into(), ror: None, created: NOW.into() };
    catalog.create_organization(&org, Vec::new()).await.unwrap();
    let token = TokenRow {
        id: TokenId(0),
        user_id: ada.id,
        name: "laptop".into(),
        scopes: Scopes::of([Scope::Read]),
        created: NOW.into(),
        expires: None,
        revoked: None,
    };
    let token_id = catalog.create_token(&token, "hash-a", |_| Vec::new()).await.unwrap();
    let dataset = ParentId(40);
    let grant = GrantRow {
        id: GrantId(0),
        request_id: None,
        parent_id: dataset,
        user_id: ada.id,
        files: None,
        purpose: "a study".into(),
        field_of_use: None,
        agreement: None,
        granted_by: None,
        created: NOW.into(),
        expires: "2030-01-01T00:00:00Z".into(),
        revoked: None,
        revoked_by: None,
        revoke_reason: None,
        policy_id: None,
        policy_version: None,
        reaccept_version: None,
    };
    let roles = async |catalog: &Catalog| catalog.token_by_hash("hash-a").await.unwrap().map(|(_, _, m)| m.len());
    let people = async |catalog: &Catalog| catalog.dataset_people(dataset).await.unwrap().len();
    let grants =
        async |catalog: &Catalog| catalog.grants_for(ada.id, dataset).await.unwrap().iter().filter(|g| g.revoked.is_none()).count();
    // Asked once, so that the memo holds each answer before every change.
    assert_eq!((roles(&catalog).await, people(&catalog).await, grants(&catalog).await), (Some(0), 0, 0));

    let session = SessionRow { user_id: ada.id, csrf: "c".into(), created: NOW.into(), expires: "2030-01-01T00:00:00Z".into() };
    let signed_in = async |catalog: &Catalog, hash: &str| catalog.session(hash).await.unwrap().is_some();
    let session_roles = async |catalog: &Catalog| catalog.memberships_of(ada.id).await.unwrap().len();
    catalog.create_session("s-1", &session).await.unwrap();
    catalog.create_session("s-2", &session).await.unwrap();
    assert!(signed_in(&catalog, "s-1").await && signed_in(&catalog, "s-2").await);
    assert_eq!(session_roles(&catalog).await, 0);

    // Each answer is asked again just before the change, so that the memo holds it fresh.
    catalog.add_membership(&org.id, ada.id, Role::Curator, NOW, Vec::new()).await.unwrap();
    assert_eq!((roles(&catalog).await, session_roles(&catalog).await), (Some(1), 1), "a role given");
    catalog.remove_membership(&org.id, ada.id, Role::Curator, Vec::new()).await.unwrap();
    assert_eq!((roles(&catalog).await, session_roles(&catalog).await), (Some(0), 0), "a role taken away");
    assert!(signed_in(&catalog, "s-1").await);
    catalog.delete_session("s-1").await.unwrap();
    assert!(!signed_in(&catalog, "s-1").await && signed_in(&catalog, "s-2").await, "signed out");
    catalog.set_password_hash(ada.id, Some("$argon2id$x"), Vec::new()).await.unwrap();
    assert!(!signed_in(&catalog, "s-2").await, "a new password ends every session");
    assert_eq!(people(&catalog).await, 0);
    catalog.set_dataset_people(dataset, Role::Steward, &[ada.id], NOW, Vec::new()).await.unwrap();
    assert_eq!(people(&catalog).await, 1, "a steward named");
    catalog.update_profile(ada.id, "ada@new.example.org", None).await.unwrap();
    assert_eq!(catalog.dataset_people(dataset).await.unwrap()[0].1.email, "ada@new.example.org", "an address changed");
    assert_eq!(grants(&catalog).await, 0);
    let grant_id = catalog.insert_grant(&grant).await.unwrap();
    assert_eq!(grants(&catalog).await, 1, "a grant given");
    catalog.revoke_grant(grant_id, ada.id, "misuse", NOW, Vec::new()).await.unwrap();
    assert_eq!(grants(&catalog).await, 0, "a grant revoked");
    assert_eq!(catalog.token_by_hash("hash-a").await.unwrap().and_then(|(t, _, _)| t.revoked), None);
    catalog.revoke_token(ada.id, token_id, NOW, Vec::new()).await.unwrap();
    let revoked = catalog.token_by_hash("hash-a").await.unwrap().and_then(|(t, _, _)| t.revoked);
    assert_eq!(revoked.as_deref(), Some(NOW), "a token revoked");

    // Another process's changes, within `MEMO_AGE`.
    let other_token = catalog.create_token(&token, "hash-b", |_| Vec::new()).await.unwrap();
    let revoked_b = async |catalog: &Catalog| catalog.token_by_hash("hash-b").await.unwrap().and_then(|(t, _, _)| t.revoked);
    assert_eq!(revoked_b(&catalog).await, None);
    assert_eq!(grants(&catalog).await, 0);
    catalog.create_session("s-3", &session).await.unwrap();
    assert!(signed_in(&catalog, "s-3").await);
    other.delete_session("s-3").await.unwrap();
    other.revoke_token(ada.id, other_token, NOW, Vec::new()).await.unwrap();
    other.insert_grant(&grant).await.unwrap();
    other.set_dataset_people(dataset, Role::Steward, &[], NOW, Vec::new()).await.unwrap();
    tokio::time::sleep(tessera_catalog::MEMO_AGE + std::time::Duration::from_millis(100)).await;
    assert_eq!(revoked_b(&catalog).await.as_deref(), Some(NOW), "another process's revocation");
    assert!(!signed_in(&catalog, "s-3").await, "another process's sign-out");
    assert_eq!((grants(&catalog).await, people(&catalog).await), (1, 0), "another process's grant and naming");
    catalog.close().await;
    other.close().await;
}

/// Records written in one transaction end as the same rows, feed, counts and totals as when
/// written one at a time: a rebuild writes thousands together.
async fn together_as_one_by_one(one: Catalog, all: Catalog) {
    let (museum, library) = (OrgId("museum".into()), OrgId("library".into()));
    let row = |id: i64, parent: i64, version: i64, org: Option<&OrgId>, month: &str| RecordRow {
        id: RecordId(id),
        parent_id: ParentId(parent),
        version_index: version,
        owner_id: None,
        org_id: org.cloned(),
        ocfl_version: version,
        doc: format!("{{\"r\":{id}}}"),
        created: format!("2026-{month}-01T00:00:00Z"),
        updated: format!("2026-{month}-02T00:00:00Z"),
    };
    let file =
        |key: String, size: i64| FileRow { key: key.clone(), size, md5: "m".into(), sha512: "s".into(), content_key: format!("o/{key}") };
    let earlier = row(11, 10, 1, Some(&museum), "01");
    let moving = row(31, 30, 1, Some(&museum), "01");
    let owned = [file("a".into(), 10), file("b".into(), 20)];
    let big: Vec<FileRow> = (0..1200).rev().map(|i| file(format!("f{i:04}"), i)).collect();
    let gone = [DeletedFileRow { key: "z".into(), deletion: 0, size: 1, md5: "m".into(), sha512: "s".into() }];
    // An edit of the first version, a second version that keeps one of its files, a draft
    // published with more files than one insert takes, and a dataset moved to no organization.
    let (edited, second, published, moved) = (
        RecordRow { ocfl_version: 3, doc: "{\"edited\":true}".into(), ..earlier.clone() },
        row(12, 10, 2, Some(&museum), "02"),
        row(21, 20, 1, Some(&library), "01"),
        RecordRow { org_id: None, ocfl_version: 2, updated: "2026-01-05T00:00:00Z".into(), ..moving.clone() },
    );
    let (second_files, second_sets) = ([file("a".into(), 10), file("c".into(), 5)], sets(&["org", "org:museum", "type"]));
    let published_sets = sets(&["org:library"]);
    let batch = [
        Published { record: &edited, files: None, draft: None, sets: &[] },
        Published { record: &second, files: Some(RecordFiles::present(&second_files)), draft: None, sets: &second_sets },
        Published {
            record: &published,
            files: Some(RecordFiles { present: Present::Rows(&big), deleted: &gone }),
            draft: Some(published.id),
            sets: &published_sets,
        },
        Published { record: &moved, files: None, draft: None, sets: &[] },
    ];
    for catalog in [&one, &all] {
        catalog.apply_published(&earlier, Some(RecordFiles::present(&owned)), None, &sets(&["org"]), Vec::new()).await.unwrap();
        catalog.apply_published(&moving, Some(RecordFiles::present(&owned)), None, &[], Vec::new()).await.unwrap();
        let owner = catalog.create_user("owner@example.org", None, false, NOW, |_| Vec::new()).await.unwrap();
        let draft = DraftRow {
            id: published.id,
            parent_id: published.parent_id,
            owner_id: owner.id,
            kind: "new".into(),
            doc: "{}".into(),
            created: NOW.into(),
            updated: NOW.into(),
        };
        catalog.insert_draft(&draft, None, Vec::new()).await.unwrap();
        catalog.begin_commit(published.parent_id, NOW).await.unwrap();
    }
    for p in &batch {
        one.apply_published(p.record, p.files, p.draft, p.sets, Vec::new()).await.unwrap();
    }
    all.apply_all_published(&batch, Vec::new()).await.unwrap();

    for catalog in [&one, &all] {
        assert_eq!(catalog.draft(published.id).await.unwrap(), None, "the published draft is gone");
        assert!(catalog.pending_commits().await.unwrap().is_empty());
    }
    for id in [11, 12, 21, 31].map(RecordId) {
        assert_eq!(one.record(id).await.unwrap(), all.record(id).await.unwrap(), "record {id}");
        assert_eq!(one.record_files(id, 0, None).await.unwrap(), all.record_files(id, 0, None).await.unwrap(), "files of {id}");
        assert_eq!(one.record_files_summary(id).await.unwrap(), all.record_files_summary(id).await.unwrap(), "totals of {id}");
        assert_eq!(one.deleted_files(id, 0, 10).await.unwrap(), all.deleted_files(id, 0, 10).await.unwrap(), "tombstones of {id}");
    }
    assert_eq!(all.record_files_summary(published.id).await.unwrap(), (1200, (0..1200).sum::<i64>()));
    assert_eq!(all.record_files(published.id, 1100, Some(1)).await.unwrap().0[0].key, "f1100", "in key order across inserts");
    assert_eq!(all.deleted_files(published.id, 0, 10).await.unwrap(), gone);
    let stored = all.storage_by_org().await.unwrap();
    assert_eq!(one.storage_by_org().await.unwrap(), stored);
    let of = |org: Option<&OrgId>| stored.iter().find(|(o, _, _)| o.as_ref() == org).map(|(_, bytes, files)| (*bytes, *files));
    assert_eq!(of(Some(&museum)), Some((35, 3)), "{stored:?}");
    assert_eq!(of(None), Some((30, 2)), "{stored:?}");
    for org in [&museum, &library] {
        assert_eq!(one.monthly_deposits(org, "2026-01").await.unwrap(), all.monthly_deposits(org, "2026-01").await.unwrap());
    }
    assert_eq!(all.monthly_deposits(&museum, "2026-01").await.unwrap(), [("2026-01".to_string(), 2), ("2026-02".to_string(), 1)]);
    let feed = async |catalog: &Catalog| {
        let items = catalog.oai_items(&OaiRange::default(), None, 100).await.unwrap();
        items.into_iter().map(|i| (i.record_id, i.datestamp, i.deleted, i.sets)).collect::<Vec<_>>()
    };
    let feed_all = feed(&all).await;
    assert_eq!(feed(&one).await, feed_all);
    let order: Vec<i64> = feed_all.iter().map(|(id, ..)| id.0).collect();
    assert_eq!(order, [11, 12, 21, 31], "in the order given");
    let stamps: Vec<&str> = feed_all.iter().map(|(_, stamp, ..)| stamp.as_str()).collect();
    assert_eq!(stamps, ["2026-01-02T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-02T00:00:00Z"], "never backwards");
}

/// Draft 7 of dataset 6, of a new user.
async fn new_draft(catalog: &Catalog) -> DraftRow {
    let user = catalog.create_user("ada@example.org", None, false, NOW, |_| vec![]).await.unwrap();
    let draft = DraftRow {
        id: RecordId(7),
        parent_id: ParentId(6),
        owner_id: user.id,
        kind: "new".into(),
        doc: "{}".into(),
        created: NOW.into(),
        updated: NOW.into(),
    };
    catalog.insert_draft(&draft, None, vec![]).await.unwrap();
    draft
}

/// A file of three bytes of `draft`.
fn draft_file(draft: &DraftRow, key: String, status: &str) -> DraftFileRow {
    DraftFileRow {
        draft_id: draft.id,
        key,
        status: status.into(),
        size: Some(3),
        md5: Some("m".into()),
        sha512: Some("s".into()),
        staged: true,
        created: NOW.into(),
        updated: NOW.into(),
    }
}

/// A draft being published takes no change, and each change refused writes nothing, its audit
/// entry included; once the draft is given back, the same changes are made.
async fn drafts_being_published_take_no_changes(catalog: Catalog) {
    let entry = |action: &str| AuditEntry { at: NOW.into(), action: action.into(), detail: "{}".into(), ..AuditEntry::default() };
    let draft = new_draft(&catalog).await;
    let file = |key: &str, status: &str| draft_file(&draft, key.into(), status);
    catalog.insert_draft_files(&[file("a.csv", "pending"), file("b.csv", "completed")], &[]).await.unwrap();
    let upload = UploadRow {
        id: "u".into(),
        owner_id: draft.owner_id,
        draft_id: draft.id,
        key: "c.csv".into(),
        length: 3,
        received: 3,
        metadata: String::new(),
        created: NOW.into(),
        expires: "2026-01-02T00:00:00Z".into(),
        completed: None,
        part_size: None,
    };
    catalog.insert_upload(&upload).await.unwrap();

    assert!(catalog.begin_publishing(draft.id, NOW).await.unwrap());
    let again = catalog.begin_publishing(draft.id, NOW).await;
    assert!(matches!(again, Err(Error::Publishing { draft: 7 })), "a second publish at once: {again:?}");
    assert!(!catalog.begin_publishing(RecordId(8), NOW).await.unwrap(), "no such draft");
    let (head, _) = catalog.audit_head().await.unwrap();
    let committed = file("a.csv", "completed");
    let refused = [
        catalog.update_draft_doc(draft.id, "{\"b\":1}", NOW, vec![entry("never")]).await.map(drop),
        catalog.insert_draft_files(&[file("d.csv", "pending")], &[]).await,
        catalog.unpack_into_draft(draft.id, Some("b.csv"), [Ok(file("e.csv", "completed"))].into_iter(), vec![entry("never")], None).await,
        catalog.update_draft_file(&committed, vec![entry("never")]).await.map(drop),
        catalog.update_draft_file(&committed, vec![]).await.map(drop),
        catalog.delete_draft_file(draft.id, "b.csv", vec![entry("never")]).await.map(drop),
        catalog.complete_upload(&upload, &file("c.csv", "completed"), vec![entry("never")]).await,
        catalog.import_draft_files(draft.id, RecordId(5), NOW, |_| vec![entry("never")]).await.map(drop),
        catalog.delete_draft(draft.id, vec![entry("never")]).await,
    ];
    for (n, result) in refused.into_iter().enumerate() {
        assert!(matches!(result, Err(Error::Publishing { draft: 7 })), "change {n}: {result:?}");
    }
    assert_eq!(catalog.audit_head().await.unwrap().0, head, "no entry for a change refused");
    assert_eq!(catalog.draft(draft.id).await.unwrap().unwrap().doc, "{}");
    let keys: Vec<String> = catalog.draft_files(draft.id, 0, None).await.unwrap().into_iter().map(|f| f.key).collect();
    assert_eq!(keys, ["a.csv", "b.csv"]);
    assert_eq!(catalog.draft_file(draft.id, "a.csv").await.unwrap().unwrap().status, "pending");
    assert_eq!(catalog.upload("u").await.unwrap().unwrap().completed, None);

    // A publish that failed gives the draft back; so does a restart, for every draft.
    catalog.end_publishing(draft.id).await.unwrap();
    assert!(catalog.update_draft_file(&committed, vec![entry("draft-file-committed")]).await.unwrap());
    catalog.complete_upload(&upload, &file("c.csv", "completed"), vec![]).await.unwrap();
    assert!(catalog.begin_publishing(draft.id, NOW).await.unwrap());
    assert_eq!(catalog.end_all_publishing().await.unwrap(), 1);
    assert_eq!(catalog.end_all_publishing().await.unwrap(), 0);
    assert!(catalog.delete_draft_file(draft.id, "b.csv", vec![]).await.unwrap());
    catalog.delete_draft(draft.id, vec![entry("draft-discarded")]).await.unwrap();
    assert_eq!(catalog.draft(draft.id).await.unwrap(), None);
    assert_eq!(catalog.audit_head().await.unwrap().0, head + 2);
}

/// An archive's entries go to the catalogue a batch at a time, all in one transaction: a key
/// the draft has already, or a row that cannot be read, in the last batch, leaves none of the
/// earlier batches behind.
async fn an_archive_joins_its_draft_whole(catalog: Catalog) {
    let draft = new_draft(&catalog).await;
    let file = |key: String| draft_file(&draft, key, "completed");
    catalog.insert_draft_files(&[file("a.zip".into()), file("taken.csv".into())], &[]).await.unwrap();
    // The unpack runs as a task, which ends in its transaction or not at all.
    let task = TaskRow {
        id: "t1".into(),
        kind: "unpack".into(),
        record_id: draft.id,
        owner_id: draft.owner_id,
        status: "running".into(),
        result: None,
        problem: None,
        created: NOW.into(),
        updated: NOW.into(),
    };
    catalog.insert_task(&task, "task", LATER, Some(r#"{"key":"a.zip"}"#)).await.unwrap();
    let job = catalog.job("task", "t1").await.unwrap().expect("a task's job is written with it");
    assert_eq!((job.run_at.as_str(), job.payload.as_deref()), (LATER, Some(r#"{"key":"a.zip"}"#)));
    // Its lease is renewed as it runs, and ended for all at once by a restart.
    catalog.postpone_job("task", "t1", "2026-01-03T00:00:00Z").await.unwrap();
    assert_eq!(catalog.job("task", "t1").await.unwrap().unwrap().payload, job.payload, "postponed, not replaced");
    assert!(catalog.due_jobs(LATER, 10).await.unwrap().is_empty());
    assert_eq!(catalog.release_jobs("task", NOW).await.unwrap(), 1);
    assert_eq!(catalog.due_jobs(NOW, 10).await.unwrap().len(), 1);
    let done =
        TaskEnd { id: "t1".into(), status: "done".into(), result: Some(r#"{"files":2500}"#.into()), problem: None, updated: LATER.into() };
    let entries = |count: usize| (0..count).map(move |i| Ok(file(format!("a/{i:05}.csv"))));
    let refused =
        catalog.unpack_into_draft(draft.id, Some("a.zip"), entries(2500).chain([Ok(file("taken.csv".into()))]), vec![], Some(&done)).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    let unreadable = std::io::Error::other("the ledger is gone");
    let refused = catalog.unpack_into_draft(draft.id, Some("a.zip"), entries(2500).chain([Err(unreadable)]), vec![], Some(&done)).await;
    assert!(matches!(refused, Err(Error::Rows(_))), "{refused:?}");
    assert_eq!(catalog.draft_files_summary(draft.id).await.unwrap(), (2, 6));
    assert!(catalog.draft_file(draft.id, "a.zip").await.unwrap().is_some(), "the archive stays");
    assert_eq!(catalog.running_tasks().await.unwrap(), std::slice::from_ref(&task), "a refused unpack leaves its task running");
    catalog.unpack_into_draft(draft.id, Some("a.zip"), entries(2500), vec![], Some(&done)).await.unwrap();
    assert_eq!(catalog.draft_files_summary(draft.id).await.unwrap(), (2501, 7503));
    assert_eq!(catalog.draft_file(draft.id, "a/02499.csv").await.unwrap(), Some(file("a/02499.csv".into())));
    assert_eq!(catalog.draft_file(draft.id, "a.zip").await.unwrap(), None);
    totals_agree(&catalog, draft.id).await;
    let ended = TaskRow { status: "done".into(), result: done.result.clone(), updated: LATER.into(), ..task.clone() };
    assert_eq!(catalog.task("t1").await.unwrap(), Some(ended.clone()));
    assert!(catalog.running_tasks().await.unwrap().is_empty());
    let failed = TaskEnd { status: "failed".into(), result: None, problem: Some("{}".into()), ..done.clone() };
    assert!(!catalog.end_task(&failed).await.unwrap(), "a task ends once");
    assert_eq!(catalog.task("t1").await.unwrap(), Some(ended));
    // A running task is never forgotten; an ended one is, once older than asked.
    catalog.insert_task(&TaskRow { id: "t2".into(), ..task.clone() }, "task", NOW, None).await.unwrap();
    assert_eq!(catalog.forget_tasks(LATER).await.unwrap(), 0);
    assert_eq!(catalog.forget_tasks("2999-01-01T00:00:00Z").await.unwrap(), 1);
    assert_eq!(catalog.task("t1").await.unwrap(), None);
    assert!(catalog.end_task(&TaskEnd { id: "t2".into(), ..failed }).await.unwrap());
    assert_eq!(catalog.task("t2").await.unwrap().unwrap().problem.as_deref(), Some("{}"));
}

/// A new version's draft carries its record's files by reference, and its own rows say what
/// changed: every read sees the two as one list, in key order as bytes whatever the database's
/// locale, until a publish copies the carried rows in.
async fn a_new_version_carries_its_files_by_reference(catalog: Catalog) {
    let draft = new_draft(&catalog).await;
    let record = RecordRow {
        id: RecordId(5),
        parent_id: draft.parent_id,
        version_index: 1,
        owner_id: Some(draft.owner_id),
        org_id: None,
        ocfl_version: 1,
        doc: "{}".into(),
        created: NOW.into(),
        updated: NOW.into(),
    };
    let keys: Vec<String> =
        ["B.csv", "Z.csv", "_x.csv", "a.csv", "é.csv"].into_iter().map(String::from).chain((0..1500).map(|i| format!("f{i:04}"))).collect();
    let stored: Vec<FileRow> = keys
        .iter()
        .enumerate()
        .map(|(n, key)| FileRow {
            key: key.clone(),
            size: n as i64,
            md5: "m".into(),
            sha512: format!("{n:04}").into(),
            content_key: format!("o/v1/content/{n}"),
        })
        .collect();
    catalog.apply_published(&record, Some(RecordFiles::present(&stored)), Some(draft.id), &[], Vec::new()).await.unwrap();
    let next = DraftRow { id: RecordId(8), kind: "version".into(), created: LATER.into(), ..draft.clone() };
    catalog.insert_draft(&next, Some(record.id), vec![]).await.unwrap();
    let carried = |key: &str| {
        let n = keys.iter().position(|k| k == key).unwrap();
        DraftFileRow {
            draft_id: next.id,
            key: key.into(),
            status: "completed".into(),
            size: Some(n as i64),
            md5: Some("m".into()),
            sha512: Some(format!("{n:04}")),
            staged: false,
            created: LATER.into(),
            updated: LATER.into(),
        }
    };
    assert_eq!(catalog.draft_file(next.id, "é.csv").await.unwrap(), Some(carried("é.csv")));
    totals_agree(&catalog, next.id).await;

    // Deleted, a carried file leaves a mark; declared again, its key is the draft's own.
    assert!(catalog.delete_draft_file(next.id, "a.csv", vec![]).await.unwrap());
    assert!(!catalog.delete_draft_file(next.id, "a.csv", vec![]).await.unwrap(), "deleted once");
    assert_eq!(catalog.draft_file(next.id, "a.csv").await.unwrap(), None);
    assert!(catalog.delete_draft_file(next.id, "f0003", vec![]).await.unwrap());
    let own = |key: &str| DraftFileRow {
        draft_id: next.id,
        created: LATER.into(),
        updated: LATER.into(),
        ..draft_file(&draft, key.into(), "pending")
    };
    catalog.insert_draft_files(&[own("f0003"), own("new.csv")], &[]).await.unwrap();
    let refused = catalog.insert_draft_files(&[own("g.csv"), own("B.csv")], &[]).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "a carried key is taken: {refused:?}");
    assert_eq!(catalog.draft_file(next.id, "g.csv").await.unwrap(), None, "nothing of a refused batch is written");
    let refused = catalog.unpack_into_draft(next.id, None, [Ok(own("h.csv")), Ok(own("Z.csv"))].into_iter(), vec![], None).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    assert_eq!(catalog.draft_file(next.id, "f0003").await.unwrap(), Some(own("f0003")));
    // An own file replacing a carried one is deleted without bringing the carried one back.
    assert!(catalog.delete_draft_file(next.id, "f0005", vec![]).await.unwrap());
    catalog.insert_draft_files(&[own("f0005")], &[]).await.unwrap();
    assert!(catalog.delete_draft_file(next.id, "f0005", vec![]).await.unwrap());
    assert_eq!(catalog.draft_file(next.id, "f0005").await.unwrap(), None);

    let mut expected: Vec<String> = keys.iter().filter(|k| !["a.csv", "f0005"].contains(&k.as_str())).cloned().collect();
    expected.push("new.csv".into());
    expected.sort();
    let listed: Vec<String> = catalog.draft_files(next.id, 0, None).await.unwrap().into_iter().map(|f| f.key).collect();
    assert_eq!(listed, expected, "one list in byte order");
    let mut paged = Vec::new();
    let mut after = String::new();
    loop {
        let page = catalog.draft_files_after(next.id, &after, 97).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.key.clone();
        paged.extend(page.into_iter().map(|f| f.key));
    }
    assert_eq!(paged, expected, "page by page, merged");
    let page: Vec<String> = catalog.draft_files(next.id, 1000, Some(3)).await.unwrap().into_iter().map(|f| f.key).collect();
    assert_eq!(page, expected[1000..1003]);
    totals_agree(&catalog, next.id).await;
    assert_eq!(catalog.draft_files_summary(next.id).await.unwrap().0, expected.len() as i64);
    let mut among = catalog.draft_keys_among(next.id, &["a.csv", "B.csv", "f0003", "absent"]).await.unwrap();
    among.sort();
    assert_eq!(among, ["B.csv", "f0003"]);
    assert_eq!(catalog.draft_keys_uncommitted(next.id).await.unwrap(), ["f0003", "new.csv"]);

    // A finished upload does not replace a carried file, but takes a deleted one's key.
    let upload = |key: &str| UploadRow {
        id: format!("u-{key}"),
        owner_id: next.owner_id,
        draft_id: next.id,
        key: key.into(),
        length: 3,
        received: 3,
        metadata: String::new(),
        created: NOW.into(),
        expires: LATER.into(),
        completed: None,
        part_size: None,
    };
    for key in ["Z.csv", "a.csv"] {
        catalog.insert_upload(&upload(key)).await.unwrap();
    }
    let uploaded = |key: &str| DraftFileRow { status: "completed".into(), ..own(key) };
    let refused = catalog.complete_upload(&upload("Z.csv"), &uploaded("Z.csv"), vec![]).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    catalog.complete_upload(&upload("a.csv"), &uploaded("a.csv"), vec![]).await.unwrap();
    assert_eq!(catalog.draft_file(next.id, "a.csv").await.unwrap(), Some(uploaded("a.csv")));
    totals_agree(&catalog, next.id).await;

    // Importing brings back the carried files the draft deleted and did not replace.
    assert_eq!(catalog.import_draft_files(next.id, record.id, LATER, |_| vec![]).await.unwrap(), 1);
    assert_eq!(catalog.draft_file(next.id, "f0005").await.unwrap(), Some(carried("f0005")));
    totals_agree(&catalog, next.id).await;

    // A publish copies the carried rows in: the same list, now the draft's own.
    let before = catalog.draft_files(next.id, 0, None).await.unwrap();
    let summary = catalog.draft_files_summary(next.id).await.unwrap();
    catalog.copy_carried_files(next.id).await.unwrap();
    catalog.copy_carried_files(next.id).await.unwrap();
    assert_eq!(catalog.draft_files(next.id, 0, None).await.unwrap(), before);
    assert_eq!(catalog.draft_files_summary(next.id).await.unwrap(), summary);
    let mut by_digest = Vec::new();
    let mut after: Option<(String, String)> = None;
    loop {
        let page = catalog.draft_files_by_digest(next.id, after.as_ref().map(|(d, k)| (d.as_str(), k.as_str())), 400).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.sha512.clone().unwrap(), last.key.clone()));
        by_digest.extend(page);
    }
    assert_eq!(by_digest.len(), before.iter().filter(|f| f.status == "completed").count());
    assert!(catalog.delete_draft_file(next.id, "B.csv", vec![]).await.unwrap());
    assert_eq!(catalog.draft_file(next.id, "B.csv").await.unwrap(), None, "gone, with no mark needed");
    totals_agree(&catalog, next.id).await;
}

/// A draft's committed files, read by digest a page at a time as a publish stores them, and
/// copied into its record's rows by the page in the transaction that publishes it: in key
/// order as bytes on either engine, whatever the database's locale, and only when every file
/// is committed and stored.
async fn a_draft_publishes_its_files_by_the_page(catalog: Catalog) {
    let draft = new_draft(&catalog).await;
    // Keys whose byte order no locale keeps, and digests in another order than the keys, two
    // of them shared.
    let keys: Vec<String> =
        ["B.csv", "Z.csv", "_x.csv", "a.csv", "é.csv"].into_iter().map(String::from).chain((0..2500).map(|i| format!("f{i:04}"))).collect();
    let mut files: Vec<DraftFileRow> = keys
        .iter()
        .enumerate()
        .map(|(n, key)| DraftFileRow {
            sha512: Some(format!("{:04}", (n * 7919) % 2500)),
            size: Some(n as i64),
            ..draft_file(&draft, key.clone(), "completed")
        })
        .collect();
    files.push(draft_file(&draft, "pending.csv".into(), "pending"));
    catalog.insert_draft_files(&files, &[]).await.unwrap();

    let mut by_digest = Vec::new();
    let mut after: Option<(String, String)> = None;
    loop {
        let page = catalog.draft_files_by_digest(draft.id, after.as_ref().map(|(d, k)| (d.as_str(), k.as_str())), 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.sha512.clone().unwrap(), last.key.clone()));
        by_digest.extend(page.into_iter().map(|f| (f.sha512.unwrap(), f.key)));
    }
    let mut expected: Vec<(String, String)> = files[..keys.len()].iter().map(|f| (f.sha512.clone().unwrap(), f.key.clone())).collect();
    expected.sort();
    assert_eq!(by_digest, expected, "committed files only, by digest and then key as bytes");

    let record = RecordRow {
        id: draft.id,
        parent_id: draft.parent_id,
        version_index: 1,
        owner_id: Some(draft.owner_id),
        org_id: None,
        ocfl_version: 1,
        doc: "{}".into(),
        created: NOW.into(),
        updated: NOW.into(),
    };
    // Where each digest is stored, in batches in any order, and one digest more than the draft has.
    let placed = |missing: Option<&str>| {
        let digests = (0..2501).rev().map(|n| format!("{n:04}")).filter(|digest| Some(digest.as_str()) != missing);
        let placements: Vec<(Arc<str>, String)> = digests.map(|digest| (digest.as_str().into(), format!("o/{digest}"))).collect();
        let batches: Vec<std::io::Result<_>> = placements.chunks(700).map(|batch| Ok(batch.to_vec())).collect();
        Placements::new(Box::pin(futures::stream::iter(batches)))
    };
    let (stored, everything) = (placed(Some("0042")), placed(None));
    let publish = async |placements: &Placements| {
        let files = RecordFiles { present: Present::FromDraft { draft: draft.id, placements }, deleted: &[] };
        catalog.apply_published(&record, Some(files), Some(draft.id), &[], Vec::new()).await
    };
    let refused = publish(&placed(None)).await;
    assert!(
        matches!(&refused, Err(Error::Rows(e)) if e.to_string().contains("'pending.csv' of draft 7 was never committed")),
        "{refused:?}"
    );
    assert!(catalog.delete_draft_file(draft.id, "pending.csv", Vec::new()).await.unwrap());
    let refused = publish(&stored).await;
    assert!(matches!(&refused, Err(Error::Rows(e)) if e.to_string().contains("is not in storage")), "{refused:?}");
    let refused = publish(&stored).await;
    assert!(matches!(&refused, Err(Error::Rows(e)) if e.to_string().contains("read already")), "{refused:?}");
    assert_eq!(catalog.record(draft.id).await.unwrap(), None, "nothing of a refused publish is written");
    assert!(catalog.draft(draft.id).await.unwrap().is_some());

    publish(&everything).await.unwrap();
    assert_eq!(catalog.draft(draft.id).await.unwrap(), None, "the draft and its files are gone");
    let (rows, total) = catalog.record_files(draft.id, 0, None).await.unwrap();
    assert_eq!(total, keys.len() as i64);
    let mut in_key_order = files[..keys.len()].to_vec();
    in_key_order.sort_by(|a, b| a.key.cmp(&b.key));
    let made: Vec<FileRow> = in_key_order
        .into_iter()
        .map(|f| {
            let sha512 = f.sha512.unwrap();
            FileRow { content_key: format!("o/{sha512}"), key: f.key, size: f.size.unwrap(), md5: f.md5.unwrap(), sha512: sha512.into() }
        })
        .collect();
    assert_eq!(rows, made);
    assert_eq!(
        catalog.record_files(draft.id, 1100, Some(1)).await.unwrap().0,
        [made[1100].clone()],
        "each file's place is counted across pages"
    );
    assert_eq!(catalog.record_files_summary(draft.id).await.unwrap(), (keys.len() as i64, (0..keys.len() as i64).sum::<i64>()));
}

#[tokio::test]
async fn sqlite_new_version_carries() {
    let dir = tempfile::tempdir().unwrap();
    a_new_version_carries_its_files_by_reference(Catalog::connect(&format!("sqlite:{}", dir.path().join("c.db").display())).await.unwrap())
        .await;
}

#[tokio::test]
async fn postgres_new_version_carries() {
    let database = tessera_testkit::fresh_postgres_ordering_by_language().await;
    a_new_version_carries_its_files_by_reference(Catalog::connect(&database.url).await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_draft_publishes_by_the_page() {
    let dir = tempfile::tempdir().unwrap();
    a_draft_publishes_its_files_by_the_page(Catalog::connect(&format!("sqlite:{}", dir.path().join("c.db").display())).await.unwrap())
        .await;
}

#[tokio::test]
async fn postgres_draft_publishes_by_the_page() {
    let database = tessera_testkit::fresh_postgres_ordering_by_language().await;
    a_draft_publishes_its_files_by_the_page(Catalog::connect(&database.url).await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_archive_joins_whole() {
    let dir = tempfile::tempdir().unwrap();
    an_archive_joins_its_draft_whole(Catalog::connect(&format!("sqlite:{}", dir.path().join("c.db").display())).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_archive_joins_whole() {
    let database = tessera_testkit::fresh_postgres().await;
    an_archive_joins_its_draft_whole(Catalog::connect(&database.url).await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_drafts_being_published() {
    let dir = tempfile::tempdir().unwrap();
    drafts_being_published_take_no_changes(Catalog::connect(&format!("sqlite:{}", dir.path().join("c.db").display())).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_drafts_being_published() {
    let database = tessera_testkit::fresh_postgres().await;
    drafts_being_published_take_no_changes(Catalog::connect(&database.url).await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_together() {
    let dir = tempfile::tempdir().unwrap();
    let connect = async |name: &str| Catalog::connect(&format!("sqlite:{}", dir.path().join(name).display())).await.unwrap();
    together_as_one_by_one(connect("one.db").await, connect("all.db").await).await;
}

#[tokio::test]
async fn postgres_together() {
    let (one, all) = (tessera_testkit::fresh_postgres().await, tessera_testkit::fresh_postgres().await);
    together_as_one_by_one(Catalog::connect(&one.url).await.unwrap(), Catalog::connect(&all.url).await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_access_answers() {
    let dir = tempfile::tempdir().unwrap();
    access_answers_follow_every_change(&format!("sqlite:{}", dir.path().join("catalog.db").display())).await;
}

#[tokio::test]
async fn postgres_access_answers() {
    access_answers_follow_every_change(&tessera_testkit::fresh_postgres().await.url).await;
}

#[tokio::test]
async fn sqlite_downloads() {
    let dir = tempfile::tempdir().unwrap();
    downloads_follow_every_change(&format!("sqlite:{}", dir.path().join("catalog.db").display())).await;
}

#[tokio::test]
async fn postgres_downloads() {
    downloads_follow_every_change(&tessera_testkit::fresh_postgres().await.url).await;
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::connect(&format!("sqlite:{}", dir.path().join("catalog.db").display())).await.unwrap();
    assert_eq!(catalog.engine(), Engine::Sqlite);
    contract(catalog).await;
}

#[tokio::test]
async fn postgres() {
    let database = tessera_testkit::fresh_postgres().await;
    let catalog = Catalog::connect(&database.url).await.unwrap();
    assert_eq!(catalog.engine(), Engine::Postgres);
    contract(catalog.clone()).await;
    catalog.close().await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    assert!(matches!(Catalog::connect("mysql://x").await, Err(Error::UnsupportedUrl { .. })));
}
