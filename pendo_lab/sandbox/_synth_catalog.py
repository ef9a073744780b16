"""The fixed catalogue of the sandbox's fictional product, Acme Cloud (a reporting SaaS).

Apps, product areas, pages, features, track types, guides, polls and the user agents that
visitors use. These do not depend on the seed: object ids are derived from names, so an id
such as the NPS guide's stays the same in every sandbox (see :func:`object_id`). Only who does
what, and when, is random.

Example:
    >>> object_id("guide", "NPS survey") == object_id("guide", "NPS survey")
    True
    >>> len(object_id("page", "Dashboard"))
    27
"""

from __future__ import annotations

import base64
import hashlib
from typing import NamedTuple

DEFAULT_APP_ID = -323232
MOBILE_APP_ID = 5629499534213120


def object_id(kind: str, name: str) -> str:
    """A Pendo-looking 27-character id, fixed by the object's kind and name.

    Example:
        >>> object_id("feature", "Export PDF")[:4].isascii()
        True
    """
    digest = hashlib.sha256(f"{kind}:{name}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:27]


class App(NamedTuple):
    id: int
    name: str
    platform: str  # web | ios | android | extension
    server: str


APPS = (
    App(DEFAULT_APP_ID, "Acme Cloud", "web", "app.acme-cloud.example"),
    App(MOBILE_APP_ID, "Acme Cloud iOS", "ios", "com.acmecloud.ios"),
)

#: Product areas (groups source, groupType "group") and guide categories ("guideCategory").
PRODUCT_AREAS = (
    ("Reporting", "#1f77b4", "Building, reading and exporting reports"),
    ("Dashboards", "#ff7f0e", "The home dashboard and its widgets"),
    ("Administration", "#2ca02c", "Users, billing and settings"),
    ("Collaboration", "#d62728", "Sharing, integrations and invitations"),
    ("Mobile", "#9467bd", "The iOS app"),
)
GUIDE_CATEGORIES = (
    ("Onboarding", "#17becf", "Tours for new visitors"),
    ("Announcements", "#bcbd22", "New features and changes"),
    ("Surveys", "#e377c2", "NPS and polls"),
)


#: What launched during the log, and how many days before ``now``: their pages and features
#: see no use before that.
LAUNCHED_DAYS_AGO = {"AI insights": 30, "Generate insight": 30}


class UrlTemplate(NamedTuple):
    path: str        # "{rid}", "{q}", "{tab}", "{article}" are filled in per event
    app: int
    weight: float    # relative popularity of page loads in its app
    launched_days_ago: int | None = None  # None: served before the log starts


#: Every URL the product serves; some are tagged by no page (they count in `events` only).
URLS = (
    UrlTemplate("/dashboard", DEFAULT_APP_ID, 30),
    UrlTemplate("/reports", DEFAULT_APP_ID, 18),
    UrlTemplate("/reports/{rid}", DEFAULT_APP_ID, 22),
    UrlTemplate("/reports/{rid}/edit", DEFAULT_APP_ID, 7),
    UrlTemplate("/search?q={q}", DEFAULT_APP_ID, 6),
    UrlTemplate("/settings/profile", DEFAULT_APP_ID, 3),
    UrlTemplate("/admin/users", DEFAULT_APP_ID, 2),
    UrlTemplate("/admin/billing", DEFAULT_APP_ID, 1),
    UrlTemplate("/integrations?tab={tab}", DEFAULT_APP_ID, 2),
    UrlTemplate("/help/{article}", DEFAULT_APP_ID, 3),
    UrlTemplate("/welcome", DEFAULT_APP_ID, 2),
    UrlTemplate("/insights", DEFAULT_APP_ID, 2, LAUNCHED_DAYS_AGO["AI insights"]),
    UrlTemplate("/notifications", DEFAULT_APP_ID, 2),
    UrlTemplate("/HomeView", MOBILE_APP_ID, 50),
    UrlTemplate("/ReportView", MOBILE_APP_ID, 35),
    UrlTemplate("/SettingsView", MOBILE_APP_ID, 5),
    UrlTemplate("/OfflineView", MOBILE_APP_ID, 3),
)

URL_VALUES = {
    "q": ("revenue", "churn", "pipeline", "q3", "forecast", "kpi", "cohort", "nps", "usage", "okr"),
    "tab": ("slack", "salesforce", "hubspot", "jira", "teams"),
    "article": ("getting-started", "exporting", "sharing", "billing-faq", "sso", "api-keys"),
}


class Tagged(NamedTuple):
    """A page or a feature: ``rule`` tags URLs (a page) or clicked elements (a feature) of
    ``app``; ``area`` is its product area, ``core`` whether it is a core event."""

    name: str
    app: int
    rule: str
    area: str
    core: bool = False


Page = Feature = Tagged

PAGES = (
    Page("Dashboard", DEFAULT_APP_ID, "//*/dashboard", "Dashboards", True),
    Page("Reports list", DEFAULT_APP_ID, "//*/reports", "Reporting", True),
    Page("Report detail", DEFAULT_APP_ID, "//*/reports/*parameter*", "Reporting"),
    Page("Report editor", DEFAULT_APP_ID, "//*/reports/*/edit", "Reporting"),
    Page("All reporting pages", DEFAULT_APP_ID, "//*/reports/**", "Reporting"),
    Page("Search results", DEFAULT_APP_ID, "//*/search?q", "Reporting"),
    Page("Profile settings", DEFAULT_APP_ID, "//*/settings/profile", "Administration"),
    Page("Team members", DEFAULT_APP_ID, "//*/admin/users", "Administration"),
    Page("Billing", DEFAULT_APP_ID, "//*/admin/billing", "Administration"),
    Page("Integrations", DEFAULT_APP_ID, "//*/integrations", "Collaboration"),
    Page("Slack integration", DEFAULT_APP_ID, "//*/integrations?tab=slack", "Collaboration"),
    Page("Help article", DEFAULT_APP_ID, "//*/help/*parameter*", "Administration"),
    Page("Welcome checklist", DEFAULT_APP_ID, "//*/welcome", "Dashboards"),
    Page("AI insights", DEFAULT_APP_ID, "//*/insights", "Reporting"),
    Page("Home (iOS)", MOBILE_APP_ID, "//*/HomeView", "Mobile", True),
    Page("Report viewer (iOS)", MOBILE_APP_ID, "//*/ReportView", "Mobile"),
    Page("Settings (iOS)", MOBILE_APP_ID, "//*/SettingsView", "Mobile"),
)


class Element(NamedTuple):
    path: str          # the clicked element with its ancestors
    app: int
    weight: float      # relative popularity among clicks
    adoption: float    # share of visitors who ever use it
    launched_days_ago: int | None = None  # None: available before the log starts


#: Clickable elements; tagged by the features below (one click may match several features).
ELEMENTS = (
    Element("div.app > nav.sidebar > a#nav-dashboard.nav-link", DEFAULT_APP_ID, 14, 1.0),
    Element("div.app > nav.sidebar > a#nav-reports.nav-link", DEFAULT_APP_ID, 12, 1.0),
    Element("div.app > nav.sidebar > a#nav-settings.nav-link", DEFAULT_APP_ID, 3, 0.55),
    Element("div.app > main.content > div.date-picker", DEFAULT_APP_ID, 10, 0.75),
    Element("div.app > main.content > div.filter-panel", DEFAULT_APP_ID, 8, 0.6),
    Element("div.app > header.topbar > input#global-search", DEFAULT_APP_ID, 6, 0.65),
    Element("div.app > main.content > button#add-widget.btn", DEFAULT_APP_ID, 4, 0.4),
    Element("div.app > main.content > button#create-report.btn.btn-primary", DEFAULT_APP_ID, 4,
            0.2),
    Element("div.app > main.content > button#export-csv.btn", DEFAULT_APP_ID, 5, 0.45),
    Element("div.app > main.content > button#export-pdf.btn", DEFAULT_APP_ID, 4, 0.3),
    Element("div.app > main.content > button#share-report.btn", DEFAULT_APP_ID, 2, 0.15),
    Element("div.app > main.content > button#schedule-report.btn", DEFAULT_APP_ID, 1, 0.08),
    Element("div.app > main.content > button#invite-user.btn", DEFAULT_APP_ID, 1, 0.1),
    Element("div.app > main.content > button#update-payment.btn", DEFAULT_APP_ID, 0.5, 0.03),
    Element("div.app > main.content > button#connect-slack.btn", DEFAULT_APP_ID, 0.5, 0.06),
    Element("div.app > main.content > button#generate-insight.btn.btn-primary", DEFAULT_APP_ID, 2,
            0.05, LAUNCHED_DAYS_AGO["Generate insight"]),
    Element("div.app > footer > button#help-launcher", DEFAULT_APP_ID, 2, 0.2),
    Element("div.app > div.toast > button.close", DEFAULT_APP_ID, 2, 0.9),
    Element("UIWindow > UITabBar > UIButton#refresh", MOBILE_APP_ID, 10, 1.0),
    Element("UIWindow > UITableView > UITableViewCell#report-cell", MOBILE_APP_ID, 12, 1.0),
    Element("UIWindow > UINavigationBar > UIButton#share", MOBILE_APP_ID, 2, 0.25),
)


FEATURES = (
    Feature("Nav: Dashboard", DEFAULT_APP_ID, "#nav-dashboard", "Dashboards"),
    Feature("Nav: Reports", DEFAULT_APP_ID, "#nav-reports", "Reporting"),
    Feature("Nav: Settings", DEFAULT_APP_ID, "#nav-settings", "Administration"),
    Feature("Any sidebar link", DEFAULT_APP_ID, "nav a.nav-link", "Dashboards"),
    Feature("Date range picker", DEFAULT_APP_ID, "div.date-picker", "Reporting"),
    Feature("Filter panel", DEFAULT_APP_ID, "div.filter-panel", "Reporting"),
    Feature("Global search", DEFAULT_APP_ID, "#global-search", "Reporting"),
    Feature("Add widget", DEFAULT_APP_ID, "#add-widget", "Dashboards"),
    Feature("Create report", DEFAULT_APP_ID, "button#create-report", "Reporting", True),
    Feature("Export CSV", DEFAULT_APP_ID, "#export-csv", "Reporting", True),
    Feature("Export PDF", DEFAULT_APP_ID, "#export-pdf", "Reporting", True),
    Feature("Share report", DEFAULT_APP_ID, "#share-report", "Collaboration", True),
    Feature("Schedule email", DEFAULT_APP_ID, "#schedule-report", "Reporting"),
    Feature("Invite user", DEFAULT_APP_ID, "#invite-user", "Collaboration", True),
    Feature("Update payment method", DEFAULT_APP_ID, "#update-payment", "Administration"),
    Feature("Connect Slack", DEFAULT_APP_ID, "#connect-slack", "Collaboration"),
    Feature("Generate insight", DEFAULT_APP_ID, "#generate-insight", "Reporting"),
    Feature("Help launcher", DEFAULT_APP_ID, "#help-launcher", "Administration"),
    Feature("Refresh (iOS)", MOBILE_APP_ID, "UIButton#refresh", "Mobile", True),
    Feature("Open report (iOS)", MOBILE_APP_ID, "UITableViewCell#report-cell", "Mobile"),
    Feature("Share (iOS)", MOBILE_APP_ID, "UIButton#share", "Mobile"),
)


class TrackType(NamedTuple):
    name: str
    app: int
    weight: float
    properties: dict[str, tuple[str, ...]]   # property name -> possible values
    server_side: bool = False
    area: str = "Reporting"


TRACK_TYPES = (
    TrackType("Report Exported", DEFAULT_APP_ID, 5, {"format": ("csv", "pdf", "xlsx")}),
    TrackType("Search Performed", DEFAULT_APP_ID, 6, {"results": ("none", "some", "many")}),
    TrackType("Dashboard Shared", DEFAULT_APP_ID, 1.5, {"channel": ("email", "slack", "link")},
              area="Collaboration"),
    TrackType("User Invited", DEFAULT_APP_ID, 1, {"role": ("admin", "editor", "viewer")},
              area="Collaboration"),
    TrackType("Plan Upgraded", DEFAULT_APP_ID, 0.3, {"plan": ("growth", "enterprise")}, True,
              "Administration"),
    TrackType("Report Opened", MOBILE_APP_ID, 4, {"source": ("list", "push", "search")},
              area="Mobile"),
)


class Poll(NamedTuple):
    question: str
    type: str                 # NumberScale | FreeForm | PickList | YesNo
    responses: tuple[str, ...] = ()   # PickList / YesNo labels


class GuideDef(NamedTuple):
    name: str
    app: int
    category: str
    steps: int
    audience: str               # new (arrived in the log) | identified | all
    share: float                # share of the audience shown the guide
    published_days_ago: int | None  # None: never published (draft)
    polls: tuple[Poll, ...] = ()
    conversion: str | None = None   # feature name of the guide goal
    state: str = "public"


GUIDES = (
    GuideDef("Welcome tour", DEFAULT_APP_ID, "Onboarding", 3, "new", 0.9, 400,
             conversion="Create report"),
    GuideDef("NPS survey", DEFAULT_APP_ID, "Surveys", 1, "identified", 0.45, 120,
             (Poll("How likely are you to recommend Acme Cloud to a friend or colleague?",
                   "NumberScale"),
              Poll("What is the main reason for your score?", "FreeForm"))),
    GuideDef("New: AI insights", DEFAULT_APP_ID, "Announcements", 2, "all", 0.5, 28,
             conversion="Generate insight"),
    GuideDef("Export format poll", DEFAULT_APP_ID, "Surveys", 1, "identified", 0.2, 60,
             (Poll("Which export format do you use most?", "PickList", ("CSV", "PDF", "Excel")),)),
    GuideDef("Was this article helpful?", DEFAULT_APP_ID, "Surveys", 1, "all", 0.3, 200,
             (Poll("Was this article helpful?", "YesNo", ("Yes", "No")),)),
    GuideDef("Mobile onboarding", MOBILE_APP_ID, "Onboarding", 2, "new", 0.8, 300),
    GuideDef("Billing page refresh", DEFAULT_APP_ID, "Announcements", 1, "all", 0.0, None,
             state="draft"),
)

#: Free-text NPS follow-ups by score band (detractor 0-6, passive 7-8, promoter 9-10).
NPS_COMMENTS = {
    "detractor": ("Exports keep timing out.", "Too expensive for what we use.",
                  "The editor is confusing.", "Reports load slowly."),
    "passive": ("Does the job.", "Good, but I miss scheduled exports.", "Fine for basic reports."),
    "promoter": ("Love the dashboards!", "Saves me hours every week.",
                 "Sharing reports with my team is easy.", "Great support team."),
}


class UserAgent(NamedTuple):
    ua: str
    browser: str
    version: str
    os: str
    device: str      # desktop | phone | tablet
    weight: float


USER_AGENTS = (
    UserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.6367.119 Safari/537.36", "Chrome", "124.0.6367", "Windows", "desktop",
              30),
    UserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
              "Gecko) Chrome/123.0.6312.122 Safari/537.36", "Chrome", "123.0.6312", "Mac OS X",
              "desktop", 18),
    UserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
              "Gecko) Version/17.4.1 Safari/605.1.15", "Safari", "17.4.1", "Mac OS X", "desktop",
              10),
    UserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80", "Edge", "124.0.2478", "Windows",
              "desktop", 12),
    UserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
              "Firefox", "125.0", "Windows", "desktop", 7),
    UserAgent("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
              "Firefox", "124.0", "Linux", "desktop", 2),
    UserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Safari/537.36", "Chrome", "124.0.0", "Linux", "desktop", 3),
    UserAgent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1", "Mobile Safari",
              "17.4.1", "iOS", "phone", 6),
    UserAgent("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.6367.113 Mobile Safari/537.36", "Chrome Mobile", "124.0.6367",
              "Android", "phone", 4),
    UserAgent("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
              "Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Mobile Safari", "17.4", "iOS",
              "tablet", 2),
    UserAgent("Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
              "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", "Samsung Internet",
              "24.0", "Android", "phone", 1),
)
#: The iOS app's user agents (its events and sessions).
APP_USER_AGENTS = (
    UserAgent("AcmeCloud/5.2.0 (iPhone; iOS 17.4.1; Scale/3.00)", "AcmeCloud", "5.2.0", "iOS",
              "phone", 8),
    UserAgent("AcmeCloud/5.2.0 (iPad; iOS 17.4; Scale/2.00)", "AcmeCloud", "5.2.0", "iOS",
              "tablet", 2),
)

