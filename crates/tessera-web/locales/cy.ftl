# Rhyngwyneb Tessera yn Gymraeg. Mae gan bob neges yma ei gefeilles Saesneg yn en.ftl; mae
# prawf yn cadw'r ddwy ffeil yn gyson. Rhif yw $n bob amser, testun yw $v.
# Welsh counts take CLDR's six plural forms: zero, one, two, few (3), many (6) and other.

## Pob tudalen

skip-to-content = Neidio i'r cynnwys
search-label = Chwilio cofnodion
search-button = Chwilio
site-tools = Iaith a chyfrif
sign-in = Mewngofnodi
footer = Storfa data ymchwil Tessera
footer-api = API
untitled = Heb deitl
previous-page = Tudalen flaenorol
next-page = Tudalen nesaf
page-of = Tudalen { $n } o { $v }.

## Hafan

home-intro = Dewch o hyd i ddata ymchwil a chasgliadau digidol y sefydliadau sy'n aelodau, a'u dyfynnu a'u hailddefnyddio.
home-search-label = Chwilio setiau data, casgliadau a'u ffeiliau
home-total = { $n ->
    [zero] Dim cofnodion i'w harchwilio eto.
    [one] Un cofnod i'w archwilio.
    [two] { $n } gofnod i'w harchwilio.
    [few] { $n } chofnod i'w harchwilio.
    [many] { $n } chofnod i'w harchwilio.
   *[other] { $n } cofnod i'w harchwilio.
}
home-browse = Pori'r cyfan
home-recent = Cyhoeddwyd yn ddiweddar
home-nothing-yet = Nid oes dim wedi'i gyhoeddi eto.

## Chwilio

search-title = Chwilio
search-title-query = { $v }: chwilio
filters = Hidlyddion
filter-remove = Tynnu'r hidlydd:
in-community = Yn y gymuned { $v }
all-records = Chwilio pob cofnod
records-found = { $n ->
    [zero] Dim cofnodion
    [one] { $n } cofnod
    [two] { $n } gofnod
    [few] { $n } chofnod
    [many] { $n } chofnod
   *[other] { $n } cofnod
}
records-found-for = { $n ->
    [zero] Dim cofnodion ar gyfer “{ $v }”
    [one] { $n } cofnod ar gyfer “{ $v }”
    [two] { $n } gofnod ar gyfer “{ $v }”
    [few] { $n } chofnod ar gyfer “{ $v }”
    [many] { $n } chofnod ar gyfer “{ $v }”
   *[other] { $n } cofnod ar gyfer “{ $v }”
}
sort-label = Trefnu yn ôl
sort-button = Trefnu
sort-bestmatch = Cyfateb orau
sort-newest = Mwyaf newydd
sort-oldest = Hynaf
sort-updated-desc = Diweddarwyd yn fwyaf diweddar
sort-updated-asc = Diweddarwyd yn lleiaf diweddar
result-pages = Tudalennau canlyniadau
from-origin = o { $v }
facet-resource-type = Mathau o adnodd
facet-subject = Pynciau
facet-license = Trwyddedau
facet-affiliation = Sefydliadau
facet-publication-year = Blwyddyn cyhoeddi
facet-language = Ieithoedd
facet-access-status = Statws mynediad
facet-origin = Tarddiad

## Mathau o adnodd

resource-type-dataset = Set ddata
resource-type-image = Delwedd
resource-type-image-photo = Ffotograff
resource-type-image-figure = Ffigur
resource-type-image-drawing = Lluniad
resource-type-image-diagram = Diagram
resource-type-image-plot = Graff
resource-type-audio = Sain
resource-type-video = Fideo
resource-type-model = Model
resource-type-physicalobject = Gwrthrych ffisegol
resource-type-publication = Cyhoeddiad
resource-type-publication-article = Erthygl cyfnodolyn
resource-type-publication-book = Llyfr
resource-type-publication-report = Adroddiad
resource-type-publication-thesis = Traethawd ymchwil
resource-type-publication-preprint = Rhagargraffiad
resource-type-poster = Poster
resource-type-presentation = Cyflwyniad
resource-type-event = Digwyddiad
resource-type-lesson = Gwers
resource-type-software = Meddalwedd
resource-type-software-computationalnotebook = Llyfr nodiadau cyfrifiannol
resource-type-workflow = Llif gwaith
resource-type-other = Arall

## Statws mynediad

access-status-open = Agored
access-status-restricted = Cyfyngedig
access-status-embargoed = Dan embargo
access-status-metadata-only = Metadata yn unig

## Tudalen cofnod

