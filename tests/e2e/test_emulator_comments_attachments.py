"""Comments (ADF, validated) and attachments (multipart, XSRF header) on emulated issues."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session

SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
VIEWER = ("viewer@example.com", "viewer-token")
NO_CHECK = {"X-Atlassian-Token": "no-check"}


def doc(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def new_issue(jira: JiraEmulator) -> str:
    body = {"fields": {"project": {"key": "SEC"}, "issuetype": {"name": "Task"}, "summary": "s"}}
    key: str = (
        emulator_session(*SVC)
        .post(f"{jira.base_url}/rest/api/3/issue", json=body, timeout=5)
        .json()["key"]
    )
    return key


def test_given_adf_comment_when_posted_then_201_and_listed(jira: JiraEmulator) -> None:
    key = new_issue(jira)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/comment"
    response = emulator_session(*ALICE).post(url, json={"body": doc("PR opened")}, timeout=5)
    assert response.status_code == 201
    created = response.json()
    assert created["body"] == doc("PR opened")
    assert created["author"]["displayName"] == "Alice Example"
    assert created["self"].endswith(f"/comment/{created['id']}")
    listed = emulator_session(*SVC).get(url, timeout=5).json()
    assert listed["total"] == 1
    assert [c["id"] for c in listed["comments"]] == [created["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": "plain text"},
        {
            "body": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}],
            }
        },
        {"body": {"type": "doc", "version": 1, "content": [{"type": "mystery"}]}},
    ],
)
def test_given_invalid_comment_body_when_posted_then_400_and_not_stored(
    jira: JiraEmulator, body: dict[str, Any]
) -> None:
    key = new_issue(jira)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/comment"
    response = emulator_session(*SVC).post(url, json=body, timeout=5)
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]
    assert emulator_session(*SVC).get(url, timeout=5).json()["total"] == 0


def test_given_viewer_when_commenting_then_refused(jira: JiraEmulator) -> None:
    key = new_issue(jira)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/comment"
    response = emulator_session(*VIEWER).post(url, json={"body": doc("hi")}, timeout=5)
    assert response.status_code == 400
    assert emulator_session(*SVC).get(url, timeout=5).json()["total"] == 0


def test_given_comment_when_edited_and_deleted_then_body_changes_then_gone(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira)
    base = f"{jira.base_url}/rest/api/3/issue/{key}/comment"
    alice = emulator_session(*ALICE)
    comment_id = alice.post(base, json={"body": doc("v1")}, timeout=5).json()["id"]
    edited = alice.put(f"{base}/{comment_id}", json={"body": doc("v2")}, timeout=5)
    assert edited.status_code == 200
    assert edited.json()["body"] == doc("v2")
    assert emulator_session(*VIEWER).delete(f"{base}/{comment_id}", timeout=5).status_code == 400
    assert alice.delete(f"{base}/{comment_id}", timeout=5).status_code == 204
    assert alice.get(f"{base}/{comment_id}", timeout=5).status_code == 404


def test_given_no_xsrf_header_when_attaching_then_403_xsrf_check_failed(jira: JiraEmulator) -> None:
    key = new_issue(jira)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/attachments"
    response = emulator_session(*SVC).post(
        url, files={"file": ("a.csv", b"x,y\n1,2\n", "text/csv")}, timeout=5
    )
    assert response.status_code == 403
    assert response.text == "XSRF check failed"
    fields = (
        emulator_session(*SVC)
        .get(f"{jira.base_url}/rest/api/3/issue/{key}", timeout=5)
        .json()["fields"]
    )
    assert fields["attachment"] == []


def test_given_xsrf_header_when_attaching_then_200_list_and_content_downloadable(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira)
    session = emulator_session(*SVC)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/attachments"
    content = b"id,severity\nF-1,high\n"
    response = session.post(
        url, files={"file": ("snapshot.csv", content, "text/csv")}, headers=NO_CHECK, timeout=5
    )
    assert response.status_code == 200
    (attachment,) = response.json()
    assert attachment["filename"] == "snapshot.csv"
    assert attachment["size"] == len(content)
    assert attachment["mimeType"] == "text/csv"
    assert session.get(attachment["content"], timeout=5).content == content
    fields = session.get(f"{jira.base_url}/rest/api/3/issue/{key}", timeout=5).json()["fields"]
    assert [a["id"] for a in fields["attachment"]] == [attachment["id"]]


def test_given_part_not_named_file_when_attaching_then_400(jira: JiraEmulator) -> None:
    key = new_issue(jira)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/attachments"
    files = {"upload": ("a.txt", b"x", "text/plain")}
    assert (
        emulator_session(*SVC).post(url, files=files, headers=NO_CHECK, timeout=5).status_code
        == 400
    )


def test_given_viewer_when_attaching_then_403(jira: JiraEmulator) -> None:
    key = new_issue(jira)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/attachments"
    files = {"file": ("a.txt", b"x", "text/plain")}
    response = emulator_session(*VIEWER).post(url, files=files, headers=NO_CHECK, timeout=5)
    assert response.status_code == 403
    assert response.json()["errorMessages"]


def test_given_unknown_issue_when_attaching_then_404(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/rest/api/3/issue/SEC-404/attachments"
    files = {"file": ("a.txt", b"x", "text/plain")}
    assert (
        emulator_session(*SVC).post(url, files=files, headers=NO_CHECK, timeout=5).status_code
        == 404
    )
