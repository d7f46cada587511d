# Tessera's interface in English. Every message here has its Welsh twin in cy.ftl; a test
# keeps the two files in step. $n is always a number, $v always text.

## Every page

skip-to-content = Skip to content
search-label = Search records
search-button = Search
site-tools = Language and account
sign-in = Sign in
footer = Tessera research data repository
footer-api = API
untitled = Untitled
previous-page = Previous page
next-page = Next page
page-of = Page { $n } of { $v }.

## Home

home-intro = Find, cite and reuse research data and digitised collections from the member institutions.
home-search-label = Search datasets, collections and their files
home-total = { $n ->
    [one] One record to explore.
   *[other] { $n } records to explore.
}
home-browse = Browse them all
home-recent = Recently published
home-nothing-yet = Nothing is published yet.

## Search

search-title = Search
search-title-query = { $v }: search
filters = Filters
filter-remove = Remove filter:
in-community = In the community { $v }
all-records = Search all records
records-found = { $n ->
    [one] { $n } record
   *[other] { $n } records
}
records-found-for = { $n ->
    [one] { $n } record for “{ $v }”
   *[other] { $n } records for “{ $v }”
}
sort-label = Sort by
sort-button = Sort
sort-bestmatch = Best match
sort-newest = Newest
sort-oldest = Oldest
sort-updated-desc = Recently updated
sort-updated-asc = Least recently updated
result-pages = Result pages
from-origin = from { $v }
facet-resource-type = Resource types
facet-subject = Subjects
facet-license = Licences
facet-affiliation = Affiliations
facet-publication-year = Publication year
facet-language = Languages
facet-access-status = Access status
facet-origin = Origin

## Resource types

resource-type-dataset = Dataset
resource-type-image = Image
resource-type-image-photo = Photo
resource-type-image-figure = Figure
resource-type-image-drawing = Drawing
resource-type-image-diagram = Diagram
resource-type-image-plot = Plot
resource-type-audio = Audio
resource-type-video = Video
resource-type-model = Model
resource-type-physicalobject = Physical object
resource-type-publication = Publication
resource-type-publication-article = Journal article
resource-type-publication-book = Book
resource-type-publication-report = Report
resource-type-publication-thesis = Thesis
resource-type-publication-preprint = Preprint
resource-type-poster = Poster
resource-type-presentation = Presentation
resource-type-event = Event
resource-type-lesson = Lesson
resource-type-software = Software
resource-type-software-computationalnotebook = Computational notebook
resource-type-workflow = Workflow
resource-type-other = Other

## Access statuses

access-status-open = Open
access-status-restricted = Restricted
access-status-embargoed = Embargoed
access-status-metadata-only = Metadata-only

## A record's page

published-on = Published { $v }
version-n = Version { $n }
newer-version = a newer version exists
metadata-only-notice = Only a short description of this record is public. Its stewards decide who may see the rest; signed-in users can request access.
description = Description
subjects = Subjects
communities = Communities
details-heading = About the data
access-heading = Access and licence
embargo-until = the files open on { $v }
licence = Licence
no-licence = No licence given.
request-access-how = Some files of this record are restricted. Its data stewards decide who may use them, for what purpose and until when.
request-access-link = Request access
files = Files
files-deleted-n = { $n ->
    [one] One file of this record was
   *[other] { $n } files of this record were
} deleted on { $v }; the description stays. The reason given:
files-deleted = Files of this record were deleted on { $v }; the description stays. The reason given:
files-restricted-all = The files of this record are restricted.
files-none = This record has no files.
files-some-open = { $n } of its { $v } files are open to you; the others are restricted.
files-count = { $n ->
    [one] One file, { $v } in all.
   *[other] { $n } files, { $v } in all.
}
download-yours = Download yours (zip)
download-all = Download all (zip)
file-name = Name
file-size = Size
file-checksum = Checksum
file-pages = File pages
versions = Versions
version-this = Version { $n } ({ $v }), this version
cite-heading = How to cite
copy-citation = Copy the { $v } citation
copied = Copied
persistent-identifier = Persistent identifier
export = Export