published-on = Cyhoeddwyd { $v }
version-n = Fersiwn { $n }
newer-version = mae fersiwn mwy diweddar
metadata-only-notice = Dim ond disgrifiad byr o'r cofnod hwn sy'n gyhoeddus. Ei stiwardiaid sy'n penderfynu pwy gaiff weld y gweddill; gall defnyddwyr sydd wedi mewngofnodi ofyn am fynediad.
description = Disgrifiad
subjects = Pynciau
communities = Cymunedau
details-heading = Am y data
access-heading = Mynediad a thrwydded
embargo-until = bydd y ffeiliau'n agor ar { $v }
licence = Trwydded
no-licence = Ni roddwyd trwydded.
request-access-how = Mae rhai o ffeiliau'r cofnod hwn yn gyfyngedig. Ei stiwardiaid data sy'n penderfynu pwy gaiff eu defnyddio, at ba ddiben a hyd pryd.
request-access-link = Gofyn am fynediad
files = Ffeiliau
files-deleted-n = { $n ->
    [one] Dilëwyd un ffeil o'r cofnod hwn
   *[other] Dilëwyd { $n } ffeil o'r cofnod hwn
} ar { $v }; mae'r disgrifiad yn aros. Y rheswm a roddwyd:
files-deleted = Dilëwyd ffeiliau o'r cofnod hwn ar { $v }; mae'r disgrifiad yn aros. Y rheswm a roddwyd:
files-restricted-all = Mae ffeiliau'r cofnod hwn yn gyfyngedig.
files-none = Nid oes gan y cofnod hwn ffeiliau.
files-some-open = Mae { $n } o'i { $v } ffeil ar agor i chi; mae'r lleill yn gyfyngedig.
files-count = { $n ->
    [one] Un ffeil, { $v } i gyd.
   *[other] { $n } ffeil, { $v } i gyd.
}
download-yours = Lawrlwytho'ch rhai chi (zip)
download-all = Lawrlwytho'r cyfan (zip)
file-name = Enw
file-size = Maint
file-checksum = Swm gwirio
file-pages = Tudalennau ffeiliau
versions = Fersiynau
version-this = Fersiwn { $n } ({ $v }), y fersiwn hon
cite-heading = Sut i ddyfynnu
copy-citation = Copïo'r dyfyniad { $v }
copied = Wedi'i gopïo
persistent-identifier = Dynodydd parhaus
export = Allforio

## Rhoi gwybod am broblem

report-heading = Rhoi gwybod am broblem
report-intro = Ydy'r cofnod hwn yn datgelu data personol, yn cynnwys data anghywir, neu'n torri hawliau rhywun? Dywedwch wrth ei guraduron a'i stiwardiaid; gallan nhw ei dynnu i lawr ar unwaith tra byddan nhw'n edrych.
report-kind = Math o broblem
report-kind-privacy = Data personol neu gyfrinachol
report-kind-wrong = Data anghywir
report-kind-rights = Hawliad hawliau (hawlfraint, trwydded)
report-kind-other = Rhywbeth arall
report-what = Beth sydd o'i le
report-email = Eich e-bost, i glywed y canlyniad (dewisol)
report-send = Anfon yr adroddiad
report-thanks = Diolch
report-sent = Anfonwyd adroddiad { $n } am gofnod { $v } at ei guraduron a'i stiwardiaid.
report-sent-email = Byddwch yn clywed y canlyniad drwy e-bost.
report-not-sent = Nid oedd modd anfon yr adroddiad

## Polisïau

policy-in-force = Fersiwn { $n } mewn grym
policy-terms = Telerau: { $v }
policy-field-of-use = maes defnydd: { $v }
policy-duration = { $n ->
    [one] am un diwrnod o'r mynediad
   *[other] am { $n } diwrnod o'r mynediad
}
policy-kind-agreement = Cytundeb defnyddio data
policy-kind-licence = Trwydded
policy-text-of = Testun fersiwn { $n }
policy-change-log = Cofnod newidiadau
policy-version = Fersiwn
policy-from = Mewn grym o
policy-what-changed = Beth newidiodd

## Mewngofnodi

login-email = E-bost
login-password = Cyfrinair
login-sso-heading = Neu mewngofnodwch gyda'ch sefydliad
login-sso-with = Mewngofnodi gyda { $v }
login-expired = Roedd y ffurflen wedi dod i ben. Mewngofnodwch eto.
login-wrong = Mae'r e-bost neu'r cyfrinair yn anghywir.
login-too-many = { $n ->
    [one] Gormod o ymdrechion aflwyddiannus. Rhowch gynnig arall arni ymhen munud.
   *[other] Gormod o ymdrechion aflwyddiannus. Rhowch gynnig arall arni ymhen { $n } munud.
}
login-sso-not-started = Ni ddechreuwyd y mewngofnodi hwn yma, neu cymerodd ormod o amser. Dechreuwch eto.
login-sso-refused = Gwrthodwyd y mewngofnodi: { $v }
login-provider-unavailable = Nid oes modd cyrraedd y darparwr mewngofnodi: { $v }

