-- An organization trusts a partner for one data class: requests from the partner's members for
-- the organization's datasets of that class are granted at once (and recorded as grants).
CREATE TABLE organization_trust (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    trusted_org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    data_class TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (org_id, trusted_org_id, data_class)
);