## Reporting a problem

report-heading = Report a problem
report-intro = Does this record expose personal data, hold wrong data, or break someone's rights? Tell its curators and stewards; they can take it down at once while they look.
report-kind = Kind of problem
report-kind-privacy = Personal or confidential data
report-kind-wrong = Wrong data
report-kind-rights = A rights claim (copyright, licence)
report-kind-other = Something else
report-what = What is wrong
report-email = Your email, to hear the outcome (optional)
report-send = Send the report
report-thanks = Thank you
report-sent = Report { $n } about record { $v } was sent to its curators and stewards.
report-sent-email = You will hear the outcome by email.
report-not-sent = The report could not be sent

## Policies

policy-in-force = Version { $n } in force
policy-terms = Terms: { $v }
policy-field-of-use = field of use: { $v }
policy-duration = { $n ->
    [one] for one day from access
   *[other] for { $n } days from access
}
policy-kind-agreement = Data use agreement
policy-kind-licence = Licence
policy-text-of = Text of version { $n }
policy-change-log = Change log
policy-version = Version
policy-from = In force from
policy-what-changed = What changed

## Signing in

login-email = Email
login-password = Password
login-sso-heading = Or sign in with your institution
login-sso-with = Sign in with { $v }
login-expired = The form had expired. Please sign in again.
login-wrong = The email or password is wrong.
login-too-many = { $n ->
    [one] Too many failed attempts. Try again in one minute.
   *[other] Too many failed attempts. Try again in { $n } minutes.
}
login-sso-not-started = This sign-in was not started here, or took too long. Please start again.
login-sso-refused = { $v }
login-provider-unavailable = { $v }

## Errors

error-search-link = Search the repository
error-not-found = Not found
error-not-found-detail = There is nothing at this address.
error-unauthorized = Sign-in required
error-unauthorized-detail = This record is not public.
error-forbidden = Permission denied
error-forbidden-detail = You do not have access to this record.
error-bad-request = Bad request
error-bad-request-detail = The request could not be carried out as it was sent.
error-taken-down = Taken down
error-taken-down-detail = This record is taken down while a reported problem is reviewed. Its curators and stewards will restore or remove it.
error-conflict = This cannot be done now
error-conflict-detail = Something has changed since the page was shown, or it was done already.
error-internal = Something went wrong
error-internal-detail = The error has been logged. Please try again later.

## Depositing