## Gwallau

error-search-link = Chwilio'r storfa
error-not-found = Heb ei ganfod
error-not-found-detail = Does dim byd yn y cyfeiriad hwn.
error-unauthorized = Rhaid mewngofnodi
error-unauthorized-detail = Nid yw'r cofnod hwn yn gyhoeddus.
error-forbidden = Dim caniatâd
error-forbidden-detail = Nid oes gennych fynediad i'r cofnod hwn.
error-bad-request = Cais gwallus
error-bad-request-detail = Nid oedd modd gwneud y cais fel y'i hanfonwyd.
error-taken-down = Wedi'i dynnu i lawr
error-taken-down-detail = Mae'r cofnod hwn wedi'i dynnu i lawr tra bo problem a adroddwyd yn cael ei hadolygu. Bydd ei guraduron a'i stiwardiaid yn ei adfer neu'n ei ddileu.
error-conflict = Nid oes modd gwneud hyn nawr
error-conflict-detail = Mae rhywbeth wedi newid ers dangos y dudalen, neu mae wedi'i wneud eisoes.
error-internal = Aeth rhywbeth o'i le
error-internal-detail = Mae'r gwall wedi'i gofnodi. Rhowch gynnig arall arni yn nes ymlaen.

## Adneuo

my-uploads = Fy uwchlwythiadau
uploads-title = Fy uwchlwythiadau
uploads-older = Cofnodion hŷn
uploads-new = Uwchlwythiad newydd
uploads-drafts = Drafftiau
uploads-no-drafts = Nid oes gennych ddrafftiau.
uploads-published = Wedi'u cyhoeddi
uploads-no-records = Nid ydych wedi cyhoeddi dim eto.
upload-kind-new = newydd
upload-kind-edit = yn golygu cofnod a gyhoeddwyd
upload-kind-version = fersiwn newydd
deposit-new-title = Uwchlwythiad newydd
deposit-edit-title = Golygu drafft
record-change = Golygu neu wneud fersiwn newydd
record-audit = Llwybr archwilio’r set ddata hon
change-edit = Golygu'r disgrifiad
change-edit-hint = Newid disgrifiad, trwydded neu fynediad y fersiwn hwn. Mae ei ffeiliau'n aros fel y maent; cyhoeddir y newid fel diwygiad newydd o'r un fersiwn, ac mae ei ddynodwr parhaus yn aros.
change-version = { $n ->
   *[other] Dechrau fersiwn { $n }
}
change-version-hint = Dechrau'r fersiwn nesaf gyda disgrifiad a ffeiliau'r un hwn, y gallwch wedyn ychwanegu atynt, eu tynnu neu eu disodli. Mae'r fersiynau a gyhoeddwyd yn aros fel y maent, pob un â'i ddynodwr ei hun.
deposit-edit-record-title = Golygu'r cofnod a gyhoeddwyd
deposit-version-title = Fersiwn newydd
deposit-editing-record = Rydych yn golygu cofnod a gyhoeddwyd: wedi i chi gyhoeddi, mae ei dudalen yn dangos eich newidiadau.
deposit-edit-files = Mae golygiad yn cadw'r ffeiliau fel y maent. I newid ffeiliau, dechreuwch fersiwn newydd.
deposit-saved = Mae'r drafft wedi'i gadw.
deposit-files-added = Mae'r ffeiliau wedi'u huwchlwytho.
deposit-publishing = Mae'r set ddata'n cael ei chyhoeddi, sy'n cymryd peth amser i lawer o ffeiliau. Ail-lwythwch y dudalen hon i weld pryd y bydd wedi gorffen: bydd wedyn yn dangos y cofnod.
deposit-problems = { $n ->
    [one] Mae problem i'w datrys cyn cyhoeddi
   *[other] Mae { $n } problem i'w datrys cyn cyhoeddi
}
deposit-describe = Disgrifio'r data
deposit-related = Gweithiau cysylltiedig
deposit-related-hint = Papurau, meddalwedd neu setiau data eraill y mae'r data hwn yn eu dyfynnu, yn eu hategu, neu'n fersiwn newydd ohonynt. Cadwch i ychwanegu un arall.
related-n = { $n ->
   *[other] Gwaith cysylltiedig { $n }
}
field-related-identifier = Dynodwr
field-related-scheme = Math o ddynodwr
field-related-relation = Sut mae'r data hwn yn perthyn iddo
deposit-funding = Cyllid
funding-n = { $n ->
   *[other] Grant { $n }
}
field-funder = Cyllidwr
field-award-number = Rhif y dyfarniad
field-award-title = Teitl y dyfarniad
deposit-creators = Crewyr
deposit-creators-hint = Y bobl neu'r sefydliadau a greodd y data, yn y drefn y dylid eu dyfynnu. Rhowch gyfenw person, neu enw sefydliad. Cadwch i ychwanegu un arall.
creator-n = Crëwr { $n }
deposit-reuse = Ailddefnyddio
deposit-access = Mynediad
deposit-save = Cadw'r drafft
deposit-create = Creu drafft
deposit-publish = Cyhoeddi
deposit-no-files = Dim ffeiliau eto.
deposit-files-after = Crëwch y drafft yn gyntaf; yna ychwanegwch ei ffeiliau yma.
deposit-remove = Tynnu
deposit-remove-file = Tynnu { $v }
deposit-choose-files = Dewis ffeiliau i'w huwchlwytho
deposit-upload = Uwchlwytho
deposit-upload-progress = Cynnydd yr uwchlwytho
file-pending = heb ei uwchlwytho eto
field-title = Teitl (gofynnol)
field-title-cy = Teitl yn Gymraeg
field-resource-type = Math o adnodd
field-publication-date = Dyddiad cyhoeddi (gofynnol)
field-publication-date-hint = Er enghraifft 2024, 2024-05 neu 2024-05-17; cyfnod fel 2020/2024.
field-description = Disgrifiad
field-description-cy = Disgrifiad yn Gymraeg
field-family-name = Cyfenw
field-given-names = Enwau cyntaf
field-orcid = ORCID
field-orcid-hint = Er enghraifft 0000-0002-1825-0097.
field-affiliation = Sefydliad
field-organization = Enw'r sefydliad
field-organization-hint = Dim ond pan mai sefydliad, nid person, yw'r crëwr.
deposit-context = Amser, lle a ffurf
size-n = Maint { $n }
format-n = Fformat { $n }
deposit-contributors = Cyfranwyr
deposit-contributors-hint = Eraill a gymerodd ran (casglu, curadu, goruchwylio, cyllido…), pob un gyda'i rôl. Cadwch i ychwanegu un arall.
contributor-n = Cyfrannwr { $n }
field-role = Rôl
field-organization-contributor-hint = Dim ond pan mai sefydliad, nid person, yw'r cyfrannwr.
deposit-dates = Dyddiadau
deposit-dates-hint = Dyddiadau sy'n bwysig heblaw cyhoeddi: pryd y casglwyd y data, y cyfnod y mae'n ei gwmpasu. Diwrnod, mis, blwyddyn, neu gyfnod fel 2019-03/2021-07.
date-n = Dyddiad { $n }
field-date = Dyddiad
field-date-type = Beth yw'r dyddiad
field-date-description = Am y dyddiad
deposit-locations = Lleoedd
deposit-locations-hint = Ble casglwyd y data neu am ba leoedd y mae: enw, pwynt mewn graddau degol, neu'r ddau. Cadwch i ychwanegu un arall.
location-n = Lle { $n }
field-place = Enw'r lle
field-latitude = Lledred
field-latitude-hint = O -90 (de) i 90 (gogledd), er enghraifft 51.4816.
field-longitude = Hydred
field-longitude-hint = O -180 (gorllewin) i 180 (dwyrain), er enghraifft -3.1791.
field-place-description = Am y lle
deposit-identifiers = Dynodwyr eraill
deposit-identifiers-hint = Dynodwyr sydd gan y data hwn mewn mannau eraill, fel handle neu URL rhif derbyn.
identifier-n = Dynodwr { $n }
field-identifier = Dynodwr
field-sizes = Maint
field-sizes-hint = Mewn geiriau, er enghraifft "3 thabl, 12,000 rhes".
field-formats = Fformatau
field-formats-hint = Mathau cyfryngau'r ffeiliau, er enghraifft text/csv.
contributor-type-contactperson = Person cyswllt
contributor-type-datacollector = Casglwr data
contributor-type-datacurator = Curadur data
contributor-type-datamanager = Rheolwr data
contributor-type-distributor = Dosbarthwr
contributor-type-editor = Golygydd
contributor-type-hostinginstitution = Sefydliad lletya
contributor-type-other = Arall
contributor-type-producer = Cynhyrchydd
contributor-type-projectleader = Arweinydd prosiect
contributor-type-projectmanager = Rheolwr prosiect
contributor-type-projectmember = Aelod o'r prosiect
contributor-type-registrationagency = Asiantaeth gofrestru
contributor-type-registrationauthority = Awdurdod cofrestru
contributor-type-relatedperson = Person cysylltiedig
contributor-type-researchgroup = Grŵp ymchwil
contributor-type-rightsholder = Deiliad hawliau
contributor-type-researcher = Ymchwilydd
contributor-type-sponsor = Noddwr
contributor-type-supervisor = Goruchwyliwr
contributor-type-translator = Cyfieithydd
contributor-type-workpackageleader = Arweinydd pecyn gwaith
date-type-accepted = Derbyniwyd
date-type-available = Ar gael
date-type-collected = Casglwyd
date-type-copyrighted = Hawlfraint
date-type-coverage = Yn cwmpasu'r cyfnod
date-type-created = Crëwyd
date-type-issued = Cyhoeddwyd
date-type-other = Arall
date-type-submitted = Cyflwynwyd
date-type-updated = Diweddarwyd
date-type-valid = Dilys
date-type-withdrawn = Tynnwyd yn ôl
relation-iscitedby = yn cael ei dyfynnu gan
relation-cites = yn dyfynnu
relation-issupplementto = yn atodiad i
relation-issupplementedby = yn cael ei hategu gan
relation-iscontinuedby = yn cael ei pharhau gan
relation-continues = yn parhau
relation-isnewversionof = yn fersiwn newydd o
relation-ispreviousversionof = yn fersiwn blaenorol o
relation-ispartof = yn rhan o
relation-haspart = â rhan
relation-ispublishedin = wedi'i chyhoeddi yn
relation-isreferencedby = yn cael ei chyfeirio ati gan
relation-references = yn cyfeirio at
relation-isdocumentedby = yn cael ei dogfennu gan
relation-documents = yn dogfennu
relation-iscompiledby = yn cael ei llunio gan
relation-compiles = yn llunio
relation-isvariantformof = yn ffurf amrywiol ar
relation-isoriginalformof = yn ffurf wreiddiol ar
relation-isidenticalto = yn union yr un fath â
relation-hasmetadata = â metadata
relation-ismetadatafor = yn fetadata ar gyfer
relation-reviews = yn adolygu
relation-isreviewedby = yn cael ei hadolygu gan
relation-isderivedfrom = yn deillio o
relation-issourceof = yn ffynhonnell i
relation-describes = yn disgrifio
relation-isdescribedby = yn cael ei disgrifio gan
relation-hasversion = â fersiwn
relation-isversionof = yn fersiwn o
relation-requires = yn gofyn am
relation-isrequiredby = yn ofynnol gan
relation-obsoletes = yn disodli
relation-isobsoletedby = yn cael ei disodli gan
relation-collects = yn casglu
relation-iscollectedby = yn cael ei chasglu gan
relation-hastranslation = â chyfieithiad
relation-istranslationof = yn gyfieithiad o
field-licence = Trwydded
field-licence-hint = Dynodydd trwydded SPDX, fel cc-by-4.0; daw awgrymiadau wrth i chi deipio.
field-subjects = Pynciau
field-subjects-hint = Un pwnc ym mhob maes; daw'r awgrymiadau o bynciau a ddefnyddiwyd eisoes. Cadwch i ychwanegu un arall.
subject-n = Pwnc { $n }
field-languages = Ieithoedd y data
field-languages-hint = Codau ISO 639-3, fel eng neu cym; daw awgrymiadau wrth i chi deipio. Cadwch i ychwanegu un arall.
language-n = Iaith { $n }
field-version = Fersiwn
field-publisher = Cyhoeddwr
field-publisher-hint = Os yw'n wag, y storfa yw'r cyhoeddwr.
field-data-class = Pwy gaiff lawrlwytho'r ffeiliau
field-visibility = Pwy gaiff ddarllen y disgrifiad
visibility-public = Pawb
visibility-restricted = Dim ond disgrifiad byr sy'n gyhoeddus
field-embargo = Dan embargo tan
field-embargo-hint = Dewisol: bydd y ffeiliau'n agor ar y diwrnod hwn.
data-class-public = Pawb (cyhoeddus)
data-class-registered = Unrhyw un sydd wedi mewngofnodi (cofrestredig)
data-class-partner = Aelodau sefydliadau partner (partner)
data-class-restricted = Pobl y mae stiward yn rhoi mynediad iddynt (cyfyngedig)
data-class-enclave = Y tu mewn i'r amgaead diogel yn unig (amgaead yn unig)

