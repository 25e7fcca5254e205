"""The default seed: the exact site docs/design.md promises ("Seeded data") to docs and tests.

Everything here is immutable configuration; mutable state (issues, counters) lives in state.py.
Ids follow Jira Cloud's own numbering where Jira has well-known defaults (status, resolution,
priority and permission ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CLOUD_ID = "11111111-2222-4333-8444-555555555555"
SERVER_TITLE = "Jira Emulator"


@dataclass(frozen=True)
class User:
    email: str
    account_id: str
    display_name: str
    account_type: str
    tokens: tuple[str, ...]
    scoped_tokens: tuple[str, ...]
    global_permissions: frozenset[str]
    project_permissions: frozenset[str]
    time_zone: str = "Etc/UTC"


@dataclass(frozen=True)
class StatusCategory:
    id: int
    key: str
    name: str
    color: str


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str
    description: str


@dataclass(frozen=True)
class Resolution:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    color: str
    description: str
    default: bool = False


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    description: str
    icon: str


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Transition:
    """A workflow transition; `sources` empty means global (available from every other status)."""

    id: str
    name: str
    to: str
    sources: tuple[str, ...] = ()
    screen_resolution: bool = False
    clears_resolution: bool = False
    event: str = "issue_generic"

    @property
    def is_global(self) -> bool:
        return not self.sources


@dataclass(frozen=True)
class SelectOption:
    id: str
    value: str


@dataclass(frozen=True)
class CustomField:
    id: str
    name: str
    kind: str  # "number" or "option"
    options: tuple[SelectOption, ...] = ()

    @property
    def custom_id(self) -> int:
        return int(self.id.removeprefix("customfield_"))


@dataclass(frozen=True)
class Project:
    id: str
    key: str
    name: str
    description: str
    simplified_workflow: bool
    statuses: tuple[str, ...]
    initial_status: str
    transitions: tuple[Transition, ...]
    issue_types: tuple[str, ...]
    components: tuple[Component, ...]
    required_by_type: dict[str, tuple[str, ...]] = field(default_factory=dict)
    custom_fields: tuple[str, ...] = ()
    lead_email: str = "admin@example.com"


ALL_PROJECT_PERMISSIONS = frozenset(
    {
        "ADMINISTER_PROJECTS",
        "BROWSE_PROJECTS",
        "VIEW_DEV_TOOLS",
        "VIEW_READONLY_WORKFLOW",
        "CREATE_ISSUES",
        "EDIT_ISSUES",
        "TRANSITION_ISSUES",
        "SCHEDULE_ISSUES",
        "MOVE_ISSUES",
        "ASSIGN_ISSUES",
        "ASSIGNABLE_USER",
        "RESOLVE_ISSUES",
        "CLOSE_ISSUES",
        "MODIFY_REPORTER",
        "DELETE_ISSUES",
        "LINK_ISSUES",
        "SET_ISSUE_SECURITY",
        "VIEW_VOTERS_AND_WATCHERS",
        "MANAGE_WATCHERS",
        "ADD_COMMENTS",
        "EDIT_ALL_COMMENTS",
        "EDIT_OWN_COMMENTS",
        "DELETE_ALL_COMMENTS",
        "DELETE_OWN_COMMENTS",
        "CREATE_ATTACHMENTS",
        "DELETE_ALL_ATTACHMENTS",
        "DELETE_OWN_ATTACHMENTS",
        "WORK_ON_ISSUES",
        "EDIT_OWN_WORKLOGS",
        "EDIT_ALL_WORKLOGS",
        "DELETE_OWN_WORKLOGS",
        "DELETE_ALL_WORKLOGS",
    }
)
DEVELOPER_PERMISSIONS = frozenset(
    {
        "BROWSE_PROJECTS",
        "VIEW_DEV_TOOLS",
        "VIEW_READONLY_WORKFLOW",
        "CREATE_ISSUES",
        "EDIT_ISSUES",
        "TRANSITION_ISSUES",
        "SCHEDULE_ISSUES",
        "ASSIGN_ISSUES",
        "ASSIGNABLE_USER",
        "RESOLVE_ISSUES",
        "CLOSE_ISSUES",
        "LINK_ISSUES",
        "VIEW_VOTERS_AND_WATCHERS",
        "ADD_COMMENTS",
        "EDIT_OWN_COMMENTS",
        "DELETE_OWN_COMMENTS",
        "CREATE_ATTACHMENTS",
        "DELETE_OWN_ATTACHMENTS",
        "WORK_ON_ISSUES",
        "EDIT_OWN_WORKLOGS",
        "DELETE_OWN_WORKLOGS",
    }
)
BROWSE_ONLY = frozenset({"BROWSE_PROJECTS"})

# (key, id, name, type, description) as Jira Cloud reports them in /mypermissions.
PERMISSIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "ADMINISTER",
        "0",
        "Administer Jira",
        "GLOBAL",
        "Create and administer projects, issue types, fields, workflows and schemes "
        "for all projects.",
    ),
    (
        "SYSTEM_ADMIN",
        "44",
        "Administer Jira system",
        "GLOBAL",
        "Ability to perform all administration functions.",
    ),
    (
        "USER_PICKER",
        "27",
        "Browse users and groups",
        "GLOBAL",
        "View and select users or groups from the user picker, and share issues.",
    ),
    (
        "CREATE_SHARED_OBJECTS",
        "22",
        "Share dashboards and filters",
        "GLOBAL",
        "Share dashboards and filters with other users.",
    ),
    ("BULK_CHANGE", "33", "Make bulk changes", "GLOBAL", "Modify collections of issues at once."),
    (
        "ADMINISTER_PROJECTS",
        "23",
        "Administer Projects",
        "PROJECT",
        "Ability to administer a project in Jira.",
    ),
    (
        "BROWSE_PROJECTS",
        "10",
        "Browse Projects",
        "PROJECT",
        "Ability to browse projects and the issues within them.",
    ),
    (
        "VIEW_DEV_TOOLS",
        "29",
        "View Development Tools",
        "PROJECT",
        "Allows users in a software project to view development-related information on the issue.",
    ),
    (
        "VIEW_READONLY_WORKFLOW",
        "45",
        "View Read-Only Workflow",
        "PROJECT",
        "Users with this permission may view a read-only version of a workflow.",
    ),
    ("CREATE_ISSUES", "11", "Create Issues", "PROJECT", "Ability to create issues."),
    ("EDIT_ISSUES", "12", "Edit Issues", "PROJECT", "Ability to edit issues."),
    ("TRANSITION_ISSUES", "46", "Transition Issues", "PROJECT", "Ability to transition issues."),
    (
        "SCHEDULE_ISSUES",
        "28",
        "Schedule Issues",
        "PROJECT",
        "Ability to view or edit an issue's due date.",
    ),
    (
        "MOVE_ISSUES",
        "25",
        "Move Issues",
        "PROJECT",
        "Ability to move issues between projects or between workflows of the same "
        "project (if applicable).",
    ),
    (
        "ASSIGN_ISSUES",
        "13",
        "Assign Issues",
        "PROJECT",
        "Ability to assign issues to other people.",
    ),
    (
        "ASSIGNABLE_USER",
        "17",
        "Assignable User",
        "PROJECT",
        "Users with this permission may be assigned to issues.",
    ),
    (
        "RESOLVE_ISSUES",
        "14",
        "Resolve Issues",
        "PROJECT",
        "Ability to resolve and reopen issues. This includes the ability to set a fix version.",
    ),
    (
        "CLOSE_ISSUES",
        "18",
        "Close Issues",
        "PROJECT",
        "Ability to close issues. Often useful where your developers resolve issues, "
        "and a QA department closes them.",
    ),
    (
        "MODIFY_REPORTER",
        "30",
        "Modify Reporter",
        "PROJECT",
        "Ability to modify the reporter when creating or editing an issue.",
    ),
    ("DELETE_ISSUES", "16", "Delete Issues", "PROJECT", "Ability to delete issues."),
    (
        "LINK_ISSUES",
        "21",
        "Link Issues",
        "PROJECT",
        "Ability to link issues together and create linked issues.",
    ),
    (
        "SET_ISSUE_SECURITY",
        "26",
        "Set Issue Security",
        "PROJECT",
        "Ability to set the level of security on an issue so that only people in that "
        "security level can see the issue.",
    ),
    (
        "VIEW_VOTERS_AND_WATCHERS",
        "31",
        "View Voters and Watchers",
        "PROJECT",
        "Ability to view the voters and watchers of an issue.",
    ),
    (
        "MANAGE_WATCHERS",
        "32",
        "Manage Watchers",
        "PROJECT",
        "Ability to manage the watchers of an issue.",
    ),
    ("ADD_COMMENTS", "15", "Add Comments", "PROJECT", "Ability to comment on issues."),
    (
        "EDIT_ALL_COMMENTS",
        "34",
        "Edit All Comments",
        "PROJECT",
        "Ability to edit all comments made on issues.",
    ),
    (
        "EDIT_OWN_COMMENTS",
        "35",
        "Edit Own Comments",
        "PROJECT",
        "Ability to edit own comments made on issues.",
    ),
    (
        "DELETE_ALL_COMMENTS",
        "36",
        "Delete All Comments",
        "PROJECT",
        "Ability to delete all comments made on issues.",
    ),
    (
        "DELETE_OWN_COMMENTS",
        "37",
        "Delete Own Comments",
        "PROJECT",
        "Ability to delete own comments made on issues.",
    ),
    (
        "CREATE_ATTACHMENTS",
        "19",
        "Create Attachments",
        "PROJECT",
        "Users with this permission may create attachments.",
    ),
    (
        "DELETE_ALL_ATTACHMENTS",
        "38",
        "Delete All Attachments",
        "PROJECT",
        "Users with this permission may delete all attachments.",
    ),
    (
        "DELETE_OWN_ATTACHMENTS",
        "39",
        "Delete Own Attachments",
        "PROJECT",
        "Users with this permission may delete own attachments.",
    ),
    (
        "WORK_ON_ISSUES",
        "20",
        "Work On Issues",
        "PROJECT",
        "Ability to log work done against an issue. Only useful if Time Tracking is turned on.",
    ),
    (
        "EDIT_OWN_WORKLOGS",
        "40",
        "Edit Own Worklogs",
        "PROJECT",
        "Ability to edit own worklogs made on issues.",
    ),
    (
        "EDIT_ALL_WORKLOGS",
        "41",
        "Edit All Worklogs",
        "PROJECT",
        "Ability to edit all worklogs made on issues.",
    ),
    (
        "DELETE_OWN_WORKLOGS",
        "42",
        "Delete Own Worklogs",
        "PROJECT",
        "Ability to delete own worklogs made on issues.",
    ),
    (
        "DELETE_ALL_WORKLOGS",
        "43",
        "Delete All Worklogs",
        "PROJECT",
        "Ability to delete all worklogs made on issues.",
    ),
)

USERS: tuple[User, ...] = (
    User(
        email="admin@example.com",
        account_id="712020:0e6c9a4e-5b1d-4f3a-9c2e-1a0000000001",
        display_name="Site Admin",
        account_type="atlassian",
        tokens=("admin-token",),
        scoped_tokens=(),
        global_permissions=frozenset(
            {"ADMINISTER", "SYSTEM_ADMIN", "USER_PICKER", "CREATE_SHARED_OBJECTS", "BULK_CHANGE"}
        ),
        project_permissions=ALL_PROJECT_PERMISSIONS,
    ),
    User(
        email="svc@example.com",
        account_id="712020:0e6c9a4e-5b1d-4f3a-9c2e-1a0000000002",
        display_name="Security Sync Service",
        account_type="app",
        tokens=("svc-token",),
        scoped_tokens=("svc-scoped-token",),
        global_permissions=frozenset({"USER_PICKER"}),
        project_permissions=ALL_PROJECT_PERMISSIONS,
    ),
    User(
        email="alice@example.com",
        account_id="712020:0e6c9a4e-5b1d-4f3a-9c2e-1a0000000003",
        display_name="Alice Example",
        account_type="atlassian",
        tokens=("alice-token",),
        scoped_tokens=(),
        global_permissions=frozenset({"USER_PICKER"}),
        project_permissions=DEVELOPER_PERMISSIONS,
    ),
    User(
        email="viewer@example.com",
        account_id="712020:0e6c9a4e-5b1d-4f3a-9c2e-1a0000000004",
        display_name="Viewer Example",
        account_type="atlassian",
        tokens=("viewer-token",),
        scoped_tokens=(),
        global_permissions=frozenset(),
        project_permissions=BROWSE_ONLY,
    ),
)

STATUS_CATEGORIES: tuple[StatusCategory, ...] = (
    StatusCategory(1, "undefined", "No Category", "medium-gray"),
    StatusCategory(2, "new", "To Do", "blue-gray"),
    StatusCategory(4, "indeterminate", "In Progress", "yellow"),
    StatusCategory(3, "done", "Done", "green"),
)

STATUSES: tuple[Status, ...] = (
    Status("1", "Open", "new", "The issue is open and ready for the assignee to start work on it."),
    Status(
        "3",
        "In Progress",
        "indeterminate",
        "This issue is being actively worked on at the moment by the assignee.",
    ),
    Status(
        "6",
        "Closed",
        "done",
        "The issue is considered finished, the resolution is correct. Issues which are "
        "closed can be reopened.",
    ),
    Status("10000", "To Do", "new", ""),
    Status("10001", "Done", "done", ""),
    Status("10002", "In Review", "indeterminate", "The work is waiting for a review."),
)

RESOLUTIONS: tuple[Resolution, ...] = (
    Resolution("10000", "Done", "Work has been completed on this issue."),
    Resolution("1", "Fixed", "A fix for this issue is checked into the tree and tested."),
    Resolution("2", "Won't Fix", "The problem described is an issue which will never be fixed."),
    Resolution("10001", "Won't Do", "This issue won't be actioned."),
    Resolution("3", "Duplicate", "The problem is a duplicate of an existing issue."),
)

PRIORITIES: tuple[Priority, ...] = (
    Priority("1", "Highest", "#d04437", "This problem will block progress."),
    Priority("2", "High", "#f15C75", "Serious problem that could block progress."),
    Priority("3", "Medium", "#f79232", "Has the potential to affect progress.", default=True),
    Priority("4", "Low", "#707070", "Minor problem or easily worked around."),
    Priority("5", "Lowest", "#999999", "Trivial problem with little or no impact on progress."),
)

ISSUE_TYPES: tuple[IssueType, ...] = (
    IssueType("10001", "Task", "A small, distinct piece of work.", "task"),
    IssueType("10002", "Bug", "A problem or error.", "bug"),
)

CUSTOM_FIELDS: tuple[CustomField, ...] = (
    CustomField("customfield_10050", "CVSS Score", "number"),
    CustomField(
        "customfield_10051",
        "Finding Source",
        "option",
        (
            SelectOption("10100", "Scanner"),
            SelectOption("10101", "Pentest"),
            SelectOption("10102", "Bug Bounty"),
        ),
    ),
)

SEC = Project(
    id="10000",
    key="SEC",
    name="Security",
    description="Security findings (simplified workflow).",
    simplified_workflow=True,
    statuses=("10000", "3", "10001"),
    initial_status="10000",
    transitions=(
        Transition("11", "To Do", "10000"),
        Transition("21", "In Progress", "3"),
        Transition("31", "Done", "10001"),
    ),
    issue_types=("10001", "10002"),
    components=(
        Component("10000", "api", "Public and internal APIs."),
        Component("10001", "web", "Web front end."),
    ),
    required_by_type={"10002": ("components",)},
    custom_fields=("customfield_10050", "customfield_10051"),
)

OPS = Project(
    id="10001",
    key="OPS",
    name="Operations",
    description="Operations work (classic workflow).",
    simplified_workflow=False,
    statuses=("1", "3", "10002", "10001", "6"),
    initial_status="1",
    transitions=(
        Transition("11", "Start Progress", "3", sources=("1",)),
        Transition("21", "Ready for Review", "10002", sources=("3",)),
        Transition(
            "31",
            "Done",
            "10001",
            sources=("10002",),
            screen_resolution=True,
            event="issue_resolved",
        ),
        Transition("41", "Close Issue", "6", screen_resolution=True, event="issue_closed"),
        Transition(
            "51",
            "Reopen Issue",
            "1",
            sources=("10001", "6"),
            clears_resolution=True,
            event="issue_reopened",
        ),
    ),
    issue_types=("10001", "10002"),
    components=(Component("10002", "infra", "Infrastructure and hosting."),),
)

PROJECTS: tuple[Project, ...] = (SEC, OPS)

# The resolution Jira's simplified workflow sets when an issue enters a done-category status.
SIMPLIFIED_DONE_RESOLUTION = "10000"