my-uploads = My uploads
uploads-title = My uploads
uploads-older = Older records
uploads-new = New upload
uploads-drafts = Drafts
uploads-no-drafts = You have no drafts.
uploads-published = Published
uploads-no-records = You have published nothing yet.
upload-kind-new = new
upload-kind-edit = editing a published record
upload-kind-version = a new version
deposit-new-title = New upload
deposit-edit-title = Edit draft
record-change = Edit or make a new version
record-audit = Audit trail of this dataset
change-edit = Edit the description
change-edit-hint = Change this version's description, licence or access. Its files stay as they are; the change is published as a new revision of the same version, and its persistent identifier stays.
change-version = { $n ->
   *[other] Start version { $n }
}
change-version-hint = Start the next version with this one's description and files, which you can then add to, remove or replace. The published versions stay as they are, each with its own identifier.
deposit-edit-record-title = Edit the published record
deposit-version-title = A new version
deposit-editing-record = You are editing a published record: once you publish, its page shows your changes.
deposit-edit-files = An edit keeps the files as they are. To change files, start a new version.
deposit-saved = The draft is saved.
deposit-files-added = The files are uploaded.
deposit-publishing = The dataset is being published, which takes a while for many files. Reload this page to see when it is done: it then shows the record.
deposit-problems = { $n ->
    [one] There is a problem to fix before publishing
   *[other] There are { $n } problems to fix before publishing
}
deposit-describe = Describe the data
deposit-related = Related works
deposit-related-hint = Papers, software or other datasets this data cites, supplements, or is a new version of. Save to add another.
related-n = { $n ->
   *[other] Related work { $n }
}
field-related-identifier = Identifier
field-related-scheme = Kind of identifier
field-related-relation = How this data relates to it
deposit-funding = Funding
funding-n = { $n ->
   *[other] Grant { $n }
}
field-funder = Funder
field-award-number = Award number
field-award-title = Award title
deposit-creators = Creators
deposit-creators-hint = The people or organizations who made the data, in the order they should be cited. Give a person's family name, or an organization's name. Save to add another.
creator-n = Creator { $n }
deposit-reuse = Reuse
deposit-access = Access
deposit-save = Save draft
deposit-create = Create draft
deposit-publish = Publish
deposit-no-files = No files yet.
deposit-files-after = Create the draft first; then add its files here.
deposit-remove = Remove
deposit-remove-file = Remove { $v }
deposit-choose-files = Choose files to upload
deposit-upload = Upload
deposit-upload-progress = Upload progress
file-pending = not yet uploaded
field-title = Title (required)
field-title-cy = Title in Welsh
field-resource-type = Resource type
field-publication-date = Publication date (required)
field-publication-date-hint = For example 2024, 2024-05 or 2024-05-17; an interval as 2020/2024.
field-description = Description
field-description-cy = Description in Welsh
field-family-name = Family name
field-given-names = Given names
field-orcid = ORCID
field-orcid-hint = For example 0000-0002-1825-0097.
field-affiliation = Affiliation
field-organization = Organization name
field-organization-hint = Only when the creator is an organization, not a person.
deposit-context = Time, place and form
size-n = Size { $n }
format-n = Format { $n }
deposit-contributors = Contributors
deposit-contributors-hint = Others who took part (collecting, curating, supervising, funding…), each with their role. Save to add another.
contributor-n = Contributor { $n }
field-role = Role
field-organization-contributor-hint = Only when the contributor is an organization, not a person.
deposit-dates = Dates
deposit-dates-hint = Dates that matter besides publication: when the data was collected, the period it covers. A day, a month, a year, or a period such as 2019-03/2021-07.
date-n = Date { $n }
field-date = Date
field-date-type = What the date is
field-date-description = About the date
deposit-locations = Places
deposit-locations-hint = Where the data was collected or what places it is about: a name, a point in decimal degrees, or both. Save to add another.
location-n = Place { $n }
field-place = Name of the place
field-latitude = Latitude
field-latitude-hint = From -90 (south) to 90 (north), for example 51.4816.
field-longitude = Longitude
field-longitude-hint = From -180 (west) to 180 (east), for example -3.1791.
field-place-description = About the place
deposit-identifiers = Other identifiers
deposit-identifiers-hint = Identifiers this data has elsewhere, such as a handle or an accession number's URL.
identifier-n = Identifier { $n }
field-identifier = Identifier
field-sizes = Size
field-sizes-hint = In words, for example "3 tables, 12,000 rows".
field-formats = Formats
field-formats-hint = Media types of the files, for example text/csv.
contributor-type-contactperson = Contact person
contributor-type-datacollector = Data collector
contributor-type-datacurator = Data curator
contributor-type-datamanager = Data manager
contributor-type-distributor = Distributor
contributor-type-editor = Editor
contributor-type-hostinginstitution = Hosting institution
contributor-type-other = Other
contributor-type-producer = Producer
contributor-type-projectleader = Project leader
contributor-type-projectmanager = Project manager
contributor-type-projectmember = Project member
contributor-type-registrationagency = Registration agency
contributor-type-registrationauthority = Registration authority
contributor-type-relatedperson = Related person
contributor-type-researchgroup = Research group
contributor-type-rightsholder = Rights holder
contributor-type-researcher = Researcher
contributor-type-sponsor = Sponsor
contributor-type-supervisor = Supervisor
contributor-type-translator = Translator
contributor-type-workpackageleader = Work package leader
date-type-accepted = Accepted
date-type-available = Available
date-type-collected = Collected
date-type-copyrighted = Copyrighted
date-type-coverage = Covers the period
date-type-created = Created
date-type-issued = Issued
date-type-other = Other
date-type-submitted = Submitted
date-type-updated = Updated
date-type-valid = Valid
date-type-withdrawn = Withdrawn
relation-iscitedby = is cited by
relation-cites = cites
relation-issupplementto = is a supplement to
relation-issupplementedby = is supplemented by
relation-iscontinuedby = is continued by
relation-continues = continues
relation-isnewversionof = is a new version of
relation-ispreviousversionof = is a previous version of
relation-ispartof = is part of
relation-haspart = has as a part
relation-ispublishedin = is published in
relation-isreferencedby = is referenced by
relation-references = references
relation-isdocumentedby = is documented by
relation-documents = documents
relation-iscompiledby = is compiled by
relation-compiles = compiles
relation-isvariantformof = is a variant form of
relation-isoriginalformof = is the original form of
relation-isidenticalto = is identical to
relation-hasmetadata = has metadata
relation-ismetadatafor = is metadata for
relation-reviews = reviews
relation-isreviewedby = is reviewed by
relation-isderivedfrom = is derived from
relation-issourceof = is the source of
relation-describes = describes
relation-isdescribedby = is described by
relation-hasversion = has as a version
relation-isversionof = is a version of
relation-requires = requires
relation-isrequiredby = is required by
relation-obsoletes = makes obsolete
relation-isobsoletedby = is made obsolete by
relation-collects = collects
relation-iscollectedby = is collected by
relation-hastranslation = has a translation
relation-istranslationof = is a translation of
field-licence = Licence
field-licence-hint = An SPDX licence identifier, such as cc-by-4.0; suggestions appear as you type.
field-subjects = Subjects
field-subjects-hint = One subject per field; suggestions come from subjects already used. Save to add another.
subject-n = Subject { $n }
field-languages = Languages of the data
field-languages-hint = ISO 639-3 codes, such as eng or cym; suggestions appear as you type. Save to add another.
language-n = Language { $n }
field-version = Version
field-publisher = Publisher
field-publisher-hint = Left empty, the repository is the publisher.
field-data-class = Who may download the files
field-visibility = Who may read the description
visibility-public = Everyone
visibility-restricted = Only a short description is public
field-embargo = Embargoed until
field-embargo-hint = Optional: the files open on this day.
data-class-public = Everyone (public)
data-class-registered = Anyone signed in (registered)
data-class-partner = Members of partner organizations (partner)
data-class-restricted = People a steward grants access to (restricted)
data-class-enclave = Only inside the secure enclave (enclave-only)