problem-title-required = Rhowch deitl i'r data.
problem-date-required = Rhowch y dyddiad y cyhoeddir y data, fel 2024-05-17.
problem-creator-required = Enwch o leiaf un crëwr.
problem-type-required = Dewiswch fath o adnodd.
problem-files-required = Uwchlwythwch o leiaf un ffeil.
problem-unknown-type = Nid yw '{ $v }' yn fath o adnodd y mae Tessera yn ei adnabod; dewiswch un o'r rhestr.
problem-unknown-licence = Nid yw '{ $v }' yn drwydded ar restr SPDX; dewiswch un o'r awgrymiadau, fel cc-by-4.0.
problem-licence-needs-id = Rhowch ddynodwr SPDX y drwydded.
problem-subject-empty = Rhowch y pwnc, neu gadewch y maes yn wag.
problem-place-empty = Rhowch enw'r lle, pwynt, neu beth ydyw.
problem-funder-needed = Enwch y cyllidwr.
problem-family-name = Rhowch gyfenw'r person, neu enw sefydliad yn lle hynny.
problem-organization-name = Rhowch enw'r sefydliad.
problem-affiliation-name = Rhowch enw'r sefydliad y mae'n perthyn iddo.
problem-role-required = Dewiswch rôl y cyfrannwr.
problem-date-type-required = Dewiswch beth yw'r dyddiad.
problem-relation-required = Dewiswch sut mae'r data hwn yn perthyn i'r gwaith.
problem-unknown-choice = Nid yw '{ $v }' yn un o'r dewisiadau; dewiswch un o'r rhestr.
problem-longitude = Rhowch yr hydred fel rhif o -180 i 180, fel -3.1791.
problem-latitude = Rhowch y lledred fel rhif o -90 i 90, fel 51.4816.
problem-shape = Rhaid i gorneli'r siâp fod â hydredau o -180 i 180 a lledredau o -90 i 90.
problem-geometry = Rhaid i siâp lle fod yn Point, Polygon neu MultiPolygon GeoJSON.
problem-scheme = Dewiswch y math o ddynodwr.
problem-language = Nid yw '{ $v }' yn god iaith; dewiswch un o'r awgrymiadau, fel cym neu eng.
problem-interval-open = Mae '{ $v }' yn gyfnod heb ddiwedd hysbys; rhowch y ddau ben, fel 2019/2021.
problem-interval-backwards = Mae '{ $v }' yn gorffen cyn iddo ddechrau.
problem-not-date = Nid yw '{ $v }' yn ddyddiad: rhowch flwyddyn, mis neu ddiwrnod, fel 2024, 2024-05 neu 2024-05-17.
problem-no-month = Nid oes mis { $w } yn '{ $v }'.
problem-no-day = Nid oes diwrnod { $w } yn '{ $v }'.
problem-not-orcid = Nid yw '{ $v }' yn ORCID iD; mae un yn edrych fel 0000-0002-1825-0097.
problem-orcid-check = Nid yw '{ $v }' yn ORCID iD dilys: dylai ei nod olaf fod yn { $w }. Chwiliwch am ddigid wedi'i gamdeipio.
problem-not-ror = Nid yw '{ $v }' yn ddynodwr ROR; mae un yn edrych fel 01ggx4157.
problem-ror-check = Nid yw '{ $v }' yn ddynodwr ROR dilys: dylai ei ddau ddigid olaf fod yn { $w }.
problem-not-doi = Nid yw '{ $v }' yn DOI; mae un yn edrych fel 10.1234/ôl-ddodiad.
problem-identifier-empty = Rhowch y dynodwr.
problem-files-disabled = Ni fydd ffeiliau gan y cofnod hwn, ond mae gan y drafft rai; tynnwch nhw.
problem-upload-unfinished = Ni orffennodd llwytho '{ $v }'; llwythwch ef eto.
problem-embargo-date = Rhowch y diwrnod y daw'r embargo i ben.
problem-file-class = Mae dosbarth data ffeil yn enwi '{ $v }', nad yw'n ffeil yn y drafft hwn.
problem-request-required = Llenwch hwn: mae stiwardiaid yn penderfynu arno.
problem-days-range = Rhowch nifer o ddyddiau o 1 i { $v }.
problem-no-file = Nid oes gan y cofnod ffeil '{ $v }'.