#: Pendo users who created and edited the objects (createdByUser / lastUpdatedByUser).
PENDO_USERS = (
    ("Priya", "Raman", "priya.raman@acme-cloud.example"),
    ("Marcus", "Lee", "marcus.lee@acme-cloud.example"),
    ("Sofia", "Alvarez", "sofia.alvarez@acme-cloud.example"),
)

FIRST_NAMES = ("Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Yuki", "Amara", "Chen", "Lucas",
               "Isla", "Omar", "Priya", "Diego", "Hana", "Elena", "Kwame", "Sara", "Jonas", "Mia",
               "Ravi", "Nora", "Leo", "Zoe", "Ines", "Tariq", "Freya", "Ben", "Aiko", "Maya")
LAST_NAMES = ("Smith", "Garcia", "Chen", "Okafor", "Müller", "Rossi", "Tanaka", "Silva", "Nguyen",
              "Kowalski", "Haddad", "Johansson", "Patel", "Dubois", "Kim", "Novak", "Costa",
              "Murphy", "Ali", "Larsen", "Moreau", "Schmidt", "Lopez", "Park", "Evans")
COMPANY_WORDS = (("Northwind", "Blue", "Summit", "Bright", "Iron", "Silver", "Granite", "Cedar",
                  "Harbor", "Apex", "Nimbus", "Quantum", "Redwood", "Orbit", "Lumen", "Vertex",
                  "Polar", "Sterling", "Maple", "Atlas"),
                 ("Traders", "Logistics", "Health", "Foods", "Analytics", "Energy", "Labs",
                  "Financial", "Retail", "Robotics", "Media", "Partners", "Systems", "Works",
                  "Bank", "Insurance", "Airlines", "Studios", "Pharma", "Outfitters"))