problem-title-required = Give the data a title.
problem-date-required = Give the date the data is published, such as 2024-05-17.
problem-creator-required = Name at least one creator.
problem-type-required = Choose a resource type.
problem-files-required = Upload at least one file.
problem-unknown-type = '{ $v }' is not a resource type Tessera knows; choose one from the list.
problem-unknown-licence = '{ $v }' is not a licence on the SPDX list; choose one of the suggestions, such as cc-by-4.0.
problem-licence-needs-id = Give the licence's SPDX id.
problem-subject-empty = Give the subject, or leave the field empty.
problem-place-empty = Give the place's name, a point, or what it is.
problem-funder-needed = Name the funder.
problem-family-name = Give the person's family name, or an organization's name instead.
problem-organization-name = Give the organization's name.
problem-affiliation-name = Give the name of the affiliation.
problem-role-required = Choose the contributor's role.
problem-date-type-required = Choose what the date is.
problem-relation-required = Choose how this data relates to the work.
problem-unknown-choice = '{ $v }' is not one of the choices; choose one from the list.
problem-longitude = Give the longitude as a number from -180 to 180, such as -3.1791.
problem-latitude = Give the latitude as a number from -90 to 90, such as 51.4816.
problem-shape = The shape's corners need longitudes from -180 to 180 and latitudes from -90 to 90.
problem-geometry = A place's shape must be a GeoJSON Point, Polygon or MultiPolygon.
problem-scheme = Choose the kind of identifier.
problem-language = '{ $v }' is not a language code; choose one of the suggestions, such as cym or eng.
problem-interval-open = '{ $v }' is a period with no known end; give both ends, such as 2019/2021.
problem-interval-backwards = '{ $v }' ends before it starts.
problem-not-date = '{ $v }' is not a date: give a year, a month or a day, such as 2024, 2024-05 or 2024-05-17.
problem-no-month = '{ $v }' has no month { $w }.
problem-no-day = '{ $v }' has no day { $w }.
problem-not-orcid = '{ $v }' is not an ORCID iD; one looks like 0000-0002-1825-0097.
problem-orcid-check = '{ $v }' is not a valid ORCID iD: its last character should be { $w }. Look for a mistyped digit.
problem-not-ror = '{ $v }' is not a ROR id; one looks like 01ggx4157.
problem-ror-check = '{ $v }' is not a valid ROR id: its last two digits should be { $w }.
problem-not-doi = '{ $v }' is not a DOI; one looks like 10.1234/suffix.
problem-identifier-empty = Give the identifier.
problem-files-disabled = This record is to have no files, but the draft has some; remove them.
problem-upload-unfinished = The upload of '{ $v }' did not finish; upload it again.
problem-embargo-date = Give the day the embargo ends.
problem-file-class = A file's data class names '{ $v }', which is not a file of this draft.
problem-request-required = Fill this in: stewards decide on it.
problem-days-range = Give a number of days from 1 to { $v }.
problem-no-file = The record has no file '{ $v }'.