## Ceisiadau am fynediad

my-access = Fy mynediad
record-n = Cofnod { $v }
request-title = Gofyn am fynediad
request-for = Ffeiliau
request-intro = Bydd stiwardiaid data'r cofnod yn darllen eich cais ac yn penderfynu. Dywedwch at beth y byddwch yn defnyddio'r data; gallant ei gymeradwyo gydag amodau, fel dyddiad gorffen neu gytundeb i'w dderbyn.
field-purpose = Diben (gofynnol)
field-purpose-hint = At beth y defnyddir y data.
field-project = Prosiect
field-intended-use = Sut y byddwch yn ei ddefnyddio (gofynnol)
field-intended-use-hint = Pwy fydd yn gweld y data, ble y caiff ei gadw a beth a gyhoeddir ohono.
field-duration = Am sawl diwrnod
field-duration-hint = Dewisol; y stiwardiaid sy'n pennu'r dyddiad gorffen.
request-send = Anfon y cais
problem-days = Rhowch nifer cyfan o ddiwrnodau, 1 neu fwy.
access-title = Fy mynediad
access-requested = Mae eich cais wedi'i anfon at stiwardiaid y cofnod. Byddwch yn clywed drwy e-bost pan fyddant yn penderfynu.
access-granted = Mae gennych fynediad nawr.
access-steward-link = Ceisiadau sy'n aros am eich penderfyniad fel stiward
access-waiting = Wedi'u cymeradwyo, yn aros amdanoch chi
access-none-waiting = Nid oes cymeradwyaeth yn aros amdanoch.
access-approved-with = Cymeradwyodd y stiwardiaid eich cais gyda'r amodau hyn:
condition-expires = daw'r mynediad i ben ar { $v }
condition-field-of-use = ar gyfer { $v } yn unig
condition-agreement = y cytundeb: { $v }
condition-policy = { $v }, fersiwn { $n }
access-accept-label = Rwy'n derbyn yr amodau hyn
access-accept = Derbyn a chael mynediad
access-grants = Mynediad sydd gennych
access-no-grants = Nid oes gennych unrhyw ganiatâd mynediad.
access-a-dataset = Set ddata
access-until = tan { $v }
access-ended = wedi dod i ben
access-requests = Eich ceisiadau
access-no-requests = Dim ceisiadau eraill.
request-status-pending = yn aros am benderfyniad
request-status-approved = wedi'i gymeradwyo
request-status-refused = wedi'i wrthod
request-status-accepted = wedi'i dderbyn
request-status-withdrawn = wedi'i dynnu'n ôl
steward-title = Stiwardio
steward-empty = Nid oes cais yn aros am benderfyniad.
steward-age = { $n ->
    [0] gwnaed heddiw
    [one] gwnaed ddoe
   *[other] gwnaed { $n } diwrnod yn ôl
}
steward-approve-legend = Cymeradwyo, gydag amodau
field-expires = Daw'r mynediad i ben ar
field-expires-hint = Os yw'n wag, y nifer o ddiwrnodau y gofynnwyd amdano o heddiw.
field-field-of-use = Maes defnydd
field-agreement = Cytundeb y mae'n rhaid i'r ceisydd ei dderbyn
steward-approve = Cymeradwyo
steward-refuse-legend = Gwrthod
field-reason = Pam (bydd y ceisydd yn darllen hwn)
steward-refuse = Gwrthod
steward-approved = Mae'r cais wedi'i gymeradwyo; dywedir wrth y ceisydd am dderbyn ei amodau.
steward-refused = Mae'r cais wedi'i wrthod; dywedir wrth y ceisydd pam.
steward-queue = Ceisiadau i'w penderfynu
steward-grants = Caniatâd cyfredol
steward-no-grants = Nid oes gan neb ganiatâd cyfredol i'r data rydych yn ei stiwardio.
steward-ended = Caniatâd sydd wedi dod i ben
steward-none-ended = Nid oes caniatâd wedi dod i ben eto.
steward-revoked = Mae'r caniatâd wedi'i ddirymu; dywedir wrth ei ddeiliad pam.
grant-dataset = Set ddata
grant-holder = Deiliad
grant-period = O – hyd at
grant-state = Cyflwr
grant-active = cyfredol
grant-reaccept = yn aros i'r deiliad dderbyn fersiwn newydd o'r cytundeb
grant-expired = wedi dod i ben
grant-revoked-on = dirymwyd ar { $v }
grant-revoke-legend = Dirymu
grant-revoke-hint = Daw'r mynediad i ben ar unwaith; dywedir y rheswm hwn wrth y deiliad.
grant-revoke = Dirymu'r caniatâd
grant-revoke-reason = Pam (bydd y deiliad yn darllen hwn)
form-problems = { $n ->
    [one] Mae problem i'w datrys
   *[other] Mae { $n } problem i'w datrys
}