INDUSTRIES = ("Retail", "Healthcare", "Financial Services", "Manufacturing", "Software", "Media",
              "Logistics", "Education")
ROLES = ("Admin", "Editor", "Viewer")
DEPARTMENTS = ("Finance", "Sales", "Marketing", "Operations", "Engineering", "Support")
LANGUAGES = ("en-US", "en-GB", "es-419", "fr-FR", "de-DE", "ja-JP", "pt-BR")
#: Account regions: share of accounts, UTC hour offset of their working day, places.
REGIONS = {
    "NA": (0.65, 0, (("US", "NY", 40.71, -74.01), ("US", "CA", 37.77, -122.42),
                     ("US", "TX", 30.27, -97.74), ("CA", "ON", 43.65, -79.38))),
    "EU": (0.25, -6, (("GB", "ENG", 51.51, -0.13), ("DE", "BE", 52.52, 13.40),
                      ("FR", "IDF", 48.86, 2.35), ("ES", "MD", 40.42, -3.70))),
    "APAC": (0.10, -13, (("JP", "13", 35.68, 139.69), ("AU", "NSW", -33.87, 151.21),
                         ("SG", "01", 1.35, 103.82))),
}
FEEDBACK_TITLES = ("Scheduled exports to S3", "Dark mode", "More chart types",
                   "SAML SSO for all plans", "Bulk edit reports", "Slack alerts on thresholds",
                   "Faster PDF exports", "Custom fiscal calendar", "Mobile offline mode",
                   "Audit log export", "Report templates gallery", "Granular sharing permissions")