## Access requests

my-access = My access
record-n = Record { $v }
request-title = Request access
request-for = Files of
request-intro = The record's data stewards read your request and decide. Say what you will use the data for; they may approve it with conditions, such as an end date or an agreement to accept.
field-purpose = Purpose (required)
field-purpose-hint = What the data will be used for.
field-project = Project
field-intended-use = How you will use it (required)
field-intended-use-hint = Who will see the data, where it will be kept and what will be published from it.
field-duration = For how many days
field-duration-hint = Optional; the stewards set the end date.
request-send = Send the request
problem-days = Give a whole number of days, 1 or more.
access-title = My access
access-requested = Your request is sent to the record's stewards. You will hear by email when they decide.
access-granted = You have access now.
access-steward-link = Requests waiting for your decision as a steward
access-waiting = Approved, waiting for you
access-none-waiting = No approval is waiting for you.
access-approved-with = The stewards approved your request with these conditions:
condition-expires = access ends on { $v }
condition-field-of-use = for { $v } only
condition-agreement = the agreement: { $v }
condition-policy = { $v }, version { $n }
access-accept-label = I accept these conditions
access-accept = Accept and get access
access-grants = Access you hold
access-no-grants = You hold no access grants.
access-a-dataset = A dataset
access-until = until { $v }
access-ended = ended
access-requests = Your requests
access-no-requests = No other requests.
request-status-pending = waiting for a decision
request-status-approved = approved
request-status-refused = refused
request-status-accepted = accepted
request-status-withdrawn = withdrawn
steward-title = Stewarding
steward-empty = No request is waiting for a decision.
steward-age = { $n ->
    [0] made today
    [one] made a day ago
   *[other] made { $n } days ago
}
steward-approve-legend = Approve, with conditions
field-expires = Access ends on
field-expires-hint = Left empty, the requested number of days from today.
field-field-of-use = Field of use
field-agreement = An agreement the requester must accept
steward-approve = Approve
steward-refuse-legend = Refuse
field-reason = Why (the requester reads this)
steward-refuse = Refuse
steward-approved = The request is approved; the requester is told to accept its conditions.
steward-refused = The request is refused; the requester is told why.
steward-queue = Requests to decide
steward-grants = Current grants
steward-no-grants = Nobody holds a current grant to the data you steward.
steward-ended = Ended grants
steward-none-ended = No grant has ended yet.
steward-revoked = The grant is revoked; its holder is told why.
grant-dataset = Dataset
grant-holder = Held by
grant-period = From – until
grant-state = State
grant-active = current
grant-reaccept = waiting for the holder to accept a new version of the agreement
grant-expired = expired
grant-revoked-on = revoked on { $v }
grant-revoke-legend = Revoke
grant-revoke-hint = Access ends at once; the holder is told this reason.
grant-revoke = Revoke the grant
grant-revoke-reason = Why (the holder reads this)
form-problems = { $n ->
    [one] There is a problem to fix
   *[other] There are { $n } problems to fix
}