## Cyfrif

account-title = Cyfrif
account-signed-in-as = Wedi mewngofnodi fel { $v }.
sign-out = Allgofnodi
tokens-title = Tocynnau API
tokens-intro = Mae tocyn yn gadael i'r gorchymyn tessera a'ch sgriptiau weithredu fel chi drwy'r API. Rhowch i bob un y cwmpasau sydd eu hangen arno yn unig, a'i ddirymu pan na chaiff ei ddefnyddio mwyach.
tokens-none = Nid oes gennych docynnau.
token-made = Mae eich tocyn newydd isod. Copïwch ef nawr: ni chaiff ei ddangos eto.
token-secret = Y tocyn newydd
token-copy = Copïo'r tocyn
token-name = Enw
token-name-hint = I'w adnabod, fel y cyfrifiadur y caiff ei ddefnyddio arno.
token-scopes = Cwmpasau
token-created = Gwnaed
token-expires = Yn dod i ben
token-expires-hint = Dewisol: y diwrnod olaf y mae'n gweithio.
token-never = byth
token-revoke = Dirymu
token-revoke-named = Dirymu { $v }
token-ended = wedi dod i ben
token-new = Tocyn newydd
token-make = Gwneud y tocyn
token-revoked = Mae'r tocyn wedi'i ddirymu; nid yw'n gweithio mwyach.
scope-read = darllen: darllen cofnodion, ffeiliau a'ch rhestrau eich hun
scope-deposit = adneuo: gwneud drafftiau, uwchlwytho a chyhoeddi
scope-steward = stiward: penderfynu ar geisiadau am fynediad
scope-admin = gweinyddu: gweinyddu sefydliadau

## Sefydliadau

account-work = Eich gwaith
organizations-title = Sefydliadau
organizations-none = Nid oes gennych rôl mewn unrhyw sefydliad.
role-depositor = adneuwr
role-curator = curadur
role-steward = stiward
role-admin = gweinyddwr
role-auditor = archwilydd
org-your-roles = Eich rolau: { $v }
org-members = Aelodau
org-no-members = Nid oes gan neb rôl yma eto.
field-email = E-bost
org-role = Rôl
org-remove = Tynnu
org-remove-named = Tynnu { $v }
org-add-member = Rhoi rôl i rywun
org-email-hint = E-bost eu cyfrif Tessera.
org-give-role = Rhoi'r rôl
org-member-added = Mae'r rôl wedi'i rhoi.
org-member-removed = Mae'r rôl wedi'i thynnu.
org-partners = Partneriaid dibynadwy
org-partners-intro = Caiff aelodau partner dibynadwy fynediad ar unwaith pan ofynnant am ddata'r sefydliad hwn o'r dosbarth yr ymddiriedir ynddynt ag ef.
org-no-partners = Nid ymddiriedir mewn unrhyw bartner.
org-data-class = Dosbarth data
org-add-partner = Ymddiried mewn partner
org-trust = Ymddiried yn y partner
org-partner-added = Ymddiriedir yn y partner.
org-partner-removed = Nid ymddiriedir yn y partner mwyach.
problem-email = Rhowch e-bost eu cyfrif.
problem-no-such-user = Nid oes cyfrif â'r e-bost hwn; rhaid iddynt fewngofnodi i Tessera unwaith yn gyntaf.
dashboard-title = Dangosfwrdd
dashboard-deposits = Fersiynau a gyhoeddwyd bob mis
dashboard-downloads = Lawrlwythiadau bob mis
dashboard-storage = Storfa a ddefnyddir gan bob sefydliad
dashboard-waiting = Ceisiadau am fynediad sy'n aros, yn ôl oed mewn diwrnodau
dashboard-month = Mis
dashboard-versions = Fersiynau
dashboard-download-count = Lawrlwythiadau
dashboard-organization = Sefydliad
dashboard-bytes = Storfa
dashboard-age = Oed
dashboard-requests = Ceisiadau
dashboard-age-days = { $v } diwrnod
dashboard-files = { $n ->
    [one] 1 ffeil
   *[other] { $n } ffeil
}
dashboard-no-organization = Dim sefydliad
dashboard-oldest = { $n ->
    [0] Gwnaed y cais hynaf sy'n aros heddiw.
    [one] Mae'r cais hynaf wedi aros diwrnod.
   *[other] Mae'r cais hynaf wedi aros { $n } diwrnod.
}
dashboard-none-waiting = Nid oes cais yn aros.
chart-note = Mae'r tabl isod yn rhoi'r un ffigurau.
activity-title = Eich gweithgarwch
activity-back = Yn ôl i'ch cyfrif
audit-title = Llwybr archwilio
audit-back = Yn ôl i { $v }
audit-period = Cyfnod
audit-from = O
audit-to = Hyd at
audit-show = Dangos
audit-none = Ni ddigwyddodd dim yn y cyfnod hwn.
audit-caption = Beth ddigwyddodd, { $v }
audit-when = Pryd (UTC)
audit-who = Pwy
audit-what = Beth
audit-target = Ynghylch
audit-outcome = Canlyniad
audit-nobody = neb wedi mewngofnodi
audit-next = Y dudalen nesaf