## Account

account-title = Account
account-signed-in-as = Signed in as { $v }.
sign-out = Sign out
tokens-title = API tokens
tokens-intro = A token lets the tessera command and your scripts act as you through the API. Give each one only the scopes it needs, and revoke it when it is no longer used.
tokens-none = You have no tokens.
token-made = Your new token is below. Copy it now: it is not shown again.
token-secret = The new token
token-copy = Copy the token
token-name = Name
token-name-hint = To recognise it by, such as the computer it is used on.
token-scopes = Scopes
token-created = Made
token-expires = Expires
token-expires-hint = Optional: the last day it works.
token-never = never
token-revoke = Revoke
token-revoke-named = Revoke { $v }
token-ended = ended
token-new = A new token
token-make = Make the token
token-revoked = The token is revoked; it no longer works.
scope-read = read: read records, files and your own lists
scope-deposit = deposit: make drafts, upload and publish
scope-steward = steward: decide access requests
scope-admin = admin: administer organizations

## Organizations

account-work = Your work
organizations-title = Organizations
organizations-none = You have no role in any organization.
role-depositor = depositor
role-curator = curator
role-steward = steward
role-admin = administrator
role-auditor = auditor
org-your-roles = Your roles: { $v }
org-members = Members
org-no-members = Nobody has a role here yet.
field-email = Email
org-role = Role
org-remove = Remove
org-remove-named = Remove { $v }
org-add-member = Give someone a role
org-email-hint = The email of their Tessera account.
org-give-role = Give the role
org-member-added = The role is given.
org-member-removed = The role is taken away.
org-partners = Trusted partners
org-partners-intro = Members of a trusted partner are granted access at once when they ask for this organization's data of the class it is trusted with.
org-no-partners = No partner is trusted.
org-data-class = Data class
org-add-partner = Trust a partner
org-trust = Trust the partner
org-partner-added = The partner is trusted.
org-partner-removed = The partner is no longer trusted.
problem-email = Give the email of their account.
problem-no-such-user = No account has this email; they must sign in to Tessera once first.
dashboard-title = Dashboard
dashboard-deposits = Versions published per month
dashboard-downloads = Downloads per month
dashboard-storage = Storage used by each organization
dashboard-waiting = Access requests waiting, by age in days
dashboard-month = Month
dashboard-versions = Versions
dashboard-download-count = Downloads
dashboard-organization = Organization
dashboard-bytes = Storage
dashboard-age = Age
dashboard-requests = Requests
dashboard-age-days = { $v } days
dashboard-files = { $n ->
    [one] 1 file
   *[other] { $n } files
}
dashboard-no-organization = No organization
dashboard-oldest = { $n ->
    [0] The oldest waiting request was made today.
    [one] The oldest waiting request has waited a day.
   *[other] The oldest waiting request has waited { $n } days.
}
dashboard-none-waiting = No request is waiting.
chart-note = The table below gives the same figures.
activity-title = Your activity
activity-back = Back to your account
audit-title = Audit trail
audit-back = Back to { $v }
audit-period = Period
audit-from = From
audit-to = Until
audit-show = Show
audit-none = Nothing happened in this period.
audit-caption = What happened, { $v }
audit-when = When (UTC)
audit-who = Who
audit-what = What
audit-target = Concerning
audit-outcome = Outcome
audit-nobody = nobody signed in
audit-next = Next page
